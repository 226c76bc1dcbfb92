#include "containersupervisor.h"

#include "daemonlogging.h"
#include "eventbus.h"
#include "socketchannel.h"
#include "streamsplice.h"

#include <engine/atomicfile.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>

#include <csignal>

namespace Berth::Daemon {

using Engine::ContainerRecord;
using Engine::ContainerStatus;

namespace {

// docker's restart backoff: 100 ms doubling, back to 100 ms after a run of
// at least 10 s, never more than a minute.
constexpr int kRestartInitialDelayMs = 100;
constexpr int kRestartMaxDelayMs = 60 * 1000;
constexpr qint64 kRestartResetAfterMs = 10 * 1000;

QString nowRfc3339Nano()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 ns = (now.toMSecsSinceEpoch() % 1000) * 1000000 + QRandomGenerator::global()->bounded(1000000);
    return now.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + QStringLiteral(".%1Z").arg(ns, 9, 10, QLatin1Char('0'));
}

qint64 msSince(const QString &rfc3339)
{
    const QDateTime t = QDateTime::fromString(rfc3339, Qt::ISODateWithMs);
    if (!t.isValid())
        return 0;
    return t.msecsTo(QDateTime::currentDateTimeUtc());
}

std::unexpected<Error> notModified(const QString &what)
{
    return fail(ErrorCode::NotModified, what.toStdString());
}

// docker's exit code for a start that failed before the process ran.
int startFailureCode(const QString &message)
{
    if (message.contains(QLatin1String("executable file not found")) || message.contains(QLatin1String("no such file or directory"))
        || message.contains(QLatin1String("not found")))
        return 127;
    if (message.contains(QLatin1String("permission denied")) || message.contains(QLatin1String("is a directory")))
        return 126;
    return 128;
}

} // namespace

