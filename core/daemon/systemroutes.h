#pragma once

#include "daemonconfig.h"
#include "router.h"

#include <common/systeminfo.h>

#include <QString>

#include <functional>

namespace Berth::Daemon {

class EventBus;
class HttpServer;

// /_ping, /version, /info and /events.
class SystemRoutes : public ApiRoutes
{
public:
    // What /info reports that only the running helper knows.
    struct Context
    {
        DaemonConfig config;
        QString engineId;
        EventBus *events = nullptr;
        // Open connections; optional.
        std::function<int()> connectionCount;
        // Images in the store; optional.
        std::function<int()> imageCount;
        // Fills the container counts; optional.
        std::function<void(Common::SystemInfo &)> containerCounts;
    };

    explicit SystemRoutes(Context context);
    void registerRoutes(Router &router) override;

private:
    HttpResponse ping(const HttpRequest &request) const;
    HttpResponse version(const HttpRequest &request) const;
    HttpResponse info(const HttpRequest &request) const;
    void events(HttpExchange &exchange) const;

    Context m_context;
};

// JSON 404s for object kinds Berth does not have yet, so `docker inspect X`
// walks on to "No such object" as it does against dockerd (engine-api.md
// rule 20): networks and plugins (volumes: VolumeRoutes). Later issues replace them with
// real resources.
class MissingObjectRoutes : public ApiRoutes
{
public:
    void registerRoutes(Router &router) override;
};

} // namespace Berth::Daemon
