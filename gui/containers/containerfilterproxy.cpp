#include "containerfilterproxy.h"

#include "containerlistmodel.h"

namespace Berth::Gui {

ContainerFilterProxy::ContainerFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ContainerListModel::SortRole);
    setFilterKeyColumn(-1);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    // A state change (a stop) must re-run the filter for that row.
    setDynamicSortFilter(true);
}

void ContainerFilterProxy::setShowStopped(bool show)
{
    if (m_showStopped == show)
        return;
    m_showStopped = show;
    invalidateFilter();
}

bool ContainerFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_showStopped) {
        const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
        if (!index.data(ContainerListModel::IsRunningRole).toBool())
            return false;
    }
    return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
}

} // namespace Berth::Gui