ContainerSupervisor::ContainerSupervisor(Context context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
{
    connect(m_context.backend, &RuntimeBackend::exited, this,
            [this](const QString &id, const RuntimeExit &status) { onExited(id, status); });
}

ContainerSupervisor::~ContainerSupervisor()
{
    // Waiters and pending attaches end with the helper; containers keep
    // running (their shims outlive berthd).
    m_waiters.clear();
    m_runtime.clear();
}

ContainerSupervisor::Runtime &ContainerSupervisor::runtime(const QString &id)
{
    auto &slot = m_runtime[id];
    if (!slot)
        slot = std::make_shared<Runtime>();
    return *slot;
}

void ContainerSupervisor::publish(const ContainerRecord &record, const QString &action, QMap<QString, QString> extra)
{
    if (!m_context.events)
        return;
    Common::Event e;
    e.type = QStringLiteral("container");
    e.action = action;
    e.actorId = record.id;
    e.attributes.insert(QStringLiteral("image"), record.image);
    e.attributes.insert(QStringLiteral("name"), record.name);
    const QJsonObject labels = record.config.value(QStringLiteral("Labels")).toObject();
    for (auto it = labels.begin(); it != labels.end(); ++it)
        e.attributes.insert(it.key(), it.value().toString());
    for (auto it = extra.begin(); it != extra.end(); ++it)
        e.attributes.insert(it.key(), it.value());
    m_context.events->publish(e);
}

Status ContainerSupervisor::writeEtcFiles(const ContainerRecord &record)
{
    const QString hostname = record.config.value(QStringLiteral("Hostname")).toString();
    QByteArray hostResolv;
    QFile resolv(m_context.hostResolvConf);
    if (resolv.open(QIODevice::ReadOnly))
        hostResolv = resolv.read(1024 * 1024);
    const QString mode = record.hostConfig.value(QStringLiteral("NetworkMode")).toString();
    QByteArray hosts;
    if (mode == QLatin1String("host")) {
        QFile hostHosts(QStringLiteral("/etc/hosts"));
        if (hostHosts.open(QIODevice::ReadOnly))
            hosts = hostHosts.read(1024 * 1024);
    } else {
        hosts = ContainerConfig::hostsFile(hostname, record.network.ipAddress);
    }
    const QByteArray resolvOut = mode == QLatin1String("host") ? hostResolv : ContainerConfig::resolvConf(hostResolv);
    // Runtime inputs, rewritten before every start: no fsync on this thread.
    auto *store = m_context.store;
    if (auto ok = store->writeBundleFile(record.id, QStringLiteral("hostname"), QByteArray(hostname.toUtf8() + '\n')); !ok)
        return ok;
    if (auto ok = store->writeBundleFile(record.id, QStringLiteral("hosts"), hosts); !ok)
        return ok;
    return store->writeBundleFile(record.id, QStringLiteral("resolv.conf"), resolvOut);
}

Status ContainerSupervisor::create(const ContainerRecord &record)
{
    if (auto ok = m_context.store->add(record); !ok)
        return ok;
    const QString bundle = m_context.store->bundlePath(record.id);
    auto undo = [&](const Error &error) -> Status {
        m_context.store->remove(record.id);
        return fail(error);
    };
    QDir dir(bundle);
    for (const char *sub : {"upper", "work", "rootfs", "exec"}) {
        if (!dir.mkpath(QString::fromLatin1(sub)))
            return undo(Error(ErrorCode::Io, "create " + QString(bundle + u'/' + QLatin1String(sub)).toStdString()));
    }
    // hostname, hosts and resolv.conf are written by startProcess() before
    // every start (with the run's address); writing them here too was done
    // twice on every run.
    publish(record, QStringLiteral("create"));
    return {};
}

void ContainerSupervisor::start(const QString &id, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    Runtime &rt = runtime(id);
    if (record->isRunning() && record->state.status != ContainerStatus::Restarting)
        return done(notModified(QStringLiteral("container already started")));
    if (rt.starting)
        return done(notModified(QStringLiteral("container is already starting")));
    if (rt.removing || record->state.status == ContainerStatus::Removing)
        return done(fail(ErrorCode::Conflict, "container " + id.toStdString() + " is marked for removal and cannot be started"));
    if (record->state.status == ContainerStatus::Dead)
        return done(fail(ErrorCode::Conflict, "container " + id.toStdString() + " is marked for removal and cannot be started"));
    if (rt.restartTimer)
        rt.restartTimer.reset();
    // A user start clears the manual-stop mark (unless-stopped restarts
    // again); a record without the mark is not rewritten for nothing.
    if (record->state.manuallyStopped)
        m_context.store->update(id, [](ContainerRecord &r) { r.state.manuallyStopped = false; });
    startProcess(id, std::move(done));
}

void ContainerSupervisor::startProcess(const QString &id, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    Runtime &rt = runtime(id);
    rt.starting = true;

    // Network: an address for this run (kept across a berthd restart by the IPAM file).
    ContainerConfig::SpecContext spec;
    spec.layersDir = m_context.layersDir;
    spec.lowerDirs = record->lowerDirs;
    spec.cgroupParent = m_context.cgroupParent;
    const QString mode = record->hostConfig.value(QStringLiteral("NetworkMode")).toString();
    Engine::ContainerNetwork network;
    network.mode = mode;
    if (mode == QLatin1String("bridge")) {
        auto address = m_context.ipam->allocate(id);
        if (!address)
            return startFailed(id, address.error(), std::move(done));
        auto ports = ContainerConfig::requestedPorts(*record);
        if (!ports)
            return startFailed(id, ports.error(), std::move(done));
        spec.bridge = m_context.bridge;
        spec.gateway = m_context.ipam->gateway();
        spec.prefixLength = m_context.ipam->prefixLength();
        spec.address = *address;
        spec.macAddress = Ipam::macFor(*address);
        spec.ports = *ports;
        network.bridge = spec.bridge;
        network.gateway = spec.gateway;
        network.prefixLength = spec.prefixLength;
        network.ipAddress = spec.address;
        network.macAddress = spec.macAddress;
    }
    {
        // Every run has an endpoint on its network (bridge, host or none), as with dockerd.
        QByteArray endpoint(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(endpoint.data()), 8);
        network.endpointId = QString::fromLatin1(endpoint.toHex());
    }
    // Written with the pid once the shim has made the container.
    auto updated = m_context.store->update(id, [&](ContainerRecord &r) { r.network = network; },
                                           Engine::ContainerStore::Write::Later);
    if (!updated)
        return startFailed(id, updated.error(), std::move(done));
    if (auto ok = writeEtcFiles(*updated); !ok)
        return startFailed(id, ok.error(), std::move(done));
    const QString bundle = m_context.store->bundlePath(id);
    // The exit file of the previous run must not answer for this one.
    QFile::remove(bundle + QStringLiteral("/exit.json"));
    const QJsonObject shimJson = ContainerConfig::shimSpec(*updated, spec);
    if (auto ok = m_context.store->writeBundleFile(id, QStringLiteral("shim.json"),
                                                   QJsonDocument(shimJson).toJson(QJsonDocument::Compact), 0600);
        !ok)
        return startFailed(id, ok.error(), std::move(done));

    QPointer<ContainerSupervisor> self(this);
    m_context.backend->create(id, [self, id, done](Result<RuntimeCreated> created) mutable {
        if (!self)
            return;
        if (!created)
            return self->startFailed(id, created.error(), std::move(done));
        // Record the process before anything else can fail: a crash from
        // here on is found by adoption.
        auto rec = self->m_context.store->update(id, [&](ContainerRecord &r) {
            r.state.pid = created->pid;
            r.state.shimPid = created->shimPid;
            QList<Engine::ContainerPort> ports;
            for (const RuntimePort &p : created->ports)
                ports.append(Engine::ContainerPort{p.protocol, p.containerPort, p.hostIp, p.hostPort});
            r.network.ports = ports;
        });
        // The attaches asked for before start are connected first.
        Runtime &rt = self->runtime(id);
        auto pending = std::make_shared<std::vector<std::unique_ptr<PendingAttach>>>(std::move(rt.pendingAttaches));
        rt.pendingAttaches.clear();
        auto remaining = std::make_shared<int>(int(pending->size()));
        auto launch = [self, id, done]() mutable {
            if (!self)
                return;
            self->m_context.backend->start(id, [self, id, done](Status ok) mutable {
                if (!self)
                    return;
                if (!ok)
                    return self->startFailed(id, ok.error(), std::move(done));
                Runtime &rt = self->runtime(id);
                rt.starting = false;
                auto rec = self->m_context.store->update(id, [](ContainerRecord &r) {
                    r.state.status = ContainerStatus::Running;
                    r.state.startedAt = nowRfc3339Nano();
                    r.state.finishedAt.clear();
                    r.state.exitCode = 0;
                    r.state.error.clear();
                    r.state.oomKilled = false;
                    r.state.hasBeenStarted = true;
                });
                self->m_context.backend->watch(id);
                if (rec)
                    self->publish(*rec, QStringLiteral("start"));
                emit self->containerStarted(id);
                done({});
            });
        };
        if (pending->empty())
            return launch();
        for (auto &p : *pending) {
            PendingAttach *attach = p.get();
            self->m_context.backend->attach(id, attach->options,
                                            [self, pending, attach, remaining, launch](Result<UniqueFd> fd) mutable {
                                                if (self && fd && attach->client && attach->client->isOpen())
                                                    self->spliceAttach(std::move(attach->client), std::move(*fd));
                                                else if (!fd)
                                                    qCWarning(lcDaemon).noquote()
                                                        << "attach before start:" << QString::fromStdString(fd.error().toString());
                                                if (--*remaining == 0)
                                                    launch();
                                            });
        }
    });
}

void ContainerSupervisor::startFailed(const QString &id, const Error &error, StatusCallback done)
{
    Runtime &rt = runtime(id);
    rt.starting = false;
    const QString message = QString::fromStdString(error.toString());
    const int code = startFailureCode(message);
    releaseNetwork(id);
    // Clients attached before start see their stream end.
    for (auto &p : rt.pendingAttaches) {
        if (p->client)
            p->client->closeAfterWrite();
    }
    rt.pendingAttaches.clear();
    auto rec = m_context.store->update(id, [&](ContainerRecord &r) {
        r.state.status = r.state.hasBeenStarted ? ContainerStatus::Exited : ContainerStatus::Created;
        r.state.pid = 0;
        r.state.shimPid = 0;
        r.state.exitCode = code;
        r.state.error = message;
        r.state.finishedAt = nowRfc3339Nano();
        r.network.ports.clear();
    });
    // Whatever the shim may have left (it promises nothing, make sure).
    m_context.backend->cleanup(id, [](Status) {});
    Error reply(ErrorCode::InvalidArgument, "failed to create task for container: " + message.toStdString());
    if (error.code() == ErrorCode::NotFound || error.code() == ErrorCode::Unavailable || error.code() == ErrorCode::Io)
        reply = Error(error.code() == ErrorCode::NotFound ? ErrorCode::NotFound : ErrorCode::Internal, message.toStdString());
    done(fail(reply));
    if (rec) {
        // docker run waits with next-exit or removed: they must end.
        notifyWaiters(id, true, false, code);
        if (rec->hostConfig.value(QStringLiteral("AutoRemove")).toBool())
            finishRemoval(id, [](Status) {});
    }
}

void ContainerSupervisor::onExited(const QString &id, const RuntimeExit &status)
{
    applyExit(id, status, false);
}

void ContainerSupervisor::applyExit(const QString &id, const RuntimeExit &status, bool fromAdoption)
{
    auto current = m_context.store->get(id);
    if (!current)
        return;
    if (!current->isRunning() && current->state.status != ContainerStatus::Removing)
        return; // already recorded (a repeated report)
    Runtime &rt = runtime(id);
    rt.killTimer.reset();
    releaseNetwork(id);
    const qint64 ranMs = msSince(current->state.startedAt);
    auto rec = m_context.store->update(id, [&](ContainerRecord &r) {
        r.state.status = ContainerStatus::Exited;
        r.state.pid = 0;
        r.state.shimPid = 0;
        r.state.exitCode = status.exitCode;
        r.state.oomKilled = status.oomKilled;
        r.state.error = status.error;
        r.state.finishedAt = status.finishedAt.isEmpty() ? nowRfc3339Nano() : status.finishedAt;
        r.network.ports.clear();
    }, Engine::ContainerStore::Write::Later); // a killed berthd reads the exit from the shim's exit file
    if (!rec)
        return;
    if (status.oomKilled)
        publish(*rec, QStringLiteral("oom"));
    publish(*rec, QStringLiteral("die"), {{QStringLiteral("exitCode"), QString::number(status.exitCode)}});
    if (ranMs >= kRestartResetAfterMs)
        rt.restartDelayMs = 0;
    emit containerExited(id, status.exitCode);
    notifyWaiters(id, true, false, status.exitCode);
    auto callbacks = std::move(rt.onExit);
    rt.onExit.clear();
    for (auto &cb : callbacks)
        cb({});
    afterExit(id, status.exitCode, fromAdoption);
}

bool ContainerSupervisor::shouldRestart(const ContainerRecord &record, int exitCode) const
{
    const QJsonObject policy = record.hostConfig.value(QStringLiteral("RestartPolicy")).toObject();
    const QString name = policy.value(QStringLiteral("Name")).toString();
    if (record.state.manuallyStopped)
        return false;
    if (name == QLatin1String("always") || name == QLatin1String("unless-stopped"))
        return true;
    if (name == QLatin1String("on-failure")) {
        const int max = policy.value(QStringLiteral("MaximumRetryCount")).toInt();
        return exitCode != 0 && (max == 0 || record.state.restartCount < max);
    }
    return false;
}

void ContainerSupervisor::afterExit(const QString &id, int exitCode, bool fromAdoption)
{
    Q_UNUSED(fromAdoption)
    auto record = m_context.store->get(id);
    if (!record)
        return;
    Runtime &rt = runtime(id);
    if (rt.removing)
        return; // remove -f is waiting for this exit
    if (record->hostConfig.value(QStringLiteral("AutoRemove")).toBool()) {
        finishRemoval(id, [id](Status ok) {
            if (!ok)
                qCWarning(lcDaemon).noquote() << "auto-remove of" << id << QString::fromStdString(ok.error().toString());
        });
        return;
    }
    if (rt.stopping || !shouldRestart(*record, exitCode))
        return;
    rt.restartDelayMs = rt.restartDelayMs == 0 ? kRestartInitialDelayMs : std::min(rt.restartDelayMs * 2, kRestartMaxDelayMs);
    m_context.store->update(id, [](ContainerRecord &r) { r.state.status = ContainerStatus::Restarting; });
    rt.restartTimer = std::make_unique<QTimer>();
    rt.restartTimer->setSingleShot(true);
    connect(rt.restartTimer.get(), &QTimer::timeout, this, [this, id] {
        Runtime &rt = runtime(id);
        rt.restartTimer.release()->deleteLater();
        auto record = m_context.store->get(id);
        if (!record || record->state.status != ContainerStatus::Restarting || rt.removing)
            return;
        auto rec = m_context.store->update(id, [](ContainerRecord &r) { r.state.restartCount += 1; });
        startProcess(id, [this, id](Status ok) {
            if (!ok) {
                qCWarning(lcDaemon).noquote() << "restart of" << id << "failed:" << QString::fromStdString(ok.error().toString());
                return;
            }
        });
    });
    rt.restartTimer->start(rt.restartDelayMs);
}

void ContainerSupervisor::stop(const QString &id, int timeoutSeconds, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    Runtime &rt = runtime(id);
    if (record->state.status == ContainerStatus::Restarting) {
        // Waiting to restart: stopping just cancels that.
        rt.restartTimer.reset();
        m_context.store->update(id, [](ContainerRecord &r) {
            r.state.status = ContainerStatus::Exited;
            r.state.manuallyStopped = true;
        });
        return done({});
    }
    if (!record->isRunning() && !rt.starting)
        return done(notModified(QStringLiteral("container already stopped")));
    m_context.store->update(id, [](ContainerRecord &r) { r.state.manuallyStopped = true; });
    const int signal = ContainerConfig::stopSignal(*record);
    const int timeout = timeoutSeconds >= 0 ? timeoutSeconds : ContainerConfig::stopTimeout(*record);
    rt.stopping = true;
    rt.onExit.push_back([this, id, done](Status ok) {
        Runtime &rt = runtime(id);
        rt.stopping = false;
        if (auto rec = m_context.store->get(id))
            publish(*rec, QStringLiteral("stop"));
        done(ok);
    });
    QPointer<ContainerSupervisor> self(this);
    auto sendKill = [self, id](int sig) {
        if (!self)
            return;
        if (auto rec = self->m_context.store->get(id))
            self->publish(*rec, QStringLiteral("kill"), {{QStringLiteral("signal"), QString::number(sig)}});
        self->m_context.backend->kill(id, sig, [id, sig](Status ok) {
            if (!ok)
                qCDebug(lcDaemon).noquote() << "signal" << sig << "to" << id << QString::fromStdString(ok.error().toString());
        });
        self->thawForSignal(id, sig);
    };
    if (timeout != 0 && signal != SIGKILL)
        sendKill(signal);
    rt.killTimer = std::make_unique<QTimer>();
    rt.killTimer->setSingleShot(true);
    connect(rt.killTimer.get(), &QTimer::timeout, this, [sendKill] { sendKill(SIGKILL); });
    rt.killTimer->start(timeout < 0 ? 0 : (signal == SIGKILL ? 0 : timeout * 1000));
}

void ContainerSupervisor::restart(const QString &id, int timeoutSeconds, StatusCallback done)
{
    QPointer<ContainerSupervisor> self(this);
    stop(id, timeoutSeconds, [self, id, done](Status ok) {
        if (!self)
            return;
        if (!ok && ok.error().code() != ErrorCode::NotModified)
            return done(ok);
        self->start(id, [self, id, done](Status started) {
            if (!self)
                return;
            if (!started && started.error().code() != ErrorCode::NotModified)
                return done(started);
            if (auto rec = self->m_context.store->get(id))
                self->publish(*rec, QStringLiteral("restart"));
            done({});
        });
    });
}

void ContainerSupervisor::kill(const QString &id, const QString &ref, int signal, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + ref.toStdString()));
    if (!record->isRunning() || record->state.status == ContainerStatus::Restarting) {
        return done(fail(ErrorCode::Conflict, QStringLiteral("Cannot kill container: %1: Container %2 is not running")
                                                  .arg(ref, id).toStdString()));
    }
    publish(*record, QStringLiteral("kill"), {{QStringLiteral("signal"), QString::number(signal)}});
    m_context.backend->kill(id, signal, [done](Status ok) { done(ok); });
    thawForSignal(id, signal);
}

