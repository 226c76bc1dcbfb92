#pragma once

#include <daemon/runtimebackend.h>

#include <QHash>
#include <QJsonObject>
#include <QSet>

#include <memory>
#include <vector>

namespace BerthTest {

// An in-memory runtime for router tests (style.md C22): no process, no
// namespace. It reads the shim.json berthd wrote (so tests can check the
// spec), keeps a state per container, and lets the test end processes,
// produce output on attached streams and script failures.
//
// Rules that mimic berth-shim:
// - create fails with docker's "executable file not found" text when the
//   spec's args[0] is in missingExecutables, and with `createError` when set;
// - kill with SIGKILL, or a signal the process does not ignore, ends the
//   process with 128+signal (ignoredSignals holds the ignored ones);
// - `exitOnStart` ends a process with that code right after start;
// - attach gives one end of a socketpair; the test writes output with
//   writeOutput(), and an exit closes every attached stream.
class FakeRuntimeBackend : public Berth::Daemon::RuntimeBackend
{
    Q_OBJECT
public:
    explicit FakeRuntimeBackend(const QString &containersDir, QObject *parent = nullptr);
    ~FakeRuntimeBackend() override;

    QString runtimeName() const override { return QStringLiteral("fake"); }

    void create(const QString &id, Callback<Berth::Daemon::RuntimeCreated> done) override;
    void start(const QString &id, StatusCallback done) override;
    void attach(const QString &id, const Berth::Daemon::RuntimeAttachOptions &options, Callback<Berth::UniqueFd> done) override;
    void resize(const QString &id, int height, int width, StatusCallback done) override;
    void kill(const QString &id, int signal, StatusCallback done) override;
    void freeze(const QString &id, bool frozen, StatusCallback done) override;
    void state(const QString &id, Callback<Berth::Daemon::RuntimeState> done) override;
    void watch(const QString &id) override;
    void execCreate(const QString &id, const QString &execId, qint64 containerPid,
                    Callback<Berth::Daemon::RuntimeCreated> done) override;
    void execStart(const QString &id, const QString &execId, StatusCallback done) override;
    void execAttach(const QString &id, const QString &execId, const Berth::Daemon::RuntimeAttachOptions &options,
                    Callback<Berth::UniqueFd> done) override;
    void execResize(const QString &id, const QString &execId, int height, int width, StatusCallback done) override;
    void execKill(const QString &id, const QString &execId, int signal, StatusCallback done) override;
    void execWatch(const QString &id, const QString &execId) override;
    void openRootfs(const QString &id, qint64 pid, Callback<std::shared_ptr<Berth::Daemon::RootfsHandle>> done) override;
    void cleanup(const QString &id, StatusCallback done) override;
    void adopt(const QString &id, Callback<Berth::Daemon::RuntimeAdoption> done) override;

    // Test controls.
    void exitProcess(const QString &id, int exitCode);
    void writeOutput(const QString &id, const QByteArray &bytes);
    QJsonObject lastSpec(const QString &id) const { return m_specs.value(id); }
    QString status(const QString &id) const;
    int createCount(const QString &id) const { return m_createCount.value(id); }
    int cleanupCount(const QString &id) const { return m_cleanupCount.value(id); }
    QList<int> signalsSent(const QString &id) const { return m_signals.value(id); }
    QList<QPair<int, int>> resizes(const QString &id) const { return m_resizes.value(id); }
    // Bytes the attached clients sent (stdin), per container.
    QByteArray input(const QString &id);
    int attachCount(const QString &id) const { return m_attachCount.value(id); }
    // A frozen process takes signals only when thawed (cgroup v1's freezer).
    bool isFrozen(const QString &id) const
    {
        auto p = m_processes.value(id);
        return p && p->frozen;
    }

    QSet<QString> missingExecutables{QStringLiteral("nosuchcommand")};
    QSet<int> ignoredSignals;
    QString createError;
    std::optional<int> exitOnStart;
    // For adopt(): ids whose shim is "alive" after a simulated berthd restart.
    QHash<QString, Berth::Daemon::RuntimeState> aliveShims;
    QHash<QString, Berth::Daemon::RuntimeExit> deadShims;

private:
    struct Process
    {
        QString status = QStringLiteral("created");
        qint64 pid = 0;
        bool watched = false;
        std::optional<Berth::Daemon::RuntimeExit> unreported; // ended before watch()
        std::vector<Berth::UniqueFd> streams; // our ends of the attach socketpairs
        QByteArray input;
        bool frozen = false;
        QList<int> pendingSignals; // sent while frozen
    };
    template<typename F>
    void later(F &&f);
    void finish(const QString &id, int exitCode, int signal);

    QString m_containersDir;
    QHash<QString, std::shared_ptr<Process>> m_processes;
    QHash<QString, QJsonObject> m_specs;
    QHash<QString, int> m_createCount;
    QHash<QString, int> m_cleanupCount;
    QHash<QString, int> m_attachCount;
    QHash<QString, QList<int>> m_signals;
    QHash<QString, QList<QPair<int, int>>> m_resizes;
    qint64 m_nextPid = 40000;
};

} // namespace BerthTest
