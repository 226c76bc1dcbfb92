#pragma once

#include <common/imagesummary.h>

#include <QAbstractTableModel>
#include <QHash>

#include <optional>

namespace Berth::Gui {

// The engine's images, one row per repository:tag as `docker images` shows
// them (an untagged image is one row "<none>" "<none>"). setImages() takes a
// fresh GET /images/json and applies only the difference (rows removed,
// changed in place, appended), so selection and scroll position survive
// the refresh an image event triggers. Sort and filter with a
// QSortFilterProxyModel (SortRole gives raw numbers for dates and sizes).
class ImageListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { RepositoryColumn, TagColumn, IdColumn, CreatedColumn, SizeColumn, InUseColumn, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,
        ImageIdRole,   // "sha256:<64hex>"
        ReferenceRole, // "repo:tag", or the short ID for an untagged image
        InUseRole,     // containers using it; -1 unknown
    };

    struct Row
    {
        QString id;
        QString repository;
        QString tag;
        qint64 created = 0;
        qint64 size = 0;
        bool operator==(const Row &) const = default;
    };

    explicit ImageListModel(QObject *parent = nullptr);

    void setImages(const QList<Common::ImageSummary> &images);
    // How many containers use each image ID; std::nullopt: unknown (the
    // engine does not serve containers yet).
    void setContainerUse(const std::optional<QHash<QString, int>> &use);
    void clear();

    const Row &row(int row) const { return m_rows.at(row); }
    int inUse(const QString &id) const;
    // The row of "repo:tag" (or of an ID for an untagged image), -1 if none.
    int rowOf(const QString &reference) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    static QString keyOf(const Row &row);
    static QString referenceOf(const Row &row);

    QList<Row> m_rows;
    std::optional<QHash<QString, int>> m_use;
};

} // namespace Berth::Gui
