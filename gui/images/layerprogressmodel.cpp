#include "layerprogressmodel.h"

#include <client/registryapi.h>
#include <common/displayformat.h>

namespace Berth::Gui {

namespace {

// Docker's status words, translated for display; anything else as sent.
QString statusText(const QString &status)
{
    static const struct
    {
        const char *engine;
        const char *text;
    } known[] = {
        {"Pulling fs layer", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Waiting to download")},
        {"Waiting", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Waiting")},
        {"Downloading", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Downloading")},
        {"Verifying Checksum", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Verifying checksum")},
        {"Download complete", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Download complete")},
        {"Extracting", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Extracting")},
        {"Pull complete", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Pull complete")},
        {"Already exists", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Already exists")},
        {"Preparing", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Preparing")},
        {"Pushing", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Pushing")},
        {"Pushed", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Pushed")},
        {"Layer already exists", QT_TRANSLATE_NOOP("Berth::Gui::LayerProgressModel", "Layer already exists")},
    };
    for (const auto &entry : known) {
        if (status == QLatin1String(entry.engine))
            return LayerProgressModel::tr(entry.text);
    }
    return status;
}

} // namespace

LayerProgressModel::LayerProgressModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void LayerProgressModel::setTransfer(Client::RegistryTransfer *transfer)
{
    beginResetModel();
    if (m_transfer)
        disconnect(m_transfer, nullptr, this, nullptr);
    m_transfer = transfer;
    m_rows = transfer ? int(transfer->layers().size()) : 0;
    endResetModel();
    emit totalsChanged();
    if (!transfer)
        return;
    connect(transfer, &Client::RegistryTransfer::layerAdded, this, [this](int index) {
        if (index < m_rows)
            return;
        beginInsertRows({}, m_rows, index);
        m_rows = index + 1;
        endInsertRows();
        emit totalsChanged();
    });
    connect(transfer, &Client::RegistryTransfer::layerChanged, this, [this](int index) {
        if (index >= m_rows)
            return;
        emit dataChanged(this->index(index, 0), this->index(index, ColumnCount - 1));
        emit totalsChanged();
    });
    connect(transfer, &QObject::destroyed, this, [this] {
        beginResetModel();
        m_rows = 0;
        endResetModel();
    });
}

qint64 LayerProgressModel::bytesDone() const
{
    qint64 sum = 0;
    if (m_transfer)
        for (const Client::LayerProgress &layer : m_transfer->layers())
            sum += layer.total > 0 ? (layer.done ? layer.total : qMax<qint64>(0, layer.current)) : 0;
    return sum;
}

qint64 LayerProgressModel::bytesTotal() const
{
    qint64 sum = 0;
    if (m_transfer)
        for (const Client::LayerProgress &layer : m_transfer->layers())
            sum += qMax<qint64>(0, layer.total);
    return sum;
}

int LayerProgressModel::completedLayers() const
{
    int n = 0;
    if (m_transfer)
        for (const Client::LayerProgress &layer : m_transfer->layers())
            n += layer.done ? 1 : 0;
    return n;
}

int LayerProgressModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int LayerProgressModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerProgressModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_transfer
        || index.row() >= m_transfer->layers().size())
        return {};
    const Client::LayerProgress &layer = m_transfer->layers().at(index.row());
    const int perMille = layer.done ? 1000
                         : layer.total > 0 && layer.current >= 0
                             ? int(qBound(qint64(0), layer.current * 1000 / layer.total, qint64(1000)))
                             : -1;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case LayerColumn:
            return layer.id;
        case StatusColumn:
            return statusText(layer.status);
        case ProgressColumn:
            if (layer.total > 0 && layer.current >= 0 && !layer.done)
                return tr("%1 of %2").arg(formatSize(layer.current), formatSize(layer.total));
            if (layer.current >= 0 && !layer.done)
                return formatSize(layer.current);
            return QString();
        }
        return {};
    case Qt::AccessibleTextRole:
        return tr("Layer %1: %2").arg(layer.id, statusText(layer.status));
    case ProgressRole:
        return perMille;
    case DoneRole:
        return layer.done;
    case Qt::ToolTipRole:
        return layer.status;
    }
    return {};
}

QVariant LayerProgressModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case LayerColumn:
        return tr("Layer");
    case StatusColumn:
        return tr("Status");
    case ProgressColumn:
        return tr("Progress");
    }
    return {};
}

} // namespace Berth::Gui
