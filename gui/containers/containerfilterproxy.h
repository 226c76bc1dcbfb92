#pragma once

#include <QSortFilterProxyModel>

namespace Berth::Gui {

// Sorts and filters the container table: the filter text matches any
// column, and stopped containers (no process) can be hidden.
class ContainerFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ContainerFilterProxy(QObject *parent = nullptr);

    bool showStopped() const { return m_showStopped; }
    void setShowStopped(bool show);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_showStopped = true;
};

} // namespace Berth::Gui
