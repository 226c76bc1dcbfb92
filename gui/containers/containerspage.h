#pragma once

#include <common/notificationbar.h>

#include <client/containerapi.h>

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QWidget>

#include <functional>

class QAbstractItemModel;
class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;
class QTabWidget;

namespace Berth::Client {
class EngineClient;
class StatsStream;
struct StatsSample;
} // namespace Berth::Client

namespace Berth::Gui {

class ContainerFilterProxy;
class ContainerListModel;
class EngineConnection;
class JsonTreeView;
class LogView;
class ProgressPanel;
class StatsGraph;
class TableModel;
struct RunOptions;

// The container dashboard: a sortable, filterable table of the engine's
// containers, kept live from /events (an event re-reads only the container
// it names; nothing polls), the actions of the docker workflow on one or
// several selected containers, and a details pane (Logs, Inspect, Stats,
// Environment, Mounts, Ports). CPU and memory are streamed only for running
// containers whose rows are on screen while the page is visible.
class ContainersPage : public QWidget
{
    Q_OBJECT
public:
    enum DetailsTab { LogsTab, InspectTab, StatsTab, EnvironmentTab, MountsTab, PortsTab };

    ContainersPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent = nullptr);
    ~ContainersPage() override;

    ProgressPanel *progressPanel() const { return m_progress; }
    ContainerListModel *model() const { return m_model; }
    ContainerFilterProxy *proxy() const { return m_proxy; }
    QTableView *tableView() const { return m_table; }
    QTabWidget *detailsTabs() const { return m_details; }
    LogView *logView() const { return m_logs; }
    JsonTreeView *inspectView() const { return m_inspect; }
    TableModel *environmentModel() const { return m_environment; }
    TableModel *mountsModel() const { return m_mounts; }
    TableModel *portsModel() const { return m_ports; }
    StatsGraph *cpuGraph() const { return m_cpuGraph; }
    StatsGraph *memoryGraph() const { return m_memoryGraph; }
    QLineEdit *filterField() const { return m_filter; }
    QCheckBox *showStoppedBox() const { return m_showStopped; }

    // IDs of the containers whose stats are streamed now.
    QStringList statsStreamIds() const { return m_statsStreams.keys(); }

    QStringList selectedIds() const;
    bool selectContainer(const QString &idOrName);

    // The actions without their dialogs (the dialogs call these; tests too).
    void startContainers(const QStringList &ids);
    void stopContainers(const QStringList &ids);
    void restartContainers(const QStringList &ids);
    void killContainers(const QStringList &ids);
    void removeContainers(const QStringList &ids, bool force);
    void renameContainer(const QString &id, const QString &name);
    void runContainer(const RunOptions &options);

    // Re-reads the whole list (done on connect; events keep it current).
    void reload();
    // Shows the Run dialog for an image.
    void askRun(const QString &image = {});

signals:
    void notify(const QString &text, Berth::Gui::NotificationBar::Kind kind, const QString &details = QString());
    void reloaded();
    // A container named by an event was re-read and applied.
    void containerRefreshed(const QString &id);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onEvent(const QString &type, const QString &action, const QString &id);
    void refreshContainer(const QString &id);
    void updateState();
    void updateActions();
    void showDetails();
    void showInspect(const QJsonObject &inspect);
    void scheduleStatsUpdate();
    void updateStatsStreams();
    void onStats(const QString &id, const Client::StatsSample &sample);
    // Runs call for each id; a failure shows `failure` (%1 name, %2 reason).
    // With several ids (or a slow action) the run shows in the progress
    // panel as `title` with Cancel; failures end in one notification whose
    // details hold each engine message.
    void each(const QStringList &ids, Client::EngineClient *client, const QString &title, const QString &failure,
              const std::function<QFuture<Status>(const Client::ContainerApi &, const QString &)> &call);
    void askRemove();
    void askRename();
    void warn(const QString &text);

    ProgressPanel *m_progress = nullptr;
    EngineConnection *m_connection = nullptr;
    ContainerListModel *m_model = nullptr;
    ContainerFilterProxy *m_proxy = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_message = nullptr;
    QLabel *m_count = nullptr;
    QLineEdit *m_filter = nullptr;
    QCheckBox *m_showStopped = nullptr;
    QTableView *m_table = nullptr;
    QTabWidget *m_details = nullptr;
    LogView *m_logs = nullptr;
    JsonTreeView *m_inspect = nullptr;
    StatsGraph *m_cpuGraph = nullptr;
    StatsGraph *m_memoryGraph = nullptr;
    TableModel *m_environment = nullptr;
    TableModel *m_mounts = nullptr;
    TableModel *m_ports = nullptr;
    QAction *m_startAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_restartAction = nullptr;
    QAction *m_killAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_renameAction = nullptr;
    QAction *m_runAction = nullptr;
    QHash<QString, Client::StatsStream *> m_statsStreams;
    QSet<QString> m_refreshing;     // ids with a refresh in flight
    QSet<QString> m_refreshAgain;   // ids with an event during it
    QSet<QString> m_destroyed;      // ids whose "destroy" event came (ids are never reused)
    bool m_listInFlight = false;
    bool m_listDirty = false;
    bool m_statsUpdateScheduled = false;
    QString m_unsupported;          // the engine's answer when it serves no containers
    QString m_detailsId;
    int m_detailsGeneration = 0;
};

} // namespace Berth::Gui
