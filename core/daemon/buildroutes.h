#pragma once

#include "router.h"

#include <engine/registry/registryconfig.h>

#include <QObject>

#include <memory>
#include <optional>
#include <vector>

namespace Berth::Engine {
class ImageStore;
class BuildCache;
}

namespace Berth::Daemon {

class ContainerSupervisor;
class EngineWorker;
class EventBus;
struct BuildSession;

// POST /build: dockerd's classic ("legacy") builder (engine-api.md 7.16).
//
// Query: t (repeatable), dockerfile, buildargs (JSON map, null values =
// take the value from the daemon's environment: Berth takes none), labels
// (JSON map), target, nocache, q, rm (default 1), forcerm, pull; remote is
// refused (400). X-Registry-Config (base64url JSON map registry -> auth)
// gives the credentials for FROM images that have to be pulled (a missing
// one always is, as dockerd does; pull=1 pulls them all; with pull=0 a
// stored image never touches the network).
//
// The body is the context tar (plain, gzip, bzip2, xz or zstd: libarchive
// tells), streamed into Engine::BuildContext while it arrives: the engine
// thread feeds a socketpair that an extraction thread reads, with the
// socket paused while 8 MiB wait; nothing is held in memory.
//
// Reply: 200 application/json, one JSON object per line, as dockerd sends
// them (Go's encoder: <, > and & as \u003c \u003e \u0026):
//   {"stream":"Step 1/3 : FROM busybox"} {"stream":"\n"}
//   {"stream":" ---> 1a2b3c4d5e6f\n"}
//   {"stream":" ---> Running in 0123456789ab\n"}  RUN output as {"stream":...}
//   {"stream":"Removing intermediate container 0123456789ab\n"}
//   {"aux":{"ID":"sha256:<64 hex>"}}
//   {"stream":"Successfully built 1a2b3c4d5e6f\n"}
//   {"stream":"Successfully tagged name:tag\n"}
// pull progress of FROM images as docker's {"status":...} messages; a
// failure after the first message ends the stream with
//   {"errorDetail":{"code":N,"message":M},"error":M}
// (code = the failed RUN's exit code, omitted otherwise); before it, an HTTP
// error (404 "Cannot locate specified Dockerfile: X", 400 parse errors, ...).
// q=1: nothing but {"stream":"sha256:<64 hex>\n"}; on failure the
// suppressed output, then the error (dockerd does the same).
//
// Berth's extra for the desktop app, one line after each finished step
// (the docker CLI ignores aux objects without "ID"; not sent with q=1):
//   {"aux":{"berth.step":{"step":2,"total":5,"line":3,
//     "instruction":"COPY . /app","cached":false,
//     "image":"sha256:<64 hex>","layer":"sha256:<64 hex>"|null,
//     "layerSize":1234,"durationMs":12}}}
//
// RUN steps run in intermediate containers (BuildContainerRunner). A client
// that disconnects cancels the build: the running step's container is
// killed and removed, the context dir removed, nothing is tagged.
class BuildRoutes : public ApiRoutes
{
public:
    struct Context
    {
        Engine::ImageStore *store = nullptr;
        EngineWorker *worker = nullptr;
        EventBus *events = nullptr;
        ContainerSupervisor *supervisor = nullptr; // null: RUN is refused
        Engine::RegistryConfig registry;
    };

    explicit BuildRoutes(Context context);
    // Cancels the builds still running and waits for their threads.
    ~BuildRoutes() override;
    void registerRoutes(Router &router) override;

private:
    void build(HttpExchange &exchange);

    Context m_context;
    std::unique_ptr<QObject> m_guard; // parent of the RUN runners (HTTP thread)
    std::shared_ptr<std::optional<Engine::BuildCache>> m_cache; // opened and used on the engine thread
    std::vector<std::weak_ptr<BuildSession>> m_sessions;
};

} // namespace Berth::Daemon
