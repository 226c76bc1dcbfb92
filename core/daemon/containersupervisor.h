#pragma once

#include "containerconfig.h"
#include "ipam.h"
#include "runtimebackend.h"

#include <engine/containerstore.h>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace Berth::Daemon {

class EventBus;
class SocketChannel;

// The lifecycle of every container: start (network, spec, `berth-shim
// create`, the attaches asked for before start, `start`), exits reported
// by the runtime (state, die event, waiters, restart policy, --rm), stop
// with its grace period, kill, restart, removal, and adoption of the shims
// that outlived a previous berthd. Main-thread only; all runtime work goes
// through RuntimeBackend (style.md D6), so tests drive it with a fake.
class ContainerSupervisor : public QObject
{
    Q_OBJECT
public:
    struct Context
    {
        Engine::ContainerStore *store = nullptr;
        RuntimeBackend *backend = nullptr;
        EventBus *events = nullptr;
        Ipam *ipam = nullptr;
        QString bridge = QStringLiteral("berth0");
        QString cgroupParent = QStringLiteral("berth");
        QString layersDir; // <root>/layers
        QString hostResolvConf = QStringLiteral("/etc/resolv.conf");
        // After a container's record is gone (its destroy event is out):
        // berthd removes the anonymous volumes of an AutoRemove container.
        std::function<void(const Engine::ContainerRecord &)> removed;
        // The volume store's side of create and rm -v, for the container
        // routes (VolumeRoutes::volumeProvider / removeVolumes) and berthd's
        // root (binds of it are refused).
        std::function<Result<ContainerConfig::CreateContext::VolumeGrant>(
            const ContainerConfig::CreateContext::VolumeRequest &)>
            provideVolume;
        std::function<void(const QStringList &names, bool anonymousOnly)> removeVolumes;
        QString engineRoot;
    };

    enum class WaitCondition { NotRunning, NextExit, Removed };
    // The wait result: exit code, or an error message for a real failure.
    struct WaitResult
    {
        int statusCode = 0;
        QString error;
    };

    explicit ContainerSupervisor(Context context, QObject *parent = nullptr);
    ~ContainerSupervisor() override;

    Engine::ContainerStore &store() { return *m_context.store; }
    RuntimeBackend &backend() { return *m_context.backend; }
    const Context &context() const { return m_context; }

    // At berthd start: adopts live shims, records exits that happened while
    // berthd was down (once), frees addresses of stopped containers, and
    // restarts containers whose policy says so. adopted() follows.
    void adoptAll();

    // Writes the bundle files (hostname, hosts, resolv.conf, upper/work/
    // rootfs dirs), stores the record, publishes "create".
    Status create(const Engine::ContainerRecord &record);

    using StatusCallback = std::function<void(Status)>;
    // 304 NotModified when running. Start failures come back as 400 with
    // the runtime's message (the CLI derives 126/127 from it).
    void start(const QString &id, StatusCallback done);
    // 304 when not running. timeout < 0: the container's StopTimeout or 10 s.
    void stop(const QString &id, int timeoutSeconds, StatusCallback done);
    void restart(const QString &id, int timeoutSeconds, StatusCallback done);
    // 409 "Cannot kill container: <ref>: Container <id> is not running".
    void kill(const QString &id, const QString &ref, int signal, StatusCallback done);
    // 409 when running without force; with force kills first.
    void remove(const QString &id, bool force, StatusCallback done);
    Status rename(const QString &id, const QString &newName);
    // docker pause/unpause through the runtime's cgroup freezer; "pause" /
    // "unpause" events. Errors as dockerd: 409 "Container <id> is not
    // running", "... is already paused", "... is restarting, wait until the
    // container is running"; unpause of one that is not paused 500
    // "Container <id> is not paused".
    void pause(const QString &id, StatusCallback done);
    void unpause(const QString &id, StatusCallback done);
    void resize(const QString &id, int height, int width, StatusCallback done);

    // Registers a waiter (before the reply headers go out, so next-exit
    // cannot miss an exit). Returns a token for cancelWait.
    quint64 wait(const QString &id, WaitCondition condition, std::function<void(WaitResult)> done);
    void cancelWait(quint64 token);

    // Attaches a hijacked client to the container's output/input. Running:
    // connects now. Otherwise: kept until the next start, connected after
    // `berth-shim create` and before the process runs (docker run order).
    // `ready` tells whether the runtime accepted the attach; for a pending
    // one it is called at once with success.
    void attach(const QString &id, const RuntimeAttachOptions &options, std::unique_ptr<SocketChannel> client);
    // Connects to the runtime for a running container before the route
    // hijacks, so errors can still go out as JSON.
    void connectAttach(const QString &id, const RuntimeAttachOptions &options,
                       std::function<void(Result<UniqueFd>)> done);
    void spliceAttach(std::unique_ptr<SocketChannel> client, UniqueFd runtime);

    // Publishes a container event (image, name, labels and `extra` as
    // attributes); also used by the exec routes.
    void publish(const Engine::ContainerRecord &record, const QString &action,
                 QMap<QString, QString> extra = {});

    // Container counts for /info.
    struct Counts { int total = 0, running = 0, paused = 0, stopped = 0; };
    Counts counts() const;

signals:
    void adopted();
    // For the log, stats and exec code: a container started, exited (after
    // its record says so) or was removed.
    void containerStarted(const QString &id);
    void containerExited(const QString &id, int exitCode);
    void containerRemoved(const QString &id);

private:
    struct PendingAttach
    {
        RuntimeAttachOptions options;
        std::unique_ptr<SocketChannel> client;
    };
    struct Waiter
    {
        quint64 token = 0;
        QString id;
        WaitCondition condition = WaitCondition::NotRunning;
        std::function<void(WaitResult)> done;
    };
    struct Runtime // what the supervisor tracks per container in memory
    {
        std::vector<std::unique_ptr<PendingAttach>> pendingAttaches;
        std::vector<StatusCallback> onExit; // stop/remove waiting for the exit
        std::unique_ptr<QTimer> killTimer;
        std::unique_ptr<QTimer> restartTimer;
        int restartDelayMs = 0;
        bool starting = false;
        bool removing = false;
        bool stopping = false;
        bool freezing = false; // a pause or unpause is in flight
    };

    Runtime &runtime(const QString &id);
    Status writeEtcFiles(const Engine::ContainerRecord &record);
    void startProcess(const QString &id, StatusCallback done);
    void startFailed(const QString &id, const Error &error, StatusCallback done);
    void onExited(const QString &id, const RuntimeExit &status);
    void applyExit(const QString &id, const RuntimeExit &status, bool fromAdoption);
    void afterExit(const QString &id, int exitCode, bool fromAdoption);
    void finishRemoval(const QString &id, StatusCallback done);
    void notifyWaiters(const QString &id, bool exited, bool removed, int exitCode);
    void releaseNetwork(const QString &id);
    // After `signal` went to a paused container: dockerd thaws it when the
    // signal is SIGKILL or its stop signal, so the signal is acted on.
    void thawForSignal(const QString &id, int signal);
    bool shouldRestart(const Engine::ContainerRecord &record, int exitCode) const;

    Context m_context;
    QHash<QString, std::shared_ptr<Runtime>> m_runtime;
    QList<Waiter> m_waiters;
    quint64 m_nextToken = 1;
};

} // namespace Berth::Daemon
