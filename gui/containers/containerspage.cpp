#include "containerspage.h"

#include "containerfilterproxy.h"
#include "containerlistmodel.h"
#include "logview.h"
#include "rundialog.h"
#include "statsgraph.h"

#include <client/engineclient.h>
#include <client/statsstream.h>
#include <common/async.h>
#include <common/displayformat.h>
#include <common/engineconnection.h>
#include <common/errors.h>
#include <common/errortext.h>
#include <common/jsontreeview.h>
#include <common/progresspanel.h>
#include <common/progresstask.h>
#include <common/tablemodel.h>

#include <QAction>
#include <QCheckBox>
#include <QCursor>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

#include <memory>
#include <optional>

namespace Berth::Gui {

namespace {

QTableView *makeTable(TableModel *model, const QString &objectName, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(objectName);
    view->setModel(model);
    view->verticalHeader()->hide();
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

} // namespace

ContainersPage::ContainersPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new ContainerListModel(this))
    , m_proxy(new ContainerFilterProxy(this))
{
    Q_UNUSED(events) // the table is the live view; the events drive it through the connection
    setObjectName(QStringLiteral("containersPage"));
    setAccessibleName(tr("Containers"));

    auto *heading = new QLabel(tr("Containers"), this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("containersCount"));
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("containersFilter"));
    m_filter->setPlaceholderText(tr("Filter by name, image, state, command or port"));
    m_filter->setAccessibleName(tr("Filter containers"));
    m_filter->setClearButtonEnabled(true);
    m_showStopped = new QCheckBox(tr("Show stopped"), this);
    m_showStopped->setObjectName(QStringLiteral("containersShowStopped"));
    m_showStopped->setChecked(true);

