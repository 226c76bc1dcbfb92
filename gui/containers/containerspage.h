#pragma once

#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QStackedWidget;

namespace Berth::Gui {

class ActivityView;
class EngineConnection;
class StatTile;

// What the engine reports about containers (/info counts, refreshed when
// events arrive) and the live container activity from GET /events.
class ContainersPage : public QWidget
{
    Q_OBJECT
public:
    ContainersPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent = nullptr);

private:
    void update();

    EngineConnection *m_connection = nullptr;
    QStackedWidget *m_summary = nullptr;
    QWidget *m_tiles = nullptr;
    QLabel *m_message = nullptr;
    StatTile *m_total = nullptr;
    StatTile *m_running = nullptr;
    StatTile *m_paused = nullptr;
    StatTile *m_stopped = nullptr;
    ActivityView *m_activity = nullptr;
};

} // namespace Berth::Gui