void ContainerSupervisor::remove(const QString &id, bool force, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    Runtime &rt = runtime(id);
    if (rt.removing)
        return done(fail(ErrorCode::Conflict, "removal of container " + id.toStdString() + " is already in progress"));
    const bool running = (record->isRunning() && record->state.status != ContainerStatus::Restarting) || rt.starting;
    if (running && !force) {
        // docker 28 (moby daemon/delete.go) wording.
        if (record->state.status == ContainerStatus::Paused)
            return done(fail(ErrorCode::Conflict, QStringLiteral("cannot remove container \"/%1\": container is paused and "
                                                                 "must be unpaused first").arg(record->name).toStdString()));
        return done(fail(ErrorCode::Conflict, QStringLiteral("cannot remove container \"/%1\": container is running: stop the "
                                                             "container before removing or force remove").arg(record->name).toStdString()));
    }
    rt.restartTimer.reset();
    rt.removing = true;
    if (!running)
        return finishRemoval(id, std::move(done));
    m_context.store->update(id, [](ContainerRecord &r) { r.state.manuallyStopped = true; });
    rt.onExit.push_back([this, id, done](Status) { finishRemoval(id, done); });
    publish(*record, QStringLiteral("kill"), {{QStringLiteral("signal"), QString::number(SIGKILL)}});
    m_context.backend->kill(id, SIGKILL, [id](Status ok) {
        if (!ok)
            qCWarning(lcDaemon).noquote() << "kill for removal of" << id << QString::fromStdString(ok.error().toString());
    });
    thawForSignal(id, SIGKILL);
}

