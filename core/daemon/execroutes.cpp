#include "execroutes.h"

#include "containerconfig.h"
#include "containerroutes.h"
#include "containersupervisor.h"
#include "daemonlogging.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"
#include "socketchannel.h"
#include "streamsplice.h"

#include <engine/atomicfile.h>
#include <engine/containerstore.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTimer>

#include <csignal>

namespace Berth::Daemon {

using Engine::ContainerRecord;
using Engine::ContainerStatus;

namespace {

// How long GET /exec/{id}/json waits for the exit of an exec whose output
// already ended (the shim closes the stream as the process dies; its exit
// file follows a moment later).
constexpr int kExitAfterOutputMs = 5000;

QStringList stringList(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toString());
    return out;
}

QJsonArray toArray(const QStringList &list)
{
    QJsonArray out;
    for (const QString &s : list)
        out.append(s);
    return out;
}

QString envKey(const QString &entry)
{
    const qsizetype eq = entry.indexOf(u'=');
    return eq < 0 ? entry : entry.left(eq);
}

// dockerd's ReplaceOrAppendEnvValues: the exec's entries replace the
// container's of the same name, the rest are appended.
QStringList mergeEnv(QStringList base, const QStringList &overrides)
{
    for (const QString &entry : overrides) {
        const QString key = envKey(entry);
        bool replaced = false;
        for (QString &existing : base) {
            if (envKey(existing) == key) {
                existing = entry;
                replaced = true;
            }
        }
        if (!replaced)
            base.append(entry);
    }
    return base;
}

QString newExecId()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 8);
    return QString::fromLatin1(bytes.toHex());
}

// A start failure's exit code as dockerd derives it from the runtime's
// message: 127 for a command that is not there, 126 for anything else.
int startFailureExitCode(const QString &message)
{
    if (message.contains(QLatin1String("not found")) || message.contains(QLatin1String("no such file or directory")))
        return 127;
    return 126;
}

// One stdout frame of docker's multiplexed stream (engine-api.md 6.2).
QByteArray stdoutFrame(const QByteArray &payload)
{
    QByteArray frame(8, '\0');
    frame[0] = 1;
    const quint32 size = quint32(payload.size());
    frame[4] = char((size >> 24) & 0xff);
    frame[5] = char((size >> 16) & 0xff);
    frame[6] = char((size >> 8) & 0xff);
    frame[7] = char(size & 0xff);
    return frame + payload;
}

} // namespace

ExecRoutes::ExecRoutes(ContainerSupervisor *supervisor, QObject *parent)
    : QObject(parent)
    , m_supervisor(supervisor)
{
    connect(&supervisor->backend(), &RuntimeBackend::execExited, this,
            [this](const QString &id, const QString &execId, const RuntimeExit &status) {
                onExecExited(id, execId, status);
            });
    connect(supervisor, &ContainerSupervisor::containerExited, this, [this](const QString &id, int) {
        // The container's exec processes died with it; their records go
        // after the keep time like any finished exec.
        for (auto it = m_execs.begin(); it != m_execs.end(); ++it) {
            if (it.value()->containerId == id && !it.value()->running)
                dropLater(it.key());
        }
    });
    connect(supervisor, &ContainerSupervisor::containerRemoved, this, [this](const QString &id) {
        for (auto it = m_execs.begin(); it != m_execs.end();) {
            if (it.value()->containerId == id) {
                for (auto &callback : std::exchange(it.value()->onExit, {}))
                    callback();
                it = m_execs.erase(it);
            } else {
                ++it;
            }
        }
    });
}

ExecRoutes::~ExecRoutes() = default;

void ExecRoutes::registerRoutes(Router &router)
{
    router.addRoute("POST", QStringLiteral("/containers/{id}/exec"), [this](HttpExchange &e) { create(e); });
    router.addRoute("POST", QStringLiteral("/exec/{id}/start"), [this](HttpExchange &e) { start(e); });
    router.addRoute("POST", QStringLiteral("/exec/{id}/resize"), [this](HttpExchange &e) { resize(e); });
    router.addRoute("GET", QStringLiteral("/exec/{id}/json"), [this](HttpExchange &e) { inspect(e); });
}

std::shared_ptr<ExecRoutes::Exec> ExecRoutes::find(const QString &id) const
{
    return m_execs.value(id);
}