    auto *toolbar = new QToolBar(this);
    toolbar->setObjectName(QStringLiteral("containersToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_runAction = toolbar->addAction(tr("Run…"));
    m_runAction->setToolTip(tr("Create and start a new container"));
    toolbar->addSeparator();
    m_startAction = toolbar->addAction(tr("Start"));
    m_stopAction = toolbar->addAction(tr("Stop"));
    m_restartAction = toolbar->addAction(tr("Restart"));
    m_killAction = toolbar->addAction(tr("Kill"));
    m_killAction->setToolTip(tr("Send SIGKILL to the main process"));
    m_renameAction = toolbar->addAction(tr("Rename…"));
    m_removeAction = toolbar->addAction(tr("Remove"));
    m_removeAction->setShortcut(QKeySequence::Delete);
    // Every action has a key (issue 7: the page works without a mouse);
    // they apply while the focus is on this page.
    m_runAction->setShortcut(QKeySequence::New);
    m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X));
    m_restartAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_killAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    m_renameAction->setShortcut(QKeySequence(Qt::Key_F2));
    for (QAction *action : {m_runAction, m_startAction, m_stopAction, m_restartAction, m_killAction, m_renameAction,
                            m_removeAction})
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_runAction, &QAction::triggered, this, [this] { askRun(); });
    connect(m_startAction, &QAction::triggered, this, [this] { startContainers(selectedIds()); });
    connect(m_stopAction, &QAction::triggered, this, [this] { stopContainers(selectedIds()); });
    connect(m_restartAction, &QAction::triggered, this, [this] { restartContainers(selectedIds()); });
    connect(m_killAction, &QAction::triggered, this, [this] { killContainers(selectedIds()); });
    connect(m_renameAction, &QAction::triggered, this, &ContainersPage::askRename);
    connect(m_removeAction, &QAction::triggered, this, &ContainersPage::askRemove);

    m_proxy->setSourceModel(m_model);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_showStopped, &QCheckBox::toggled, m_proxy, &ContainerFilterProxy::setShowStopped);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("containersTable"));
    m_table->setAccessibleName(tr("Containers"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ContainerListModel::CreatedColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(ContainerListModel::CommandColumn, QHeaderView::Stretch);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->addAction(m_removeAction);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (!m_table->indexAt(pos).isValid())
            return;
        QMenu menu(this);
        menu.addActions({m_startAction, m_stopAction, m_restartAction, m_killAction});
        menu.addSeparator();
        menu.addActions({m_renameAction, m_removeAction});
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    // Published ports are links: a click opens the browser.
    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex &index) {
        if (index.column() != ContainerListModel::PortsColumn)
            return;
        const QStringList urls = index.data(ContainerListModel::PortUrlsRole).toStringList();
        if (urls.size() == 1) {
            QDesktopServices::openUrl(QUrl(urls.constFirst()));
        } else if (urls.size() > 1) {
            QMenu menu(this);
            for (const QString &url : urls) {
                QAction *open = menu.addAction(url);
                connect(open, &QAction::triggered, this, [url] { QDesktopServices::openUrl(QUrl(url)); });
            }
            menu.exec(QCursor::pos());
        }
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        showDetails();
    });

    m_logs = new LogView(this);
    m_inspect = new JsonTreeView(this);
    auto *statsPage = new QWidget(this);
    m_cpuGraph = new StatsGraph(tr("CPU"), [](double v) { return QStringLiteral("%1 %").arg(QLocale().toString(v, 'f', 1)); },
                                statsPage);
    m_cpuGraph->setObjectName(QStringLiteral("cpuGraph"));
    m_memoryGraph = new StatsGraph(tr("Memory"), [](double v) { return formatSize(qint64(v)); }, statsPage);
    m_memoryGraph->setObjectName(QStringLiteral("memoryGraph"));
    auto *statsLayout = new QHBoxLayout(statsPage);
    statsLayout->addWidget(m_cpuGraph);
    statsLayout->addWidget(m_memoryGraph);
    m_environment = new TableModel({tr("Name"), tr("Value")}, this);
    m_mounts = new TableModel({tr("Type"), tr("Source"), tr("Destination"), tr("Mode")}, this);
    m_ports = new TableModel({tr("Container Port"), tr("Host Address"), tr("Host Port")}, this);

    m_details = new QTabWidget(this);
    m_details->setObjectName(QStringLiteral("containerDetails"));
    m_details->insertTab(LogsTab, m_logs, tr("Logs"));
    m_details->insertTab(InspectTab, m_inspect, tr("Inspect"));
    m_details->insertTab(StatsTab, statsPage, tr("Stats"));
    m_details->insertTab(EnvironmentTab, makeTable(m_environment, QStringLiteral("containerEnvironment"), this), tr("Environment"));
    m_details->insertTab(MountsTab, makeTable(m_mounts, QStringLiteral("containerMounts"), this), tr("Mounts"));
    m_details->insertTab(PortsTab, makeTable(m_ports, QStringLiteral("containerPorts"), this), tr("Ports"));
    connect(m_details, &QTabWidget::currentChanged, this, &ContainersPage::scheduleStatsUpdate);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("containersMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_message->setFocusPolicy(Qt::TabFocus);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_message);
    m_stack->addWidget(splitter);

    auto *top = new QHBoxLayout;
    top->addWidget(heading);
    top->addWidget(m_count);
    top->addStretch(1);
    top->addWidget(m_showStopped);
    top->addWidget(m_filter, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(toolbar);
    layout->addWidget(m_stack, 1);
    m_progress = new ProgressPanel(this);
    layout->addWidget(m_progress);

    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(m_proxy, signal, this, [this] {
            updateState();
            scheduleStatsUpdate();
        });
    }
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] {
        updateState();
        scheduleStatsUpdate();
    });
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &ContainersPage::scheduleStatsUpdate);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &, const QList<int> &roles) {
                // A state change may start or end a stats stream; stats
                // updates themselves (CPU and memory columns) do not.
                if (topLeft.column() <= ContainerListModel::StateColumn || roles.isEmpty()) {
                    if (topLeft.column() != ContainerListModel::CpuColumn) {
                        updateState();
                        updateActions();
                        scheduleStatsUpdate();
                    }
                }
            });
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, &ContainersPage::scheduleStatsUpdate);

    connect(connection, &EngineConnection::stateChanged, this, [this] {
        if (m_connection->isConnected()) {
            reload();
        } else {
            for (Client::StatsStream *stream : std::as_const(m_statsStreams))
                stream->deleteLater();
            m_statsStreams.clear();
            m_logs->setContainer(nullptr, QString());
        }
        updateState();
        updateActions();
    });
    connect(connection, &EngineConnection::endpointChanged, this, [this] {
        m_model->clear();
        m_unsupported.clear();
        m_detailsId.clear();
    });
    connect(connection, &EngineConnection::eventReceived, this, [this](const Common::Event &event) {
        onEvent(event.type, event.action, event.actorId);
    });
    updateState();
    updateActions();
    if (connection->isConnected())
        reload();
}

