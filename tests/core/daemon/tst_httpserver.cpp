#include "testclient.h"

#include <daemon/eventbus.h>
#include <daemon/httpexchange.h>
#include <daemon/httpserver.h>
#include <daemon/peerauthorizer.h>
#include <daemon/socketchannel.h>
#include <daemon/systemroutes.h>

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QtTest>

#include <unistd.h>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

class tst_HttpServer : public QObject
{
    Q_OBJECT

    // Per test: a server with the system routes and a few test routes.
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<EventBus> m_events;
    QPointer<HttpExchange> m_later;   // GET /test/later answers when the test says so
    QPointer<HttpExchange> m_stream;  // GET /test/stream writes when the test says so
    bool m_streamClientGone = false;
    int m_uploadPieces = 0;
    int m_uploadPauses = 0;
    std::vector<std::unique_ptr<SocketChannel>> m_hijacked;
    std::unique_ptr<SystemRoutes> m_systemRoutes;
    MissingObjectRoutes m_stubRoutes;

    void startServer(DaemonConfig config = {})
    {
        m_server = std::make_unique<TestServer>(config);
        m_events = std::make_unique<EventBus>(256);
        SystemRoutes::Context context;
        context.config = m_server->config();
        context.engineId = QStringLiteral("test-engine");
        context.events = m_events.get();
        m_systemRoutes = std::make_unique<SystemRoutes>(context);
        Router &router = m_server->router();
        m_systemRoutes->registerRoutes(router);
        m_stubRoutes.registerRoutes(router);

        router.addReplyRoute("POST", QStringLiteral("/test/body"), [](const HttpRequest &r) {
            HttpResponse resp = HttpResponse::text(200, r.body(), "application/octet-stream");
            return resp;
        });
        router.addRoute("GET", QStringLiteral("/test/later"), [this](HttpExchange &ex) { m_later = &ex; });
        router.addRoute("GET", QStringLiteral("/test/stream"), [this](HttpExchange &ex) {
            m_stream = &ex;
            ex.beginStream(200, "application/json");
            connect(&ex, &HttpExchange::clientGone, this, [this] { m_streamClientGone = true; });
        });
        router.addRoute("POST", QStringLiteral("/test/upload"), [this](HttpExchange &ex) {
            auto hash = std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256);
            auto total = std::make_shared<qint64>(0);
            QPointer<HttpExchange> guard(&ex);
            connect(&ex, &HttpExchange::bodyReceived, this, [this, hash, total, guard](const QByteArray &piece) {
                hash->addData(piece);
                *total += piece.size();
                ++m_uploadPieces;
                // A busy consumer: stop the socket, carry on a moment later.
                guard->setBodyPaused(true);
                ++m_uploadPauses;
                QTimer::singleShot(1, this, [guard] {
                    if (guard)
                        guard->setBodyPaused(false);
                });
            });
            connect(&ex, &HttpExchange::bodyFinished, this, [hash, total, guard] {
                if (!guard)
                    return;
                guard->respond(HttpResponse::json(200, QJsonObject{
                    {QStringLiteral("bytes"), *total},
                    {QStringLiteral("sha256"), QString::fromLatin1(hash->result().toHex())}}));
            });
        }, BodyMode::Streamed);
        router.addRoute("POST", QStringLiteral("/test/attach"), [this](HttpExchange &ex) {
            std::unique_ptr<SocketChannel> channel = ex.hijack();
            QVERIFY(channel);
            SocketChannel *c = channel.get();
            auto echo = [c] {
                const QByteArray data = c->readAll();
                if (!data.isEmpty())
                    c->write(data);
            };
            connect(c, &SocketChannel::readyRead, c, echo);
            connect(c, &SocketChannel::readFinished, c, [c, echo] {
                echo();
                c->write("bye");
                c->closeAfterWrite();
            });
            echo(); // bytes that came with the request
            m_hijacked.push_back(std::move(channel));
        });
        QVERIFY(m_server->listen());
    }

    static QJsonObject json(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }

    static void verifyStandardHeaders(const Reply &r)
    {
        QCOMPARE(r.headers.value("Api-Version"), QByteArray("1.41"));
        QCOMPARE(r.headers.value("Ostype"), QByteArray("linux"));
        QCOMPARE(r.headers.value("Docker-Experimental"), QByteArray("false"));
        QCOMPARE(r.headers.value("Server"), QByteArray("Docker/" BERTH_VERSION "-berth (linux)"));
        QVERIFY(r.headers.value("Date").endsWith(" GMT"));
    }

    // Another client still gets served (the helper did not wedge).
    void verifyServerStillAnswers()
    {
        auto c = m_server->connect();
        QVERIFY(c->isConnected());
        c->send(get("/_ping"));
        QVERIFY(c->waitForReplies(1));
        QCOMPARE(c->reply(0).status, 200);
        QCOMPARE(c->reply(0).body, QByteArray("OK"));
    }