void ContainerSupervisor::finishRemoval(const QString &id, StatusCallback done)
{
    runtime(id).removing = true;
    m_context.store->update(id, [](ContainerRecord &r) {
        if (!r.isRunning())
            r.state.status = ContainerStatus::Removing;
    }, Engine::ContainerStore::Write::Later); // the removal below takes the record away
    QPointer<ContainerSupervisor> self(this);
    // The shim tears down itself after an exit; cleanup makes sure nothing
    // (cgroup, veth, stale socket) outlives the container.
    m_context.backend->cleanup(id, [self, id, done](Status cleaned) {
        if (!self)
            return;
        if (!cleaned)
            qCWarning(lcDaemon).noquote() << "cleanup of" << id << QString::fromStdString(cleaned.error().toString());
        auto record = self->m_context.store->get(id);
        self->releaseNetwork(id);
        if (auto ok = self->m_context.store->remove(id); !ok) {
            self->runtime(id).removing = false;
            self->m_context.store->update(id, [](ContainerRecord &r) {
                if (r.state.status == ContainerStatus::Removing) {
                    r.state.status = ContainerStatus::Dead;
                }
            });
            return done(ok);
        }
        if (record)
            self->publish(*record, QStringLiteral("destroy"));
        if (record && self->m_context.removed)
            self->m_context.removed(*record);
        self->notifyWaiters(id, false, true, record ? record->state.exitCode : 0);
        self->m_runtime.remove(id);
        emit self->containerRemoved(id);
        done({});
    });
}

