#pragma once

#include "daemonconfig.h"
#include "listeningsocket.h"
#include "statedirectory.h"

#include <base/result.h>

#include <QObject>

namespace Berth::Engine {
class ContainerStore;
class ImageStore;
class VolumeStore;
}

#include <memory>
#include <vector>

namespace Berth::Daemon {

class ApiRoutes;
class ContainerSupervisor;
class Ipam;
class RuntimeBackend;
class EngineWorker;
class ImageRoutes;
class EventBus;
class HttpServer;
class SignalHandler;

// berthd: the state directory and its lock, the socket, the HTTP server
// with every resource's routes, the event bus, and signal handling.
// main() only builds one and runs the loop.
class Daemon : public QObject
{
    Q_OBJECT
public:
    explicit Daemon(DaemonConfig config, QObject *parent = nullptr);
    ~Daemon() override;

    // Locks the root, binds the socket, registers the routes and starts
    // serving. Fails (and the helper exits 1) on any set-up error.
    // With handleSignals, SIGTERM/SIGINT shut down and SIGHUP reloads.
    Status start(bool handleSignals = true);
    // Before start(): the runtime to use instead of berth-shim (tests pass
    // a FakeRuntimeBackend, style.md C22).
    void setRuntimeBackend(std::unique_ptr<RuntimeBackend> backend);

    // Stops accepting, ends streams, closes connections, unlinks the
    // socket, releases the lock; stopped() follows.
    void shutdown();
    // SIGHUP: logs and publishes a daemon "reload" event, as dockerd does.
    void reload();

    const DaemonConfig &config() const { return m_config; }
    const QString &engineId() const { return m_state.engineId(); }
    EventBus &events() { return *m_events; }
    HttpServer &server() { return *m_server; }

signals:
    void stopped(int exitCode);

private:
    void finishShutdown();
    Status startContainers();

    DaemonConfig m_config;
    StateDirectory m_state;
    ListeningSocket m_socket;
    std::unique_ptr<EventBus> m_events;
    // The stores; only the engine worker's thread touches them.
    std::unique_ptr<Engine::ImageStore> m_images;
    std::unique_ptr<Engine::VolumeStore> m_volumes;
    // Containers: thread-safe store, bridge addresses, the runtime and
    // the lifecycle (main thread).
    std::unique_ptr<Engine::ContainerStore> m_containers;
    std::unique_ptr<Ipam> m_ipam;
    std::unique_ptr<RuntimeBackend> m_runtime;
    std::unique_ptr<ContainerSupervisor> m_supervisor;
    std::unique_ptr<EngineWorker> m_worker;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<SignalHandler> m_signals;
    std::vector<std::unique_ptr<ApiRoutes>> m_routes;
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace Berth::Daemon