void ExecRoutes::create(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto record = m_supervisor->store().find(request.capture(QStringLiteral("id")));
    if (!record)
        return exchange.respondError(record.error());
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &parseError);
    if (!doc.isObject())
        return exchange.respondError(400, QStringLiteral("invalid JSON in exec create body: %1").arg(parseError.errorString()));
    const QJsonObject body = doc.object();
    if (record->state.status == ContainerStatus::Paused)
        return exchange.respondError(409, QStringLiteral("Container %1 is paused, unpause the container before exec").arg(record->id));
    if (record->state.status == ContainerStatus::Restarting)
        return exchange.respondError(409, QStringLiteral("Container %1 is restarting, wait until the container is running").arg(record->id));
    if (record->state.status != ContainerStatus::Running || record->state.pid <= 0)
        return exchange.respondError(409, QStringLiteral("Container %1 is not running").arg(record->id));

    auto exec = std::make_shared<Exec>();
    exec->cmd = stringList(body.value(QStringLiteral("Cmd")));
    if (exec->cmd.isEmpty())
        return exchange.respondError(400, QStringLiteral("No exec command specified"));
    for (const QString &e : stringList(body.value(QStringLiteral("Env")))) {
        if (envKey(e).isEmpty())
            return exchange.respondError(400, QStringLiteral("invalid environment variable: %1").arg(e));
    }
    exec->id = newExecId();
    exec->containerId = record->id;
    exec->env = stringList(body.value(QStringLiteral("Env")));
    exec->user = body.value(QStringLiteral("User")).toString();
    exec->workingDir = body.value(QStringLiteral("WorkingDir")).toString();
    if (!exec->workingDir.isEmpty() && !exec->workingDir.startsWith(u'/'))
        return exchange.respondError(400, QStringLiteral("the working directory '%1' is invalid, it needs to be an absolute path")
                                              .arg(exec->workingDir));
    exec->tty = body.value(QStringLiteral("Tty")).toBool();
    exec->attachStdin = body.value(QStringLiteral("AttachStdin")).toBool();
    exec->attachStdout = body.value(QStringLiteral("AttachStdout")).toBool();
    exec->attachStderr = body.value(QStringLiteral("AttachStderr")).toBool();
    exec->privileged = body.value(QStringLiteral("Privileged")).toBool();
    exec->detachKeysText = body.value(QStringLiteral("DetachKeys")).toString();
    auto keys = ContainerRoutes::detachKeys(exec->detachKeysText);
    if (!keys)
        return exchange.respondError(keys.error());
    exec->detachKeys = *keys;
    const QJsonArray consoleSize = body.value(QStringLiteral("ConsoleSize")).toArray();
    if (consoleSize.size() == 2 && consoleSize.at(0).toInt() > 0 && consoleSize.at(1).toInt() > 0) {
        exec->height = consoleSize.at(0).toInt();
        exec->width = consoleSize.at(1).toInt();
    }

    m_execs.insert(exec->id, exec);
    const QString execId = exec->id;
    auto updated = m_supervisor->store().update(record->id, [&](ContainerRecord &r) { r.execIds.append(execId); });
    if (!updated)
        qCWarning(lcDaemon).noquote() << "exec create: recording exec" << execId << "in container" << record->id << ":"
                                      << QString::fromStdString(updated.error().toString());
    publish(*exec, QStringLiteral("exec_create: ") + exec->cmd.join(u' '));
    exchange.respond(HttpResponse::json(201, QJsonObject{{QStringLiteral("Id"), exec->id}}));
}

