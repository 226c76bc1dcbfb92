#pragma once

#include "router.h"

#include <engine/imagestore.h>

#include <optional>

#include <functional>
#include <memory>

namespace Berth::Engine {
class ImageStore;
}

namespace Berth::Daemon {

class EngineWorker;
class EventBus;

// /images/*: list, inspect, history, tag, remove, prune and import
// (POST /images/create?fromSrc=-). Store work runs on the engine thread;
// replies and events go out from the HTTP thread.
class ImageRoutes : public ApiRoutes
{
public:
    struct Context
    {
        Engine::ImageStore *store = nullptr;
        EngineWorker *worker = nullptr;
        EventBus *events = nullptr;
        // POST /images/create?fromImage= (RegistryRoutes::pull)
        std::function<void(HttpExchange &)> pull;
    };

    explicit ImageRoutes(Context context);
    ~ImageRoutes() override;
    void registerRoutes(Router &router) override;
    // Who uses an image (the container store; thread-safe): rmi and prune
    // refuse images of containers as docker does.
    void setImageUsage(std::function<std::optional<Engine::ImageUsage>(const Engine::Digest &)> usage)
    {
        m_usage = std::move(usage);
    }

private:
    void list(HttpExchange &exchange);
    void inspect(HttpExchange &exchange);
    void history(HttpExchange &exchange);
    void tag(HttpExchange &exchange);
    void remove(HttpExchange &exchange);
    void prune(HttpExchange &exchange);
    void create(HttpExchange &exchange);
    void importStream(HttpExchange &exchange);

    Context m_context;
    std::function<std::optional<Engine::ImageUsage>(const Engine::Digest &)> m_usage;
};

} // namespace Berth::Daemon
