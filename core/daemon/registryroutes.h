#pragma once

#include "router.h"

#include <engine/registry/registryconfig.h>

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>
#include <vector>

namespace Berth::Engine {
class ImageStore;
}

namespace Berth::Daemon {

class EngineWorker;
class EventBus;

// Registries (engine-api.md 7.17, issue 6):
//   POST /images/create?fromImage=&tag=&platform=   pull (ImageRoutes hands it over)
//   POST /images/{name}/push?tag=                   push
//   POST /auth                                      login check
// X-Registry-Auth carries the credentials. Each pull, push or login runs on
// a thread of its own (the registry client blocks in its own event loop);
// store work goes to the engine thread; progress comes back to the HTTP
// thread as docker's JSON messages. An error before the first message is an
// HTTP error (404 unknown tag, 401 credentials, 500 else); after it, an
// errorDetail message ends the stream.
class RegistryRoutes : public ApiRoutes
{
public:
    struct Context
    {
        Engine::ImageStore *store = nullptr;
        EngineWorker *worker = nullptr;
        EventBus *events = nullptr;
        Engine::RegistryConfig registry;
    };

    explicit RegistryRoutes(Context context);
    // Waits for the registry threads still running.
    ~RegistryRoutes() override;
    void registerRoutes(Router &router) override;

    // POST /images/create?fromImage=...
    void pull(HttpExchange &exchange);

private:
    void push(HttpExchange &exchange);
    void auth(HttpExchange &exchange);
    // Runs `job` on a new thread; `done` then runs on the HTTP thread.
    void runThread(std::function<void()> job, std::function<void()> done);

    Context m_context;
    std::unique_ptr<QObject> m_guard; // HTTP-thread context for deliveries
    std::vector<std::unique_ptr<QThread>> m_threads;
};

} // namespace Berth::Daemon
