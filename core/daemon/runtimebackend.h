#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace Berth::Daemon {

// One published port as the shim bound it (core/runtime/README.md 2, 3).
struct RuntimePort
{
    QString protocol = QStringLiteral("tcp");
    QString hostIp;
    int hostPort = 0;
    int containerPort = 0;
    // HostPort "8000-8010": the shim binds the first free port from
    // hostPort to hostPortEnd. 0: hostPort alone.
    int hostPortEnd = 0;

    friend bool operator==(const RuntimePort &, const RuntimePort &) = default;
};

// The reply of `berth-shim create` / `berth-shim exec`.
struct RuntimeCreated
{
    qint64 pid = 0;     // the container's (or exec's) init pid in the host pid namespace
    qint64 shimPid = 0; // the long-lived shim
    QList<RuntimePort> ports;
};

// The `state` line of the control socket.
struct RuntimeState
{
    QString status; // "created", "running" or "exited"
    qint64 pid = 0;
    QString startedAt;
    QString finishedAt;
    int exitCode = 0;
    bool oomKilled = false;
    bool paused = false; // the container's cgroup is frozen (docker pause)
};

// How a process ended (exit.json, README 6). A process killed by signal S
// has exitCode 128+S and signal S.
struct RuntimeExit
{
    int exitCode = 0;
    int signal = 0;
    bool oomKilled = false;
    QString startedAt;
    QString finishedAt;
    QString error; // empty unless the runtime itself failed ("shim died")
};

struct RuntimeAttachOptions
{
    bool stdinStream = false;
    bool stdoutStream = true;
    bool stderrStream = true;
    QByteArray detachKeys; // raw key bytes, empty for none
};

// What adoption found for a container berthd knew about when it started.
struct RuntimeAdoption
{
    bool alive = false;      // a live shim was found and is being watched
    RuntimeState state;      // when alive
    RuntimeExit exit;        // when not alive (from exit.json, or 255 "shim died")
};

// A view of a container's root filesystem: dirFd() is an O_PATH directory
// fd of its "/" (for a running container /proc/<pid>/root checked against
// the pid's start time; for a stopped one the root mounted by `berth-shim
// rootfs`, kept mounted as long as the handle lives).
class RootfsHandle
{
public:
    virtual ~RootfsHandle() = default;
    virtual int dirFd() const = 0;
    // The pid whose /proc/<pid>/root this is.
    virtual qint64 pid() const = 0;
};

// Everything berthd asks of the runtime (style.md D6). Routes and the
// supervisor only talk to this interface; ShimRuntimeBackend execs
// berth-shim and speaks its control socket, FakeRuntimeBackend (tests)
// plays a runtime in memory.
//
// Every operation is asynchronous: it returns at once and calls `done`
// later on the thread that owns the backend (never from inside the call).
// Containers are named by their 64-hex id; the bundle is
// <root>/containers/<id>/ and must already hold shim.json (written by the
// caller through ContainerStore) for create.
class RuntimeBackend : public QObject
{
    Q_OBJECT
public:
    template<typename T>
    using Callback = std::function<void(Result<T>)>;
    using StatusCallback = std::function<void(Status)>;

    using QObject::QObject;
    ~RuntimeBackend() override = default;

    // The runtime's name and version for /info and version (e.g. "berth-shim 0.1").
    virtual QString runtimeName() const = 0;

    // `berth-shim create --bundle DIR`: the process is created and held
    // before execve. On failure nothing is left behind; the Error carries
    // the shim's message (docker's CLI derives 126/127 from its text).
    virtual void create(const QString &id, Callback<RuntimeCreated> done) = 0;
    // Lets the held process execve. 126/127 failures come back as errors.
    virtual void start(const QString &id, StatusCallback done) = 0;
    // Connects to the shim, sends the attach request and, after "ok",
    // hands over the connected socket: multiplexed frames (or raw bytes
    // with a terminal) out, raw input in.
    virtual void attach(const QString &id, const RuntimeAttachOptions &options, Callback<UniqueFd> done) = 0;
    virtual void resize(const QString &id, int height, int width, StatusCallback done) = 0;
    virtual void kill(const QString &id, int signal, StatusCallback done) = 0;
    // docker pause/unpause: freezes (true) or thaws (false) every process of
    // the container's cgroup and returns once the kernel reports it done.
    // The frozen state outlives berthd; state() reports it as `paused`.
    virtual void freeze(const QString &id, bool frozen, StatusCallback done) = 0;
    virtual void state(const QString &id, Callback<RuntimeState> done) = 0;
    // Starts watching: exited() follows exactly once when the process ends
    // (immediately when it already has). Idempotent per container.
    virtual void watch(const QString &id) = 0;

    // Exec processes (for "io"): the spec is written to
    // <bundle>/exec/<execId>.json by the caller before execCreate.
    virtual void execCreate(const QString &id, const QString &execId, qint64 containerPid,
                            Callback<RuntimeCreated> done) = 0;
    virtual void execStart(const QString &id, const QString &execId, StatusCallback done) = 0;
    virtual void execAttach(const QString &id, const QString &execId, const RuntimeAttachOptions &options,
                            Callback<UniqueFd> done) = 0;
    virtual void execResize(const QString &id, const QString &execId, int height, int width,
                            StatusCallback done) = 0;
    virtual void execKill(const QString &id, const QString &execId, int signal, StatusCallback done) = 0;
    // execExited() follows exactly once.
    virtual void execWatch(const QString &id, const QString &execId) = 0;

    // The container's filesystem. `pid` > 0 means running (its init pid);
    // 0 means stopped (mounted by `berth-shim rootfs`).
    virtual void openRootfs(const QString &id, qint64 pid, Callback<std::shared_ptr<RootfsHandle>> done) = 0;

    // `berth-shim cleanup --bundle DIR`: idempotent removal of what a dead
    // shim left (cgroups, veth, stale socket).
    virtual void cleanup(const QString &id, StatusCallback done) = 0;

    // At berthd start: is the shim recorded in shim.pid alive (pid and start
    // time match)? Alive: connect, report its state and watch it. Dead:
    // report exit.json, or exit 255 "shim died" after running cleanup.
    virtual void adopt(const QString &id, Callback<RuntimeAdoption> done) = 0;

signals:
    // The container's init process ended (after watch()). Queued; emitted
    // once per start.
    void exited(const QString &id, const Berth::Daemon::RuntimeExit &status);
    void execExited(const QString &id, const QString &execId, const Berth::Daemon::RuntimeExit &status);
};

} // namespace Berth::Daemon