ContainersPage::~ContainersPage() = default;

void ContainersPage::reload()
{
    Client::EngineClient *client = m_connection->client();
    if (!client || !m_connection->isConnected())
        return;
    if (m_listInFlight) {
        m_listDirty = true;
        return;
    }
    m_listInFlight = true;
    m_listDirty = false;
    onResultReady(Client::ContainerApi(client).list(true), this,
                  [this](const Result<QList<Client::ContainerSummary>> &result) {
                      m_listInFlight = false;
                      if (!result) {
                          if (result.error().code() == ErrorCode::NotFound
                              || result.error().code() == ErrorCode::NotImplemented) {
                              // An engine that serves no container routes yet.
                              m_unsupported = Common::toQString(result.error());
                              m_model->clear();
                          } else if (!Client::isHelperUnreachable(result.error())) {
                              warn(tr("Could not read the containers: %1").arg(errorText(result.error())));
                          }
                      } else {
                          m_unsupported.clear();
                          m_model->setContainers(*result);
                          emit reloaded();
                      }
                      updateState();
                      if (m_listDirty)
                          reload();
                  });
}

void ContainersPage::onEvent(const QString &type, const QString &action, const QString &id)
{
    if (type != QLatin1String("container") || id.isEmpty())
        return;
    // exec_* events do not change what the table shows.
    if (action.startsWith(QLatin1String("exec_")) || action == QLatin1String("attach")
        || action == QLatin1String("resize") || action == QLatin1String("archive-path")
        || action == QLatin1String("extract-to-dir"))
        return;
    if (action == QLatin1String("destroy")) {
        m_destroyed.insert(id);
        m_refreshAgain.remove(id);
        m_model->removeContainer(id);
        if (m_statsStreams.contains(id)) {
            Client::StatsStream *stream = m_statsStreams.take(id);
            stream->cancel();
            stream->deleteLater();
        }
        emit containerRefreshed(id);
        return;
    }
    if (!m_unsupported.isEmpty()) {
        reload(); // the engine serves containers after all
        return;
    }
    refreshContainer(id);
}

void ContainersPage::refreshContainer(const QString &id)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    if (m_refreshing.contains(id)) {
        m_refreshAgain.insert(id);
        return;
    }
    m_refreshing.insert(id);
    const QJsonObject filters{{QStringLiteral("id"), QJsonArray{id}}};
    const Client::ContainerApi api(client);
    // The list row, then the container's own state: dockerd answers
    // /containers/json from a view that may lag the "die" event by a moment,
    // while inspect reads the container itself.
    onResultReady(api.list(true, filters), this, [this, id, api](const Result<QList<Client::ContainerSummary>> &listed) {
        onResultReady(api.inspect(id), this, [this, id, listed](const Result<QJsonObject> &inspected) {
            m_refreshing.remove(id);
            if (!listed) {
                if (!Client::isHelperUnreachable(listed.error()))
                    warn(tr("Could not read container %1: %2").arg(id.left(12), errorText(listed.error())));
            } else {
                std::optional<Client::ContainerSummary> found;
                for (const Client::ContainerSummary &c : *listed) {
                    if (c.id == id)
                        found = c;
                }
                // Removed between the list and inspect (or while a refresh
                // was in flight when "destroy" arrived): the row goes.
                if (found && (m_destroyed.contains(id)
                              || (!inspected && inspected.error().code() == ErrorCode::NotFound)))
                    found.reset();
                if (found && inspected) {
                    const QJsonObject state = inspected->value(QStringLiteral("State")).toObject();
                    const QString live = state.value(QStringLiteral("Status")).toString();
                    if (!live.isEmpty() && live != found->state) {
                        found->state = live;
                        if (live == QLatin1String("exited"))
                            found->status = QStringLiteral("Exited (%1)").arg(state.value(QStringLiteral("ExitCode")).toInt());
                        else if (live == QLatin1String("running"))
                            found->status = QStringLiteral("Up");
                        else
                            found->status = live;
                    }
                }
                if (found)
                    m_model->updateContainer(*found);
                else
                    m_model->removeContainer(id);
                if (id == m_detailsId) {
                    m_detailsId.clear(); // re-read inspect, restart logs if it started again
                    showDetails();
                }
                emit containerRefreshed(id);
            }
            if (m_refreshAgain.remove(id))
                refreshContainer(id);
        });
    });
}

