// Integration: docker pause / unpause on a private berthd with the real
// berth-shim, driven by `berth` and the real docker CLI side by side: the
// cgroup freezer really holds the processes (freezer.state FROZEN on v1,
// cgroup.events "frozen 1" on v2), State/ps show Paused, docker's errors
// for a paused, not-paused and stopped container, exec refused while
// paused, stop/kill/rm -f of a paused container (thaw, then the signal),
// pause/unpause events, and a paused container adopted as paused by a
// restarted berthd. Needs root (style.md C24); skips otherwise. Every
// container is removed (unpaused first) and berthd stopped by PID in
// cleanup, even when a check fails.

#include <support/commandrunner.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>


#include <csignal>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

QString readText(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// What the kernel says about the freezer of the cgroup `pid` is in:
// "frozen", "thawed", or an explanation when it cannot tell.
QString freezerState(const QString &pid)
{
    const QString cgroups = readText(QStringLiteral("/proc/%1/cgroup").arg(pid));
    if (cgroups.isEmpty())
        return QStringLiteral("no /proc/%1/cgroup").arg(pid);
    QString unified;
    for (const QString &line : cgroups.split(u'\n', Qt::SkipEmptyParts)) {
        const QStringList parts = line.split(u':');
        if (parts.size() < 3)
            continue;
        if (parts[1].split(u',').contains(QStringLiteral("freezer"))) {
            const QString state = readText(QStringLiteral("/sys/fs/cgroup/freezer") + parts[2] + QStringLiteral("/freezer.state")).trimmed();
            return state == QLatin1String("FROZEN") ? QStringLiteral("frozen")
                 : state == QLatin1String("THAWED") ? QStringLiteral("thawed") : QStringLiteral("freezer.state ") + state;
        }
        if (parts[0] == QLatin1String("0") && parts[1].isEmpty())
            unified = parts[2];
    }
    const QString events = readText(QStringLiteral("/sys/fs/cgroup") + unified + QStringLiteral("/cgroup.events"));
    if (events.contains(QLatin1String("frozen 1")))
        return QStringLiteral("frozen");
    if (events.contains(QLatin1String("frozen 0")))
        return QStringLiteral("thawed");
    return QStringLiteral("no freezer for pid ") + pid;
}

} // namespace

