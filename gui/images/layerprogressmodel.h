#pragma once

#include <QAbstractTableModel>
#include <QPointer>

namespace Berth::Client {
class RegistryTransfer;
}

namespace Berth::Gui {

// The layers of one pull or push, live: layer ID, the engine's status
// ("Downloading", "Extracting", "Pull complete"), and the progress
// (ProgressRole: per mille, -1 when unknown). Rows are appended as the
// engine names layers and changed in place (dataChanged) as they move.
class LayerProgressModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { LayerColumn, StatusColumn, ProgressColumn, ColumnCount };
    enum Role { ProgressRole = Qt::UserRole + 1, DoneRole };

    explicit LayerProgressModel(QObject *parent = nullptr);

    void setTransfer(Client::RegistryTransfer *transfer);

    // Bytes so far and the total over the layers that report a total.
    qint64 bytesDone() const;
    qint64 bytesTotal() const;
    int completedLayers() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void totalsChanged();

private:
    QPointer<Client::RegistryTransfer> m_transfer;
    int m_rows = 0;
};

} // namespace Berth::Gui
