// POST /build on an in-process berthd with the fake runtime (RUN "runs" in
// FakeRuntimeBackend: no output, the exit code the test scripts). The
// client side of the captured docker CLI <-> dockerd conversations (build,
// buildfail, buildq; kept in tests/data/api-captures/legacy-build since
// .gitignore hides build*/ dirs) is replayed byte for byte
// and the JSON stream compared message by message with the captured one,
// ids masked. Real containers (RUN output, the layer it writes) are the
// integration test's (tests/integration/tst_build.cpp).

#include "fakeruntimebackend.h"
#include "routetestdata.h"
#include "testclient.h"

#include <daemon/daemon.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>
#include <QtTest>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

namespace {

// The JSON lines of a (de-chunked) stream body.
QList<QJsonObject> messages(const QByteArray &body)
{
    QList<QJsonObject> out;
    for (const QByteArray &line : body.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        out.append(QJsonDocument::fromJson(line).object());
    }
    return out;
}

// The captured server bytes after the ping: one chunked JSON stream.
QByteArray capturedStreamBody(const QList<Segment> &segments)
{
    QByteArray server;
    for (const Segment &s : segments)
        if (!s.fromClient)
            server += s.bytes;
    // skip the ping reply and the build reply's head
    const qsizetype buildHead = server.indexOf("HTTP/1.1 200 OK", 10);
    const qsizetype bodyStart = server.indexOf("\r\n\r\n", buildHead) + 4;
    QByteArray chunked = server.mid(bodyStart);
    QByteArray body;
    qsizetype pos = 0;
    while (pos < chunked.size()) {
        const qsizetype eol = chunked.indexOf("\r\n", pos);
        if (eol < 0)
            break;
        bool ok = false;
        const qsizetype size = chunked.mid(pos, eol - pos).toLongLong(&ok, 16);
        if (!ok || size == 0)
            break;
        body += chunked.mid(eol + 2, size);
        pos = eol + 2 + size + 2;
    }
    return body;
}

// Ids masked: 64 hex -> <ID>, 12 hex -> <SHORT>.
QString masked(const QJsonObject &message)
{
    QString text = QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact));
    static const QRegularExpression longHex(QStringLiteral("[0-9a-f]{64}"));
    static const QRegularExpression shortHex(QStringLiteral("\\b[0-9a-f]{12}\\b"));
    text.replace(longHex, QStringLiteral("<ID>"));
    text.replace(shortHex, QStringLiteral("<SHORT>"));
    return text;
}

bool isBerthStep(const QJsonObject &m)
{
    return m.value(QStringLiteral("aux")).toObject().contains(QStringLiteral("berth.step"));
}

QString streamText(const QJsonObject &m)
{
    return m.value(QStringLiteral("stream")).toString();
}

// dockerd's expected stream minus what Berth deliberately does not produce:
// dockerd 20.10 creates (and removes) a container to commit each metadata
// step (LABEL, ENV, CMD, ...): Berth commits them without one, so the
// " ---> Running in" / "Removing intermediate container" pair appears only
// for RUN. RUN's own output is dropped too: the fake runtime prints nothing.
QStringList expectedFromCapture(const QList<QJsonObject> &captured)
{
    QStringList out;
    bool inRun = false;
    for (const QJsonObject &m : captured) {
        const QString text = streamText(m);
        if (text.startsWith(QLatin1String("Step ")))
            inRun = text.contains(QLatin1String(" : RUN "));
        const bool containerLine = text.startsWith(QLatin1String(" ---> Running in "))
                                   || text.startsWith(QLatin1String("Removing intermediate container "));
        if (containerLine && !inRun)
            continue;
        const bool runOutput = inRun && !containerLine && m.contains(QStringLiteral("stream"))
                               && !text.startsWith(QLatin1String(" ---> ")) && !text.startsWith(QLatin1String("Step "))
                               && text != QLatin1String("\n");
        if (runOutput)
            continue;
        out.append(masked(m));
    }
    return out;
}

// A minimal ustar writer: regular files and directories.
} // namespace

