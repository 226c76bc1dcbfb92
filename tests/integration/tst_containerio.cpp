// Integration: container I/O on a private berthd with the real berth-shim,
// driven by the real docker CLI: logs (streams kept apart, --tail, -t,
// --since, -f ending when the container stops), cp both ways (files,
// directories, "dir/.", tar streams on stdin/stdout, -a, missing paths,
// symlinks in the container that point at the host), and volumes (create,
// ls, inspect, rm of a volume in use, prune, -v keeping data across
// containers), and top. Needs root (style.md C24). Containers and volumes are
// removed in cleanup; berthd is stopped by PID and its bridge and cgroup
// parent removed by PrivateHelper.

#include <support/commandrunner.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <sys/stat.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

} // namespace

class tst_ContainerIo : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }
    QString path(const QString &name) const { return m_engine.path(name); }
    // A detached container printing "out" and "err" then ticking on stdout.
    QString runTicker(const QString &name)
    {
        const CommandResult r = docker({"run", "-d", "--name", name, "--network", "none", "busybox", "sh", "-c",
                                        "echo out; echo err >&2; i=0; while true; do i=$((i+1)); echo tick$i; "
                                        "sleep 0.3; done"});
        return r.exitCode == 0 ? r.out.trimmed() : QString();
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-io");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup()
    {
        m_engine.removeAllContainers();
        m_engine.removeAllVolumes();
    }

    void cleanupTestCase() { m_engine.tearDown(); }

    void logsKeepStdoutAndStderrApart()
    {
        QVERIFY(!runTicker("logs1").isEmpty());
        QVERIFY(QTest::qWaitFor([&] { return docker({"logs", "logs1"}).out.contains("tick2"); }, 10000));
        const CommandResult all = docker({"logs", "logs1"});
        QCOMPARE(all.exitCode, 0);
        QVERIFY2(all.out.startsWith("out\ntick1\n"), qPrintable(all.describe()));
        QCOMPARE(all.err, QStringLiteral("err\n"));
        const CommandResult tail = docker({"logs", "--tail", "1", "-t", "logs1"});
        QCOMPARE(tail.exitCode, 0);
        QVERIFY2(QRegularExpression(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick\d+\n$)").match(tail.out).hasMatch(),
                 qPrintable(tail.describe()));
        const CommandResult since = docker({"logs", "--since", "1h", "logs1"});
        QVERIFY(since.out.startsWith("out\n"));
        const CommandResult future = docker({"logs", "--since", "2099-01-01T00:00:00Z", "logs1"});
        QCOMPARE(future.exitCode, 0);
        QCOMPARE(future.out, QString());
    }

    void logsFollowEndsWhenTheContainerStops()
    {
        QVERIFY(!runTicker("logs2").isEmpty());
        QProcess follow;
        follow.setProcessEnvironment(m_engine.environment());
        follow.start(m_engine.dockerProgram(), {"logs", "-f", "logs2"});
        QVERIFY(follow.waitForStarted());
        QVERIFY(QTest::qWaitFor([&] { return follow.bytesAvailable() > 0 && follow.peek(4096).contains("tick3"); }, 10000));
        QCOMPARE(docker({"stop", "-t", "1", "logs2"}).exitCode, 0);
        QVERIFY2(follow.waitForFinished(10000), "logs -f did not end when the container stopped");
        QCOMPARE(follow.exitCode(), 0);
        if (follow.state() != QProcess::NotRunning)
            follow.kill();
    }

    void cpOutOfAndIntoAContainer()
    {
        CommandResult r = docker({"run", "-d", "--name", "cp1", "--network", "none", "busybox", "sh", "-c",
                                  "mkdir -p /data/sub && echo hello > /data/f.txt && echo b > /data/sub/b && "
                                  "ln -s / /tmp/hostroot && sleep 300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY(QTest::qWaitFor([&] { return docker({"cp", "cp1:/data/f.txt", path("f.txt")}).exitCode == 0; }, 10000));
        QFile f(path("f.txt"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("hello\n"));

        r = docker({"cp", "cp1:/data", path("dataout")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY(QFileInfo(path("dataout/sub/b")).isFile());

        const CommandResult listing = m_engine.runner().run(QStringLiteral("bash"), {"-o", "pipefail", "-c",
                                                   "\"$0\" cp cp1:/data/. - | tar -tf -", m_engine.dockerProgram()});
        QVERIFY2(listing.exitCode == 0 && listing.out.contains("./sub/b"), qPrintable(listing.describe()));

        // in: a file under a new name, then a directory's content
        QFile in(path("in.txt"));
        QVERIFY(in.open(QIODevice::WriteOnly));
        in.write("in\n");
        in.close();
        r = docker({"cp", path("in.txt"), "cp1:/tmp/g.txt"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const CommandResult back = docker({"cp", "cp1:/tmp/g.txt", path("g-back.txt")});
        QVERIFY2(back.exitCode == 0, qPrintable(back.describe()));
        QFile g(path("g-back.txt"));
        QVERIFY(g.open(QIODevice::ReadOnly));
        QCOMPARE(g.readAll(), QByteArray("in\n"));
        QVERIFY(QDir().mkpath(path("tree/x")));
        r = docker({"cp", path("tree") + "/.", "cp1:/tmp/"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(docker({"cp", "cp1:/tmp/x", path("xback")}).exitCode, 0);

        // a tar on stdin
        r = m_engine.runner().run(QStringLiteral("bash"), {"-o", "pipefail", "-c",
                                                  "tar -C \"$1\" -cf - in.txt | \"$0\" cp - cp1:/data/sub", m_engine.dockerProgram(), m_engine.tempDir()});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(docker({"cp", "cp1:/data/sub/in.txt", path("srv-in.txt")}).exitCode, 0);
    }

    void cpErrorsAreDockers()
    {
        QVERIFY2(docker({"run", "-d", "--name", "cp2", "--network", "none", "busybox", "sleep", "300"}).exitCode == 0, "run");
        CommandResult r = docker({"cp", "cp2:/nosuch", path("x")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("Could not find the file /nosuch in container cp2"), qPrintable(r.describe()));
        r = docker({"cp", path("nonexistent-local"), "cp2:/tmp/"});
        QCOMPARE(r.exitCode, 1);
        r = docker({"cp", "nosuchcontainer:/x", path("x")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("No such container"));
    }

    void cpThroughAContainerSymlinkStaysInTheContainer()
    {
        QVERIFY(docker({"run", "-d", "--name", "cp3", "--network", "none", "busybox", "sh", "-c",
                        "ln -s / /tmp/hostroot && ln -s /etc /tmp/etclink && sleep 300"})
                    .exitCode
                == 0);
        QVERIFY(QTest::qWaitFor([&] { return docker({"cp", "cp3:/tmp/hostroot", "-"}).exitCode == 0; }, 10000));
        QFile in(path("marker-berth-io.txt"));
        QVERIFY(in.open(QIODevice::WriteOnly));
        in.write("m");
        in.close();
        const CommandResult r = docker({"cp", path("marker-berth-io.txt"), "cp3:/tmp/hostroot/"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(!QFileInfo::exists(QStringLiteral("/marker-berth-io.txt")), "cp wrote through a symlink to the host");
        QCOMPARE(docker({"cp", "cp3:/marker-berth-io.txt", "-"}).exitCode, 0);
    }

    void topListsTheContainersProcesses()
    {
        QVERIFY(docker({"run", "-d", "--name", "top1", "--network", "none", "busybox", "sh", "-c",
                        "sleep 301 & sleep 302"})
                    .exitCode
                == 0);
        CommandResult r;
        QVERIFY(QTest::qWaitFor([&] {
            r = docker({"top", "top1"});
            return r.exitCode == 0 && r.out.contains("sleep 301") && r.out.contains("sleep 302");
        }, 10000));
        const QStringList lines = r.out.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.first().simplified() == QLatin1String("UID PID PPID C STIME TTY TIME CMD"), qPrintable(r.out));
        QCOMPARE(lines.size(), 3); // nothing from the host
        QCOMPARE(docker({"stop", "-t", "0", "top1"}).exitCode, 0);
        r = docker({"top", "top1"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("is not running"), qPrintable(r.describe()));
    }

    void volumesCreateListInspectRemovePrune()
    {
        CommandResult r = docker({"volume", "create", "--label", "team=io", "iovol"});
        QVERIFY2(r.exitCode == 0 && r.out == QLatin1String("iovol\n"), qPrintable(r.describe()));
        r = docker({"volume", "ls", "-q", "--filter", "label=team=io"});
        QCOMPARE(r.out, QStringLiteral("iovol\n"));
        r = docker({"volume", "inspect", "iovol"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject v = QJsonDocument::fromJson(r.out.toUtf8()).array().first().toObject();
        QCOMPARE(v.value("Driver").toString(), QStringLiteral("local"));
        QVERIFY(v.value("Mountpoint").toString().startsWith(m_engine.root()));

        // data written through -v survives the container
        r = docker({"run", "--rm", "--network", "none", "-v", "iovol:/data", "busybox", "sh", "-c", "echo kept > /data/k"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"run", "--rm", "--network", "none", "-v", "iovol:/data", "busybox", "cat", "/data/k"});
        QCOMPARE(r.out, QStringLiteral("kept\n"));

        QVERIFY(docker({"run", "-d", "--name", "vol1", "--network", "none", "-v", "iovol:/data", "busybox", "sleep", "300"})
                    .exitCode
                == 0);
        r = docker({"volume", "rm", "iovol"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("remove iovol: volume is in use"), qPrintable(r.describe()));
        QCOMPARE(docker({"rm", "-f", "vol1"}).exitCode, 0);
        r = docker({"volume", "prune", "-f"});
        QVERIFY2(r.exitCode == 0 && r.out.contains("iovol"), qPrintable(r.describe()));
        r = docker({"volume", "inspect", "iovol"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("no such volume"));
    }
};

QTEST_GUILESS_MAIN(tst_ContainerIo)
#include "tst_containerio.moc"