void ContainersPage::updateState()
{
    const int total = m_model->rowCount();
    int running = 0;
    for (int i = 0; i < total; ++i)
        running += m_model->container(i).state == QLatin1String("running") ? 1 : 0;
    m_count->setText(total > 0 ? tr("%1 running of %2").arg(running).arg(total) : QString());
    if (!m_connection->isConnected()) {
        m_message->setText(tr("Not connected to the engine. The containers appear as soon as Berth reaches the helper."));
        m_stack->setCurrentIndex(0);
        return;
    }
    if (!m_unsupported.isEmpty()) {
        //: %1 is the engine's technical answer
        m_message->setText(tr("This engine does not serve containers yet (%1).").arg(m_unsupported));
        m_stack->setCurrentIndex(0);
        return;
    }
    if (total == 0) {
        m_message->setText(tr("This engine has no containers. Run one from an image with “Run…”, or with "
                              "“berth run IMAGE”."));
        m_stack->setCurrentIndex(0);
        return;
    }
    m_stack->setCurrentIndex(1);
}

void ContainersPage::updateActions()
{
    const bool connected = m_connection->isConnected();
    bool anyRunning = false;
    bool anyStopped = false;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        if (index.data(ContainerListModel::IsRunningRole).toBool())
            anyRunning = true;
        else
            anyStopped = true;
    }
    const bool any = !rows.isEmpty();
    m_runAction->setEnabled(connected);
    m_startAction->setEnabled(connected && anyStopped);
    m_stopAction->setEnabled(connected && anyRunning);
    m_restartAction->setEnabled(connected && any);
    m_killAction->setEnabled(connected && anyRunning);
    m_renameAction->setEnabled(connected && rows.size() == 1);
    m_removeAction->setEnabled(connected && any);
}

QStringList ContainersPage::selectedIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids.append(index.data(ContainerListModel::IdRole).toString());
    return ids;
}

bool ContainersPage::selectContainer(const QString &idOrName)
{
    const int row = m_model->rowOf(idOrName);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return false;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    return true;
}

void ContainersPage::showDetails()
{
    const QStringList ids = selectedIds();
    const QString id = ids.size() == 1 ? ids.constFirst() : QString();
    if (id == m_detailsId)
        return;
    const bool sameContainer = !id.isEmpty() && m_logs->container() == id;
    m_detailsId = id;
    const int generation = ++m_detailsGeneration;
    if (!sameContainer) {
        m_cpuGraph->clear();
        m_memoryGraph->clear();
    }
    Client::EngineClient *client = m_connection->client();
    if (id.isEmpty() || !client) {
        m_logs->setContainer(nullptr, QString());
        m_inspect->setMessage(ids.isEmpty() ? tr("Select a container to see its details.")
                                            : tr("Select one container to see its details."));
        m_environment->setRows({});
        m_mounts->setRows({});
        m_ports->setRows({});
        scheduleStatsUpdate();
        return;
    }
    // A stopped container's logs end at once; a running one's follow.
    const int row = m_model->rowOf(id);
    const bool running = row >= 0 && m_model->container(row).state == QLatin1String("running");
    if (!sameContainer || running)
        m_logs->setContainer(client, id);
    onResultReady(Client::ContainerApi(client).inspect(id), this, [this, generation](const Result<QJsonObject> &result) {
        if (generation != m_detailsGeneration)
            return;
        if (result) {
            showInspect(*result);
        } else {
            m_inspect->setMessage(errorText(result.error()));
            m_environment->setRows({});
            m_mounts->setRows({});
            m_ports->setRows({});
        }
    });
    scheduleStatsUpdate();
}

