#pragma once

#include "containerconfig.h"
#include "router.h"

#include <engine/volumestore.h>

namespace Berth::Engine {
class ContainerStore;
}

namespace Berth::Daemon {

class EventBus;

// The volume API (engine-api.md 10, P2; docker 20.10 behaviour at API 1.41):
//   GET    /volumes                 filters dangling, driver, label, name
//   POST   /volumes/create          201 with the volume
//   GET    /volumes/{name}          404 "get X: no such volume"
//   DELETE /volumes/{name}?force=   409 "remove X: volume is in use - [ids]"
//   POST   /volumes/prune           unused anonymous volumes; all=true (API 1.42) or an
//                                    API version below 1.42: every unused volume (label, label!)
// Emits volume create and destroy events; mount and unmount come from the
// container supervisor, which knows when a container starts and stops.
class VolumeRoutes : public ApiRoutes
{
public:
    struct Context
    {
        Engine::VolumeStore *volumes = nullptr;
        EventBus *events = nullptr;
        // IDs of the containers (running or not) whose mounts name the volume.
        Engine::VolumeUsageCallback usage;
    };

    explicit VolumeRoutes(Context context);
    void registerRoutes(Router &router) override;

    // Usage from the containers' Mounts (entries of Type "volume" naming it).
    static Engine::VolumeUsageCallback containerUsage(const Engine::ContainerStore *containers);

    // For -v NAME:/path at container create: the volume's _data directory,
    // the volume made (and its create event published) when missing, as
    // docker does. An empty name makes an anonymous volume.
    static std::function<Result<QString>(const QString &name)> mountpointProvider(Engine::VolumeStore *volumes,
                                                                                  EventBus *events);

    // For container create (every volume kind): the named volume, made when
    // missing, or a new anonymous one (random 64-hex name, label
    // com.docker.volume.anonymous=""); publishes the create event.
    static std::function<Result<ContainerConfig::CreateContext::VolumeGrant>(
        const ContainerConfig::CreateContext::VolumeRequest &)>
    volumeProvider(Engine::VolumeStore *volumes, EventBus *events);

    // rm -v, --rm and a failed create: removes these volumes unless another
    // container still uses them (dockerd keeps those and says nothing);
    // with anonymousOnly, only volumes labelled anonymous (a named volume
    // that came with --volumes-from stays). Publishes destroy events.
    static void removeVolumes(Engine::VolumeStore *volumes, EventBus *events, const QStringList &names,
                              const Engine::VolumeUsageCallback &usage, bool anonymousOnly);

    // docker 28's label on volumes made for one container.
    static constexpr const char *kAnonymousLabel = "com.docker.volume.anonymous";

    // The Volume JSON of GET /volumes/{name} (also used by inspect of -v mounts).
    static QJsonObject volumeJson(const Engine::VolumeRecord &record);

private:
    HttpResponse list(const HttpRequest &request) const;
    HttpResponse create(const HttpRequest &request) const;
    HttpResponse inspect(const HttpRequest &request) const;
    HttpResponse remove(const HttpRequest &request) const;
    HttpResponse prune(const HttpRequest &request) const;
    static void publish(EventBus *events, const QString &action, const Engine::VolumeRecord &record);
    QStringList usersOf(const QString &name) const;

    Context m_context;
};

} // namespace Berth::Daemon