Status ExecRoutes::writeSpec(const Exec &exec)
{
    auto record = m_supervisor->store().get(exec.containerId);
    if (!record)
        return fail(ErrorCode::NotFound, "No such container: " + exec.containerId.toStdString());
    // The container's own spec with the exec's process fields: the same
    // capability, seccomp and no_new_privs treatment (README 2).
    ContainerRecord r = *record;
    r.path = exec.cmd.first();
    r.args = exec.cmd.mid(1);
    r.config.insert(QStringLiteral("Env"), toArray(mergeEnv(stringList(r.config.value(QStringLiteral("Env"))), exec.env)));
    if (!exec.user.isEmpty())
        r.config.insert(QStringLiteral("User"), exec.user);
    if (!exec.workingDir.isEmpty())
        r.config.insert(QStringLiteral("WorkingDir"), exec.workingDir);
    r.config.insert(QStringLiteral("Tty"), exec.tty);
    r.config.insert(QStringLiteral("OpenStdin"), exec.attachStdin);
    r.config.insert(QStringLiteral("StdinOnce"), true);
    if (exec.privileged)
        r.hostConfig.insert(QStringLiteral("Privileged"), true);
    if (exec.height > 0 && exec.width > 0)
        r.hostConfig.insert(QStringLiteral("ConsoleSize"), QJsonArray{exec.height, exec.width});
    else
        r.hostConfig.remove(QStringLiteral("ConsoleSize"));
    const QJsonObject process = ContainerConfig::shimSpec(r, ContainerConfig::SpecContext{})
                                    .value(QStringLiteral("process"))
                                    .toObject();
    const QString dir = m_supervisor->store().bundlePath(exec.containerId) + QStringLiteral("/exec");
    if (!QDir().mkpath(dir))
        return fail(ErrorCode::Io, "exec: creating " + dir.toStdString() + " failed");
    return Engine::AtomicFile::write(dir + u'/' + exec.id + QStringLiteral(".json"),
                                     QJsonDocument(QJsonObject{{QStringLiteral("id"), exec.id},
                                                               {QStringLiteral("process"), process}})
                                         .toJson(QJsonDocument::Compact),
                                     0600);
}

void ExecRoutes::removeFiles(const Exec &exec) const
{
    const QString base = m_supervisor->store().bundlePath(exec.containerId) + QStringLiteral("/exec/") + exec.id;
    QFile::remove(base + QStringLiteral(".json"));
    QFile::remove(base + QStringLiteral(".exit.json"));
}

void ExecRoutes::publish(const Exec &exec, const QString &action, QMap<QString, QString> extra)
{
    auto record = m_supervisor->store().get(exec.containerId);
    if (!record)
        return;
    extra.insert(QStringLiteral("execID"), exec.id);
    m_supervisor->publish(*record, action, std::move(extra));
}

void ExecRoutes::startFailed(const std::shared_ptr<Exec> &exec, const Error &error)
{
    const QString message = QString::fromStdString(error.toString());
    qCInfo(lcDaemon).noquote() << "exec" << exec->id << "failed to start:" << message;
    exec->running = false;
    exec->exitCode = startFailureExitCode(message);
    removeFiles(*exec);
    for (auto &callback : std::exchange(exec->onExit, {}))
        callback();
    dropLater(exec->id);
}

// berth-shim exec, then the size asked for meanwhile. The caller attaches
// (or not) and starts.
void ExecRoutes::spawn(const std::shared_ptr<Exec> &exec, std::function<void(Status)> done)
{
    auto record = m_supervisor->store().get(exec->containerId);
    if (!record || record->state.status != ContainerStatus::Running || record->state.pid <= 0)
        return done(fail(ErrorCode::Conflict, "Container " + exec->containerId.toStdString() + " is not running"));
    if (auto ok = writeSpec(*exec); !ok)
        return done(ok);
    QPointer<ExecRoutes> self(this);
    m_supervisor->backend().execCreate(exec->containerId, exec->id, record->state.pid,
                                       [self, exec, done](Result<RuntimeCreated> created) {
                                           if (!self)
                                               return;
                                           if (!created)
                                               return done(fail(created.error()));
                                           exec->pid = created->pid;
                                           exec->running = true;
                                           self->m_supervisor->backend().execWatch(exec->containerId, exec->id);
                                           done(Status());
                                       });
}

