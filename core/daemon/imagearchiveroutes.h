#pragma once

#include "router.h"

namespace Berth::Engine {
class ImageStore;
}

namespace Berth::Daemon {

class EngineWorker;
class EventBus;

// docker save / docker load (engine-api.md 7.18):
//   GET  /images/get?names=a&names=b, GET /images/{name}/get
//        a tar streamed as it is produced (Engine::ImageSaver), paced by
//        what the socket has not yet taken;
//   POST /images/load?quiet=0|1
//        the body streamed into an Engine::ImageLoader with backpressure,
//        then a JSON-message stream ("Loaded image: ...").
// Store work runs on the engine thread; replies and events go out from the
// HTTP thread.
class ImageArchiveRoutes : public ApiRoutes
{
public:
    struct Context
    {
        Engine::ImageStore *store = nullptr;
        EngineWorker *worker = nullptr;
        EventBus *events = nullptr;
    };

    explicit ImageArchiveRoutes(Context context);
    ~ImageArchiveRoutes() override;
    void registerRoutes(Router &router) override;

private:
    void save(HttpExchange &exchange, const QStringList &names);
    void load(HttpExchange &exchange);

    Context m_context;
};

} // namespace Berth::Daemon
