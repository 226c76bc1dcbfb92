// Integration: the Qt-free `berth run` against a private berthd with the
// real berth-shim: exit codes, stdout and stderr kept apart, --rm, -d, --name,
// a missing command (127) and a missing image (handed to berth-cli, which
// pulls), SIGTERM forwarded to the container, the same output as
// BERTH_NO_FASTPATH=1, and no Qt mapped in the process that ran it. Needs
// root (style.md C24); containers are removed in cleanup, berthd is stopped
// by PID and its bridge and cgroup parent removed by PrivateHelper.

#include <support/commandrunner.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QFile>
#include <QFileInfo>
#include <QProcess>
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

// The shared objects a running process has mapped, by file name.
QStringList mappedLibraries(qint64 pid)
{
    QFile maps(QStringLiteral("/proc/%1/maps").arg(pid));
    if (!maps.open(QIODevice::ReadOnly))
        return {};
    QStringList out;
    for (const QByteArray &line : maps.readAll().split('\n')) {
        const qsizetype slash = line.indexOf('/');
        if (slash < 0)
            continue;
        const QString name = QFileInfo(QString::fromUtf8(line.mid(slash))).fileName();
        if (name.contains(QLatin1String(".so")) && !out.contains(name))
            out << name;
    }
    return out;
}

} // namespace