void ExecRoutes::start(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto exec = find(request.capture(QStringLiteral("id")));
    if (!exec)
        return exchange.respondError(404, QStringLiteral("No such exec instance: %1").arg(request.capture(QStringLiteral("id"))));
    QJsonObject body;
    if (!request.body().trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &parseError);
        if (!doc.isObject())
            return exchange.respondError(400, QStringLiteral("invalid JSON in exec start body: %1").arg(parseError.errorString()));
        body = doc.object();
    }
    if (exec->started)
        return exchange.respondError(409, exec->exitCode ? QStringLiteral("Error: Exec command %1 has already run").arg(exec->id)
                                                         : QStringLiteral("Error: Exec command %1 is already running").arg(exec->id));
    auto record = m_supervisor->store().get(exec->containerId);
    if (!record || record->state.status != ContainerStatus::Running)
        return exchange.respondError(409, QStringLiteral("Container %1 is not running").arg(exec->containerId));
    if (body.contains(QStringLiteral("Tty")))
        exec->tty = body.value(QStringLiteral("Tty")).toBool();
    exec->started = true;
    QPointer<ExecRoutes> self(this);
    const QString action = QStringLiteral("exec_start: ") + exec->cmd.join(u' ');

    if (body.value(QStringLiteral("Detach")).toBool()) {
        QPointer<HttpExchange> guard(&exchange);
        spawn(exec, [self, guard, exec, action](Status ok) {
            if (!self)
                return;
            if (!ok) {
                self->startFailed(exec, ok.error());
                if (guard && !guard->isFinished())
                    guard->respondError(ok.error());
                return;
            }
            self->m_supervisor->backend().execStart(exec->containerId, exec->id, [self, guard, exec, action](Status started) {
                if (!self)
                    return;
                if (!started) {
                    self->m_supervisor->backend().execKill(exec->containerId, exec->id, SIGKILL, [](Status) {});
                    if (guard && !guard->isFinished())
                        guard->respondError(started.error());
                    return;
                }
                self->publish(*exec, action);
                if (guard && !guard->isFinished())
                    guard->respond(HttpResponse::empty(200));
            });
        });
        return;
    }

    // Attached: everything is checked, so hijack now (101 when the client
    // asked for an upgrade) and report later failures on the stream, as
    // dockerd does.
    // The hijacked client, held until the splice takes it (or a failure
    // writes its message and closes it).
    auto client = std::make_shared<std::unique_ptr<SocketChannel>>(exchange.hijack());
    if (!*client)
        return;
    auto fail = [self, exec, client](const Error &error) {
        if (!self)
            return;
        self->startFailed(exec, error);
        if (!*client)
            return;
        const QByteArray text = QByteArray::fromStdString(error.message()) + "\r\n";
        (*client)->write(exec->tty ? text : stdoutFrame(text));
        (*client)->closeAfterWrite();
        // The channel deletes nothing by itself: keep it until it closed.
        SocketChannel *channel = client->release();
        connect(channel, &SocketChannel::closed, channel, &QObject::deleteLater);
    };
    spawn(exec, [self, exec, client, fail, action](Status ok) {
        if (!self)
            return;
        if (!ok)
            return fail(ok.error());
        RuntimeAttachOptions options;
        options.stdinStream = exec->attachStdin;
        options.stdoutStream = exec->attachStdout;
        options.stderrStream = exec->attachStderr;
        options.detachKeys = exec->detachKeys;
        self->m_supervisor->backend().execAttach(
            exec->containerId, exec->id, options, [self, exec, client, fail, action](Result<UniqueFd> fd) {
                if (!self)
                    return;
                if (!fd) {
                    self->m_supervisor->backend().execKill(exec->containerId, exec->id, SIGKILL, [](Status) {});
                    return fail(fd.error());
                }
                if (exec->height > 0 && exec->width > 0)
                    self->m_supervisor->backend().execResize(exec->containerId, exec->id, exec->height, exec->width,
                                                             [](Status) {});
                if (!*client || !(*client)->isOpen()) {
                    // The client left before the process ran: nothing to run it for.
                    self->m_supervisor->backend().execKill(exec->containerId, exec->id, SIGKILL, [](Status) {});
                    return;
                }
                auto *splice = new StreamSplice(std::move(*client), std::make_unique<SocketChannel>(std::move(*fd)), self);
                QObject::connect(splice, &StreamSplice::finished, self, [exec] { exec->outputDone = true; });
                self->m_supervisor->backend().execStart(exec->containerId, exec->id, [self, exec, action](Status started) {
                    if (!self)
                        return;
                    if (!started) {
                        qCInfo(lcDaemon).noquote() << "exec" << exec->id << "start:"
                                                   << QString::fromStdString(started.error().toString());
                        self->m_supervisor->backend().execKill(exec->containerId, exec->id, SIGKILL, [](Status) {});
                        return;
                    }
                    self->publish(*exec, action);
                });
            });
    });
}