void ContainersPage::showInspect(const QJsonObject &inspect)
{
    m_inspect->setJson(inspect);

    QList<QStringList> env;
    for (const QJsonValue &v : inspect.value(QStringLiteral("Config")).toObject().value(QStringLiteral("Env")).toArray()) {
        const QString entry = v.toString();
        const qsizetype eq = entry.indexOf(QLatin1Char('='));
        env.append(eq < 0 ? QStringList{entry, QString()} : QStringList{entry.left(eq), entry.mid(eq + 1)});
    }
    m_environment->setRows(env);

    QList<QStringList> mounts;
    for (const QJsonValue &v : inspect.value(QStringLiteral("Mounts")).toArray()) {
        const QJsonObject m = v.toObject();
        QString source = m.value(QStringLiteral("Source")).toString();
        if (m.value(QStringLiteral("Type")).toString() == QLatin1String("volume") && m.contains(QStringLiteral("Name")))
            source = m.value(QStringLiteral("Name")).toString();
        mounts.append({m.value(QStringLiteral("Type")).toString(), source, m.value(QStringLiteral("Destination")).toString(),
                       m.value(QStringLiteral("RW")).toBool(true) ? tr("read-write") : tr("read-only")});
    }
    m_mounts->setRows(mounts);

    QList<QStringList> ports;
    const QJsonObject portMap = inspect.value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("Ports")).toObject();
    for (auto it = portMap.begin(); it != portMap.end(); ++it) {
        const QJsonArray bindings = it.value().toArray();
        if (bindings.isEmpty()) {
            ports.append({it.key(), QString(), QString()});
            continue;
        }
        for (const QJsonValue &b : bindings) {
            const QJsonObject binding = b.toObject();
            ports.append({it.key(), binding.value(QStringLiteral("HostIp")).toString(),
                          binding.value(QStringLiteral("HostPort")).toString()});
        }
    }
    m_ports->setRows(ports);
}

void ContainersPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    scheduleStatsUpdate();
}

void ContainersPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    scheduleStatsUpdate();
}

void ContainersPage::scheduleStatsUpdate()
{
    if (m_statsUpdateScheduled)
        return;
    m_statsUpdateScheduled = true;
    QMetaObject::invokeMethod(this, [this] {
        m_statsUpdateScheduled = false;
        updateStatsStreams();
    }, Qt::QueuedConnection);
}

void ContainersPage::updateStatsStreams()
{
    // Wanted: running containers whose rows are on screen, and the selected
    // one while its Stats tab shows; nothing while the page is hidden.
    QSet<QString> wanted;
    Client::EngineClient *client = m_connection->client();
    if (client && m_connection->isConnected() && isVisible() && m_stack->currentIndex() == 1) {
        const int first = qMax(0, m_table->rowAt(0));
        int last = m_table->rowAt(m_table->viewport()->height() - 1);
        if (last < 0)
            last = m_proxy->rowCount() - 1;
        for (int row = first; row <= last && row < m_proxy->rowCount(); ++row) {
            const QModelIndex index = m_proxy->index(row, 0);
            if (index.data(ContainerListModel::StateRole).toString() == QLatin1String("running"))
                wanted.insert(index.data(ContainerListModel::IdRole).toString());
        }
        if (!m_detailsId.isEmpty() && m_details->currentIndex() == StatsTab) {
            const int row = m_model->rowOf(m_detailsId);
            if (row >= 0 && m_model->container(row).state == QLatin1String("running"))
                wanted.insert(m_detailsId);
        }
    }
    const QStringList current = m_statsStreams.keys();
    for (const QString &id : current) {
        if (!wanted.contains(id)) {
            Client::StatsStream *stream = m_statsStreams.take(id);
            stream->cancel();
            stream->deleteLater();
            m_model->clearStats(id);
        }
    }
    for (const QString &id : std::as_const(wanted)) {
        if (m_statsStreams.contains(id))
            continue;
        auto *stream = new Client::StatsStream(client, id, this);
        m_statsStreams.insert(id, stream);
        connect(stream, &Client::StatsStream::sample, this, [this, id, stream](const Client::StatsSample &sample) {
            if (m_statsStreams.value(id) == stream) // not one being let go
                onStats(id, sample);
        });
        connect(stream, &Client::StatsStream::finished, this, [this, id, stream](const Status &) {
            // The container stopped (or the stream broke): forget it; the
            // next state change opens a new one if it runs again.
            if (m_statsStreams.value(id) == stream) {
                m_statsStreams.remove(id);
                stream->deleteLater();
                m_model->clearStats(id);
            }
        });
    }
}

void ContainersPage::onStats(const QString &id, const Client::StatsSample &sample)
{
    m_model->setStats(id, sample);
    if (id == m_detailsId) {
        // Both scale to their samples: a container without a memory limit
        // reports the host's memory, which would flatten the line.
        m_cpuGraph->addSample(sample.cpuPercent);
        m_memoryGraph->addSample(double(sample.memoryUsage));
    }
}

