#pragma once

#include "router.h"

namespace Berth::Daemon {

class ContainerSupervisor;
class EventBus;

// docker cp (engine-api.md 6.6, 7.12):
//   HEAD /containers/{id}/archive?path=   the path stat header only
//   GET  /containers/{id}/archive?path=   the header and a tar of the path
//   PUT  /containers/{id}/archive?path=&noOverwriteDirNonDir=&copyUIDGID=
// The container's filesystem comes from RuntimeBackend::openRootfs
// (/proc/<pid>/root when running, the shim's rootfs mount when stopped);
// all path work is Engine::ContainerArchive, resolved inside that root.
class ContainerArchiveRoutes : public ApiRoutes
{
public:
    ContainerArchiveRoutes(ContainerSupervisor *supervisor, EventBus *events);
    void registerRoutes(Router &router) override;

private:
    void stat(HttpExchange &exchange);
    void get(HttpExchange &exchange);
    void put(HttpExchange &exchange);

    ContainerSupervisor *m_supervisor;
    EventBus *m_events;
};

} // namespace Berth::Daemon
