#include "fakedaemon.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

using Berth::Tests::FakeDaemon;

// Runs the real `berth` binary against a FakeDaemon serving captured
// dockerd replies, and checks what a user sees: stdout, stderr, exit code.
class tst_BerthCli : public QObject
{
    Q_OBJECT
private slots:
    void versionPrintsClientAndServerSectionsLikeDocker();
    void infoPrintsServerSectionLikeDocker();
    void formatPicksFields_data();
    void formatPicksFields();
    void eventsPrintsDockerLinesAndSendsTheQuery();
    void eventsFormatJsonPrintsOneObjectPerLine();
    void daemonErrorIsPrintedWithItsMessage();
    void unknownCommandIsRejectedLikeDocker();
    void unknownFlagIsAUsageErrorWithExit125();
    void usageErrorsNameTheCommandAsTyped_data();
    void usageErrorsNameTheCommandAsTyped();
    void helpListsCommandsGroupedLikeDocker();
    void noHelperGivesOneLineNamingTheSocket_data();
    void noHelperGivesOneLineNamingTheSocket();

private:
    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Run berth(const QStringList &args, const QString &berthHost = QString());
    void serveCaptures(FakeDaemon &daemon);
};

tst_BerthCli::Run tst_BerthCli::berth(const QStringList &args, const QString &berthHost)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("BERTH_HOST"));
    if (!berthHost.isEmpty())
        env.insert(QStringLiteral("BERTH_HOST"), berthHost);
    env.insert(QStringLiteral("TZ"), QStringLiteral("UTC"));
    process.setProcessEnvironment(env);
    QEventLoop loop; // the FakeDaemon answers from this loop while berth runs
    connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    process.start(QStringLiteral(BERTH_BINARY), args);
    if (process.state() != QProcess::NotRunning)
        loop.exec();
    Run r;
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished();
        return r;
    }
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromUtf8(process.readAllStandardOutput());
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

void tst_BerthCli::serveCaptures(FakeDaemon &daemon)
{
    const auto ping = FakeDaemon::capturedReplies(QStringLiteral("ping/conn001.log"));
    const auto info = FakeDaemon::capturedReplies(QStringLiteral("info/conn002.log"));
    daemon.on("HEAD", "/_ping", ping.at(0));
    daemon.on("GET", "/v1.41/version", ping.at(1));
    daemon.on("GET", "/v1.41/info", info.at(1));
}

void tst_BerthCli::versionPrintsClientAndServerSectionsLikeDocker()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    serveCaptures(daemon);
    const Run r = berth({QStringLiteral("-H"), daemon.url(), QStringLiteral("version")});
    QCOMPARE(r.err, QString());
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'));
    QCOMPARE(lines.at(0), QStringLiteral("Client:"));
    QCOMPARE(lines.at(1), QStringLiteral(" Version:           " BERTH_VERSION));
    QCOMPARE(lines.at(2), QStringLiteral(" API version:       1.41"));
    const qsizetype server = lines.indexOf(QStringLiteral("Server:"));
    QVERIFY(server > 0);
    const QStringList expected = {
        QStringLiteral("Server:"),
        QStringLiteral(" Engine:"),
        QStringLiteral("  Version:          20.10.24+dfsg1"),
        QStringLiteral("  API version:      1.41 (minimum version 1.12)"),
        QStringLiteral("  Go version:       go1.19.8"),
        QStringLiteral("  Git commit:       5d6db84"),
        QStringLiteral("  Built:            Thu May  7 21:09:36 2026"),
        QStringLiteral("  OS/Arch:          linux/amd64"),
        QStringLiteral("  Experimental:     false"),
        QStringLiteral(" containerd:"),
        QStringLiteral("  Version:          1.6.20~ds1"),
        QStringLiteral("  GitCommit:        1.6.20~ds1-1+deb12u3"),
        QStringLiteral(" runc:"),
        QStringLiteral("  Version:          1.1.5+ds1"),
        QStringLiteral("  GitCommit:        1.1.5+ds1-1+deb12u1"),
        QStringLiteral(" docker-init:"),
        QStringLiteral("  Version:          0.19.0"),
        QStringLiteral("  GitCommit:        "),
        QString(),
    };
    QCOMPARE(lines.mid(server), expected);
    QCOMPARE(lines.at(server - 1), QString());
}

