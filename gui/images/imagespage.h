#pragma once

#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QStackedWidget;

namespace Berth::Gui {

class ActivityView;
class EngineConnection;
class StatTile;

// What the engine reports about images (/info) and the live image activity.
class ImagesPage : public QWidget
{
    Q_OBJECT
public:
    ImagesPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent = nullptr);

private:
    void update();

    EngineConnection *m_connection = nullptr;
    QStackedWidget *m_summary = nullptr;
    QWidget *m_tiles = nullptr;
    QLabel *m_message = nullptr;
    StatTile *m_images = nullptr;
    ActivityView *m_activity = nullptr;
};

} // namespace Berth::Gui
