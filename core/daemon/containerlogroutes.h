#pragma once

#include "router.h"

namespace Berth::Daemon {

class ContainerSupervisor;

// GET /containers/{id}/logs (engine-api.md 7.8): the json-file log the shim
// writes, as docker's multiplexed frames (raw with a TTY), with stdout /
// stderr, timestamps, tail, since, until and follow. follow streams what
// the shim appends (inotify, no polling) until the container stops.
class ContainerLogRoutes : public ApiRoutes
{
public:
    explicit ContainerLogRoutes(ContainerSupervisor *supervisor);
    void registerRoutes(Router &router) override;

private:
    void logs(HttpExchange &exchange);

    ContainerSupervisor *m_supervisor;
};

} // namespace Berth::Daemon