void tst_BerthCli::infoPrintsServerSectionLikeDocker()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    serveCaptures(daemon);
    const Run r = berth({QStringLiteral("info")}, daemon.url()); // through BERTH_HOST
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("Client:\n Version:    " BERTH_VERSION "\n Context:    default\n Debug Mode: false\n\nServer:\n"
                                             " Containers: 0\n  Running: 0\n  Paused: 0\n  Stopped: 0\n Images: 7\n"
                                             " Server Version: 20.10.24+dfsg1\n Storage Driver: overlay2\n"
                                             "  Backing Filesystem: extfs\n")),
             qPrintable(r.out));
    for (const char *line : {" Cgroup Version: 1\n", " Swarm: inactive\n", " Security Options:\n  seccomp\n   Profile: default\n",
                             " Total Memory: 23.54GiB\n", " CPUs: 2\n", " Name: vm\n",
                             " Insecure Registries:\n  127.0.0.0/8\n", " Live Restore Enabled: false\n"}) {
        QVERIFY2(r.out.contains(QLatin1String(line)), line);
    }
}

void tst_BerthCli::formatPicksFields_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("version server") << QStringList{"version", "--format", "{{.Server.Version}}"} << "20.10.24+dfsg1\n";
    QTest::newRow("version client, -f") << QStringList{"version", "-f", "{{.Client.Version}}"} << BERTH_VERSION "\n";
    QTest::newRow("version json server platform") << QStringList{"version", "--format={{json .Server.Platform}}"} << "{\"Name\":\"\"}\n";
    QTest::newRow("system info path") << QStringList{"system", "info", "--format", "{{.ServerVersion}}"} << "20.10.24+dfsg1\n";
    QTest::newRow("info fields") << QStringList{"info", "-f", "{{.NCPU}} {{.MemTotal}} {{.OSType}}"} << "2 25276502016 linux\n";
    QTest::newRow("info json swarm") << QStringList{"info", "--format", "{{json .Swarm}}"}
                                     << "{\"ControlAvailable\":false,\"Error\":\"\",\"LocalNodeState\":\"inactive\",\"NodeAddr\":\"\",\"NodeID\":\"\",\"RemoteManagers\":null}\n";
}

void tst_BerthCli::formatPicksFields()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    serveCaptures(daemon);
    const Run r = berth(QStringList{QStringLiteral("--host=") + daemon.url()} + args);
    QCOMPARE(r.err, QString());
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, expected);
}

void tst_BerthCli::eventsPrintsDockerLinesAndSendsTheQuery()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    const auto events = FakeDaemon::capturedReplies(QStringLiteral("events/conn016.log"));
    daemon.on("HEAD", "/_ping", events.at(0));
    FakeDaemon::Reply stream;
    stream.pieces = events.mid(1);
    stream.delayMs = 5;
    daemon.on("GET", "/v1.41/events", stream);
    const Run r = berth({QStringLiteral("-H"), daemon.url(), QStringLiteral("events"), QStringLiteral("--since"),
                         QStringLiteral("1795819023"), QStringLiteral("--until"), QStringLiteral("2026-11-27T22:37:32Z"),
                         QStringLiteral("-f"), QStringLiteral("type=container"), QStringLiteral("--filter"),
                         QStringLiteral("event=die")});
    QCOMPARE(r.err, QString());
    QCOMPARE(r.exitCode, 0);
    const QString id = QStringLiteral("e4aa1385c3f96474ee50fdf3b176b870b84c72abc0f880617d1b9eb1a1ecae42");
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines.at(0), QStringLiteral("2026-11-27T22:37:26.928751940Z container create ") + id
                              + QStringLiteral(" (image=bb:latest, name=berthprobe-ev)"));
    QCOMPARE(lines.at(3), QStringLiteral("2026-11-27T22:37:27.018968380Z container die ") + id
                              + QStringLiteral(" (exitCode=0, image=bb:latest, name=berthprobe-ev)"));

    const QUrlQuery query(QUrl(QString::fromLatin1("http://x" + daemon.requests().last().target)));
    QCOMPARE(query.queryItemValue(QStringLiteral("since")), QStringLiteral("1795819023"));
    QCOMPARE(query.queryItemValue(QStringLiteral("until")), QStringLiteral("1795819052"));
    QCOMPARE(query.queryItemValue(QStringLiteral("filters"), QUrl::FullyDecoded),
             QStringLiteral(R"({"event":{"die":true},"type":{"container":true}})"));
}