Status ContainerSupervisor::rename(const QString &id, const QString &newName)
{
    auto before = m_context.store->get(id);
    if (!before)
        return fail(ErrorCode::NotFound, "No such container: " + id.toStdString());
    if (auto ok = m_context.store->rename(id, newName); !ok)
        return ok;
    if (auto after = m_context.store->get(id)) {
        publish(*after, QStringLiteral("rename"), {{QStringLiteral("oldName"), QString(u'/' + before->name)}});
        if (after->hostConfig.value(QStringLiteral("NetworkMode")).toString() != QLatin1String("host"))
            writeEtcFiles(*after);
    }
    return {};
}

void ContainerSupervisor::resize(const QString &id, int height, int width, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    if (!record->isRunning()) {
        // Kept for the next start, as the create's ConsoleSize is.
        m_context.store->update(id, [&](ContainerRecord &r) {
            r.hostConfig.insert(QStringLiteral("ConsoleSize"), QJsonArray{height, width});
        });
        return done(fail(ErrorCode::Conflict, "Container " + id.toStdString() + " is not running"));
    }
    publish(*record, QStringLiteral("resize"),
            {{QStringLiteral("height"), QString::number(height)}, {QStringLiteral("width"), QString::number(width)}});
    m_context.backend->resize(id, height, width, std::move(done));
}