class tst_BuildRoutes : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Berth::Daemon::Daemon> m_daemon;
    FakeRuntimeBackend *m_fake = nullptr;

    QString root() const { return m_dir.path() + QStringLiteral("/root"); }
    QString socketPath() const { return m_dir.path() + QStringLiteral("/berth.sock"); }

    void startDaemon()
    {
        DaemonConfig config;
        config.root = root();
        config.socketPath = socketPath();
        config.group.clear();
        config.bridge = QStringLiteral("bt-build0");
        config.bridgeSubnet = QStringLiteral("10.124.0.0/24");
        m_daemon = std::make_unique<Berth::Daemon::Daemon>(config);
        auto fake = std::make_unique<FakeRuntimeBackend>(root() + QStringLiteral("/containers"));
        m_fake = fake.get();
        m_fake->exitOnStart = 0;
        m_daemon->setRuntimeBackend(std::move(fake));
        auto started = m_daemon->start(false);
        QVERIFY2(started.has_value(), started ? "" : started.error().toString().c_str());
    }
    void stopDaemon()
    {
        if (!m_daemon)
            return;
        QSignalSpy stopped(m_daemon.get(), &Berth::Daemon::Daemon::stopped);
        m_daemon->shutdown();
        if (stopped.isEmpty())
            stopped.wait(3000);
        m_daemon.reset();
        m_fake = nullptr;
    }

    Reply call(const QByteArray &method, const QByteArray &target, const QByteArray &body = {})
    {
        TestClient client(socketPath());
        if (!client.isConnected())
            return {};
        QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: x\r\n";
        if (!body.isEmpty() || method == "POST")
            req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        client.send(req + "\r\n" + body);
        if (!client.waitForReplies(1, 20000))
            return {};
        return client.reply(0);
    }

    // POST /build with a chunked tar body, as the docker CLI sends it.
    Reply build(const QByteArray &query, const QByteArray &tar, const QByteArray &extraHeaders = {})
    {
        TestClient client(socketPath());
        if (!client.isConnected())
            return {};
        client.send("POST /v1.41/build?" + query + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Type: application/x-tar\r\nX-Registry-Config: e30=\r\n" + extraHeaders + "\r\n"
                    + chunked(tar));
        if (!client.waitForReplies(1, 30000))
            return {};
        return client.reply(0);
    }

    QString importImage(const QString &repo)
    {
        const QByteArray tar = Tar().dir("bin").dir("etc").file("etc/marker", "x").finish();
        TestClient client(socketPath());
        client.send("POST /v1.41/images/create?fromSrc=-&repo=" + enc(repo) + "&tag=latest&changes="
                    + enc(QStringLiteral("CMD [\"sh\"]")) + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + QByteArray::number(tar.size()) + "\r\n\r\n" + tar);
        if (!client.waitForReplies(1, 20000))
            return {};
        return QJsonDocument::fromJson(client.reply(0).body.trimmed()).object().value(QStringLiteral("status")).toString();
    }

    QJsonArray containers()
    {
        return QJsonDocument::fromJson(call("GET", "/v1.41/containers/json?all=1").body).array();
    }
    QStringList leftoverContexts()
    {
        return QDir(root() + QStringLiteral("/tmp")).entryList({QStringLiteral("build-*")}, QDir::Dirs | QDir::NoDotAndDotDot);
    }

    // Replays the client bytes of a capture; returns the build reply.
    Reply replay(const QString &name)
    {
        const QList<Segment> segments = readCapture(QStringLiteral(BERTH_TEST_DATA_DIR "/api-captures/") + name);
        if (segments.isEmpty())
            return {};
        TestClient client(socketPath());
        if (!client.isConnected())
            return {};
        bool first = true;
        QByteArray rest;
        for (const Segment &s : segments) {
            if (!s.fromClient)
                continue;
            if (first) {
                client.send(s.bytes, s.bytes.startsWith("HEAD"));
                first = false;
            } else {
                rest += s.bytes;
            }
        }
        client.send(rest);
        if (!client.waitForReplies(2, 30000))
            return {};
        return client.reply(1);
    }

    QStringList ours(const Reply &r)
    {
        QStringList out;
        for (const QJsonObject &m : messages(r.body))
            if (!isBerthStep(m))
                out.append(masked(m));
        return out;
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QDir(root()).removeRecursively();
        startDaemon();
        QVERIFY(!importImage(QStringLiteral("bb")).isEmpty());
    }
    void cleanup()
    {
        stopDaemon();
    }

    void capturedBuildReplays()
    {
        const Reply r = replay(QStringLiteral("legacy-build/build-conn033.log"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY(r.complete);
        const QList<Segment> segments = readCapture(QStringLiteral(BERTH_TEST_DATA_DIR "/api-captures/legacy-build/build-conn033.log"));
        const QStringList expected = expectedFromCapture(messages(capturedStreamBody(segments)));
        QVERIFY(expected.size() > 10);
        QCOMPARE(ours(r), expected);
        // Go's encoder: '>' as \u003e, '&' as \u0026
        QVERIFY(r.body.contains("{\"stream\":\" ---\\u003e "));
        QVERIFY(r.body.contains("echo building \\u0026\\u0026 cat"));

        const QJsonObject image = QJsonDocument::fromJson(call("GET", "/v1.41/images/berthprobe-img:v1/json").body).object();
        const QJsonObject config = image.value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("Cmd")).toArray(), (QJsonArray{QStringLiteral("cat"), QStringLiteral("/hello.txt")}));
        QVERIFY(config.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("X=1")));
        QCOMPARE(config.value(QStringLiteral("Labels")).toObject().value(QStringLiteral("berthprobe")).toString(), QStringLiteral("1"));
        // the aux ID names the tagged image
        QString auxId;
        for (const QJsonObject &m : messages(r.body))
            if (m.value(QStringLiteral("aux")).toObject().contains(QStringLiteral("ID")))
                auxId = m.value(QStringLiteral("aux")).toObject().value(QStringLiteral("ID")).toString();
        QCOMPARE(auxId, image.value(QStringLiteral("Id")).toString());
        // the RUN step's container is gone, and so is the context
        QTRY_COMPARE(containers().size(), 0);
        QTRY_VERIFY(leftoverContexts().isEmpty());
    }

    void capturedFailureReplays()
    {
        m_fake->exitOnStart = 2;
        const Reply r = replay(QStringLiteral("legacy-build/buildfail-conn034.log"));
        QCOMPARE(r.status, 200);
        const QList<Segment> segments = readCapture(QStringLiteral(BERTH_TEST_DATA_DIR "/api-captures/legacy-build/buildfail-conn034.log"));
        QStringList expected = expectedFromCapture(messages(capturedStreamBody(segments)));
        QCOMPARE(ours(r), expected);
        const QList<QJsonObject> ms = messages(r.body);
        const QJsonObject detail = ms.last().value(QStringLiteral("errorDetail")).toObject();
        QCOMPARE(detail.value(QStringLiteral("code")).toInt(), 2);
        QCOMPARE(detail.value(QStringLiteral("message")).toString(),
                 QStringLiteral("The command '/bin/sh -c echo failing && exit 2' returned a non-zero code: 2"));
        QVERIFY(r.body.contains("failing \\u0026\\u0026 exit 2"));
        QCOMPARE(call("GET", "/v1.41/images/berthprobe-img:fail/json").status, 404);
        // Berth removes the failed step's container (dockerd 20.10 left it)
        QTRY_COMPARE(containers().size(), 0);
        QTRY_VERIFY(leftoverContexts().isEmpty());
    }

    void capturedQuietReplays()
    {
        const Reply r = replay(QStringLiteral("legacy-build/buildq-conn068.log"));
        QCOMPARE(r.status, 200);
        const QList<QJsonObject> ms = messages(r.body);
        QCOMPARE(ms.size(), 1);
        QVERIFY(QRegularExpression(QStringLiteral("^sha256:[0-9a-f]{64}\\n$")).match(streamText(ms.first())).hasMatch());
        const QString id = streamText(ms.first()).trimmed();
        const QJsonObject image = QJsonDocument::fromJson(call("GET", "/v1.41/images/berthprobe-img:q/json").body).object();
        QCOMPARE(image.value(QStringLiteral("Id")).toString(), id);
    }

    void quietFailureSendsTheHeldOutput()
    {
        m_fake->exitOnStart = 3;
        const QByteArray tar = Tar().file("Dockerfile", "FROM bb\nRUN false\n").finish();
        const Reply r = build("q=1&t=quiet%3Afail", tar);
        QCOMPARE(r.status, 200);
        const QList<QJsonObject> ms = messages(r.body);
        QVERIFY(ms.size() > 2);
        QCOMPARE(streamText(ms.first()), QStringLiteral("Step 1/2 : FROM bb"));
        QCOMPARE(ms.last().value(QStringLiteral("errorDetail")).toObject().value(QStringLiteral("code")).toInt(), 3);
    }

    void errorsBeforeTheStream_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QByteArray>("dockerfile");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing Dockerfile") << QByteArray("dockerfile=Nope") << QByteArray("FROM bb\n") << 404
                                            << QStringLiteral("Cannot locate specified Dockerfile: Nope");
        QTest::newRow("remote") << QByteArray("remote=http%3A%2F%2F127.0.0.1%3A1%2Fctx.tar") << QByteArray("FROM bb\n") << 400
                                << QStringLiteral("remote build contexts are not supported");
        QTest::newRow("bad tag") << QByteArray("t=UPPER%3A%3Abad") << QByteArray("FROM bb\n") << 400 << QStringLiteral("invalid reference format");
        QTest::newRow("bad buildargs") << QByteArray("buildargs=%7Bnope") << QByteArray("FROM bb\n") << 400 << QStringLiteral("invalid buildargs");
        QTest::newRow("buildkit") << QByteArray("version=2") << QByteArray("FROM bb\n") << 400 << QStringLiteral("BuildKit");
        QTest::newRow("unknown target") << QByteArray("target=nope") << QByteArray("FROM bb AS one\n") << 400 << QStringLiteral("nope");
        QTest::newRow("parse error") << QByteArray() << QByteArray("FROM bb\nNOTANINSTRUCTION x\n") << 400 << QStringLiteral("dockerfile parse error");
    }
    void errorsBeforeTheStream()
    {
        QFETCH(QByteArray, query);
        QFETCH(QByteArray, dockerfile);
        QFETCH(int, status);
        QFETCH(QString, message);
        const Reply r = build(query, Tar().file("Dockerfile", dockerfile).finish());
        QCOMPARE(r.status, status);
        const QString text = QJsonDocument::fromJson(r.body).object().value(QStringLiteral("message")).toString();
        QVERIFY2(text.contains(message), qPrintable(text));
        QTRY_VERIFY(leftoverContexts().isEmpty());
        QCOMPARE(containers().size(), 0);
    }

    void badContextIsRefused()
    {
        const QByteArray tar = Tar().file("../escape", "x").finish();
        const Reply r = build("t=bad%3Actx", tar);
        QCOMPARE(r.status, 400);
        QTRY_VERIFY(leftoverContexts().isEmpty());
        QVERIFY(!QFile::exists(root() + QStringLiteral("/tmp/escape")));
    }

    void argsLabelsTargetAndCache()
    {
        const QByteArray dockerfile = "ARG BASE=bb\nFROM ${BASE} AS first\nARG GREETING\nENV G=$GREETING\n"
                                      "FROM first AS second\nLABEL stage=second\nFROM bb AS third\nLABEL stage=third\n";
        const QByteArray tar = Tar().file("Dockerfile", dockerfile).finish();
        const QByteArray query = "t=args%3Av1&target=second&buildargs=" + enc(QStringLiteral("{\"GREETING\":\"hello\"}"))
                                 + "&labels=" + enc(QStringLiteral("{\"via\":\"query\"}"));
        const Reply r = build(query, tar);
        QCOMPARE(r.status, 200);
        QVERIFY2(!r.body.contains("errorDetail"), r.body.constData());
        QVERIFY(!r.body.contains("stage=third"));
        const QJsonObject config = QJsonDocument::fromJson(call("GET", "/v1.41/images/args:v1/json").body)
                                       .object().value(QStringLiteral("Config")).toObject();
        QVERIFY(config.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("G=hello")));
        QCOMPARE(config.value(QStringLiteral("Labels")).toObject().value(QStringLiteral("stage")).toString(), QStringLiteral("second"));
        QCOMPARE(config.value(QStringLiteral("Labels")).toObject().value(QStringLiteral("via")).toString(), QStringLiteral("query"));
        // per-step events for the desktop app
        int steps = 0;
        for (const QJsonObject &m : messages(r.body)) {
            if (!isBerthStep(m))
                continue;
            const QJsonObject s = m.value(QStringLiteral("aux")).toObject().value(QStringLiteral("berth.step")).toObject();
            QVERIFY(s.value(QStringLiteral("step")).toInt() >= 1);
            QVERIFY(s.value(QStringLiteral("image")).toString().startsWith(QLatin1String("sha256:")));
            ++steps;
        }
        QVERIFY(steps >= 4);

        // the same build again: every step from the cache, the same image
        const Reply again = build(query, tar);
        QCOMPARE(again.status, 200);
        QVERIFY(again.body.contains("Using cache"));
        QVERIFY(!again.body.contains("errorDetail"));
        // nocache=1: no cache hit
        const Reply fresh = build(query + "&nocache=1", tar);
        QVERIFY(!fresh.body.contains("Using cache"));
    }

    void missingBaseImageIsPulledAndFails()
    {
        // port 1 on loopback: nothing listens, the pull fails fast
        const QByteArray tar = Tar().file("Dockerfile", "FROM 127.0.0.1:1/nothing/here:v1\n").finish();
        const Reply r = build("t=nobase%3Av1", tar);
        QCOMPARE(r.status, 200);
        const QList<QJsonObject> ms = messages(r.body);
        QVERIFY(!ms.isEmpty());
        QVERIFY(ms.last().contains(QStringLiteral("errorDetail")));
        QCOMPARE(call("GET", "/v1.41/images/nobase:v1/json").status, 404);
        QTRY_VERIFY(leftoverContexts().isEmpty());
    }

    void gzipContext()
    {
        const QByteArray tar = Tar().file("Dockerfile", "FROM bb\nCOPY a.txt /a.txt\n").file("a.txt", "A").finish();
        QProcess gzip;
        gzip.start(QStringLiteral("gzip"), {QStringLiteral("-c")});
        QVERIFY(gzip.waitForStarted());
        gzip.write(tar);
        gzip.closeWriteChannel();
        QVERIFY(gzip.waitForFinished());
        const QByteArray gz = gzip.readAllStandardOutput();
        QVERIFY(gz.startsWith("\x1f\x8b"));
        const Reply r = build("t=gz%3Av1", gz);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.body.contains("Successfully tagged gz:v1"), r.body.constData());
    }

    void disconnectCancelsTheRun()
    {
        m_fake->exitOnStart.reset(); // the RUN never ends by itself
        const QByteArray tar = Tar().file("Dockerfile", "FROM bb\nRUN sleep 1000\n").finish();
        {
            TestClient client(socketPath());
            QVERIFY(client.isConnected());
            client.send("POST /v1.41/build?t=cancel%3Av1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + chunked(tar));
            QVERIFY(client.waitForHead(0, 20000));
            QTRY_VERIFY_WITH_TIMEOUT(client.reply(0).body.contains("Running in"), 20000);
            QCOMPARE(containers().size(), 1);
        } // the client goes away
        QTRY_COMPARE_WITH_TIMEOUT(containers().size(), 0, 20000);
        QTRY_VERIFY(leftoverContexts().isEmpty());
        QCOMPARE(call("GET", "/v1.41/images/cancel:v1/json").status, 404);
        // the daemon still builds
        m_fake->exitOnStart = 0;
        const Reply r = build("t=after%3Av1", Tar().file("Dockerfile", "FROM bb\nRUN true\n").finish());
        QVERIFY2(r.body.contains("Successfully tagged after:v1"), r.body.constData());
    }
};

QTEST_GUILESS_MAIN(tst_BuildRoutes)
#include "tst_buildroutes.moc"
