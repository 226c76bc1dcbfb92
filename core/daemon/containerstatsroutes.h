#pragma once

#include "router.h"

#include <base/result.h>

#include <QJsonObject>

#include <engine/containerstore.h>

namespace Berth::Daemon {

class ContainerSupervisor;
class HttpExchange;

// GET /containers/{id}/top: docker's `ps -ef` table (UID PID PPID C STIME
// TTY TIME CMD) computed from /proc for the processes in the container
// init's cgroup; no ps is run. Only the default ps_args (empty or -ef).
// GET /containers/{id}/stats (engine-api.md 7.13, 8.9): samples of the
// container's cgroup (v1 memory/cpuacct/cpu/pids/blkio or v2 files, found
// through /proc/<init pid>/cgroup), /proc/stat and /proc/<pid>/net/dev.
// stream=false takes two samples a second apart (precpu_stats filled)
// unless one-shot; stream=true sends one object a second until the client
// leaves or the container stops.
class ContainerStatsRoutes : public ApiRoutes
{
public:
    explicit ContainerStatsRoutes(ContainerSupervisor *supervisor);
    void registerRoutes(Router &router) override;

    // The top reply for the processes in the cgroup of `pid`.
    static Result<QJsonObject> topOf(qint64 pid);

    // One stats object of a running container (precpu_stats and preread
    // from `previous`, which may be empty); zeros for a stopped one.
    static QJsonObject statsOf(const Engine::ContainerRecord &record, const QJsonObject &previous);

private:
    HttpResponse top(const HttpRequest &request) const;
    void stats(HttpExchange &exchange);

    ContainerSupervisor *m_supervisor;
};

} // namespace Berth::Daemon
