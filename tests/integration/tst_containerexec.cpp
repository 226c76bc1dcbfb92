// Integration: docker exec and docker stats on a private berthd with the
// real berth-shim, driven by the real docker CLI: output and exit codes
// (3, 127 not found, 126 not executable), -e, -w, -u, -d, -it through a
// pseudo-terminal, exec into a stopped container, and stats --no-stream.
// Needs root (style.md C24). Containers are removed in cleanup; berthd is
// stopped by PID and its bridge and cgroup parent removed by PrivateHelper.

#include <support/commandrunner.h>
#include <support/enginefixture.h>
#include <support/ptyprocess.h>

#include <QtTest>

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;
using Berth::TestSupport::PtyProcess;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);

} // namespace

class tst_ContainerExec : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }
    QString path(const QString &name) const { return m_engine.path(name); }
    bool runSleeper(const QString &name)
    {
        const CommandResult r = docker({"run", "-d", "--name", name, "--network", "none", "busybox", "sleep", "300"});
        return r.exitCode == 0;
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-exec");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup() { m_engine.removeAllContainers(); }

    void cleanupTestCase() { m_engine.tearDown(); }

    void execPrintsAndExits()
    {
        QVERIFY(runSleeper("ex1"));
        const CommandResult hi = docker({"exec", "ex1", "echo", "hi"});
        QCOMPARE(hi.exitCode, 0);
        QCOMPARE(hi.out, QStringLiteral("hi\n"));
        const CommandResult err = docker({"exec", "ex1", "sh", "-c", "echo oops >&2; exit 3"});
        QCOMPARE(err.exitCode, 3);
        QCOMPARE(err.err, QStringLiteral("oops\n"));
        const CommandResult missing = docker({"exec", "ex1", "no-such-command"});
        QVERIFY2(missing.exitCode == 127, qPrintable(missing.describe()));
        QVERIFY2(missing.out.contains("no-such-command") || missing.err.contains("no-such-command"),
                 qPrintable(missing.describe()));
        const CommandResult notExecutable = docker({"exec", "ex1", "/etc/passwd"});
        QVERIFY2(notExecutable.exitCode == 126, qPrintable(notExecutable.describe()));
        // The container keeps running through all of it.
        QCOMPARE(docker({"inspect", "-f", "{{.State.Running}}", "ex1"}).out.trimmed(), QStringLiteral("true"));
    }

    void execEnvWorkdirUser()
    {
        QVERIFY(runSleeper("ex2"));
        const CommandResult env = docker({"exec", "-e", "FOO=bar baz", "ex2", "sh", "-c", "echo \"$FOO\""});
        QCOMPARE(env.exitCode, 0);
        QCOMPARE(env.out, QStringLiteral("bar baz\n"));
        const CommandResult wd = docker({"exec", "-w", "/tmp", "ex2", "pwd"});
        QCOMPARE(wd.exitCode, 0);
        QCOMPARE(wd.out, QStringLiteral("/tmp\n"));
        const CommandResult user = docker({"exec", "-u", "nobody", "ex2", "id", "-u"});
        QCOMPARE(user.exitCode, 0);
        QCOMPARE(user.out, QStringLiteral("65534\n"));
        const CommandResult root = docker({"exec", "ex2", "id", "-u"});
        QCOMPARE(root.out, QStringLiteral("0\n"));
    }

    void execStdin()
    {
        QVERIFY(runSleeper("ex7"));
        const CommandResult r = docker({"exec", "-i", "ex7", "sh", "-c", "cat; echo end"}, "line1\nline2\n");
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.out, QStringLiteral("line1\nline2\nend\n"));
    }

    void execDetached()
    {
        QVERIFY(runSleeper("ex3"));
        const CommandResult d = docker({"exec", "-d", "ex3", "sh", "-c", "sleep 0.2; echo done > /tmp/made"});
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));
        QCOMPARE(d.out, QString());
        QVERIFY(QTest::qWaitFor([&] { return docker({"exec", "ex3", "cat", "/tmp/made"}).out == QLatin1String("done\n"); },
                                10000));
    }

    void execInteractiveThroughAPty()
    {
        QVERIFY(runSleeper("ex4"));
        PtyProcess term;
        QVERIFY(term.start(m_engine.dockerProgram(), {"exec", "-it", "ex4", "sh"}, m_engine.environment()));
        QVERIFY2(term.waitFor("# "), term.output().constData());
        term.write("echo $((6*7))\r");
        QVERIFY2(term.waitFor("42"), term.output().constData());
        term.write("exit 5\r");
        QCOMPARE(term.waitExit(), 5);
    }

    void execIntoAStoppedContainer()
    {
        QCOMPARE(docker({"create", "--name", "ex5", "busybox", "true"}).exitCode, 0);
        const CommandResult r = docker({"exec", "ex5", "true"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QRegularExpression(R"(Error response from daemon: Container [0-9a-f]{64} is not running)")
                     .match(r.err).hasMatch(),
                 qPrintable(r.describe()));
        const CommandResult none = docker({"exec", "no-such-container", "true"});
        QCOMPARE(none.exitCode, 1);
        QVERIFY2(none.err.contains("No such container: no-such-container"), qPrintable(none.describe()));
    }

    void statsNoStream()
    {
        QVERIFY(runSleeper("st1"));
        const CommandResult r = docker({"stats", "--no-stream", "--format",
                                        "{{.Name}}|{{.MemUsage}}|{{.PIDs}}|{{.CPUPerc}}", "st1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QStringList f = r.out.trimmed().split(u'|');
        QCOMPARE(f.size(), 4);
        QCOMPARE(f.at(0), QStringLiteral("st1"));
        // "412KiB / 7.6GiB": a usage above zero against a limit.
        const QRegularExpressionMatch usage = QRegularExpression(R"(^([0-9.]+)([KMG]i)?B / [0-9.]+[KMGT]iB$)").match(f.at(1));
        QVERIFY2(usage.hasMatch() && usage.captured(1).toDouble() > 0, qPrintable(r.out));
        QCOMPARE(f.at(2), QStringLiteral("1"));
        QVERIFY2(f.at(3).endsWith(u'%'), qPrintable(r.out));
        // A stopped container: zeros, no error (docker 20.10).
        QCOMPARE(docker({"create", "--name", "st2", "busybox", "true"}).exitCode, 0);
        const CommandResult stopped = docker({"stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}", "st2"});
        QVERIFY2(stopped.exitCode == 0, qPrintable(stopped.describe()));
        QCOMPARE(stopped.out.trimmed(), QStringLiteral("st2|0B / 0B"));
    }

    void statsStreamAndExecEvents()
    {
        const qint64 since = QDateTime::currentSecsSinceEpoch() - 1;
        QVERIFY(runSleeper("st3"));
        QCOMPARE(docker({"exec", "st3", "sh", "-c", "exit 4"}).exitCode, 4);
        // stream=1: an object about every second, each with precpu_stats
        // from the one before; curl stops after 3.5 s.
        const CommandResult stream = CommandRunner(QProcessEnvironment::systemEnvironment(), 20000)
                                         .run(QStringLiteral("curl"), {"-sN", "--max-time", "3.5", "--unix-socket", m_engine.socket(),
                                                                       "http://berth/containers/st3/stats?stream=1"});
        const QStringList lines = stream.out.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.size() >= 3 && lines.size() <= 5, qPrintable(stream.describe()));
        const QJsonObject last = QJsonDocument::fromJson(lines.last().toUtf8()).object();
        QCOMPARE(last.value("name").toString(), QStringLiteral("/st3"));
        QVERIFY(last.value("precpu_stats").toObject().value("system_cpu_usage").toDouble() > 0);
        QVERIFY(last.value("memory_stats").toObject().value("usage").toDouble() > 0);
        const qint64 until = QDateTime::currentSecsSinceEpoch() + 1;
        const CommandResult events = docker({"events", "--since", QString::number(since), "--until", QString::number(until),
                                             "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}"});
        QVERIFY2(events.out.contains("exec_create: sh -c exit 4") && events.out.contains("exec_start: sh -c exit 4")
                     && events.out.contains("exec_die 4"),
                 qPrintable(events.describe()));
    }

    void execLeavesNoProcessBehind()
    {
        QVERIFY(runSleeper("ex6"));
        const CommandResult d = docker({"exec", "-d", "ex6", "sleep", "200"});
        QCOMPARE(d.exitCode, 0);
        QVERIFY(QTest::qWaitFor([&] { return docker({"top", "ex6"}).out.contains("sleep 200"); }, 10000));
        QCOMPARE(docker({"rm", "-f", "ex6"}).exitCode, 0);
        // No process of this berthd's tree runs "sleep 200" any more.
        QVERIFY(QTest::qWaitFor([&] {
            const CommandResult ps = CommandRunner(QProcessEnvironment::systemEnvironment(), 10000)
                                         .run(QStringLiteral("sh"), {"-c", "grep -l 'sleep.200' /proc/[0-9]*/cmdline 2>/dev/null | "
                                                                          "xargs -r -n1 dirname | xargs -r -n1 basename"});
            for (const QString &pid : ps.out.split(u'\n', Qt::SkipEmptyParts)) {
                QFile cg(QStringLiteral("/proc/%1/cgroup").arg(pid));
                if (cg.open(QIODevice::ReadOnly) && cg.readAll().contains(m_engine.daemon().cgroupParent().toUtf8()))
                    return false;
            }
            return true;
        }, 10000));
    }
};

QTEST_GUILESS_MAIN(tst_ContainerExec)
#include "tst_containerexec.moc"
