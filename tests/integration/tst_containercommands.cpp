// Integration: the container and volume commands through `berth` and through
// the real docker CLI against one private berthd: exit codes, stdout/stderr
// separation, docker's messages, cp both ways, and `run -it` / `attach`
// driven through a pseudo-terminal. Needs root (style.md C24); skips with
// the reason otherwise. Containers are removed and berthd is stopped by its
// PID in cleanup, even when a check fails.

#include <support/commandrunner.h>
#include <support/clitext.h>
#include <support/enginefixture.h>
#include <support/ptyprocess.h>
#include <support/treelisting.h>

#include <QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>


#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;
using Berth::TestSupport::PtyProcess;
using Berth::TestSupport::asBerth;
using Berth::TestSupport::withoutIds;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

} // namespace

class tst_ContainerCommands : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult berth(const QStringList &args, const QByteArray &input = {}) { return m_engine.berth(args, input); }
    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }



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

    void attachedRunSeparatesStreamsAndExitsWithTheContainersCode()
    {
        for (const char *name : {"b-run", "d-run"}) {
            const QStringList args{"run", "--name", name, "--network", "none", "--pull", "never", "busybox", "sh", "-c",
                                   "echo out; echo err >&2; exit 3"};
            const CommandResult r = name[0] == 'b' ? berth(args) : docker(args);
            QVERIFY2(r.exitCode == 3, qPrintable(r.describe()));
            QCOMPARE(r.out, QString("out\n"));
            QCOMPARE(r.err, QString("err\n"));
        }
        // Both containers look alike to ps.
        m_engine.compareBoth({"ps", "-a", "--format", "{{.Image}} {{.Command}} {{.State}}"});
        m_engine.compareBoth({"ps", "-a", "--filter", "name=b-run", "--format", "table {{.Names}}\t{{.Image}}\t{{.Command}}"}, false);
    }

    void runErrorsAndExitCodesMatchDocker_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("missing executable") << QStringList{"run", "--rm", "--network", "none", "--pull", "never", "busybox", "nosuchcmd"} << 127;
        QTest::newRow("a directory") << QStringList{"run", "--rm", "--network", "none", "--pull", "never", "busybox", "/etc"} << 126;
        QTest::newRow("missing image, no pull") << QStringList{"run", "--network", "none", "--pull", "never", "nosuchimage:v1"} << 125;
        QTest::newRow("bad port") << QStringList{"run", "-p", "99999:80", "busybox"} << 125;
        QTest::newRow("bad memory") << QStringList{"run", "-m", "12x", "busybox"} << 125;
        QTest::newRow("rm and restart") << QStringList{"run", "--rm", "--restart", "always", "busybox"} << 125;
        QTest::newRow("exit code of --rm") << QStringList{"run", "--rm", "--network", "none", "--pull", "never", "busybox", "sh", "-c", "exit 42"} << 42;
        QTest::newRow("env and workdir") << QStringList{"run", "--rm", "--network", "none", "--pull", "never", "-e", "A=1", "-w", "/tmp",
                                                        "-u", "1:1", "busybox", "sh", "-c", "echo $A $(pwd) $(id -u)"} << 0;
        QTest::newRow("entrypoint") << QStringList{"run", "--rm", "--network", "none", "--pull", "never", "--entrypoint", "echo", "busybox", "hi"} << 0;
    }

    void runErrorsAndExitCodesMatchDocker()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        const CommandResult b = berth(args);
        QVERIFY2(b.exitCode == exitCode, qPrintable(b.describe()));
        const CommandResult d = docker(args);
        QCOMPARE(b.exitCode, d.exitCode);
        QCOMPARE(b.out, d.out);
        // The daemon's own wording of a start failure may differ; the CLI's
        // frame around it (prefix, help line) must not.
        if (exitCode == 125 || exitCode == 0 || exitCode == 42)
            QCOMPARE(b.err, asBerth(d.err));
        else
            QVERIFY2(b.err.startsWith("berth: Error response from daemon: ") && b.err.endsWith("\n\nRun 'berth run --help' for more information\n"),
                     qPrintable(b.err));
        // --rm left nothing behind.
        QCOMPARE(berth({"ps", "-aq", "--filter", "status=exited"}).out, QString());
    }

    void pipedStdinReachesTheContainer()
    {
        const CommandResult b = berth({"run", "-i", "--rm", "--network", "none", "--pull", "never", "busybox", "sh", "-c", "wc -l; echo done >&2"},
                                      "a\nb\nc\n");
        QVERIFY2(b.exitCode == 0, qPrintable(b.describe()));
        QCOMPARE(b.out.trimmed(), QString("3"));
        QCOMPARE(b.err, QString("done\n"));
    }

    void lifecycleCommandsReportAsDocker()
    {
        CommandResult r = berth({"run", "-d", "--name", "life", "--network", "none", "busybox", "sleep", "300"});
        QVERIFY2(r.exitCode == 0 && QRegularExpression("^[0-9a-f]{64}\n$").match(r.out).hasMatch(), qPrintable(r.describe()));
        r = berth({"stop", "-t", "1", "nosuch", "life"});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.out, QString("life\n"));
        QCOMPARE(r.err, QString("Error response from daemon: No such container: nosuch\n"));
        r = berth({"wait", "life"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        // sleep as PID 1 ignores SIGTERM: stop -t 1 ends in SIGKILL.
        QCOMPARE(r.out, QString("137\n"));
        r = berth({"start", "life", "nosuch"});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.out, QString("life\n"));
        QCOMPARE(r.err, QString("Error response from daemon: No such container: nosuch\nError: failed to start containers: nosuch\n"));
        r = berth({"restart", "-t", "1", "life"});
        QVERIFY2(r.exitCode == 0 && r.out == "life\n", qPrintable(r.describe()));
        r = berth({"rename", "life", "life2"});
        QVERIFY2(r.exitCode == 0 && r.out.isEmpty(), qPrintable(r.describe()));
        r = berth({"rename", "nosuch", "x"});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err, QString("Error response from daemon: No such container: nosuch\nError: failed to rename container named nosuch\n"));
        r = berth({"rm", "life2"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("Error response from daemon: "), qPrintable(r.describe()));
        r = berth({"kill", "life2"});
        QVERIFY2(r.exitCode == 0 && r.out == "life2\n", qPrintable(r.describe()));
        r = berth({"wait", "life2"});
        QCOMPARE(r.out, QString("137\n"));
        r = berth({"kill", "life2"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("is not running"), qPrintable(r.describe()));
        r = berth({"rm", "-f", "life2", "nosuch"});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.out, QString("life2\n"));
        QCOMPARE(r.err, QString("Error response from daemon: No such container: nosuch\n"));
        QCOMPARE(berth({"ps", "-aq"}).out, QString());
        m_engine.compareBoth({"stop", "nosuch"});
        m_engine.compareBoth({"kill", "-s", "HUP", "nosuch"});
        m_engine.compareBoth({"wait", "nosuch"});
        m_engine.compareBoth({"logs", "nosuch"});
        m_engine.compareBoth({"port", "nosuch"});
        m_engine.compareBoth({"exec", "nosuch", "true"});
        m_engine.compareBoth({"container", "inspect", "nosuch"});
        m_engine.compareBoth({"inspect", "nosuch"});
    }

    void logsExecPortAndInspect()
    {
        CommandResult r = berth({"run", "-d", "--name", "svc", "--network", "none", "-l", "tier=web", "busybox", "sh", "-c",
                                 "echo one; echo two >&2; sleep 300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        // The log holds both lines once the shell ran.
        for (int i = 0; i < 50 && berth({"logs", "svc"}).out != "one\n"; ++i)
            QTest::qWait(100);
        r = berth({"logs", "svc"});
        QCOMPARE(r.out, QString("one\n"));
        QCOMPARE(r.err, QString("two\n"));
        m_engine.compareBoth({"logs", "--tail", "1", "svc"});
        m_engine.compareBoth({"logs", "svc"});
        r = berth({"logs", "-t", "svc"});
        QVERIFY2(QRegularExpression("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z one\n$").match(r.out).hasMatch(), qPrintable(r.describe()));

        m_engine.compareBoth({"exec", "svc", "sh", "-c", "echo a; echo b >&2; exit 7"});
        m_engine.compareBoth({"exec", "svc", "nosuchcmd"});
        m_engine.compareBoth({"exec", "-e", "X=1", "-w", "/tmp", "svc", "sh", "-c", "echo $X $PWD"});
        r = berth({"exec", "-i", "svc", "wc", "-l"}, "x\ny\n");
        QCOMPARE(r.out.trimmed(), QString("2"));
        QCOMPARE(berth({"exec", "-d", "svc", "sleep", "1"}).exitCode, 0);

        m_engine.compareBoth({"port", "svc"});
        m_engine.compareBoth({"port", "svc", "80"});
        m_engine.compareBoth({"inspect", "--format", "{{.Name}} {{.State.Status}} {{.Config.Labels}}", "svc"});
        m_engine.compareBoth({"inspect", "--type", "container", "--format", "{{.Config.Image}}", "svc"});
        m_engine.compareBoth({"container", "inspect", "-f", "{{.Config.Cmd}}", "svc"});
        m_engine.compareBoth({"ps", "--format", "{{.Names}} {{.Label \"tier\"}} {{.Labels}} {{.State}}"});
        m_engine.compareBoth({"ps", "-a", "--filter", "label=tier=web", "-q"});
        m_engine.compareBoth({"ps", "-a", "--filter", "status=running", "--format", "{{.Names}}"});
        m_engine.compareBoth({"ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"});
        m_engine.compareBoth({"top", "svc"}, false);
        r = berth({"stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "svc"});
        QVERIFY2(r.exitCode == 0 && r.out.startsWith("svc "), qPrintable(r.describe()));
    }

    void copyBothWaysAsDocker()
    {
        CommandResult r = berth({"run", "-d", "--name", "files", "--network", "none", "busybox", "sleep", "300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QString work = m_engine.path("cp");
        QVERIFY(QDir().mkpath(work + "/d/sub"));
        QFile f(work + "/f.txt");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("hello\n");
        f.close();
        QFile y(work + "/d/sub/y");
        QVERIFY(y.open(QIODevice::WriteOnly));
        y.write("x\n");
        y.close();
        const CommandRunner here = CommandRunner(m_engine.runner()).setWorkingDirectory(work);
        const auto b = [&](const QStringList &args) { return here.run(kBerth, args); };
        const auto d = [&](const QStringList &args) { return here.run(m_engine.dockerProgram(), args); };
        QCOMPARE(b({"cp", "f.txt", "files:/tmp/g.txt"}).exitCode, 0);
        QCOMPARE(b({"cp", "d", "files:/tmp/"}).exitCode, 0);
        QCOMPARE(b({"cp", "d/.", "files:/tmp/dc"}).exitCode, 0);
        r = berth({"exec", "files", "sh", "-c", "find /tmp | sort; cat /tmp/g.txt /tmp/dc/sub/y"});
        QCOMPARE(r.out, QString("/tmp\n/tmp/d\n/tmp/d/sub\n/tmp/d/sub/y\n/tmp/dc\n/tmp/dc/sub\n/tmp/dc/sub/y\n/tmp/g.txt\nhello\nx\n"));
        QVERIFY(QDir().mkpath(work + "/b"));
        QVERIFY(QDir().mkpath(work + "/o"));
        for (const auto &[from, to] : QList<std::pair<QString, QString>>{{"files:/tmp/d", "d2"}, {"files:/tmp/d/.", "d3"},
                                                                          {"files:/tmp/g.txt", ""}, {"files:/etc", "etcdir/"}}) {
            const CommandResult rb = b({"cp", from, "b/" + to});
            const CommandResult rd = d({"cp", from, "o/" + to});
            QVERIFY2(rb.exitCode == 0 && rd.exitCode == 0, qPrintable(rb.describe() + rd.describe()));
        }
        QCOMPARE(Berth::TestSupport::treeListing(work + "/b"), Berth::TestSupport::treeListing(work + "/o"));
        // A tar stream on stdout, and one on stdin.
        r = b({"cp", "files:/tmp/g.txt", "-"});
        QVERIFY2(r.exitCode == 0 && r.out.startsWith("g.txt"), qPrintable(r.describe()));
        for (const QStringList &args : QList<QStringList>{{"cp", "files:/nosuch", "."}, {"cp", "./nosuch", "files:/tmp"},
                                                         {"cp", "f.txt", "files:/nosuchdir/"}, {"cp", "f.txt", "files:/nosuchdir/x"},
                                                         {"cp", "d", "files:/etc/passwd"}, {"cp", "f.txt", "nosuchc:/tmp"},
                                                         {"cp", "files:/etc/passwd", "nosuchdir/x"}, {"cp", "f.txt", "g.txt"}}) {
            const CommandResult rb = b(args);
            const CommandResult rd = d(args);
            QCOMPARE(rb.exitCode, rd.exitCode);
            // The docker CLI sometimes also logs its own tar writer hitting the
            // closed pipe (time="..." level=error ...): a race of its own.
            QString dockerErr = rd.err;
            dockerErr.remove(QRegularExpression(QStringLiteral("^time=\"[^\n]*level=error[^\n]*\n"),
                                                QRegularExpression::MultilineOption));
            QCOMPARE(rb.err, asBerth(dockerErr));
        }
    }

    void volumesCreateListInspectRemove()
    {
        CommandResult r = berth({"volume", "create", "bv1"});
        QVERIFY2(r.exitCode == 0 && r.out == "bv1\n", qPrintable(r.describe()));
        QCOMPARE(docker({"volume", "create", "dv1"}).exitCode, 0);
        m_engine.compareBoth({"volume", "ls"});
        m_engine.compareBoth({"volume", "ls", "-q"});
        m_engine.compareBoth({"volume", "inspect", "--format", "{{.Name}} {{.Driver}}", "bv1"});
        m_engine.compareBoth({"volume", "inspect", "nosuch"});
        m_engine.compareBoth({"volume", "rm", "nosuch"});
        r = berth({"run", "--rm", "--network", "none", "--pull", "never", "-v", "bv1:/data", "busybox", "sh", "-c", "echo x > /data/f; ls /data"});
        QVERIFY2(r.exitCode == 0 && r.out == "f\n", qPrintable(r.describe()));
        r = berth({"volume", "rm", "bv1", "dv1"});
        QVERIFY2(r.exitCode == 0 && r.out == "bv1\ndv1\n", qPrintable(r.describe()));
        QCOMPARE(berth({"volume", "ls", "-q"}).out, QString());
    }

    void interactiveTtyRunThroughAPseudoTerminal()
    {
        PtyProcess p;
        QVERIFY(p.start(kBerth, {"run", "-it", "--rm", "--network", "none", "--pull", "never", "busybox", "sh"}, m_engine.environment(), 30, 90));
        QVERIFY2(p.waitFor("# "), p.output().constData());
        p.write("echo hello-$((6*7))\r");
        QVERIFY2(p.waitFor("hello-42\r\n"), p.output().constData());
        // Raw mode: the container's "\r\n" is not turned into "\r\r\n".
        QVERIFY2(!p.output().contains("\r\r\n"), p.output().constData());
        p.write("exit 7\r");
        QCOMPARE(p.waitExit(), 7);
        // The local terminal is cooked again.
        QVERIFY(p.slaveIsCanonical());
        QCOMPARE(berth({"ps", "-aq"}).out, QString());
    }

    void attachDetachesWithCtrlPCtrlQ()
    {
        CommandResult r = berth({"run", "-dit", "--name", "tty1", "--network", "none", "busybox", "sh"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        PtyProcess p;
        QVERIFY(p.start(kBerth, {"attach", "tty1"}, m_engine.environment()));
        p.write("echo attached-$((1+1))\r");
        QVERIFY2(p.waitFor("attached-2"), p.output().constData());
        p.write("\x10\x11");
        QCOMPARE(p.waitExit(), 1);
        QVERIFY2(p.output().contains("read escape sequence"), p.output().constData());
        QVERIFY(p.slaveIsCanonical());
        QCOMPARE(berth({"inspect", "-f", "{{.State.Running}}", "tty1"}).out, QString("true\n"));
        // Not running: docker's client-side message.
        QCOMPARE(berth({"create", "--name", "idle", "busybox"}).exitCode, 0);
        m_engine.compareBoth({"attach", "idle"});
    }

    void containerPruneRemovesStopped()
    {
        QCOMPARE(berth({"create", "--name", "old", "busybox"}).exitCode, 0);
        CommandResult r = berth({"container", "prune", "-f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.startsWith("Deleted Containers:\n") && r.out.contains("Total reclaimed space: "), qPrintable(r.out));
        QCOMPARE(berth({"ps", "-aq"}).out, QString());
    }

    // exec's detach keys end the exec session on the client side only
    // (?detachKeys= on exec create, the CLI's --detach-keys), for berth and
    // the docker CLI alike: same exit code, the same escape message (or
    // none), and the container still running.
    void execDetachKeysDetachAsDocker()
    {
        CommandResult r = berth({"run", "-dit", "--name", "ex-tty", "--network", "none", "busybox", "sh"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QList<int> codes;
        QList<bool> escapes;
        QStringList outputs;
        for (const QString &cli : {kBerth, m_engine.dockerProgram()}) {
            PtyProcess p;
            QVERIFY(p.start(cli, {"exec", "-it", "--detach-keys", "ctrl-x,x", "ex-tty", "sh"}, m_engine.environment()));
            QVERIFY2(p.waitFor("# "), p.output().constData());
            p.write("echo in-exec-$((2*3))\r");
            QVERIFY2(p.waitFor("in-exec-6"), p.output().constData());
            p.write("\x18x");
            const int code = p.waitExit();
            QVERIFY2(code >= 0, p.output().constData());
            QVERIFY(p.slaveIsCanonical());
            codes << code;
            escapes << p.output().contains("read escape sequence");
            outputs << QString::fromUtf8(p.output().right(80));
        }
        QVERIFY2(codes.at(0) == codes.at(1), qPrintable(QStringLiteral("berth %1: %2\ndocker %3: %4")
                                                          .arg(codes.at(0)).arg(outputs.at(0)).arg(codes.at(1)).arg(outputs.at(1))));
        QCOMPARE(escapes.at(0), escapes.at(1));
        QCOMPARE(berth({"inspect", "-f", "{{.State.Running}}", "ex-tty"}).out, QString("true\n"));
    }

};

QTEST_GUILESS_MAIN(tst_ContainerCommands)
#include "tst_containercommands.moc"