class tst_FastRun : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult berth(const QStringList &args) { return m_engine.berth(args); }
    CommandResult berthCli(const QStringList &args)
    {
        return m_engine.runner().with(QStringLiteral("BERTH_NO_FASTPATH"), QStringLiteral("1")).run(kBerth, args);
    }
    QStringList containers() { return berth({"ps", "-aq", "--no-trunc"}).out.split('\n', Qt::SkipEmptyParts); }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo(kShim).exists(), "berth-shim is not built");
        QVERIFY2(QFileInfo(QFileInfo(kBerth).dir().filePath("berth-cli")).isExecutable(), "berth-cli is not built next to berth");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-fr");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup() { m_engine.removeAllContainers(); }
    void cleanupTestCase() { m_engine.tearDown(); }

    void exitCodesAndStreamsAreTheContainers_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("out");
        QTest::addColumn<QString>("err");
        QTest::newRow("true") << QStringList{"run", "--rm", "--network", "none", "busybox", "true"} << 0 << QString() << QString();
        QTest::newRow("exit 3, streams apart")
            << QStringList{"run", "--rm", "--network", "none", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"} << 3
            << "out\n" << "err\n";
        QTest::newRow("env, workdir, user")
            << QStringList{"container", "run", "--rm", "--net=none", "-e", "GREETING=hi", "-w", "/tmp", "-u", "1:1", "busybox",
                           "sh", "-c", "echo $GREETING $(pwd) $(id -u):$(id -g)"}
            << 0 << "hi /tmp 1:1\n" << QString();
        QTest::newRow("entrypoint") << QStringList{"run", "--rm", "--network", "none", "--entrypoint", "echo", "busybox", "a", "b"}
                                    << 0 << "a b\n" << QString();
        QTest::newRow("missing command: 127")
            << QStringList{"run", "--rm", "--network", "none", "busybox", "nonexistent-command"} << 127 << QString()
            << "berth: Error response from daemon: failed to create task for container: exec: \"nonexistent-command\": "
               "executable file not found in $PATH\n\nRun 'berth run --help' for more information\n";
    }

    void exitCodesAndStreamsAreTheContainers()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, out);
        QFETCH(QString, err);
        const CommandResult fast = berth(args);
        QVERIFY2(fast.exitCode == exitCode, qPrintable(fast.describe()));
        QCOMPARE(fast.out, out);
        if (exitCode == 127)
            QVERIFY2(fast.err.startsWith(err.section('"', 0, 0)), qPrintable(fast.describe()));
        else
            QCOMPARE(fast.err, err);
        // berth-cli (the Qt path) prints the same bytes and ends the same way.
        const CommandResult slow = berthCli(args);
        QCOMPARE(slow.exitCode, fast.exitCode);
        QCOMPARE(slow.out, fast.out);
        QCOMPARE(slow.err, fast.err);
        QVERIFY2(containers().isEmpty(), "--rm left a container");
    }

    void detachedRunPrintsTheFullIdAndTheContainerRuns()
    {
        const CommandResult r = berth({"run", "-d", "--name", "fr_detached", "--network", "none", "busybox", "sleep", "30"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        static const QRegularExpression id(QStringLiteral("^[0-9a-f]{64}\n$"));
        QVERIFY2(id.match(r.out).hasMatch(), qPrintable(r.describe()));
        QCOMPARE(r.err, QString());
        QCOMPARE(m_engine.inspect("fr_detached", "{{.State.Running}}"), QStringLiteral("true"));
        QCOMPARE(m_engine.inspect("fr_detached", "{{.Id}}"), r.out.trimmed());
        const CommandResult ps = berth({"ps", "--format", "{{.Names}} {{.ID}}"});
        QVERIFY2(ps.out.contains("fr_detached " + r.out.left(12)), qPrintable(ps.describe()));
        // The docker CLI sees it too.
        QCOMPARE(m_engine.docker({"inspect", "-f", "{{.Name}}", r.out.trimmed()}).out.trimmed(), QStringLiteral("/fr_detached"));
    }

    void aNameConflictIsBerthClisMessage()
    {
        QCOMPARE(berth({"run", "-d", "--name", "fr_taken", "--network", "none", "busybox", "sleep", "30"}).exitCode, 0);
        const CommandResult fast = berth({"run", "--name", "fr_taken", "--network", "none", "busybox", "true"});
        const CommandResult slow = berthCli({"run", "--name", "fr_taken", "--network", "none", "busybox", "true"});
        QCOMPARE(fast.exitCode, 125);
        QVERIFY2(fast.err.contains("is already in use"), qPrintable(fast.describe()));
        QCOMPARE(fast.exitCode, slow.exitCode);
        QCOMPARE(fast.err, slow.err);
        QCOMPARE(containers().size(), 1);
    }

    void aMissingImageIsLeftToBerthCli()
    {
        // A registry on loopback that is not there: berth-cli tries to pull
        // and says why it could not, the fast path says the same.
        const QStringList args{"run", "--rm", "--network", "none", "127.0.0.1:9/fastrun/none:latest", "true"};
        const CommandResult fast = berth(args);
        const CommandResult slow = berthCli(args);
        QVERIFY2(fast.exitCode == 125, qPrintable(fast.describe()));
        QVERIFY2(fast.err.startsWith("Unable to find image '127.0.0.1:9/fastrun/none:latest' locally\n"), qPrintable(fast.describe()));
        QCOMPARE(fast.exitCode, slow.exitCode);
        QCOMPARE(fast.out, slow.out);
        QCOMPARE(fast.err, slow.err);
        QVERIFY(containers().isEmpty());
    }

    void sigtermReachesTheContainerAndQtIsNotLoaded()
    {
        QProcess p;
        p.setProcessEnvironment(m_engine.environment());
        p.setWorkingDirectory(m_engine.tempDir());
        CommandRunner::killWithParent(p);
        p.start(kBerth, {"run", "--rm", "--network", "none", "busybox", "sh", "-c",
                         "trap 'echo got-term; exit 7' TERM; echo ready; while true; do sleep 0.1; done"});
        QVERIFY(p.waitForStarted(10000));
        QByteArray out;
        QVERIFY2(QTest::qWaitFor([&] {
                     out += p.readAllStandardOutput();
                     return out.contains("ready");
                 }, 30000),
                 p.readAllStandardError().constData());

        // The process that runs it is berth itself, without Qt.
        const QStringList libraries = mappedLibraries(p.processId());
        QVERIFY2(!libraries.isEmpty(), "cannot read /proc/PID/maps");
        QCOMPARE(QFileInfo(QFile::symLinkTarget(QStringLiteral("/proc/%1/exe").arg(p.processId()))).fileName(), QStringLiteral("berth"));
        for (const QString &lib : libraries) {
            QVERIFY2(lib.startsWith("libc.so") || lib.startsWith("libstdc++.so") || lib.startsWith("libm.so")
                         || lib.startsWith("libgcc_s.so") || lib.startsWith("libhttp_parser.so") || lib.startsWith("ld-linux"),
                     qPrintable("mapped: " + libraries.join(' ')));
        }

        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(30000));
        out += p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 7);
        QCOMPARE(out, QByteArray("ready\ngot-term\n"));
        QVERIFY(QTest::qWaitFor([&] { return containers().isEmpty(); }, 10000));
    }

    void berthCliIsWhatRunsEverythingElse()
    {
        // ps goes through the front to berth-cli with the same argv.
        const CommandResult ps = berth({"ps", "-a"});
        QCOMPARE(ps.exitCode, 0);
        QVERIFY(ps.out.startsWith("CONTAINER ID"));
        const CommandResult usage = berth({"run", "-it"});
        QCOMPARE(usage.exitCode, 1);
        QVERIFY2(usage.err.startsWith("berth: 'berth run' requires at least 1 argument"), qPrintable(usage.describe()));
    }
};

QTEST_GUILESS_MAIN(tst_FastRun)
#include "tst_fastrun.moc"
