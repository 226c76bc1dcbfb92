#pragma once

#include <QAbstractTableModel>
#include <QStringList>

namespace Berth::Gui {

// Rows of text cells under fixed headers, for small read-only tables made
// from one inspect reply (a container's environment, mounts, ports). It is
// replaced whole when a new reply comes; engine lists that change live have
// their own models.
class TableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit TableModel(const QStringList &headers, QObject *parent = nullptr);

    void setRows(const QList<QStringList> &rows);
    const QList<QStringList> &rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QStringList m_headers;
    QList<QStringList> m_rows;
};

} // namespace Berth::Gui
