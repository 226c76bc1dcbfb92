#pragma once

#include <client/containerapi.h>
#include <client/statsstream.h>

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>

namespace Berth::Gui {

// The engine's containers as a table: name, image, state (with colour and
// icon: running, exited with its code, paused, restarting, created, dead),
// command, ports (published ones are links), created, and CPU and memory
// while stats arrive. Kept live incrementally: setContainers() applies a
// full list as a difference, updateContainer() and removeContainer() apply
// one event's worth (the page re-reads only the container an event names).
class ContainerListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        ImageColumn,
        StateColumn,
        CommandColumn,
        PortsColumn,
        CreatedColumn,
        CpuColumn,
        MemoryColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole,
        NameRole,
        StateRole,      // the engine's state word ("running")
        IsRunningRole,  // running, paused or restarting: it has a process
        PortUrlsRole,   // QStringList of http://localhost:PORT for published TCP ports
    };

    explicit ContainerListModel(QObject *parent = nullptr);

    void setContainers(const QList<Client::ContainerSummary> &containers);
    void updateContainer(const Client::ContainerSummary &container);
    void removeContainer(const QString &id);
    void clear();

    void setStats(const QString &id, const Client::StatsSample &sample);
    void clearStats(const QString &id);

    int rowOf(const QString &idOrName) const;
    const Client::ContainerSummary &container(int row) const { return m_rows.at(row); }
    QStringList runningIds() const;

    // Translated state text: "Running", "Exited (137)", "Paused", ...
    static QString stateText(const Client::ContainerSummary &container);
    // "0.0.0.0:8080->80/tcp, 443/tcp" as docker ps prints them.
    static QString portsText(const QList<Client::ContainerPort> &ports);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Client::ContainerSummary> m_rows;
    QHash<QString, Client::StatsSample> m_stats;
    mutable QHash<QRgb, QIcon> m_icons; // state dots, drawn once per colour
};

} // namespace Berth::Gui