class tst_ContainerPause : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult berth(const QStringList &args, const QByteArray &input = {}) { return m_engine.berth(args, input); }
    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }
    QString inspectField(const QString &ref, const QString &format) { return m_engine.inspect(ref, format); }




    QString runSleeper(const QString &name)
    {
        const CommandResult r = berth({"run", "-d", "--name", name, "--network", "none", "--pull", "never", "busybox", "sleep", "300"});
        if (r.exitCode != 0)
            qWarning().noquote() << r.describe();
        return r.out.trimmed();
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-pause");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup() { m_engine.removeAllContainers(); }

    void cleanupTestCase() { m_engine.tearDown(); }

    void pauseFreezesTheCgroupAndShowsPaused()
    {
        const QString id = runSleeper(QStringLiteral("p1"));
        QVERIFY(!id.isEmpty());
        const QString pid = inspectField("p1", "{{.State.Pid}}");
        QCOMPARE(freezerState(pid), QStringLiteral("thawed"));

        CommandResult r = berth({"pause", "p1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.out, QStringLiteral("p1\n"));
        QCOMPARE(r.err, QString());
        QCOMPARE(freezerState(pid), QStringLiteral("frozen"));
        QCOMPARE(inspectField("p1", "{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.State.Pid}}"),
                 QStringLiteral("paused true true ") + pid);
        r = docker({"ps", "--filter", "name=p1", "--format", "{{.Status}}|{{.State}}"});
        QVERIFY2(QRegularExpression(QStringLiteral("^Up [0-9A-Za-z ]+ \\(Paused\\)\\|paused\n$")).match(r.out).hasMatch(), qPrintable(r.describe()));
        m_engine.compareBoth({"ps", "--filter", "status=paused", "--format", "{{.Names}} {{.State}}"});

        // docker's refusals while paused, word for word.
        m_engine.compareBoth({"pause", "p1"});
        m_engine.compareBoth({"exec", "p1", "true"});

        r = docker({"unpause", "p1"});
        QVERIFY2(r.exitCode == 0 && r.out == "p1\n", qPrintable(r.describe()));
        QCOMPARE(freezerState(pid), QStringLiteral("thawed"));
        QCOMPARE(inspectField("p1", "{{.State.Status}} {{.State.Paused}}"), QStringLiteral("running false"));
        m_engine.compareBoth({"unpause", "p1"});
        // It runs again: exec works.
        r = berth({"exec", "p1", "echo", "alive"});
        QVERIFY2(r.exitCode == 0 && r.out == "alive\n", qPrintable(r.describe()));
    }

    void severalContainersAndErrorsAsDocker()
    {
        QVERIFY(!runSleeper(QStringLiteral("m1")).isEmpty());
        QVERIFY(!runSleeper(QStringLiteral("m2")).isEmpty());
        CommandResult r = berth({"create", "--name", "m3", "--network", "none", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));

        r = berth({"pause", "m1", "nosuch", "m2"});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.out, QStringLiteral("m1\nm2\n"));
        QCOMPARE(r.err, QStringLiteral("Error response from daemon: No such container: nosuch\n"));
        QCOMPARE(inspectField("m2", "{{.State.Status}}"), QStringLiteral("paused"));
        // Not running, already paused, not paused: the same text and code from both CLIs.
        m_engine.compareBoth({"pause", "m3"});
        m_engine.compareBoth({"pause", "m1", "m2"});
        m_engine.compareBoth({"unpause", "m3"});
        m_engine.compareBoth({"unpause", "nosuch"});
        m_engine.compareBoth({"pause"});
        m_engine.compareBoth({"pause", "nosuch"});
        r = berth({"unpause", "m1", "m2"});
        QVERIFY2(r.exitCode == 0 && r.out == "m1\nm2\n" && r.err.isEmpty(), qPrintable(r.describe()));
        QCOMPARE(inspectField("m1", "{{.State.Status}}"), QStringLiteral("running"));
        m_engine.compareBoth({"unpause", "m1", "m2"});
        m_engine.compareBoth({"container", "unpause", "m1"});
        m_engine.compareBoth({"container", "pause"});
    }

    void stopKillAndRemoveOfAPausedContainerWork()
    {
        // stop: the stop signal is queued, the container thawed, then SIGKILL
        // after the grace period (sleep as PID 1 ignores SIGTERM).
        QVERIFY(!runSleeper(QStringLiteral("s1")).isEmpty());
        CommandResult r = berth({"pause", "s1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"stop", "-t", "1", "s1"});
        QVERIFY2(r.exitCode == 0 && r.out == "s1\n", qPrintable(r.describe()));
        QCOMPARE(inspectField("s1", "{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}"), QStringLiteral("exited 137 false"));

        // kill (SIGKILL) of a paused container ends it at once.
        QVERIFY(!runSleeper(QStringLiteral("k1")).isEmpty());
        QCOMPARE(berth({"pause", "k1"}).exitCode, 0);
        r = berth({"kill", "k1"});
        QVERIFY2(r.exitCode == 0 && r.out == "k1\n", qPrintable(r.describe()));
        r = docker({"wait", "k1"});
        QVERIFY2(r.exitCode == 0 && r.out == "137\n", qPrintable(r.describe()));

        // A signal that is neither SIGKILL nor the stop signal waits: the container stays paused.
        QVERIFY(!runSleeper(QStringLiteral("k2")).isEmpty());
        QCOMPARE(berth({"pause", "k2"}).exitCode, 0);
        r = berth({"kill", "-s", "USR1", "k2"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(inspectField("k2", "{{.State.Status}}"), QStringLiteral("paused"));

        // rm without force refuses, rm -f removes it.
        r = docker({"rm", "k2"});
        QCOMPARE(r.exitCode, 1);
        r = berth({"rm", "-f", "k2"});
        QVERIFY2(r.exitCode == 0 && r.out == "k2\n", qPrintable(r.describe()));
        QCOMPARE(docker({"ps", "-aq", "--filter", "name=k2"}).out, QString());
    }

    // The container filter matches a name or an ID prefix, as dockerd's does:
    // a name that is hex ("e1") also matched every container whose ID starts
    // with it (k2's did once). "ev1" cannot be an ID prefix.
    void pauseAndUnpauseArePublishedAsEvents()
    {
        const QString since = QString::number(QDateTime::currentSecsSinceEpoch() - 1);
        QVERIFY(!runSleeper(QStringLiteral("ev1")).isEmpty());
        QCOMPARE(berth({"pause", "ev1"}).exitCode, 0);
        QCOMPARE(berth({"unpause", "ev1"}).exitCode, 0);
        const QString until = QString::number(QDateTime::currentSecsSinceEpoch() + 1);
        QTest::qWait(1100);
        const CommandResult r = docker({"events", "--since", since, "--until", until, "--filter", "container=ev1",
                                        "--filter", "event=pause", "--filter", "event=unpause", "--format", "{{.Action}} {{.Actor.Attributes.name}}"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.out, QStringLiteral("pause ev1\nunpause ev1\n"));
    }

    void aRestartedHelperAdoptsAPausedContainerAsPaused()
    {
        QVERIFY(!runSleeper(QStringLiteral("a1")).isEmpty());
        const QString pid = inspectField("a1", "{{.State.Pid}}");
        QCOMPARE(berth({"pause", "a1"}).exitCode, 0);

        ::kill(pid_t(m_engine.daemon().pid()), SIGKILL);
        QVERIFY(m_engine.daemon().waitForExit(10000));
        QVERIFY2(m_engine.restart().isEmpty(), qPrintable(m_engine.daemon().log()));

        QCOMPARE(freezerState(pid), QStringLiteral("frozen"));
        QCOMPARE(inspectField("a1", "{{.State.Status}} {{.State.Pid}}"), QStringLiteral("paused ") + pid);
        CommandResult r = docker({"unpause", "a1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(freezerState(pid), QStringLiteral("thawed"));
        r = berth({"exec", "a1", "echo", "back"});
        QVERIFY2(r.exitCode == 0 && r.out == "back\n", qPrintable(r.describe()));
    }
};

QTEST_GUILESS_MAIN(tst_ContainerPause)
#include "tst_containerpause.moc"