quint64 ContainerSupervisor::wait(const QString &id, WaitCondition condition, std::function<void(WaitResult)> done)
{
    const quint64 token = m_nextToken++;
    auto record = m_context.store->get(id);
    if (!record) {
        QMetaObject::invokeMethod(this, [done] { done(WaitResult{0, QString()}); }, Qt::QueuedConnection);
        return token;
    }
    if (condition == WaitCondition::NotRunning && !record->isRunning() && !runtime(id).starting) {
        const int code = record->state.exitCode;
        QMetaObject::invokeMethod(this, [done, code] { done(WaitResult{code, QString()}); }, Qt::QueuedConnection);
        return token;
    }
    m_waiters.append(Waiter{token, id, condition, std::move(done)});
    return token;
}

void ContainerSupervisor::cancelWait(quint64 token)
{
    m_waiters.removeIf([token](const Waiter &w) { return w.token == token; });
}

void ContainerSupervisor::notifyWaiters(const QString &id, bool exited, bool removed, int exitCode)
{
    QList<Waiter> ready;
    for (auto it = m_waiters.begin(); it != m_waiters.end();) {
        const bool match = it->id == id
            && ((exited && (it->condition == WaitCondition::NotRunning || it->condition == WaitCondition::NextExit))
                || removed);
        if (match) {
            ready.append(std::move(*it));
            it = m_waiters.erase(it);
        } else {
            ++it;
        }
    }
    for (Waiter &w : ready)
        w.done(WaitResult{exitCode, QString()});
}

void ContainerSupervisor::releaseNetwork(const QString &id)
{
    if (auto ok = m_context.ipam->release(id); !ok)
        qCWarning(lcDaemon).noquote() << "release address of" << id << QString::fromStdString(ok.error().toString());
}

