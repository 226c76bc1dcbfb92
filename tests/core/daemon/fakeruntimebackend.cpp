#include "fakeruntimebackend.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

using namespace Berth;
using namespace Berth::Daemon;

namespace BerthTest {

FakeRuntimeBackend::FakeRuntimeBackend(const QString &containersDir, QObject *parent)
    : RuntimeBackend(parent)
    , m_containersDir(containersDir)
{}

FakeRuntimeBackend::~FakeRuntimeBackend() = default;

template<typename F>
void FakeRuntimeBackend::later(F &&f)
{
    QTimer::singleShot(0, this, std::forward<F>(f));
}

QString FakeRuntimeBackend::status(const QString &id) const
{
    auto p = m_processes.value(id);
    return p ? p->status : QString();
}

void FakeRuntimeBackend::create(const QString &id, Callback<RuntimeCreated> done)
{
    m_createCount[id] += 1;
    QFile f(m_containersDir + u'/' + id + QStringLiteral("/shim.json"));
    if (!f.open(QIODevice::ReadOnly))
        return later([done] { done(fail(ErrorCode::Internal, "berth-shim create: read shim.json: no such file or directory")); });
    const QJsonObject spec = QJsonDocument::fromJson(f.readAll()).object();
    m_specs.insert(id, spec);
    const QString argv0 = spec.value(QStringLiteral("process")).toObject().value(QStringLiteral("args")).toArray().at(0).toString();
    if (!createError.isEmpty())
        return later([done, e = createError] { done(fail(ErrorCode::InvalidArgument, e.toStdString())); });
    if (missingExecutables.contains(argv0))
        return later([done, argv0] {
            done(fail(ErrorCode::InvalidArgument,
                      "exec: \"" + argv0.toStdString() + "\": executable file not found in $PATH"));
        });
    auto p = std::make_shared<Process>();
    p->pid = ++m_nextPid;
    m_processes.insert(id, p);
    RuntimeCreated created;
    created.pid = p->pid;
    created.shimPid = p->pid - 1;
    for (const QJsonValue &v : spec.value(QStringLiteral("network")).toObject().value(QStringLiteral("ports")).toArray()) {
        const QJsonObject o = v.toObject();
        RuntimePort port{o.value(QStringLiteral("protocol")).toString(), o.value(QStringLiteral("hostIp")).toString(),
                         o.value(QStringLiteral("hostPort")).toInt(), o.value(QStringLiteral("containerPort")).toInt()};
        if (port.hostPort == 0)
            port.hostPort = 32768 + port.containerPort % 1000;
        created.ports.append(port);
    }
    later([done, created] { done(created); });
}

void FakeRuntimeBackend::start(const QString &id, StatusCallback done)
{
    auto p = m_processes.value(id);
    if (!p || p->status != QLatin1String("created"))
        return later([done] { done(fail(ErrorCode::Conflict, "start: the process is not in the created state")); });
    p->status = QStringLiteral("running");
    later([done] { done({}); });
    if (exitOnStart) {
        const int code = *exitOnStart;
        QTimer::singleShot(5, this, [this, id, code] { exitProcess(id, code); });
    }
}

void FakeRuntimeBackend::attach(const QString &id, const RuntimeAttachOptions &, Callback<UniqueFd> done)
{
    auto p = m_processes.value(id);
    if (!p)
        return later([done] { done(fail(ErrorCode::Unavailable, "connect to shim socket: ECONNREFUSED")); });
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return later([done] { done(fail(Error::fromErrno("socketpair", errno))); });
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    p->streams.emplace_back(fds[0]);
    m_attachCount[id] += 1;
    auto theirs = std::make_shared<UniqueFd>(fds[1]);
    later([done, theirs] { done(std::move(*theirs)); });
}

void FakeRuntimeBackend::resize(const QString &id, int height, int width, StatusCallback done)
{
    m_resizes[id].append({height, width});
    later([done] { done({}); });
}

void FakeRuntimeBackend::kill(const QString &id, int signal, StatusCallback done)
{
    m_signals[id].append(signal);
    auto p = m_processes.value(id);
    if (!p || p->status != QLatin1String("running"))
        return later([done] { done(fail(ErrorCode::Conflict, "kill: the process is not running")); });
    later([done] { done({}); });
    if (p->frozen) {
        p->pendingSignals.append(signal);
        return;
    }
    if (signal == SIGKILL || !ignoredSignals.contains(signal))
        QTimer::singleShot(2, this, [this, id, signal] { finish(id, 128 + signal, signal); });
}

void FakeRuntimeBackend::freeze(const QString &id, bool frozen, StatusCallback done)
{
    auto p = m_processes.value(id);
    if (!p || p->status != QLatin1String("running"))
        return later([done, frozen] {
            done(fail(ErrorCode::InvalidArgument, frozen ? "pause: the process is not running" : "unpause: the process is not running"));
        });
    p->frozen = frozen;
    later([done] { done({}); });
    if (frozen)
        return;
    const QList<int> pending = std::exchange(p->pendingSignals, {});
    for (int signal : pending) {
        if (signal == SIGKILL || !ignoredSignals.contains(signal)) {
            QTimer::singleShot(2, this, [this, id, signal] { finish(id, 128 + signal, signal); });
            break;
        }
    }
}

void FakeRuntimeBackend::state(const QString &id, Callback<RuntimeState> done)
{
    auto p = m_processes.value(id);
    RuntimeState s;
    s.status = p ? p->status : QStringLiteral("exited");
    s.pid = p ? p->pid : 0;
    s.paused = p && p->frozen;
    later([done, s] { done(s); });
}

void FakeRuntimeBackend::watch(const QString &id)
{
    auto p = m_processes.value(id);
    if (!p || p->watched)
        return;
    p->watched = true;
    if (p->unreported) {
        const RuntimeExit e = *p->unreported;
        p->unreported.reset();
        QTimer::singleShot(0, this, [this, id, e] { emit exited(id, e); });
    }
}

void FakeRuntimeBackend::execCreate(const QString &, const QString &, qint64, Callback<RuntimeCreated> done)
{
    later([done] { done(fail(ErrorCode::NotImplemented, "exec is not part of this fake")); });
}

void FakeRuntimeBackend::execStart(const QString &, const QString &, StatusCallback done)
{
    later([done] { done(fail(ErrorCode::NotImplemented, "exec is not part of this fake")); });
}

void FakeRuntimeBackend::execAttach(const QString &, const QString &, const RuntimeAttachOptions &, Callback<UniqueFd> done)
{
    later([done] { done(fail(ErrorCode::NotImplemented, "exec is not part of this fake")); });
}

void FakeRuntimeBackend::execResize(const QString &, const QString &, int, int, StatusCallback done)
{
    later([done] { done(fail(ErrorCode::NotImplemented, "exec is not part of this fake")); });
}

void FakeRuntimeBackend::execKill(const QString &, const QString &, int, StatusCallback done)
{
    later([done] { done(fail(ErrorCode::NotImplemented, "exec is not part of this fake")); });
}

void FakeRuntimeBackend::execWatch(const QString &, const QString &) {}

void FakeRuntimeBackend::openRootfs(const QString &, qint64, Callback<std::shared_ptr<RootfsHandle>> done)
{
    later([done] { done(fail(ErrorCode::NotImplemented, "rootfs is not part of this fake")); });
}

void FakeRuntimeBackend::cleanup(const QString &id, StatusCallback done)
{
    m_cleanupCount[id] += 1;
    auto p = m_processes.value(id);
    if (p && p->status != QLatin1String("running"))
        m_processes.remove(id);
    later([done] { done({}); });
}

void FakeRuntimeBackend::adopt(const QString &id, Callback<RuntimeAdoption> done)
{
    RuntimeAdoption a;
    if (aliveShims.contains(id)) {
        a.alive = true;
        a.state = aliveShims.value(id);
        auto p = std::make_shared<Process>();
        p->status = a.state.status;
        p->pid = a.state.pid;
        p->watched = true;
        m_processes.insert(id, p);
    } else if (deadShims.contains(id)) {
        a.exit = deadShims.value(id);
    } else {
        a.exit.exitCode = 255;
        a.exit.error = QStringLiteral("shim died");
    }
    later([done, a] { done(a); });
}

void FakeRuntimeBackend::exitProcess(const QString &id, int exitCode)
{
    finish(id, exitCode, 0);
}

void FakeRuntimeBackend::writeOutput(const QString &id, const QByteArray &bytes)
{
    auto p = m_processes.value(id);
    if (!p)
        return;
    for (UniqueFd &fd : p->streams) {
        if (fd)
            (void)::send(fd.get(), bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL);
    }
}

QByteArray FakeRuntimeBackend::input(const QString &id)
{
    auto p = m_processes.value(id);
    if (!p)
        return {};
    for (UniqueFd &fd : p->streams) {
        char buf[4096];
        ssize_t n;
        while (fd && (n = ::read(fd.get(), buf, sizeof buf)) > 0)
            p->input.append(buf, n);
    }
    return p->input;
}

void FakeRuntimeBackend::finish(const QString &id, int exitCode, int signal)
{
    auto p = m_processes.value(id);
    if (!p || p->status != QLatin1String("running"))
        return;
    p->status = QStringLiteral("exited");
    input(id);
    p->streams.clear(); // the shim closes attached streams after the output
    RuntimeExit e;
    e.exitCode = exitCode;
    e.signal = signal;
    e.finishedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    if (!p->watched) {
        p->unreported = e;
        return;
    }
    QTimer::singleShot(0, this, [this, id, e] { emit exited(id, e); });
}

} // namespace BerthTest