private slots:
    void init()
    {
        m_later.clear();
        m_stream.clear();
        m_streamClientGone = false;
        m_uploadPieces = 0;
        m_uploadPauses = 0;
    }
    void cleanup()
    {
        m_hijacked.clear();
        m_server.reset();
        m_systemRoutes.reset();
        m_events.reset();
    }

    void pingCarriesTheRequiredHeaders_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::newRow("HEAD") << QByteArray("HEAD");
        QTest::newRow("GET") << QByteArray("GET");
    }
    void pingCarriesTheRequiredHeaders()
    {
        QFETCH(QByteArray, method);
        startServer();
        auto c = m_server->connect();
        c->send(get("/_ping", method), method == "HEAD");
        QVERIFY(c->waitForReplies(1));
        const Reply r = c->reply(0);
        QCOMPARE(r.status, 200);
        verifyStandardHeaders(r);
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        QCOMPARE(r.headers.value("Cache-Control"), QByteArray("no-cache, no-store, must-revalidate"));
        QCOMPARE(r.headers.value("Pragma"), QByteArray("no-cache"));
        QCOMPARE(r.headers.value("Swarm"), QByteArray("inactive"));
        QVERIFY(!r.headers.contains("Builder-Version"));
        QCOMPARE(r.body, method == "HEAD" ? QByteArray() : QByteArray("OK"));
        QCOMPARE(r.headers.value("Content-Length"), method == "HEAD" ? QByteArray("0") : QByteArray("2"));
    }

    void headRepliesCarryNoBodyAndKeepTheConnectionUsable()
    {
        startServer();
        auto c = m_server->connect();
        c->send(get("/version", "HEAD"), true);
        c->send(get("/_ping"));
        QVERIFY(c->waitForReplies(2));
        // HEAD of a GET-only route: moby answers like an unknown route.
        QCOMPARE(c->reply(0).status, 404);
        QVERIFY(c->reply(0).body.isEmpty());
        QVERIFY(c->reply(0).headers.value("Content-Length").toInt() > 0);
        QCOMPARE(c->reply(1).body, QByteArray("OK"));
        QVERIFY(!c->parseError());
    }

    void keepAliveServesSeveralRequestsOnOneConnection()
    {
        startServer();
        auto c = m_server->connect();
        c->send(get("/_ping", "HEAD"), true);
        QVERIFY(c->waitForReplies(1));
        c->send(get("/v1.41/version"));
        QVERIFY(c->waitForReplies(2));
        c->send(get("/v1.41/info"));
        QVERIFY(c->waitForReplies(3));
        QCOMPARE(c->reply(1).status, 200);
        QCOMPARE(c->reply(1).headers.value("Content-Type"), QByteArray("application/json"));
        QCOMPARE(json(c->reply(1)).value(QStringLiteral("ApiVersion")).toString(), QStringLiteral("1.41"));
        QCOMPARE(json(c->reply(1)).value(QStringLiteral("MinAPIVersion")).toString(), QStringLiteral("1.24"));
        QCOMPARE(json(c->reply(1)).value(QStringLiteral("Platform")).toObject().value(QStringLiteral("Name")).toString(),
                 QStringLiteral("Berth Engine"));
        const QJsonObject info = json(c->reply(2));
        QCOMPARE(info.value(QStringLiteral("ID")).toString(), QStringLiteral("test-engine"));
        QVERIFY(info.value(QStringLiteral("NCPU")).toInt() >= 1);
        QVERIFY(info.value(QStringLiteral("MemTotal")).toDouble() > 0);
        QVERIFY(!info.value(QStringLiteral("KernelVersion")).toString().isEmpty());
        QVERIFY(!c->isClosed());
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        startServer();
        auto c = m_server->connect();
        c->send(get("/test/later"));
        c->send(get("/_ping"));
        c->send(get("/v1.41/version"));
        QVERIFY(QTest::qWaitFor([&] { return !m_later.isNull(); }, 5000));
        QTest::qWait(50);
        QCOMPARE(c->completeCount(), 0); // the ping waits behind the long request
        m_later->respond(HttpResponse::text(200, "later"));
        QVERIFY(c->waitForReplies(3));
        QCOMPARE(c->reply(0).body, QByteArray("later"));
        QCOMPARE(c->reply(1).body, QByteArray("OK"));
        QCOMPARE(c->reply(2).headers.value("Content-Type"), QByteArray("application/json"));
    }

    void requestBodiesAreDecoded_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("content-length")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello")
            << QByteArray("hello");
        QTest::newRow("chunked")
            << QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n")
            << QByteArray("hello world");
        QTest::newRow("chunked with trailer")
            << QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")
            << QByteArray("abc");
        QTest::newRow("empty post")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << QByteArray();
    }
    void requestBodiesAreDecoded()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, expected);
        startServer();
        auto c = m_server->connect();
        // Byte by byte: framing must not depend on how the bytes arrive.
        c->send(request.left(7));
        QTest::qWait(5);
        c->sendRaw(request.mid(7));
        c->send(get("/_ping"));
        QVERIFY(c->waitForReplies(2));
        QCOMPARE(c->reply(0).status, 200);
        QCOMPARE(c->reply(0).body, expected);
        QCOMPARE(c->reply(1).body, QByteArray("OK"));
    }

    void expectContinueIsAnswered()
    {
        startServer();
        auto c = m_server->connect();
        c->send("POST /test/body HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        QVERIFY(c->waitForHead(0));
        QCOMPARE(c->reply(0).status, 100);
        c->sendRaw("data");
        QVERIFY(c->waitForReplies(2));
        QCOMPARE(c->reply(1).status, 200);
        QCOMPARE(c->reply(1).body, QByteArray("data"));
    }

    void streamedResponseSendsHeadersFirstAndFlushesEachChunk()
    {
        startServer();
        auto c = m_server->connect();
        c->send(get("/test/stream"));
        QVERIFY(c->waitForHead(0));
        QCOMPARE(c->reply(0).status, 200);
        QCOMPARE(c->reply(0).headers.value("Transfer-Encoding"), QByteArray("chunked"));
        QCOMPARE(c->reply(0).headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY(m_stream);
        m_stream->writeJson(QJsonObject{{QStringLiteral("n"), 1}});
        QVERIFY(QTest::qWaitFor([&] { return c->replies().front().body == "{\"n\":1}\n"; }, 5000));
        m_stream->writeJson(QJsonObject{{QStringLiteral("n"), 2}});
        m_stream->endStream();
        QVERIFY(c->waitForReplies(1));
        QCOMPARE(c->reply(0).body, QByteArray("{\"n\":1}\n{\"n\":2}\n"));
        // Keep-alive after a stream.
        c->send(get("/_ping"));
        QVERIFY(c->waitForReplies(2));
    }

    void clientGoingAwayDuringAStreamIsSignalled()
    {
        startServer();
        auto c = m_server->connect();
        c->send(get("/test/stream"));
        QVERIFY(c->waitForHead(0));
        c.reset();
        QVERIFY(QTest::qWaitFor([&] { return m_streamClientGone; }, 5000));
        QVERIFY(QTest::qWaitFor([&] { return m_server->server().connectionCount() == 0; }, 5000));
    }

    void hijackMovesRawBytesBothWaysAndHonoursHalfClose()
    {
        startServer();
        auto c = m_server->connect();
        // Bytes sent right behind the request belong to the raw stream.
        c->send("POST /v1.41/test/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                "Connection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n\r\nearly;");
        QVERIFY(c->waitForHead(0));
        const Reply r = c->reply(0);
        QCOMPARE(r.status, 101);
        QCOMPARE(r.headers.value("Connection"), QByteArray("Upgrade"));
        QCOMPARE(r.headers.value("Upgrade"), QByteArray("tcp"));
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/vnd.docker.raw-stream"));
        verifyStandardHeaders(r);
        QVERIFY(c->waitForRaw("early;"));
        c->sendRaw("ping;");
        QVERIFY(c->waitForRaw("early;ping;"));
        c->shutdownWrite();
        // The server still writes after our half-close, then closes.
        QVERIFY(c->waitForRaw("early;ping;bye"));
        QVERIFY(c->waitForClosed());
        QCOMPARE(c->raw(), QByteArray("early;ping;bye"));
    }

    void hijackedStreamsCountAsConnections()
    {
        startServer();
        auto c = m_server->connect();
        c->send("POST /test/attach HTTP/1.1\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
        QVERIFY(c->waitForHead(0));
        QCOMPARE(m_server->server().connectionCount(), 1);
        m_server->server().shutdown();
        QVERIFY(c->waitForClosed());
    }

    void streamedUploadDeliversEveryByteWithBackpressure()
    {
        startServer();
        auto c = m_server->connect();
        QByteArray payload(3 * 1024 * 1024 + 17, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char((i * 7919) & 0xff);
        QByteArray body;
        for (qsizetype off = 0; off < payload.size(); off += 100000) {
            const QByteArray piece = payload.mid(off, 100000);
            body += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
        }
        body += "0\r\n\r\n";
        c->send("POST /test/upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        QVERIFY(c->waitForReplies(1, 20000));
        const QJsonObject o = json(c->reply(0));
        QCOMPARE(qint64(o.value(QStringLiteral("bytes")).toDouble()), qint64(payload.size()));
        QCOMPARE(o.value(QStringLiteral("sha256")).toString(),
                 QString::fromLatin1(QCryptographicHash::hash(payload, QCryptographicHash::Sha256).toHex()));
        QVERIFY(m_uploadPieces > 1);
        QCOMPARE(m_uploadPauses, m_uploadPieces);
    }

    void malformedOrOversizedRequestsGetJsonErrorsAndAClose_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::newRow("garbage") << QByteArray("THIS IS NOT HTTP\r\n\r\n") << 400;
        QTest::newRow("binary") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << 400;
        QTest::newRow("bad chunk size")
            << QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n") << 400;
        QTest::newRow("bad content-length")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: abc\r\n\r\n") << 400;
        QTest::newRow("bad header")
            << QByteArray("GET /_ping HTTP/1.1\r\nBad Header\r\n\r\n") << 400;
        // Request smuggling shapes (security-checklist.md 4.D.20): each one a 400 and a close.
        QTest::newRow("content-length and chunked")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 400;
        QTest::newRow("chunked and content-length")
            << QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n") << 400;
        QTest::newRow("two content-lengths")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!") << 400;
        QTest::newRow("negative content-length")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: -1\r\n\r\n") << 400;
        QTest::newRow("overflowing content-length")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n") << 400;
        QTest::newRow("chunk size overflow")
            << QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n") << 400;
        QTest::newRow("obs-fold")
            << QByteArray("GET /_ping HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n") << 400;
        QTest::newRow("head over 1 MiB")
            << (QByteArray("GET /_ping HTTP/1.1\r\nX-Big: ") + QByteArray(1100 * 1024, 'a') + "\r\n\r\n") << 431;
        QTest::newRow("body over cap by length")
            << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 5000\r\n\r\n") << 413;
        QTest::newRow("body over cap chunked")
            << (QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n")
                + QByteArray(4096, 'x') + "\r\n1000\r\n" + QByteArray(4096, 'x') + "\r\n") << 413;
    }
    void malformedOrOversizedRequestsGetJsonErrorsAndAClose()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        DaemonConfig config;
        config.maxBufferedBody = 4096;
        startServer(config);
        auto c = m_server->connect();
        c->send(request);
        QVERIFY(c->waitForReplies(1));
        const Reply r = c->reply(0);
        QCOMPARE(r.status, status);
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/json"));
        QCOMPARE(r.headers.value("Connection"), QByteArray("close"));
        QVERIFY(!json(r).value(QStringLiteral("message")).toString().isEmpty());
        verifyStandardHeaders(r);
        QVERIFY(c->waitForClosed());
        verifyServerStillAnswers();
    }

    void stalledRequestsTimeOut_data()
    {
        QTest::addColumn<QByteArray>("partial");
        QTest::newRow("half a head") << QByteArray("GET /_ping HTTP/1.1\r\nHost: x");
        QTest::newRow("half a body") << QByteArray("POST /test/body HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
        QTest::newRow("half a chunked body")
            << QByteArray("POST /test/body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    }
    void stalledRequestsTimeOut()
    {
        QFETCH(QByteArray, partial);
        DaemonConfig config;
        config.requestTimeoutMs = 200;
        startServer(config);
        auto stalled = m_server->connect();
        stalled->send(partial);
        // One stalled client does not block another.
        verifyServerStillAnswers();
        QVERIFY(stalled->waitForReplies(1));
        QCOMPARE(stalled->reply(0).status, 408);
        QCOMPARE(stalled->reply(0).headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY(stalled->waitForClosed());
    }

    void idleConnectionsAreClosedButStreamsAreNot()
    {
        DaemonConfig config;
        config.idleTimeoutMs = 150;
        config.requestTimeoutMs = 150;
        startServer(config);
        auto idle = m_server->connect();
        idle->send(get("/_ping"));
        QVERIFY(idle->waitForReplies(1));
        auto streaming = m_server->connect();
        streaming->send(get("/test/stream"));
        QVERIFY(streaming->waitForHead(0));
        QVERIFY(idle->waitForClosed(3000));
        QTest::qWait(400);
        QVERIFY(!streaming->isClosed());
        QVERIFY(m_stream);
        m_stream->writeChunk("still here");
        QVERIFY(QTest::qWaitFor([&] { return streaming->replies().front().body == "still here"; }, 3000));
    }

    void connectionsBeyondTheCapGet503()
    {
        DaemonConfig config;
        config.maxConnections = 2;
        startServer(config);
        auto a = m_server->connect();
        auto b = m_server->connect();
        a->send(get("/_ping"));
        b->send(get("/_ping"));
        QVERIFY(a->waitForReplies(1));
        QVERIFY(b->waitForReplies(1));
        auto c = m_server->connect();
        c->send(get("/_ping"));
        QVERIFY(c->waitForReplies(1));
        QCOMPARE(c->reply(0).status, 503);
        QCOMPARE(c->reply(0).headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY(c->waitForClosed());
        a.reset();
        QVERIFY(QTest::qWaitFor([&] { return m_server->server().connectionCount() == 1; }, 3000));
        verifyServerStillAnswers();
    }

    void routingErrorsAreJson_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown route") << get("/nosuch") << 404 << QStringLiteral("page not found");
        QTest::newRow("unknown versioned route") << get("/v1.41/containers/x/nosuch") << 404
                                                 << QStringLiteral("page not found");
        QTest::newRow("wrong method (moby: not found)") << get("/version", "POST") << 404
                                                        << QStringLiteral("page not found");
        QTest::newRow("too new") << get("/v1.52/version") << 400
                                 << QStringLiteral("client version 1.52 is too new. Maximum supported API version is 1.41");
        QTest::newRow("too old") << get("/v1.23/version") << 400
                                 << QStringLiteral("client version 1.23 is too old. Minimum supported API version is "
                                                   "1.24, please upgrade your client to a newer version");
        QTest::newRow("network") << get("/v1.41/networks/nosuch") << 404 << QStringLiteral("network nosuch not found");
        QTest::newRow("plugin") << get("/v1.41/plugins/nosuch/json") << 404
                                << QStringLiteral("plugin \"nosuch\" not found");
        QTest::newRow("percent-decoded") << get("/v1.41/networks/a%20b") << 404
                                         << QStringLiteral("network a b not found");
        QTest::newRow("bad filter") << get("/events?filters=%7B%22foo%22%3A%7B%22x%22%3Atrue%7D%7D") << 400
                                    << QStringLiteral("invalid filter 'foo'");
    }
    void routingErrorsAreJson()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, message);
        startServer();
        auto c = m_server->connect();
        c->send(request);
        c->send(get("/v1.24/_ping"));
        QVERIFY(c->waitForReplies(2));
        const Reply r = c->reply(0);
        QCOMPARE(r.status, status);
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/json"));
        QCOMPARE(json(r).value(QStringLiteral("message")).toString(), message);
        QVERIFY(r.body.endsWith('\n'));
        verifyStandardHeaders(r);
        // The connection stays usable after an error reply.
        QCOMPARE(c->reply(1).status, 200);
    }

    void eventsReplayHistoryThenFollow()
    {
        startServer();
        const qint64 base = EventBus::nowNano();
        for (int i = 0; i < 3; ++i) {
            Common::Event e;
            e.type = QStringLiteral("container");
            e.action = i == 1 ? QStringLiteral("die") : QStringLiteral("start");
            e.actorId = QString(64, QLatin1Char('a' + i));
            e.timeNano = base + i;
            m_events->publish(e);
        }
        // since/until in the past: replay, then the stream ends.
        auto c = m_server->connect();
        const QByteArray since = QByteArray::number(base / 1000000000 - 1);
        c->send(get("/v1.41/events?since=" + since + "&until=" + since + ".5"));
        QVERIFY(c->waitForReplies(1));
        QCOMPARE(c->reply(0).body, QByteArray());
        c->send(get("/v1.41/events?filters=%7B%22event%22%3A%7B%22die%22%3Atrue%7D%7D&since=" + since));
        QVERIFY(c->waitForHead(1));
        QCOMPARE(c->reply(1).headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY(QTest::qWaitFor([&] { return c->replies()[1].body.count('\n') == 1; }, 3000));
        QVERIFY(c->replies()[1].body.contains("\"Action\":\"die\""));
        QCOMPARE(m_events->subscriberCount(), 1);
        Common::Event live;
        live.type = QStringLiteral("container");
        live.action = QStringLiteral("die");
        live.actorId = QString(64, QLatin1Char('f'));
        m_events->publish(live);
        QVERIFY(QTest::qWaitFor([&] { return c->replies()[1].body.count('\n') == 2; }, 3000));
        const QList<QByteArray> lines = c->replies()[1].body.trimmed().split('\n');
        QCOMPARE(QJsonDocument::fromJson(lines.last()).object().value(QStringLiteral("id")).toString(), live.actorId);
        c.reset();
        QVERIFY(QTest::qWaitFor([&] { return m_events->subscriberCount() == 0; }, 3000));
    }

    void eventsStreamEndsWhenUntilPasses()
    {
        startServer();
        auto c = m_server->connect();
        const double until = double(EventBus::nowNano()) / 1e9 + 0.3;
        c->send(get("/events?until=" + QByteArray::number(until, 'f', 3)));
        QVERIFY(c->waitForHead(0));
        QCOMPARE(c->completeCount(), 0);
        QVERIFY(c->waitForReplies(1, 3000));
        QCOMPARE(c->reply(0).status, 200);
    }

    void strangersAreRefusedWith403()
    {
        DaemonConfig config;
        config.trustRoot = false;
        config.trustOwnUid = false;
        startServer(config);
        PeerAuthorizer authorizer(m_server->config());
        m_server->server().setAuthorizer(authorizer);
        auto c = m_server->connect();
        c->send(get("/_ping"));
        QVERIFY(c->waitForReplies(1));
        QCOMPARE(c->reply(0).status, 403);
        QCOMPARE(c->reply(0).headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY(json(c->reply(0)).value(QStringLiteral("message")).toString().startsWith(
            QStringLiteral("permission denied: ")));
        QVERIFY(c->waitForClosed());
    }

    void peerCheckAdmitsRootOwnUidAndGroupMembers_data()
    {
        QTest::addColumn<uint>("uid");
        QTest::addColumn<uint>("gid");
        QTest::addColumn<bool>("allowed");
        const uint own = ::geteuid();
        QTest::newRow("root") << 0u << 0u << true;
        QTest::newRow("own euid") << own << 12345u << true;
        QTest::newRow("group member") << 54321u << 4242u << true;
        QTest::newRow("stranger") << 54321u << 54321u << (own == 54321u);
    }
    void peerCheckAdmitsRootOwnUidAndGroupMembers()
    {
        QFETCH(uint, uid);
        QFETCH(uint, gid);
        QFETCH(bool, allowed);
        PeerAuthorizer a;
        a.setGroup(gid_t(4242), QStringLiteral("berth"));
        PeerCredentials peer;
        peer.pid = 0; // no /proc lookup
        peer.uid = uid_t(uid);
        peer.gid = gid_t(gid);
        const Status s = a.authorize(peer);
        QCOMPARE(bool(s), allowed);
        if (!s)
            QCOMPARE(s.error().code(), ErrorCode::PermissionDenied);
    }

    void supplementaryGroupsAreReadFromProc()
    {
        const auto groups = PeerAuthorizer::supplementaryGroups(::getpid());
        QVERIFY(groups);
        gid_t list[256];
        const int n = ::getgroups(256, list);
        QCOMPARE(int(groups->size()), n);
    }

    void shutdownEndsStreamsAndClosesConnections()
    {
        startServer();
        auto streaming = m_server->connect();
        streaming->send(get("/test/stream"));
        QVERIFY(streaming->waitForHead(0));
        auto idle = m_server->connect();
        idle->send(get("/_ping"));
        QVERIFY(idle->waitForReplies(1));
        QSignalSpy allClosed(&m_server->server(), &HttpServer::allClosed);
        m_server->server().shutdown();
        QVERIFY(streaming->waitForReplies(1)); // the terminal chunk went out
        QVERIFY(streaming->waitForClosed());
        QVERIFY(idle->waitForClosed());
        QVERIFY(allClosed.count() == 1 || allClosed.wait(3000));
        QVERIFY(m_streamClientGone);
        // Nobody is listening any more.
        TestClient late(m_server->socketPath());
        QVERIFY(!late.isConnected() || late.waitForClosed(1000));
    }
};

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