void ContainerSupervisor::connectAttach(const QString &id, const RuntimeAttachOptions &options,
                                        std::function<void(Result<UniqueFd>)> done)
{
    m_context.backend->attach(id, options, std::move(done));
}

void ContainerSupervisor::spliceAttach(std::unique_ptr<SocketChannel> client, UniqueFd runtimeFd)
{
    auto runtimeChannel = std::make_unique<SocketChannel>(std::move(runtimeFd));
    new StreamSplice(std::move(client), std::move(runtimeChannel), this);
}

void ContainerSupervisor::attach(const QString &id, const RuntimeAttachOptions &options,
                                 std::unique_ptr<SocketChannel> client)
{
    Runtime &rt = runtime(id);
    auto pending = std::make_unique<PendingAttach>();
    pending->options = options;
    pending->client = std::move(client);
    // A client that leaves before start is dropped from the list.
    SocketChannel *channel = pending->client.get();
    connect(channel, &SocketChannel::closed, this, [this, id, channel] {
        auto it = m_runtime.find(id);
        if (it == m_runtime.end())
            return;
        auto &list = (*it)->pendingAttaches;
        for (auto p = list.begin(); p != list.end(); ++p) {
            if ((*p)->client.get() == channel) {
                (*p)->client.release()->deleteLater();
                list.erase(p);
                return;
            }
        }
    });
    rt.pendingAttaches.push_back(std::move(pending));
    if (auto rec = m_context.store->get(id))
        publish(*rec, QStringLiteral("attach"));
}

ContainerSupervisor::Counts ContainerSupervisor::counts() const
{
    Counts c;
    for (const ContainerRecord &r : m_context.store->list()) {
        ++c.total;
        if (r.state.status == ContainerStatus::Paused)
            ++c.paused;
        else if (r.isRunning())
            ++c.running;
        else
            ++c.stopped;
    }
    return c;
}

void ContainerSupervisor::adoptAll()
{
    const QList<ContainerRecord> all = m_context.store->list();
    auto remaining = std::make_shared<int>(0);
    QPointer<ContainerSupervisor> self(this);
    auto finished = [self, remaining] {
        if (!self || --*remaining > 0)
            return;
        // Addresses are held only by running containers.
        QSet<QString> keep;
        for (const ContainerRecord &r : self->m_context.store->list()) {
            if (r.isRunning() || self->runtime(r.id).starting)
                keep.insert(r.id);
        }
        self->m_context.ipam->retainOnly(keep);
        emit self->adopted();
    };
    *remaining = 1; // the final call below
    for (const ContainerRecord &record : all) {
        if (record.state.status == ContainerStatus::Removing) {
            // A removal was cut short: finish it.
            ++*remaining;
            finishRemoval(record.id, [finished](Status) { finished(); });
            continue;
        }
        if (!record.isRunning()) {
            if (record.state.status == ContainerStatus::Created && record.state.pid != 0) {
                // berthd died between `berth-shim create` and start: the held
                // process must not linger.
                ++*remaining;
                m_context.backend->adopt(record.id, [self, id = record.id, finished](Result<RuntimeAdoption> a) {
                    if (self && a && a->alive)
                        self->m_context.backend->kill(id, SIGKILL, [](Status) {});
                    if (self)
                        self->m_context.store->update(id, [](ContainerRecord &r) {
                            r.state.pid = 0;
                            r.state.shimPid = 0;
                        });
                    finished();
                });
            }
            continue;
        }
        if (record.state.status == ContainerStatus::Restarting) {
            // The restart timer died with the previous berthd.
            m_context.store->update(record.id, [](ContainerRecord &r) { r.state.status = ContainerStatus::Exited; });
            if (shouldRestart(record, record.state.exitCode))
                afterExit(record.id, record.state.exitCode, true);
            continue;
        }
        ++*remaining;
        m_context.backend->adopt(record.id, [self, id = record.id, finished](Result<RuntimeAdoption> adoption) {
            if (!self)
                return;
            if (!adoption) {
                RuntimeExit exit;
                exit.exitCode = 255;
                exit.error = QStringLiteral("shim died");
                self->applyExit(id, exit, true);
            } else if (adoption->alive && adoption->state.status != QLatin1String("exited")) {
                self->m_context.store->update(id, [&](ContainerRecord &r) {
                    if (adoption->state.pid > 0)
                        r.state.pid = adoption->state.pid;
                    // The freezer's state is the kernel's: a paused
                    // container is adopted as paused, whatever was written.
                    if (adoption->state.status == QLatin1String("running"))
                        r.state.status = adoption->state.paused ? ContainerStatus::Paused : ContainerStatus::Running;
                });
            } else if (!adoption->alive) {
                self->applyExit(id, adoption->exit, true);
            }
            // Alive but already exited: the watch started by adopt reports it.
            finished();
        });
    }
    finished();
}