void ContainersPage::warn(const QString &text)
{
    emit notify(text, NotificationBar::Kind::Warning);
}

namespace {

// One bulk action in flight: at most a few requests at a time, the rest
// waiting; Cancel drops the waiting ones (requests already sent finish in
// the engine: an HTTP stop cannot be taken back).
class BulkRun : public QObject
{
public:
    static constexpr int MaxInFlight = 4;

    BulkRun(ProgressTask *task, QObject *parent)
        : QObject(parent)
        , m_task(task)
    {}

    struct Item
    {
        QString id;
        QString name;
    };
    QList<Item> pending;
    int inFlight = 0;
    int notStarted = 0;
    QStringList failedNames;
    QStringList details;
    ProgressTask *task() const { return m_task; }

private:
    QPointer<ProgressTask> m_task;
};

} // namespace

void ContainersPage::each(const QStringList &ids, Client::EngineClient *client, const QString &title,
                          const QString &failure,
                          const std::function<QFuture<Status>(const Client::ContainerApi &, const QString &)> &call)
{
    if (!client || ids.isEmpty())
        return;
    const Client::ContainerApi api(client);
    auto *task = new ProgressTask(title, int(ids.size()), this);
    auto *run = new BulkRun(task, this);
    for (const QString &id : ids) {
        const int row = m_model->rowOf(id);
        run->pending.append({id, row >= 0 ? m_model->container(row).name() : id.left(12)});
    }
    m_progress->addTask(task);

    // Reports once: when the last request is back, or at once on Cancel.
    auto report = [this, run, title, failure](bool cancelled) {
        const int failed = int(run->failedNames.size());
        if (cancelled) {
            emit notify(tr("Cancelled: %1 (%n not started).", nullptr, run->notStarted).arg(title),
                        NotificationBar::Kind::Information, run->details.join(QLatin1Char('\n')));
        } else if (failed == 1 && run->task()->total() == 1) {
            warn(failure.arg(run->failedNames.constFirst(), run->details.constFirst().section(QStringLiteral(": "), 1, -1)));
        } else if (failed > 0) {
            //: %1 is the action ("Stopping 3 containers"), %2 the names that failed
            emit notify(tr("%1: %n failed (%2).", nullptr, failed).arg(title, run->failedNames.join(QStringLiteral(", "))),
                        NotificationBar::Kind::Warning, run->details.join(QLatin1Char('\n')));
        }
    };
    auto launch = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> weakLaunch = launch;
    *launch = [this, api, run, call, report, weakLaunch] {
        ProgressTask *task = run->task();
        while (task && !task->isCancelRequested() && run->inFlight < BulkRun::MaxInFlight && !run->pending.isEmpty()) {
            const BulkRun::Item item = run->pending.takeFirst();
            ++run->inFlight;
            auto keep = weakLaunch.lock();
            onResultReady(call(api, item.id), run, [run, item, report, keep](const Status &result) {
                --run->inFlight;
                if (!result) {
                    run->failedNames.append(item.name);
                    run->details.append(item.name + QStringLiteral(": ") + errorText(result.error()));
                }
                ProgressTask *task = run->task();
                if (task && !task->isFinished()) {
                    task->stepDone(bool(result));
                    if (task->isFinished())
                        report(false);
                    else
                        (*keep)();
                }
                if (run->inFlight == 0 && (!task || task->isFinished()))
                    run->deleteLater();
            });
        }
    };
    connect(task, &ProgressTask::cancelRequested, run, [run, report] {
        run->notStarted = int(run->pending.size());
        run->pending.clear();
        run->task()->finish();
        report(true);
        if (run->inFlight == 0)
            run->deleteLater();
    });
    connect(task, &ProgressTask::finished, task, &QObject::deleteLater);
    // The launcher lives as long as a request needs it (each callback holds it).
    (*launch)();
}

void ContainersPage::startContainers(const QStringList &ids)
{
    each(ids, m_connection->client(), tr("Starting %n container(s)", nullptr, int(ids.size())),
         //: %1 is a container name, %2 the reason
         tr("Could not start %1: %2"),
         [](const Client::ContainerApi &api, const QString &id) { return api.start(id); });
}