void tst_BerthCli::eventsFormatJsonPrintsOneObjectPerLine()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    const auto events = FakeDaemon::capturedReplies(QStringLiteral("events/conn016.log"));
    daemon.on("HEAD", "/_ping", events.at(0));
    FakeDaemon::Reply stream;
    stream.pieces = events.mid(1);
    daemon.on("GET", "/v1.41/events", stream);
    const Run r = berth({QStringLiteral("-H"), daemon.url(), QStringLiteral("events"), QStringLiteral("--format"),
                         QStringLiteral("{{json .}}")});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    const QJsonObject first = QJsonDocument::fromJson(lines.at(0).toUtf8()).object();
    QCOMPARE(first.value(QStringLiteral("Action")).toString(), QStringLiteral("create"));
    QCOMPARE(first.value(QStringLiteral("timeNano")).toInteger(), Q_INT64_C(1795819046928751940));
    QCOMPARE(first.value(QStringLiteral("Actor")).toObject().value(QStringLiteral("Attributes")).toObject()
                 .value(QStringLiteral("name")).toString(), QStringLiteral("berthprobe-ev"));
}

void tst_BerthCli::daemonErrorIsPrintedWithItsMessage()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("GET", "/v1.41/info", FakeDaemon::httpReply(500, R"({"message":"the store is locked"})"));
    const Run r = berth({QStringLiteral("-H"), daemon.url(), QStringLiteral("info"), QStringLiteral("-f"),
                         QStringLiteral("{{.ID}}")});
    QCOMPARE(r.err, QStringLiteral("Error response from daemon: the store is locked\n"));
    QCOMPARE(r.exitCode, 1);
}

void tst_BerthCli::unknownCommandIsRejectedLikeDocker()
{
    const Run r = berth({QStringLiteral("foo")});
    QCOMPARE(r.err, QStringLiteral("berth: 'foo' is not a berth command.\nSee 'berth --help'\n"));
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.out, QString());
}

void tst_BerthCli::unknownFlagIsAUsageErrorWithExit125()
{
    const Run r = berth({QStringLiteral("version"), QStringLiteral("--x")});
    QCOMPARE(r.err, QStringLiteral("unknown flag: --x\n\nUsage:  berth version [OPTIONS]\n\n"
                                   "Run 'berth version --help' for more information\n"));
    QCOMPARE(r.exitCode, 125);
    const Run global = berth({QStringLiteral("--nope"), QStringLiteral("version")});
    QCOMPARE(global.err, QStringLiteral("unknown flag: --nope\nSee 'berth --help'.\n"));
    QCOMPARE(global.exitCode, 125);
}

// docker 28's cli/required.go texts (taken from /usr/local/bin/docker), with
// the command named as typed: `berth run` for the alias, `berth container
// run` for the full path.
void tst_BerthCli::usageErrorsNameTheCommandAsTyped_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("err");
    QTest::addColumn<int>("exitCode");
    const QString runUsage = QStringLiteral("[OPTIONS] IMAGE [COMMAND] [ARG...]");
    QTest::newRow("run, no image") << QStringList{"run"}
        << QStringLiteral("berth: 'berth run' requires at least 1 argument\n\nUsage:  berth run %1\n\nSee 'berth run --help' for more information\n").arg(runUsage) << 1;
    QTest::newRow("container run, no image") << QStringList{"container", "run"}
        << QStringLiteral("berth: 'berth container run' requires at least 1 argument\n\nUsage:  berth container run %1\n\n"
                          "See 'berth container run --help' for more information\n").arg(runUsage) << 1;
    QTest::newRow("run, unknown flag") << QStringList{"run", "--foo"}
        << QStringLiteral("unknown flag: --foo\n\nUsage:  berth run %1\n\nRun 'berth run --help' for more information\n").arg(runUsage) << 125;
    QTest::newRow("ps, an argument") << QStringList{"ps", "x"}
        << QStringLiteral("berth: 'berth ps' accepts no arguments\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n") << 1;
    QTest::newRow("rename, one argument") << QStringList{"rename", "a"}
        << QStringLiteral("berth: 'berth rename' requires 2 arguments\n\nUsage:  berth rename CONTAINER NEW_NAME\n\n"
                          "Run 'berth rename --help' for more information\n") << 1;
    QTest::newRow("port, three arguments") << QStringList{"port", "a", "b", "c"}
        << QStringLiteral("berth: 'berth port' requires at least 1 and at most 2 arguments\n\nUsage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
                          "Run 'berth port --help' for more information\n") << 1;
    QTest::newRow("pause, no container") << QStringList{"pause"}
        << QStringLiteral("berth: 'berth pause' requires at least 1 argument\n\nUsage:  berth pause CONTAINER [CONTAINER...]\n\n"
                          "See 'berth pause --help' for more information\n") << 1;
}

