#include "imagehistorymodel.h"

#include <common/displayformat.h>

#include <QDateTime>
#include <QLocale>

namespace Berth::Gui {

ImageHistoryModel::ImageHistoryModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ImageHistoryModel::setHistory(const QList<Common::ImageHistoryItem> &items)
{
    beginResetModel();
    m_items = items;
    endResetModel();
}

int ImageHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

int ImageHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ImageHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Common::ImageHistoryItem &item = m_items.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case CreatedByColumn:
            return item.createdBy.simplified();
        case CreatedColumn:
            return formatRelativeTime(item.created, QDateTime::currentSecsSinceEpoch());
        case SizeColumn:
            return formatSize(item.size);
        case CommentColumn:
            return item.comment;
        case IdColumn:
            return item.id.startsWith(QLatin1String("sha256:")) ? item.id.mid(7, 12) : item.id;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case CreatedByColumn:
            return item.createdBy;
        case CreatedColumn:
            return QLocale().toString(QDateTime::fromSecsSinceEpoch(item.created), QLocale::LongFormat);
        case SizeColumn:
            return tr("%1 bytes").arg(QLocale().toString(item.size));
        case IdColumn:
            return item.id;
        }
    } else if (role == SortRole) {
        switch (index.column()) {
        case CreatedColumn:
            return item.created;
        case SizeColumn:
            return item.size;
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    return {};
}

QVariant ImageHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case CreatedByColumn:
        return tr("Created By");
    case CreatedColumn:
        return tr("Created");
    case SizeColumn:
        return tr("Size");
    case CommentColumn:
        return tr("Comment");
    case IdColumn:
        return tr("Layer Image");
    }
    return {};
}

} // namespace Berth::Gui
