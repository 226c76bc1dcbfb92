#include "daemon.h"

#include "daemonlogging.h"
#include "eventbus.h"
#include "engineworker.h"
#include "hostinfo.h"
#include "imagearchiveroutes.h"
#include "imageroutes.h"
#include "registryroutes.h"
#include "containerroutes.h"
#include "containersupervisor.h"
#include "ipam.h"
#include "mountconfig.h"
#include "shimruntimebackend.h"
#include "httpserver.h"
#include "signalhandler.h"
#include "systemroutes.h"
#include "containerstatsroutes.h"
#include "containerarchiveroutes.h"
#include "containerlogroutes.h"
#include "execroutes.h"
#include "volumeroutes.h"
#include "buildroutes.h"
#include "networkroutes.h"

#include <common/errors.h>
#include <engine/imagestore.h>
#include <engine/volumestore.h>
#include <engine/containerstore.h>

#include <QDir>
#include <QThread>

#include <QTimer>

#include <csignal>

namespace Berth::Daemon {

// How long shutdown waits for connections to flush before dropping them.
static constexpr int kShutdownGraceMs = 2000;

Daemon::Daemon(DaemonConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_events(std::make_unique<EventBus>(m_config.eventHistory))
    , m_server(std::make_unique<HttpServer>(m_config))
{
}

Daemon::~Daemon()
{
    // Connections refer to the routes: the server goes first; the engine
    // thread finishes its queued jobs before the stores go.
    m_server.reset();
    m_routes.clear();
    m_worker.reset();
    m_supervisor.reset();
    m_runtime.reset();
    m_ipam.reset();
    m_containers.reset();
    m_images.reset();
}

Status Daemon::start(bool handleSignals)
{
    auto state = StateDirectory::open(m_config.root);
    if (!state)
        return fail(state.error());
    m_state = std::move(*state);
    m_config.root = m_state.root();

    Engine::ExtractLimits limits;
    limits.maxUncompressedBytes = m_config.maxLayerBytes;
    auto images = Engine::ImageStore::open(m_state.root(), limits);
    if (!images)
        return fail(Error(images.error()).wrap("open the image store in " + m_state.root().toStdString()));
    m_images = std::move(*images);
    auto volumes = Engine::VolumeStore::open(m_state.root() + QStringLiteral("/volumes"));
    if (!volumes)
        return fail(Error(volumes.error()).wrap("open the volume store in " + m_state.root().toStdString()));
    m_volumes = std::move(*volumes);
    m_worker = std::make_unique<EngineWorker>();
    if (auto ok = startContainers(); !ok)
        return ok;

    auto socket = ListeningSocket::create(m_config.socketPath, m_config.group);
    if (!socket)
        return fail(Error(socket.error()).wrap("listen on " + m_config.socketPath.toStdString()));
    m_socket = std::move(*socket);

    SystemRoutes::Context context;
    context.config = m_config;
    context.engineId = m_state.engineId();
    context.events = m_events.get();
    context.connectionCount = [this] { return m_server->connectionCount(); };
    context.containerCounts = [this](Common::SystemInfo &info) {
        const auto c = m_supervisor->counts();
        info.containers = c.total;
        info.containersRunning = c.running;
        info.containersPaused = c.paused;
        info.containersStopped = c.stopped;
    };
    Engine::RegistryConfig registry;
    registry.insecureRegistries = m_config.insecureRegistries;
    registry.certsDirs = m_config.registryCertsDirs;
    auto registryRoutes = std::make_unique<RegistryRoutes>(RegistryRoutes::Context{m_images.get(), m_worker.get(), m_events.get(), registry});
    auto imageRoutes = std::make_unique<ImageRoutes>(ImageRoutes::Context{m_images.get(), m_worker.get(), m_events.get(),
                                                                          [r = registryRoutes.get()](HttpExchange &e) { r->pull(e); }});
    imageRoutes->setImageUsage([containers = m_containers.get()](const Engine::Digest &id) {
        return containers->imageUsage(id);
    });
    context.imageCount = [store = m_images.get()] { return store->imageCount(); };
    m_routes.push_back(std::make_unique<SystemRoutes>(std::move(context)));
    m_routes.push_back(std::move(imageRoutes));
    m_routes.push_back(std::move(registryRoutes));
    m_routes.push_back(std::make_unique<ImageArchiveRoutes>(ImageArchiveRoutes::Context{m_images.get(), m_worker.get(), m_events.get()}));
    m_routes.push_back(std::make_unique<VolumeRoutes>(
        VolumeRoutes::Context{m_volumes.get(), m_events.get(), VolumeRoutes::containerUsage(m_containers.get())}));
    auto networkRoutes = NetworkRoutes::open(NetworkRoutes::Context{
        m_containers.get(), m_ipam.get(), m_config.bridge, 1500, m_state.root() + QStringLiteral("/network")});
    if (!networkRoutes)
        return fail(networkRoutes.error());
    // Registered before MissingObjectRoutes, whose 404 for /networks/{id} it overrides.
    const NetworkRoutes *networks = networkRoutes->get();
    m_routes.push_back(std::move(*networkRoutes));
    m_routes.push_back(std::make_unique<ContainerRoutes>(ContainerRoutes::Context{
        m_supervisor.get(), m_images.get(), m_worker.get(), std::max(1, QThread::idealThreadCount()),
        // -v NAME:/path: the named volume, created on first use (docker does too).
        [volumes = m_volumes.get()](const QString &name) -> Result<QString> {
            Engine::VolumeCreateOptions options;
            options.name = name;
            auto volume = volumes->create(options);
            if (!volume)
                return fail(volume.error());
            return volume->mountpoint;
        },
        [networks](const QString &name) { return networks->idOf(name); }}));
    m_routes.push_back(std::make_unique<ContainerLogRoutes>(m_supervisor.get()));
    m_routes.push_back(std::make_unique<ContainerArchiveRoutes>(m_supervisor.get(), m_events.get()));
    m_routes.push_back(std::make_unique<ContainerStatsRoutes>(m_supervisor.get()));
    m_routes.push_back(std::make_unique<ExecRoutes>(m_supervisor.get()));
    m_routes.push_back(std::make_unique<BuildRoutes>(
        BuildRoutes::Context{m_images.get(), m_worker.get(), m_events.get(), m_supervisor.get(), registry}));
    m_routes.push_back(std::make_unique<MissingObjectRoutes>());
    for (const auto &routes : m_routes)
        routes->registerRoutes(m_server->router());

    if (handleSignals) {
        m_signals = std::make_unique<SignalHandler>();
        if (auto ok = m_signals->start(); !ok)
            return fail(ok.error());
        connect(m_signals.get(), &SignalHandler::terminateRequested, this, [this](int sig) {
            qCInfo(lcDaemon).noquote() << "received" << (sig == SIGINT ? "SIGINT" : "SIGTERM") << "- shutting down";
            shutdown();
        });
        connect(m_signals.get(), &SignalHandler::reloadRequested, this, &Daemon::reload);
    }

    connect(m_server.get(), &HttpServer::allClosed, this, &Daemon::finishShutdown);
    m_supervisor->adoptAll();
    if (auto ok = m_server->listen(m_socket.takeFd()); !ok)
        return fail(ok.error());
    qCInfo(lcDaemon).noquote() << "berthd" << BERTH_VERSION << "serving on" << m_config.socketPath << "root"
                               << m_config.root << "engine" << m_state.engineId();
    return {};
}

void Daemon::setRuntimeBackend(std::unique_ptr<RuntimeBackend> backend)
{
    m_runtime = std::move(backend);
}

// The container store, the bridge IPAM, the shim backend and the
// supervisor that ties them together.
Status Daemon::startContainers()
{
    auto containers = Engine::ContainerStore::open(m_state.root());
    if (!containers)
        return fail(Error(containers.error()).wrap("open the container store in " + m_state.root().toStdString()));
    m_containers = std::move(*containers);
    const QString networkDir = m_state.root() + QStringLiteral("/network");
    if (!QDir().mkpath(networkDir))
        return fail(ErrorCode::Io, "create " + networkDir.toStdString());
    auto ipam = Ipam::open(m_config.bridgeSubnet,
                           networkDir + QStringLiteral("/ipam-") + m_config.bridge + QStringLiteral(".json"));
    if (!ipam)
        return fail(Error(ipam.error()).wrap("--bridge-subnet"));
    m_ipam = std::make_unique<Ipam>(std::move(*ipam));
    if (!m_runtime)
        m_runtime = std::make_unique<ShimRuntimeBackend>(m_config.runtimePath, m_containers->containersDir());
    ContainerSupervisor::Context context;
    context.store = m_containers.get();
    context.backend = m_runtime.get();
    context.events = m_events.get();
    context.ipam = m_ipam.get();
    context.bridge = m_config.bridge;
    context.cgroupParent = m_config.cgroupParent;
    context.layersDir = m_state.root() + QStringLiteral("/layers");
    // Volumes: made at create, removed by rm -v, and with the container for
    // run --rm (dockerd's AutoRemove removes the anonymous ones as rm -v).
    context.provideVolume = VolumeRoutes::volumeProvider(m_volumes.get(), m_events.get());
    context.removeVolumes = [volumes = m_volumes.get(), events = m_events.get(),
                             containers = m_containers.get()](const QStringList &names, bool anonymousOnly) {
        VolumeRoutes::removeVolumes(volumes, events, names, VolumeRoutes::containerUsage(containers), anonymousOnly);
    };
    context.removed = [removeVolumes = context.removeVolumes](const Engine::ContainerRecord &record) {
        if (record.hostConfig.value(QStringLiteral("AutoRemove")).toBool())
            removeVolumes(MountConfig::anonymousVolumes(record.mounts, record.hostConfig), true);
    };
    context.engineRoot = m_state.root();
    m_supervisor = std::make_unique<ContainerSupervisor>(std::move(context));
    return {};
}

void Daemon::reload()
{
    qCInfo(lcDaemon) << "SIGHUP: reloading configuration (nothing is reloadable yet)";
    Common::Event e;
    e.type = QStringLiteral("daemon");
    e.action = QStringLiteral("reload");
    e.actorId = m_state.engineId();
    e.attributes.insert(QStringLiteral("name"), HostInfo::hostName());
    e.attributes.insert(QStringLiteral("debug"), m_config.debug ? QStringLiteral("true") : QStringLiteral("false"));
    e.attributes.insert(QStringLiteral("root"), m_config.root);
    e.attributes.insert(QStringLiteral("socket"), m_config.socketPath);
    m_events->publish(e);
}

void Daemon::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    // New clients get "connection refused" from here on.
    m_server->stopListening();
    m_socket.unlink();
    QTimer::singleShot(kShutdownGraceMs, this, [this] {
        if (m_stopped)
            return;
        qCWarning(lcDaemon) << "connections did not close in time; dropping them";
        finishShutdown();
    });
    m_server->shutdown();
}

void Daemon::finishShutdown()
{
    if (!m_stopping || m_stopped)
        return;
    m_stopped = true;
    m_socket.unlink();
    m_state.unlock();
    qCInfo(lcDaemon) << "stopped";
    emit stopped(0);
}

} // namespace Berth::Daemon
