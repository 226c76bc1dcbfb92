#pragma once

#include "netnspool.h"
#include "runtimebackend.h"

#include <QHash>
#include <QSet>
#include <QThreadPool>

#include <memory>

class QSocketNotifier;

namespace Berth::Daemon {

// The real runtime: execs berth-shim for create/exec/rootfs/cleanup and
// speaks the control socket of each shim (core/runtime/README.md).
// Short control requests run on a private thread pool (blocking with a
// timeout, never on the HTTP thread); watches are QSocketNotifiers on the
// owning thread. Results come back queued to the owning thread.
class ShimRuntimeBackend : public RuntimeBackend
{
    Q_OBJECT
public:
    ShimRuntimeBackend(const QString &shimPath, const QString &containersDir, QObject *parent = nullptr);
    ~ShimRuntimeBackend() override;

    QString runtimeName() const override;

    void create(const QString &id, Callback<RuntimeCreated> done) override;
    void start(const QString &id, StatusCallback done) override;
    void attach(const QString &id, const RuntimeAttachOptions &options, Callback<UniqueFd> done) override;
    void resize(const QString &id, int height, int width, StatusCallback done) override;
    void kill(const QString &id, int signal, StatusCallback done) override;
    void freeze(const QString &id, bool frozen, StatusCallback done) override;
    void state(const QString &id, Callback<RuntimeState> done) override;
    void watch(const QString &id) override;

    void execCreate(const QString &id, const QString &execId, qint64 containerPid,
                    Callback<RuntimeCreated> done) override;
    void execStart(const QString &id, const QString &execId, StatusCallback done) override;
    void execAttach(const QString &id, const QString &execId, const RuntimeAttachOptions &options,
                    Callback<UniqueFd> done) override;
    void execResize(const QString &id, const QString &execId, int height, int width, StatusCallback done) override;
    void execKill(const QString &id, const QString &execId, int signal, StatusCallback done) override;
    void execWatch(const QString &id, const QString &execId) override;

    void openRootfs(const QString &id, qint64 pid, Callback<std::shared_ptr<RootfsHandle>> done) override;
    void cleanup(const QString &id, StatusCallback done) override;
    void adopt(const QString &id, Callback<RuntimeAdoption> done) override;

private:
    struct Watch;
    QString bundle(const QString &id) const;
    // Runs `job` on the pool and `deliver` with its result on this thread.
    template<typename T>
    void offload(std::function<T()> job, std::function<void(T)> deliver);
    // One request/one reply on a control socket (socketName is relative to the bundle).
    void request(const QString &id, const QString &socketName, const QJsonObject &message,
                 Callback<QJsonObject> done);
    // netns: a ready network namespace for `create --netns-fd` (README 3),
    // inherited by the shim alone; berthd's copy is closed after the spawn.
    void runShim(const QStringList &arguments, Callback<QJsonObject> done, UniqueFd netns = UniqueFd());
    // A namespace from the pool for a container whose shim.json asks for
    // network mode none or bridge; invalid otherwise or when none is ready.
    UniqueFd takeNetnsFor(const QString &bundleDir);
    void startWatch(const QString &id, const QString &execId);
    // Reads the exit and teardown lines from a connected watch socket.
    void installWatch(const QString &key, const std::shared_ptr<Watch> &watch, UniqueFd fd);
    void afterShimExit(const QString &id, std::function<void()> then);
    void watchEnded(const QString &key);
    void reportExit(Watch &watch);

    QString m_shimPath;
    QString m_containersDir;
    QThreadPool m_pool;
    // Ready network namespaces for create (null when BERTH_NETNS_POOL=0).
    std::unique_ptr<NetnsPool> m_netnsPool;
    QHash<QString, std::shared_ptr<Watch>> m_watches; // key: id or id/execId
    // Containers whose shim reported a complete teardown after their last exit.
    QSet<QString> m_tornDown;
};

} // namespace Berth::Daemon