void ContainersPage::stopContainers(const QStringList &ids)
{
    // A stop may take the container's whole grace period before it answers.
    each(ids, m_connection->patientClient(), tr("Stopping %n container(s)", nullptr, int(ids.size())),
         //: %1 is a container name, %2 the reason
         tr("Could not stop %1: %2"),
         [](const Client::ContainerApi &api, const QString &id) { return api.stop(id); });
}

void ContainersPage::restartContainers(const QStringList &ids)
{
    each(ids, m_connection->patientClient(), tr("Restarting %n container(s)", nullptr, int(ids.size())),
         //: %1 is a container name, %2 the reason
         tr("Could not restart %1: %2"),
         [](const Client::ContainerApi &api, const QString &id) { return api.restart(id); });
}

void ContainersPage::killContainers(const QStringList &ids)
{
    each(ids, m_connection->client(), tr("Killing %n container(s)", nullptr, int(ids.size())),
         //: %1 is a container name, %2 the reason
         tr("Could not kill %1: %2"),
         [](const Client::ContainerApi &api, const QString &id) { return api.kill(id); });
}

void ContainersPage::removeContainers(const QStringList &ids, bool force)
{
    each(ids, m_connection->patientClient(), tr("Removing %n container(s)", nullptr, int(ids.size())),
         //: %1 is a container name, %2 the reason
         tr("Could not remove %1: %2"),
         [force](const Client::ContainerApi &api, const QString &id) { return api.remove(id, force); });
}

void ContainersPage::renameContainer(const QString &id, const QString &name)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    onResultReady(Client::ContainerApi(client).rename(id, name), this, [this, id, name](const Status &result) {
        if (!result)
            warn(tr("Could not rename %1 to %2: %3").arg(id.left(12), name, errorText(result.error())));
        else
            refreshContainer(id);
    });
}

void ContainersPage::runContainer(const RunOptions &options)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    const auto body = options.toCreateBody();
    if (!body) {
        warn(tr("Could not run %1: %2").arg(options.image, QString::fromStdString(body.error().message())));
        return;
    }
    const QString image = options.image;
    QPointer<Client::EngineClient> guard(client);
    onResultReady(Client::ContainerApi(client).create(*body, options.name), this,
                  [this, guard, image](const Result<QString> &created) {
                      if (!created) {
                          warn(tr("Could not create a container from %1: %2").arg(image, errorText(created.error())));
                          return;
                      }
                      const QString id = *created;
                      onResultReady(Client::ContainerApi(guard).start(id), this, [this, id, image](const Status &started) {
                          if (!started) {
                              warn(tr("Created container %1 from %2, but could not start it: %3")
                                       .arg(id.left(12), image, errorText(started.error())));
                              return;
                          }
                          emit notify(tr("Started container %1 from %2.").arg(id.left(12), image),
                                      NotificationBar::Kind::Information);
                      });
                  });
}

void ContainersPage::askRun(const QString &image)
{
    RunDialog dialog(image, this);
    if (dialog.exec() == QDialog::Accepted)
        runContainer(dialog.options());
}

void ContainersPage::askRemove()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty())
        return;
    QStringList names;
    bool anyRunning = false;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        names.append(index.data(ContainerListModel::NameRole).toString());
        anyRunning = anyRunning || index.data(ContainerListModel::IsRunningRole).toBool();
    }
    QMessageBox box(QMessageBox::Question, tr("Remove Containers"),
                    tr("Remove %n container(s)?", nullptr, int(ids.size())), QMessageBox::Cancel, this);
    box.setInformativeText(names.join(QLatin1Char('\n')));
    auto *remove = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    auto *force = new QCheckBox(tr("Force: kill running containers first"), &box);
    force->setChecked(anyRunning);
    box.setCheckBox(force);
    box.exec();
    if (box.clickedButton() == static_cast<QAbstractButton *>(remove))
        removeContainers(ids, force->isChecked());
}

void ContainersPage::askRename()
{
    const QStringList ids = selectedIds();
    if (ids.size() != 1)
        return;
    const int row = m_model->rowOf(ids.constFirst());
    const QString current = row >= 0 ? m_model->container(row).name() : QString();
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename Container"), tr("New name for %1:").arg(current),
                                               QLineEdit::Normal, current, &ok)
                             .trimmed();
    if (ok && !name.isEmpty() && name != current)
        renameContainer(ids.constFirst(), name);
}

} // namespace Berth::Gui
