#pragma once

#include "router.h"

#include <base/result.h>

#include <QString>

#include <functional>

namespace Berth::Engine {
class ImageStore;
}

namespace Berth::Daemon {

class ContainerSupervisor;
class EngineWorker;
class HttpExchange;

// /containers/...: create, list, inspect, start, stop, restart, kill, wait,
// rename, attach, resize, remove, prune (engine-api.md 7.2-7.7, 7.10,
// 7.11). Parsing and validation here; the lifecycle in ContainerSupervisor.
class ContainerRoutes : public ApiRoutes
{
public:
    struct Context
    {
        ContainerSupervisor *supervisor = nullptr;
        Engine::ImageStore *images = nullptr; // engine thread only
        EngineWorker *worker = nullptr;
        int hostCpus = 1;
        // -v NAME:/path (the volume store of "io"); unset: named volumes are refused.
        std::function<Result<QString>(const QString &name)> volumeMountpoint;
        // The ID of a built-in network ("bridge", "host", "none") for
        // NetworkSettings.Networks.<name>.NetworkID; unset: empty IDs.
        std::function<QString(const QString &name)> networkId;
    };

    explicit ContainerRoutes(Context context);
    ~ContainerRoutes() override;
    void registerRoutes(Router &router) override;

    // docker's detachKeys syntax ("ctrl-p,ctrl-q", "a,b") to raw key bytes;
    // 400 "Invalid escape keys (...) provided". Shared with the exec routes.
    static Result<QByteArray> detachKeys(const QString &text);

private:
    QString networkIdOf(const QString &name) const;
    void create(HttpExchange &exchange);
    void list(HttpExchange &exchange);
    void inspect(HttpExchange &exchange);
    void start(HttpExchange &exchange);
    void stop(HttpExchange &exchange);
    void restart(HttpExchange &exchange);
    void kill(HttpExchange &exchange);
    void pause(HttpExchange &exchange, bool paused);
    void wait(HttpExchange &exchange);
    void rename(HttpExchange &exchange);
    void attach(HttpExchange &exchange);
    void resize(HttpExchange &exchange);
    void remove(HttpExchange &exchange);
    void prune(HttpExchange &exchange);

    Context m_context;
};

} // namespace Berth::Daemon
