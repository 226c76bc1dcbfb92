#include "imagelistmodel.h"

#include <common/displayformat.h>

#include <QDateTime>
#include <QIcon>
#include <QLocale>
#include <QSet>

namespace Berth::Gui {

namespace {
const QString None = QStringLiteral("<none>");

QString shortId(const QString &id)
{
    QString hex = id;
    if (hex.startsWith(QLatin1String("sha256:")))
        hex = hex.mid(7);
    return hex.left(12);
}

QList<ImageListModel::Row> rowsOf(const QList<Common::ImageSummary> &images)
{
    QList<ImageListModel::Row> rows;
    for (const Common::ImageSummary &image : images) {
        ImageListModel::Row base;
        base.id = image.id;
        base.created = image.created;
        base.size = image.size;
        QStringList tags;
        for (const QString &tag : image.repoTags) {
            if (tag != QLatin1String("<none>:<none>"))
                tags.append(tag);
        }
        if (tags.isEmpty()) {
            // Untagged: show the repository of a digest reference if any.
            base.repository = None;
            for (const QString &digest : image.repoDigests) {
                const qsizetype at = digest.indexOf(QLatin1Char('@'));
                if (at > 0 && !digest.startsWith(QLatin1String("<none>"))) {
                    base.repository = digest.left(at);
                    break;
                }
            }
            base.tag = None;
            rows.append(base);
            continue;
        }
        for (const QString &reference : tags) {
            ImageListModel::Row row = base;
            const qsizetype slash = reference.lastIndexOf(QLatin1Char('/'));
            const qsizetype colon = reference.lastIndexOf(QLatin1Char(':'));
            if (colon > slash) {
                row.repository = reference.left(colon);
                row.tag = reference.mid(colon + 1);
            } else {
                row.repository = reference;
                row.tag = None;
            }
            rows.append(row);
        }
    }
    return rows;
}
} // namespace

ImageListModel::ImageListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

QString ImageListModel::keyOf(const Row &row)
{
    return row.id + QLatin1Char('\n') + row.repository + QLatin1Char(':') + row.tag;
}

QString ImageListModel::referenceOf(const Row &row)
{
    if (row.tag == None)
        return row.repository == None ? shortId(row.id) : row.id;
    return row.repository + QLatin1Char(':') + row.tag;
}

void ImageListModel::setImages(const QList<Common::ImageSummary> &images)
{
    const QList<Row> fresh = rowsOf(images);
    QHash<QString, qsizetype> freshIndex;
    for (qsizetype i = 0; i < fresh.size(); ++i)
        freshIndex.insert(keyOf(fresh.at(i)), i);

    // Remove the rows that are gone, bottom up, in contiguous runs.
    for (int i = int(m_rows.size()) - 1; i >= 0;) {
        if (freshIndex.contains(keyOf(m_rows.at(i)))) {
            --i;
            continue;
        }
        int first = i;
        while (first > 0 && !freshIndex.contains(keyOf(m_rows.at(first - 1))))
            --first;
        beginRemoveRows(QModelIndex(), first, i);
        m_rows.remove(first, i - first + 1);
        endRemoveRows();
        i = first - 1;
    }

    // Update the rows that stay; note which fresh rows are new.
    QSet<QString> present;
    for (int i = 0; i < m_rows.size(); ++i) {
        const QString key = keyOf(m_rows.at(i));
        present.insert(key);
        const Row &now = fresh.at(freshIndex.value(key));
        if (!(now == m_rows.at(i))) {
            m_rows[i] = now;
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
        }
    }
    QList<Row> added;
    for (const Row &row : fresh) {
        if (!present.contains(keyOf(row)))
            added.append(row);
    }
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(added.size()) - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

void ImageListModel::setContainerUse(const std::optional<QHash<QString, int>> &use)
{
    if (m_use == use)
        return;
    m_use = use;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, InUseColumn), index(int(m_rows.size()) - 1, InUseColumn));
}

void ImageListModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int ImageListModel::inUse(const QString &id) const
{
    return m_use ? m_use->value(id, 0) : -1;
}

int ImageListModel::rowOf(const QString &reference) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        const Row &row = m_rows.at(i);
        if (referenceOf(row) == reference || row.id == reference)
            return i;
    }
    return -1;
}

int ImageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ImageListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ImageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const int use = inUse(row.id);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case RepositoryColumn:
            return row.repository;
        case TagColumn:
            return row.tag;
        case IdColumn:
            return shortId(row.id);
        case CreatedColumn:
            return formatRelativeTime(row.created, QDateTime::currentSecsSinceEpoch());
        case SizeColumn:
            return formatSize(row.size);
        case InUseColumn:
            if (use < 0)
                return QString();
            return use > 0 ? tr("In use (%n)", nullptr, use) : tr("Unused");
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case IdColumn:
            return row.id;
        case CreatedColumn:
            return QLocale().toString(QDateTime::fromSecsSinceEpoch(row.created), QLocale::LongFormat);
        case SizeColumn:
            return tr("%1 bytes").arg(QLocale().toString(row.size));
        case InUseColumn:
            return use < 0 ? tr("The engine does not report containers yet.")
                           : tr("%n container(s) use this image.", nullptr, use);
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == InUseColumn && use > 0)
            return QIcon::fromTheme(QStringLiteral("emblem-default"));
        return {};
    case SortRole:
        switch (index.column()) {
        case CreatedColumn:
            return row.created;
        case SizeColumn:
            return row.size;
        case InUseColumn:
            return use;
        default:
            return data(index, Qt::DisplayRole);
        }
    case ImageIdRole:
        return row.id;
    case ReferenceRole:
        return referenceOf(row);
    case InUseRole:
        return use;
    default:
        return {};
    }
}

QVariant ImageListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RepositoryColumn:
        return tr("Repository");
    case TagColumn:
        return tr("Tag");
    case IdColumn:
        return tr("Image ID");
    case CreatedColumn:
        return tr("Created");
    case SizeColumn:
        return tr("Size");
    case InUseColumn:
        return tr("In Use");
    }
    return {};
}

} // namespace Berth::Gui