void ExecRoutes::resize(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto exec = find(request.capture(QStringLiteral("id")));
    if (!exec)
        return exchange.respondError(404, QStringLiteral("No such exec instance: %1").arg(request.capture(QStringLiteral("id"))));
    bool okH = false, okW = false;
    const int h = request.query(QStringLiteral("h")).toInt(&okH);
    const int w = request.query(QStringLiteral("w")).toInt(&okW);
    if (!okH || !okW || h < 0 || w < 0)
        return exchange.respondError(400, QStringLiteral("invalid resize: h=%1 w=%2")
                                              .arg(request.query(QStringLiteral("h")), request.query(QStringLiteral("w"))));
    exec->height = h;
    exec->width = w;
    // Before the process exists the size goes into its spec.
    if (!exec->running)
        return exchange.respond(HttpResponse::empty(200));
    QPointer<HttpExchange> guard(&exchange);
    m_supervisor->backend().execResize(exec->containerId, exec->id, h, w, [guard](Status ok) {
        if (!guard || guard->isFinished())
            return;
        if (!ok)
            return guard->respondError(ok.error());
        guard->respond(HttpResponse::empty(200));
    });
}

QJsonObject ExecRoutes::inspectJson(const Exec &exec) const
{
    QJsonObject processConfig{{QStringLiteral("tty"), exec.tty},
                              {QStringLiteral("entrypoint"), exec.cmd.first()},
                              {QStringLiteral("arguments"), toArray(exec.cmd.mid(1))},
                              {QStringLiteral("privileged"), exec.privileged}};
    if (!exec.user.isEmpty())
        processConfig.insert(QStringLiteral("user"), exec.user);
    return QJsonObject{{QStringLiteral("ID"), exec.id},
                       {QStringLiteral("Running"), exec.running},
                       {QStringLiteral("ExitCode"), exec.exitCode ? QJsonValue(*exec.exitCode) : QJsonValue()},
                       {QStringLiteral("ProcessConfig"), processConfig},
                       {QStringLiteral("OpenStdin"), exec.attachStdin},
                       {QStringLiteral("OpenStderr"), exec.attachStderr},
                       {QStringLiteral("OpenStdout"), exec.attachStdout},
                       {QStringLiteral("CanRemove"), false},
                       {QStringLiteral("ContainerID"), exec.containerId},
                       {QStringLiteral("DetachKeys"), QString::fromLatin1(exec.detachKeys.toBase64())},
                       {QStringLiteral("Pid"), exec.running ? exec.pid : 0}};
}

void ExecRoutes::inspect(HttpExchange &exchange)
{
    const QString ref = exchange.request().capture(QStringLiteral("id"));
    auto exec = find(ref);
    if (!exec)
        return exchange.respondError(404, QStringLiteral("No such exec instance: %1").arg(ref));
    if (!exec->running || !exec->outputDone)
        return exchange.respond(HttpResponse::json(200, inspectJson(*exec)));
    // The output ended, so the process is dying: its exit code is a moment
    // away (the CLI reads it right after the stream closes).
    QPointer<HttpExchange> guard(&exchange);
    QPointer<ExecRoutes> self(this);
    auto answered = std::make_shared<bool>(false);
    auto answer = [guard, self, exec, answered] {
        if (*answered)
            return;
        *answered = true;
        if (guard && !guard->isFinished() && self)
            guard->respond(HttpResponse::json(200, self->inspectJson(*exec)));
    };
    exec->onExit.push_back(answer);
    QTimer::singleShot(kExitAfterOutputMs, &exchange, answer);
}

void ExecRoutes::onExecExited(const QString &containerId, const QString &execId, const RuntimeExit &status)
{
    auto exec = find(execId);
    if (!exec || exec->containerId != containerId)
        return;
    exec->running = false;
    exec->exitCode = status.exitCode;
    removeFiles(*exec);
    publish(*exec, QStringLiteral("exec_die"), {{QStringLiteral("exitCode"), QString::number(status.exitCode)}});
    for (auto &callback : std::exchange(exec->onExit, {}))
        callback();
    dropLater(execId);
}

void ExecRoutes::dropLater(const QString &execId)
{
    QPointer<ExecRoutes> self(this);
    QTimer::singleShot(kExecKeepMs, this, [this, execId] {
        auto exec = find(execId);
        if (!exec || exec->running)
            return;
        m_execs.remove(execId);
        auto updated = m_supervisor->store().update(exec->containerId,
                                                    [&](ContainerRecord &r) { r.execIds.removeAll(execId); });
        Q_UNUSED(updated); // the container may be gone meanwhile
    });
}

} // namespace Berth::Daemon
