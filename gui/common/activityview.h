#pragma once

#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QListView;
class QSortFilterProxyModel;
class QStackedWidget;

namespace Berth::Gui {

// "Engine activity": the events of one object type from an EventModel,
// newest first, or an honest sentence when there are none yet.
class ActivityView : public QWidget
{
    Q_OBJECT
public:
    // type: the event type to show ("container", "image").
    ActivityView(QAbstractItemModel *events, const QString &type, const QString &emptyText,
                 QWidget *parent = nullptr);

    QListView *listView() const { return m_list; }
    int visibleCount() const;

private:
    void updateEmptyState();

    QSortFilterProxyModel *m_proxy = nullptr;
    QStackedWidget *m_stack = nullptr;
    QListView *m_list = nullptr;
    QLabel *m_empty = nullptr;
    QLabel *m_count = nullptr;
};

} // namespace Berth::Gui
