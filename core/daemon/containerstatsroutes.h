#pragma once

#include "router.h"

#include <base/result.h>

#include <QJsonObject>

namespace Berth::Daemon {

class ContainerSupervisor;

// GET /containers/{id}/top: docker's `ps -ef` table (UID PID PPID C STIME
// TTY TIME CMD) computed from /proc for the processes in the container
// init's cgroup; no ps is run. Only the default ps_args (empty or -ef).
// (GET /containers/{id}/stats is not served yet.)
class ContainerStatsRoutes : public ApiRoutes
{
public:
    explicit ContainerStatsRoutes(ContainerSupervisor *supervisor);
    void registerRoutes(Router &router) override;

    // The top reply for the processes in the cgroup of `pid`.
    static Result<QJsonObject> topOf(qint64 pid);

private:
    HttpResponse top(const HttpRequest &request) const;

    ContainerSupervisor *m_supervisor;
};

} // namespace Berth::Daemon
