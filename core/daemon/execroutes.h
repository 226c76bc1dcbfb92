#pragma once

#include "router.h"
#include "runtimebackend.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace Berth::Daemon {

class ContainerSupervisor;
class HttpExchange;

// docker exec (engine-api.md 6.4, 7.9, 8.8): POST /containers/{id}/exec,
// POST /exec/{id}/start, POST /exec/{id}/resize, GET /exec/{id}/json.
// Exec instances live in memory only (as in dockerd); a finished one is
// dropped kExecKeepMs after it ended, and all of a container's are
// dropped when it is removed. The process spec is the container's
// (ContainerConfig::shimSpec: capabilities, seccomp, no_new_privs, rlimits)
// with the exec's command, env, user, cwd and terminal; it goes to
// <bundle>/exec/<exec id>.json before `berth-shim exec`.
class ExecRoutes : public QObject, public ApiRoutes
{
    Q_OBJECT
public:
    explicit ExecRoutes(ContainerSupervisor *supervisor, QObject *parent = nullptr);
    ~ExecRoutes() override;
    void registerRoutes(Router &router) override;

    static constexpr int kExecKeepMs = 5 * 60 * 1000;

private:
    struct Exec
    {
        QString id;
        QString containerId;
        QStringList cmd;
        QStringList env;
        QString user;
        QString workingDir;
        QByteArray detachKeys;
        QString detachKeysText;
        bool tty = false;
        bool attachStdin = false;
        bool attachStdout = false;
        bool attachStderr = false;
        bool privileged = false;
        bool started = false;  // start was asked (a second start is refused)
        bool running = false;  // the process exists and has not ended
        bool outputDone = false; // the attached stream finished
        std::optional<int> exitCode;
        qint64 pid = 0;
        int height = 0;
        int width = 0;
        std::vector<std::function<void()>> onExit;
    };

    void create(HttpExchange &exchange);
    void start(HttpExchange &exchange);
    void resize(HttpExchange &exchange);
    void inspect(HttpExchange &exchange);

    std::shared_ptr<Exec> find(const QString &id) const;
    Status writeSpec(const Exec &exec);
    void spawn(const std::shared_ptr<Exec> &exec, std::function<void(Status)> done);
    void startFailed(const std::shared_ptr<Exec> &exec, const Error &error);
    void onExecExited(const QString &containerId, const QString &execId, const RuntimeExit &status);
    void publish(const Exec &exec, const QString &action, QMap<QString, QString> extra = {});
    void removeFiles(const Exec &exec) const;
    void dropLater(const QString &execId);
    QJsonObject inspectJson(const Exec &exec) const;

    ContainerSupervisor *m_supervisor;
    QHash<QString, std::shared_ptr<Exec>> m_execs;
};

} // namespace Berth::Daemon