void ContainerSupervisor::pause(const QString &id, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    Runtime &rt = runtime(id);
    // dockerd's order of checks (daemon/pause.go): running, paused, restarting.
    if (!record->isRunning() || rt.removing)
        return done(fail(ErrorCode::Conflict, "Container " + id.toStdString() + " is not running"));
    if (record->state.status == ContainerStatus::Paused)
        return done(fail(ErrorCode::Conflict, "Container " + id.toStdString() + " is already paused"));
    if (record->state.status == ContainerStatus::Restarting)
        return done(fail(ErrorCode::Conflict, "Container " + id.toStdString()
                                                  + " is restarting, wait until the container is running"));
    if (rt.freezing) // dockerd serialises on the container lock: the second one sees it paused
        return done(fail(ErrorCode::Conflict, "Container " + id.toStdString() + " is already paused"));
    rt.freezing = true;
    QPointer<ContainerSupervisor> self(this);
    m_context.backend->freeze(id, true, [self, id, done](Status ok) {
        if (!self)
            return;
        self->runtime(id).freezing = false;
        if (!ok)
            return done(fail(ok.error().code() == ErrorCode::InvalidArgument ? ErrorCode::Internal : ok.error().code(),
                             "Cannot pause container " + id.toStdString() + ": " + ok.error().toString()));
        bool paused = false;
        auto rec = self->m_context.store->update(id, [&](ContainerRecord &r) {
            if (r.state.status == ContainerStatus::Running) {
                r.state.status = ContainerStatus::Paused;
                paused = true;
            }
        });
        if (!paused) {
            // It exited while freezing: what is left is an empty cgroup.
            return done(fail(ErrorCode::Conflict, "Container " + id.toStdString() + " is not running"));
        }
        if (rec)
            self->publish(*rec, QStringLiteral("pause"));
        done({});
    });
}

void ContainerSupervisor::unpause(const QString &id, StatusCallback done)
{
    auto record = m_context.store->get(id);
    if (!record)
        return done(fail(ErrorCode::NotFound, "No such container: " + id.toStdString()));
    Runtime &rt = runtime(id);
    // dockerd returns this one as a plain error: 500, not 409.
    if (record->state.status != ContainerStatus::Paused || rt.freezing)
        return done(fail(ErrorCode::Internal, "Container " + id.toStdString() + " is not paused"));
    rt.freezing = true;
    QPointer<ContainerSupervisor> self(this);
    m_context.backend->freeze(id, false, [self, id, done](Status ok) {
        if (!self)
            return;
        self->runtime(id).freezing = false;
        if (!ok)
            return done(fail(ok.error().code() == ErrorCode::InvalidArgument ? ErrorCode::Internal : ok.error().code(),
                             "Cannot unpause container " + id.toStdString() + ": " + ok.error().toString()));
        bool resumed = false;
        auto rec = self->m_context.store->update(id, [&](ContainerRecord &r) {
            if (r.state.status == ContainerStatus::Paused) {
                r.state.status = ContainerStatus::Running;
                resumed = true;
            }
        });
        if (resumed && rec)
            self->publish(*rec, QStringLiteral("unpause"));
        done({});
    });
}

void ContainerSupervisor::thawForSignal(const QString &id, int signal)
{
    auto record = m_context.store->get(id);
    if (!record || record->state.status != ContainerStatus::Paused)
        return;
    if (signal != SIGKILL && signal != ContainerConfig::stopSignal(*record))
        return;
    // The signal is queued first, so the process acts on it as it thaws.
    QPointer<ContainerSupervisor> self(this);
    m_context.backend->freeze(id, false, [self, id](Status ok) {
        if (!self)
            return;
        if (!ok) {
            qCWarning(lcDaemon).noquote() << "cannot unpause" << id << "for its signal:" << QString::fromStdString(ok.error().toString());
            return;
        }
        bool resumed = false;
        auto rec = self->m_context.store->update(id, [&](ContainerRecord &r) {
            if (r.state.status == ContainerStatus::Paused) {
                r.state.status = ContainerStatus::Running;
                resumed = true;
            }
        });
        if (resumed && rec)
            self->publish(*rec, QStringLiteral("unpause"));
    });
}

} // namespace Berth::Daemon
