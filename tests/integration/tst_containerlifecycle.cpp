// Integration: container lifecycle on a private berthd with the real
// berth-shim, driven by the real docker CLI: create/start/stop/restart/
// kill/wait/rename/rm/ps/inspect, run attached and detached, run --rm
// leaving nothing behind, a kill -9 of berthd with containers running and
// an exit while it was down, and 50 concurrent `run --rm ... exit N`.
// Needs root (style.md C24). Every container is removed and berthd stopped
// by PID in cleanup, and the helper removes its bridge and cgroup parent.

#include <support/commandrunner.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>

#include <csignal>
#include <memory>

#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);
constexpr int kCommandTimeoutMs = 120 * 1000;

QString mountInfo()
{
    QFile f(QStringLiteral("/proc/self/mountinfo"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

} // namespace

class tst_ContainerLifecycle : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }
    QString inspectField(const QString &ref, const QString &format) { return m_engine.inspect(ref, format); }
    QStringList containerDirs()
    {
        return QDir(m_engine.root() + QStringLiteral("/containers")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-ctr");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup() { m_engine.removeAllContainers(); }

    void cleanupTestCase() { m_engine.tearDown(); }

    void createStartStopRestartKillWaitRenameRemove()
    {
        CommandResult r = docker({"create", "--name", "c1", "busybox", "sleep", "300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QString id = r.out.trimmed();
        QCOMPARE(id.size(), 64);
        QCOMPARE(inspectField("c1", "{{.State.Status}}"), QStringLiteral("created"));
        r = docker({"start", "c1"});
        QVERIFY2(r.exitCode == 0 && r.out == QLatin1String("c1\n"), qPrintable(r.describe()));
        QCOMPARE(inspectField("c1", "{{.State.Status}} {{.State.Running}}"), QStringLiteral("running true"));
        QVERIFY(inspectField("c1", "{{.State.Pid}}").toLongLong() > 0);
        QVERIFY(!inspectField("c1", "{{.NetworkSettings.IPAddress}}").isEmpty());
        r = docker({"ps", "--format", "{{.Names}} {{.Status}}"});
        QVERIFY2(r.out.startsWith(QLatin1String("c1 Up ")), qPrintable(r.describe()));
        r = docker({"start", "c1"});
        QCOMPARE(r.exitCode, 0);

        r = docker({"stop", "-t", "1", "c1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        // sleep as pid 1 ignores SIGTERM: SIGKILL after the second.
        QCOMPARE(inspectField("c1", "{{.State.Status}} {{.State.ExitCode}}"), QStringLiteral("exited 137"));
        QCOMPARE(docker({"stop", "c1"}).exitCode, 0);

        r = docker({"restart", "-t", "1", "c1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(inspectField("c1", "{{.State.Running}}"), QStringLiteral("true"));
        r = docker({"kill", "c1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"wait", "c1"});
        QCOMPARE(r.out, QStringLiteral("137\n"));
        r = docker({"kill", "c1"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("is not running")), qPrintable(r.describe()));

        QCOMPARE(docker({"rename", "c1", "c2"}).exitCode, 0);
        QCOMPARE(inspectField("c2", "{{.Name}}"), QStringLiteral("/c2"));
        r = docker({"ps", "-a", "--format", "{{.Names}} {{.Status}}"});
        QVERIFY2(r.out.startsWith(QLatin1String("c2 Exited (137) ")), qPrintable(r.describe()));
        QCOMPARE(docker({"rm", "c2"}).exitCode, 0);
        QVERIFY(!containerDirs().contains(id));
        QCOMPARE(docker({"inspect", "c2"}).exitCode, 1);
    }

    void runAttachedGivesOutputAndExitCode()
    {
        const CommandResult r = docker({"run", "--name", "r1", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"});
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(r.out, QStringLiteral("out\n"));
        QCOMPARE(r.err, QStringLiteral("err\n"));
        QCOMPARE(inspectField("r1", "{{.State.ExitCode}}"), QStringLiteral("3"));
        const CommandResult piped = docker({"run", "--rm", "-i", "busybox", "cat"}, "through stdin\n");
        QCOMPARE(piped.exitCode, 0);
        QCOMPARE(piped.out, QStringLiteral("through stdin\n"));
    }

    void runMissingCommandExits127()
    {
        const CommandResult r = docker({"run", "--rm", "busybox", "nosuchcommand"});
        QCOMPARE(r.exitCode, 127);
        QVERIFY2(r.err.contains(QStringLiteral("executable file not found")), qPrintable(r.describe()));
        QCOMPARE(docker({"ps", "-aq"}).out, QString());
    }

    void runRmLeavesNothingBehind()
    {
        const QStringList before = containerDirs();
        const CommandResult r = docker({"run", "--rm", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(containerDirs(), before);
        QCOMPARE(docker({"ps", "-aq"}).out, QString());
        QVERIFY(!mountInfo().contains(m_engine.root() + QStringLiteral("/containers/")));
        // No veth of ours is left on the host.
        for (const QString &link : QDir(QStringLiteral("/sys/class/net")).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::System)) {
            if (QFileInfo(QStringLiteral("/sys/class/net/%1/master").arg(link)).symLinkTarget().endsWith(m_engine.daemon().bridge()))
                QFAIL(qPrintable(QStringLiteral("interface %1 still on %2").arg(link, m_engine.daemon().bridge())));
        }
        // No container cgroup under our parent.
        for (const QString &dir : {QStringLiteral("/sys/fs/cgroup/memory/"), QStringLiteral("/sys/fs/cgroup/pids/"),
                                   QStringLiteral("/sys/fs/cgroup/unified/"), QStringLiteral("/sys/fs/cgroup/")}) {
            const QDir parent(dir + m_engine.daemon().cgroupParent());
            if (parent.exists())
                QCOMPARE(parent.entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList());
        }
    }

    // A --rm container's upper dir is deleted after its exit, so its overlay
    // is "volatile": the exit does not sync the filesystem under it. Any
    // other container keeps the syncs (it may be started again).
    void onlyAutoRemoveContainersHaveAVolatileRoot()
    {
        const QStringList rootOptions{"sh", "-c", "grep ' / / ' /proc/self/mountinfo"};
        CommandResult r = docker(QStringList{"run", "--rm", "busybox"} + rootOptions);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains(QStringLiteral(" overlay ")), qPrintable(r.out));
        // "volatile" among the super options; kernels since 6.x show it as fsync=volatile.
        static const QRegularExpression volatileOption(QStringLiteral(",(fsync=)?volatile(,|\\s|$)"));
        QVERIFY2(r.out.contains(volatileOption), qPrintable(r.out));
        r = docker(QStringList{"run", "--name", "kept", "busybox"} + rootOptions);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains(QStringLiteral(" overlay ")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(QStringLiteral("volatile")), qPrintable(r.out));
        // Started again: the upper dir mounts as before, with what it holds.
        QCOMPARE(docker({"start", "-a", "kept"}).exitCode, 0);
        QCOMPARE(docker({"rm", "kept"}).exitCode, 0);
    }

    void detachedRunSurvivesAKilledHelperAndAnExitWhileDown()
    {
        CommandResult r = docker({"run", "-d", "--name", "keeper", "busybox", "sleep", "300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"run", "-d", "--name", "quitter", "busybox", "sh", "-c", "sleep 2; exit 5"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QString pid = inspectField("keeper", "{{.State.Pid}}");
        const QString address = inspectField("keeper", "{{.NetworkSettings.IPAddress}}");

        ::kill(pid_t(m_engine.daemon().pid()), SIGKILL);
        QVERIFY(m_engine.daemon().waitForExit(10000));
        QTest::qWait(3500); // quitter exits while berthd is down
        QVERIFY2(m_engine.restart().isEmpty(), qPrintable(m_engine.daemon().log()));

        QTRY_COMPARE_WITH_TIMEOUT(inspectField("quitter", "{{.State.Status}} {{.State.ExitCode}}"), QStringLiteral("exited 5"), 10000);
        QCOMPARE(inspectField("keeper", "{{.State.Status}} {{.State.Pid}}"), QStringLiteral("running ") + pid);
        QCOMPARE(inspectField("keeper", "{{.NetworkSettings.IPAddress}}"), address);
        r = docker({"ps", "--format", "{{.Names}}"});
        QCOMPARE(r.out, QStringLiteral("keeper\n"));
        r = docker({"stop", "-t", "1", "keeper"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(inspectField("keeper", "{{.State.Status}}"), QStringLiteral("exited"));

        // Once more: the exit recorded before is not recorded again.
        m_engine.daemon().stop();
        QVERIFY2(m_engine.restart().isEmpty(), qPrintable(m_engine.daemon().log()));
        QCOMPARE(inspectField("quitter", "{{.State.ExitCode}}"), QStringLiteral("5"));
        QCOMPARE(inspectField("keeper", "{{.State.ExitCode}}"), QStringLiteral("137"));
    }

    void fiftyConcurrentRunsEachGetTheirExitCode()
    {
        std::vector<std::unique_ptr<QProcess>> runs;
        for (int n = 0; n < 50; ++n) {
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(m_engine.environment());
            p->start(m_engine.dockerProgram(), {"run", "--rm", "busybox", "sh", "-c", QStringLiteral("exit %1").arg(n)});
            runs.push_back(std::move(p));
        }
        for (int n = 0; n < 50; ++n) {
            QProcess &p = *runs[size_t(n)];
            QVERIFY(p.waitForFinished(kCommandTimeoutMs));
            QVERIFY2(p.exitCode() == n, qPrintable(QStringLiteral("run %1 exited %2: %3").arg(n).arg(p.exitCode())
                                                       .arg(QString::fromUtf8(p.readAllStandardError()))));
        }
        QTRY_COMPARE(docker({"ps", "-aq"}).out, QString());
        QTRY_COMPARE(containerDirs(), QStringList());
    }
};

QTEST_GUILESS_MAIN(tst_ContainerLifecycle)
#include "tst_containerlifecycle.moc"
