#pragma once

#include <common/imagehistoryitem.h>

#include <QAbstractTableModel>

namespace Berth::Gui {

// GET /images/{name}/history as a table, newest layer first: the
// instruction that made each layer, when, and the layer's size.
class ImageHistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { CreatedByColumn, CreatedColumn, SizeColumn, CommentColumn, IdColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit ImageHistoryModel(QObject *parent = nullptr);

    void setHistory(const QList<Common::ImageHistoryItem> &items);
    const QList<Common::ImageHistoryItem> &history() const { return m_items; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Common::ImageHistoryItem> m_items;
};

} // namespace Berth::Gui