void tst_BerthCli::usageErrorsNameTheCommandAsTyped()
{
    QFETCH(QStringList, args);
    QFETCH(QString, err);
    QFETCH(int, exitCode);
    const Run r = berth(args);
    QCOMPARE(r.err, err);
    QCOMPARE(r.exitCode, exitCode);
    QCOMPARE(r.out, QString());
}

void tst_BerthCli::helpListsCommandsGroupedLikeDocker()
{
    const Run r = berth({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains(QStringLiteral("Usage:  berth [OPTIONS] COMMAND")));
    const qsizetype common = r.out.indexOf(QStringLiteral("Common Commands:\n"));
    const qsizetype management = r.out.indexOf(QStringLiteral("Management Commands:\n"));
    const qsizetype other = r.out.indexOf(QStringLiteral("\nCommands:\n"));
    const qsizetype global = r.out.indexOf(QStringLiteral("Global Options:\n  -D, --debug"));
    QVERIFY(common > 0 && common < management && management < other && other < global);
    // Each command sits in docker's group for it.
    auto inGroup = [&](const QString &line, qsizetype from, qsizetype to) {
        const qsizetype at = r.out.indexOf(line);
        return at > from && at < to;
    };
    QVERIFY(inGroup(QStringLiteral("\n  run "), common, management));
    QVERIFY(inGroup(QStringLiteral("\n  images "), common, management));
    QVERIFY(inGroup(QStringLiteral("\n  container "), management, other));
    QVERIFY(inGroup(QStringLiteral("\n  image "), management, other));
    QVERIFY(inGroup(QStringLiteral("\n  events "), other, global));
    QVERIFY(inGroup(QStringLiteral("\n  rm "), other, global));

    const Run usage = berth({QStringLiteral("events"), QStringLiteral("--help")});
    QCOMPARE(usage.exitCode, 0);
    QVERIFY(usage.out.contains(QStringLiteral("Usage:  berth system events [OPTIONS]")));
    QVERIFY(usage.out.contains(QStringLiteral("  -f, --filter filter   Filter output based on conditions provided")));
    QVERIFY(usage.out.contains(QStringLiteral("Aliases:\n  berth system events, berth events")));
}

void tst_BerthCli::noHelperGivesOneLineNamingTheSocket_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("throughEnvironment");
    QTest::newRow("version") << QStringList{"version"} << false;
    QTest::newRow("info") << QStringList{"info"} << false;
    QTest::newRow("events") << QStringList{"events"} << false;
    QTest::newRow("version --format, BERTH_HOST") << QStringList{"version", "-f", "{{.Server.Version}}"} << true;
}

void tst_BerthCli::noHelperGivesOneLineNamingTheSocket()
{
    QFETCH(QStringList, args);
    QFETCH(bool, throughEnvironment);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("none.sock"));
    const Run r = throughEnvironment ? berth(args, QStringLiteral("unix://") + path)
                                     : berth(QStringList{QStringLiteral("-H"), QStringLiteral("unix://") + path} + args);
    QCOMPARE(r.err, QStringLiteral("Cannot connect to the Berth helper at unix://%1. Is berthd running? "
                                   "Start it with: sudo berthd --socket %1\n").arg(path));
    QCOMPARE(r.exitCode, 1);
}

QTEST_GUILESS_MAIN(tst_BerthCli)
#include "tst_berthcli.moc"
