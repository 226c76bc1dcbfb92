#include "fakedaemon.h"

#include <client/endpoint.h>
#include <client/engineclient.h>

#include <QBuffer>
#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Client;
using Berth::Tests::FakeDaemon;

class tst_EngineClient : public QObject
{
    Q_OBJECT
private slots:
    void endpointResolutionPrefersHostThenEnvironmentThenDefault_data();
    void endpointResolutionPrefersHostThenEnvironmentThenDefault();
    void endpointRejectsOtherSchemesClearly();

    void negotiatesOnceAndPrefixesEveryLaterRequest_data();
    void negotiatesOnceAndPrefixesEveryLaterRequest();
    void reusesAnIdleKeepAliveConnection();
    void sendsOnlyARepeatableRequestAgainAfterAStaleConnection();
    void negotiatesAgainAfterAReconnect();

    void decodesVersionFromTheCapturedDockerdReply();
    void decodesInfoFromTheCapturedDockerdReply();
    void pingReportsTheEngineHeaders();

    void mapsErrorRepliesToCodesWithTheEngineMessage_data();
    void mapsErrorRepliesToCodesWithTheEngineMessage();

    void readsEveryKindOfBody_data();
    void readsEveryKindOfBody();

    void unreachableSocketErrorNamesTheSocket_data();
    void unreachableSocketErrorNamesTheSocket();
    void silentEngineTimesOut();

    void responseStreamDeliversPiecesThenFinishes();
    void responseStreamReportsAnErrorReplyWithItsMessage();
    void cancelledStreamStaysQuietAndClosesTheConnection();

    void eventStreamDecodesEventsSplitOrPacked_data();
    void eventStreamDecodesEventsSplitOrPacked();
    void eventStreamSendsSinceUntilAndFilters();

    void hijackedStreamEchoesAndHalfCloses();
    void hijackWithoutUpgradeIsAnErrorWithTheMessage();

    void streamsARequestBodyFromADeviceChunked_data();
    void streamsARequestBodyFromADeviceChunked();
    void unreadableBodyDeviceFailsTheRequestNamingIt();

private:
    static QList<QByteArray> rechunk(const QByteArray &all, int size);
};

QList<QByteArray> tst_EngineClient::rechunk(const QByteArray &all, int size)
{
    QList<QByteArray> out;
    for (qsizetype i = 0; i < all.size(); i += size)
        out.append(all.mid(i, size));
    return out;
}

// ---- Endpoint ---------------------------------------------------------------

void tst_EngineClient::endpointResolutionPrefersHostThenEnvironmentThenDefault_data()
{
    QTest::addColumn<QString>("hostOption");
    QTest::addColumn<QString>("environment");
    QTest::addColumn<QString>("expectedUrl");

    QTest::newRow("nothing given: default socket") << QString() << QString() << "unix:///run/berth/berth.sock";
    QTest::newRow("BERTH_HOST when no option") << QString() << "unix:///tmp/env.sock" << "unix:///tmp/env.sock";
    QTest::newRow("option beats BERTH_HOST") << "unix:///tmp/opt.sock" << "unix:///tmp/env.sock" << "unix:///tmp/opt.sock";
    QTest::newRow("bare absolute path") << "/tmp/x/../y.sock" << QString() << "unix:///tmp/y.sock";
}

void tst_EngineClient::endpointResolutionPrefersHostThenEnvironmentThenDefault()
{
    QFETCH(QString, hostOption);
    QFETCH(QString, environment);
    QFETCH(QString, expectedUrl);
    if (environment.isEmpty())
        qunsetenv("BERTH_HOST");
    else
        qputenv("BERTH_HOST", environment.toUtf8());
    const auto e = Endpoint::resolve(hostOption);
    qunsetenv("BERTH_HOST");
    QVERIFY2(e.has_value(), e ? "" : e.error().toString().c_str());
    QCOMPARE(e->url(), expectedUrl);
}

void tst_EngineClient::endpointRejectsOtherSchemesClearly()
{
    const auto tcp = Endpoint::parse(QStringLiteral("tcp://127.0.0.1:2375"));
    QVERIFY(!tcp);
    QCOMPARE(QString::fromStdString(tcp.error().message()),
             QStringLiteral("unsupported engine address 'tcp://127.0.0.1:2375': only unix:// sockets are supported for now"));
    QVERIFY(!Endpoint::parse(QStringLiteral("relative.sock")));
    QVERIFY(!Endpoint::parse(QStringLiteral("unix://")));
}

// ---- Negotiation ------------------------------------------------------------

void tst_EngineClient::negotiatesOnceAndPrefixesEveryLaterRequest_data()
{
    QTest::addColumn<QByteArray>("serverVersion");
    QTest::addColumn<QString>("expected");
    QTest::newRow("same as ours") << QByteArray("1.41") << "1.41";
    QTest::newRow("newer engine: ours") << QByteArray("1.45") << "1.41";
    QTest::newRow("older engine: theirs") << QByteArray("1.40") << "1.40";
    QTest::newRow("no header: 1.24") << QByteArray() << "1.24";
}

void tst_EngineClient::negotiatesOnceAndPrefixesEveryLaterRequest()
{
    QFETCH(QByteArray, serverVersion);
    QFETCH(QString, expected);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply(serverVersion));
    const QByteArray prefix = "/v" + expected.toLatin1();
    daemon.on("GET", prefix + "/containers/json", FakeDaemon::httpReply(200, "[]"));

    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/containers/json");
    // Two requests at once: only one negotiation.
    auto f1 = client.send(request);
    auto f2 = client.send(request);
    const auto r1 = await(f1);
    const auto r2 = await(f2);
    QVERIFY2(r1.has_value(), r1 ? "" : r1.error().toString().c_str());
    QVERIFY(r2.has_value());
    QCOMPARE(r1->body, QByteArray("[]"));
    QCOMPARE(client.apiVersion(), expected);

    const auto &reqs = daemon.requests();
    QCOMPARE(reqs.size(), 3);
    QCOMPARE(reqs.at(0).method, QByteArray("HEAD"));
    QCOMPARE(reqs.at(0).target, QByteArray("/_ping"));
    QCOMPARE(reqs.at(1).target, prefix + "/containers/json");
    QCOMPARE(reqs.at(2).target, prefix + "/containers/json");
}

void tst_EngineClient::reusesAnIdleKeepAliveConnection()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("GET", "/v1.41/containers/json", FakeDaemon::httpReply(200, "[]"));
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/containers/json");
    for (int i = 0; i < 3; ++i)
        QVERIFY(await(client.send(request)).has_value());
    QCOMPARE(daemon.requests().size(), 4);
    QCOMPARE(daemon.connectionCount(), 1);
}

// A reused connection that closes before any byte of the reply: a GET is
// sent again on a new connection, a POST is not (the engine may have acted
// on it: a second create would make a second container).
void tst_EngineClient::sendsOnlyARepeatableRequestAgainAfterAStaleConnection()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    FakeDaemon::Reply dropped;
    dropped.closeAfter = true;
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("GET", "/v1.41/info", dropped);
    daemon.on("GET", "/v1.41/info", FakeDaemon::httpReply(200, "{}"));
    daemon.on("POST", "/v1.41/containers/create", FakeDaemon::httpReply(201, "{\"Id\":\"x\"}"));
    daemon.on("POST", "/v1.41/containers/create", dropped);
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request get;
    get.path = QStringLiteral("/info");
    QVERIFY(await(client.send(get)).has_value()); // ping, info dropped, info again
    QCOMPARE(daemon.requests().size(), 3);

    QVERIFY(await(client.send(get)).has_value()); // on the connection that answered
    Request post;
    post.method = "POST";
    post.path = QStringLiteral("/containers/create");
    post.body = "{}";
    QVERIFY(await(client.send(post)).has_value()); // reuses the connection; the reply is 201
    QCOMPARE(daemon.requests().size(), 5);
    const int connectionsBefore = daemon.connectionCount();

    const auto lost = await(client.send(post));
    QVERIFY(!lost.has_value());
    QVERIFY2(QString::fromStdString(lost.error().message()).contains(QStringLiteral("without replying")),
             lost.error().message().c_str());
    int creates = 0;
    for (const auto &r : daemon.requests())
        creates += r.target.endsWith("/containers/create") ? 1 : 0;
    QCOMPARE(creates, 2);
    QCOMPARE(daemon.connectionCount(), connectionsBefore);
}

void tst_EngineClient::negotiatesAgainAfterAReconnect()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply("1.41"));
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply("1.40"));
    daemon.on("GET", "/v1.41/info", FakeDaemon::httpReply(200, "{}"));
    daemon.on("GET", "/v1.40/info", FakeDaemon::httpReply(200, "{}"));
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/info");
    QVERIFY(await(client.send(request)).has_value());
    QCOMPARE(client.apiVersion(), QStringLiteral("1.41"));

    daemon.closeAllConnections(); // the helper restarts
    QTRY_VERIFY(client.apiVersion().isEmpty());

    const auto again = await(client.send(request));
    QVERIFY2(again.has_value(), again ? "" : again.error().toString().c_str());
    QCOMPARE(client.apiVersion(), QStringLiteral("1.40"));
    QCOMPARE(daemon.requests().last().target, QByteArray("/v1.40/info"));
    QCOMPARE(daemon.connectionCount(), 2);
}

// ---- Typed helpers ----------------------------------------------------------

void tst_EngineClient::decodesVersionFromTheCapturedDockerdReply()
{
    const QList<QByteArray> replies = FakeDaemon::capturedReplies(QStringLiteral("ping/conn001.log"));
    QCOMPARE(replies.size(), 2);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", replies.at(0));
    daemon.on("GET", "/v1.41/version", replies.at(1));
    EngineClient client(*Endpoint::parse(daemon.url()));
    const auto v = await(client.version());
    QVERIFY2(v.has_value(), v ? "" : v.error().toString().c_str());
    QCOMPARE(v->version, QStringLiteral("20.10.24+dfsg1"));
    QCOMPARE(v->apiVersion, QStringLiteral("1.41"));
    QCOMPARE(v->minApiVersion, QStringLiteral("1.12"));
    QCOMPARE(v->gitCommit, QStringLiteral("5d6db84"));
    QCOMPARE(v->os, QStringLiteral("linux"));
    QCOMPARE(v->arch, QStringLiteral("amd64"));
    QCOMPARE(v->kernelVersion, QStringLiteral("6.18.44-fc-v669"));
    QCOMPARE(v->experimental, false);
    // The client's requests match what the docker CLI sent, in path and order.
    const QList<QByteArray> sent = FakeDaemon::capturedRequests(QStringLiteral("ping/conn001.log"));
    QCOMPARE(daemon.requests().size(), 2);
    for (int i = 0; i < 2; ++i) {
        const QByteArray line = daemon.requests().at(i).method + ' ' + daemon.requests().at(i).target + ' ';
        QVERIFY(sent.at(i).startsWith(line));
    }
}

void tst_EngineClient::decodesInfoFromTheCapturedDockerdReply()
{
    const QList<QByteArray> replies = FakeDaemon::capturedReplies(QStringLiteral("info/conn002.log"));
    QCOMPARE(replies.size(), 2);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", replies.at(0));
    FakeDaemon::Reply info;
    info.pieces = rechunk(replies.at(1), 333); // chunked body, cut at odd places
    info.delayMs = 1;
    daemon.on("GET", "/v1.41/info", info);
    EngineClient client(*Endpoint::parse(daemon.url()));
    const auto i = await(client.info());
    QVERIFY2(i.has_value(), i ? "" : i.error().toString().c_str());
    QCOMPARE(i->id, QStringLiteral("GE77:HQGQ:OLGB:N47U:UY3I:6XY6:KPMI:UM4V:VSYV:X7HB:KDYA:KNFM"));
    QCOMPARE(i->images, 7);
    QCOMPARE(i->containers, 0);
    QCOMPARE(i->serverVersion, QStringLiteral("20.10.24+dfsg1"));
    QCOMPARE(i->operatingSystem, QStringLiteral("Debian GNU/Linux 12 (bookworm)"));
    QCOMPARE(i->ncpu, 2);
    QCOMPARE(i->memTotal, Q_INT64_C(25276502016));
    QCOMPARE(i->cgroupVersion, QStringLiteral("1"));
    QCOMPARE(i->name, QStringLiteral("vm"));
}

void tst_EngineClient::pingReportsTheEngineHeaders()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::capturedReplies(QStringLiteral("ping/conn001.log")).at(0));
    EngineClient client(*Endpoint::parse(daemon.url()));
    const auto p = await(client.ping());
    QVERIFY(p.has_value());
    QCOMPARE(p->apiVersion, QStringLiteral("1.41"));
    QCOMPARE(p->osType, QStringLiteral("linux"));
    QCOMPARE(p->experimental, false);
    QCOMPARE(client.apiVersion(), QStringLiteral("1.41"));
}

// ---- Errors -----------------------------------------------------------------

void tst_EngineClient::mapsErrorRepliesToCodesWithTheEngineMessage_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");

    QTest::newRow("404 no such container") << 404 << QByteArray(R"({"message":"No such container: nosuch"})")
                                           << QByteArray("application/json") << int(ErrorCode::NotFound)
                                           << "No such container: nosuch";
    QTest::newRow("409 conflict") << 409 << QByteArray(R"({"message":"You cannot remove a running container"})")
                                  << QByteArray("application/json") << int(ErrorCode::Conflict)
                                  << "You cannot remove a running container";
    QTest::newRow("400 ambiguous prefix") << 400 << QByteArray(R"({"message":"multiple IDs found with provided prefix: 0"})")
                                          << QByteArray("application/json") << int(ErrorCode::InvalidArgument)
                                          << "multiple IDs found with provided prefix: 0";
    QTest::newRow("500 plain text") << 500 << QByteArray("manifest unknown\n") << QByteArray("text/plain")
                                    << int(ErrorCode::Internal) << "manifest unknown";
    QTest::newRow("501") << 501 << QByteArray(R"({"message":"not implemented"})") << QByteArray("application/json")
                         << int(ErrorCode::NotImplemented) << "not implemented";
    QTest::newRow("404 empty body") << 404 << QByteArray() << QByteArray()
                                    << int(ErrorCode::NotFound)
                                    << "request returned 404 Not Found for API route /thing, check if the server supports the requested API version";
}

void tst_EngineClient::mapsErrorRepliesToCodesWithTheEngineMessage()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, code);
    QFETCH(QString, message);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("GET", "/v1.41/thing", FakeDaemon::httpReply(status, body, contentType));
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/thing");
    const auto r = await(client.send(request));
    QVERIFY(!r);
    QCOMPARE(int(r.error().code()), code);
    QCOMPARE(QString::fromStdString(r.error().message()), message);
}

// ---- Body framing -------------------------------------------------------------

void tst_EngineClient::readsEveryKindOfBody_data()
{
    QTest::addColumn<QList<QByteArray>>("pieces");
    QTest::addColumn<bool>("closeAfter");

    const QByteArray body = R"({"Id":"abc","Names":["/web"]})";
    const QByteArray lengthReply = FakeDaemon::httpReply(200, body);
    QTest::newRow("Content-Length, one piece") << QList<QByteArray>{lengthReply} << false;
    QTest::newRow("Content-Length, byte by byte") << rechunk(lengthReply, 1) << false;
    const QByteArray chunkedReply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "5\r\n{\"Id\"\r\n" + QByteArray::number(body.size() - 5, 16) + "\r\n" + body.mid(5) + "\r\n0\r\n\r\n";
    QTest::newRow("chunked, one piece") << QList<QByteArray>{chunkedReply} << false;
    QTest::newRow("chunked, three bytes at a time") << rechunk(chunkedReply, 3) << false;
    const QByteArray untilClose = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body;
    QTest::newRow("read until close") << QList<QByteArray>{untilClose} << true;
    QTest::newRow("read until close, pieces") << rechunk(untilClose, 10) << true;
}

void tst_EngineClient::readsEveryKindOfBody()
{
    QFETCH(QList<QByteArray>, pieces);
    QFETCH(bool, closeAfter);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    FakeDaemon::Reply reply;
    reply.pieces = pieces;
    reply.delayMs = 1;
    reply.closeAfter = closeAfter;
    daemon.on("GET", "/v1.41/containers/abc/json", reply);
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/containers/abc/json");
    const auto r = await(client.send(request));
    QVERIFY2(r.has_value(), r ? "" : r.error().toString().c_str());
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray(R"({"Id":"abc","Names":["/web"]})"));
    // And the client keeps working afterwards.
    const auto again = await(client.send(request));
    QVERIFY2(again.has_value(), again ? "" : again.error().toString().c_str());
}

void tst_EngineClient::unreachableSocketErrorNamesTheSocket_data()
{
    QTest::addColumn<bool>("boundButNotListening");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no such file") << false << "no such file or directory";
    QTest::newRow("nobody listening") << true << "connection refused";
}

void tst_EngineClient::unreachableSocketErrorNamesTheSocket()
{
    QFETCH(bool, boundButNotListening);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("berth.sock"));
    int fd = -1;
    if (boundButNotListening) {
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        qstrncpy(addr.sun_path, QFile::encodeName(path).constData(), sizeof addr.sun_path);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    }
    EngineClient client(*Endpoint::parse(path));
    const auto r = await(client.version());
    if (fd >= 0)
        ::close(fd);
    QVERIFY(!r);
    QCOMPARE(r.error().code(), ErrorCode::Unavailable);
    QCOMPARE(QString::fromStdString(r.error().message()),
             QStringLiteral("cannot connect to the Berth helper at unix://") + path + QStringLiteral(": ") + reason);
}

void tst_EngineClient::silentEngineTimesOut()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    FakeDaemon::Reply silent;
    silent.silent = true;
    daemon.on("GET", "/v1.41/version", silent);
    EngineClient client(*Endpoint::parse(daemon.url()));
    client.setTimeout(200);
    QElapsedTimer timer;
    timer.start();
    const auto r = await(client.version());
    QVERIFY(!r);
    QCOMPARE(r.error().code(), ErrorCode::Timeout);
    QVERIFY(QString::fromStdString(r.error().message()).contains(daemon.url()));
    QVERIFY(timer.elapsed() < 5000);
}

// ---- Streams ------------------------------------------------------------------

void tst_EngineClient::responseStreamDeliversPiecesThenFinishes()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    FakeDaemon::Reply logs;
    logs.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "4\r\nout\n\r\n", "4\r\nerr\n\r\n", "0\r\n\r\n"};
    logs.delayMs = 20;
    daemon.on("GET", "/v1.41/containers/c/logs", logs);
    EngineClient client(*Endpoint::parse(daemon.url()));
    client.setTimeout(10); // streams are exempt once the head came
    Request request;
    request.path = QStringLiteral("/containers/c/logs");
    std::unique_ptr<ResponseStream> stream(client.openStream(request));
    QSignalSpy head(stream.get(), &ResponseStream::headReceived);
    QSignalSpy data(stream.get(), &ResponseStream::data);
    QSignalSpy finished(stream.get(), &ResponseStream::finished);
    client.setTimeout(1000);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(head.size(), 1);
    QByteArray all;
    for (const auto &args : std::as_const(data))
        all += args.at(0).toByteArray();
    QCOMPARE(all, QByteArray("out\nerr\n"));
    QVERIFY(finished.at(0).at(0).value<Berth::Status>().has_value());
    QVERIFY(stream->isFinished());
}

void tst_EngineClient::responseStreamReportsAnErrorReplyWithItsMessage()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("GET", "/v1.41/containers/nosuch/logs",
              FakeDaemon::httpReply(404, R"({"message":"No such container: nosuch"})"));
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/containers/nosuch/logs");
    std::unique_ptr<ResponseStream> stream(client.openStream(request));
    QSignalSpy data(stream.get(), &ResponseStream::data);
    QSignalSpy finished(stream.get(), &ResponseStream::finished);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(data.size(), 0);
    const auto status = finished.at(0).at(0).value<Berth::Status>();
    QVERIFY(!status);
    QCOMPARE(status.error().code(), ErrorCode::NotFound);
    QCOMPARE(status.error().message(), std::string("No such container: nosuch"));
}

void tst_EngineClient::cancelledStreamStaysQuietAndClosesTheConnection()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    FakeDaemon::Reply endless;
    endless.pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "2\r\na\n\r\n"};
    daemon.on("GET", "/v1.41/events", endless);
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.path = QStringLiteral("/events");
    std::unique_ptr<ResponseStream> stream(client.openStream(request));
    QSignalSpy data(stream.get(), &ResponseStream::data);
    QSignalSpy finished(stream.get(), &ResponseStream::finished);
    QTRY_COMPARE(data.size(), 1);
    stream->cancel();
    QTest::qWait(50);
    QCOMPARE(finished.size(), 0);
    // The client is still usable, on a fresh connection.
    daemon.on("GET", "/v1.41/version", FakeDaemon::capturedReplies(QStringLiteral("ping/conn001.log")).at(1));
    QVERIFY(await(client.version()).has_value());
}

void tst_EngineClient::eventStreamDecodesEventsSplitOrPacked_data()
{
    QTest::addColumn<QList<QByteArray>>("pieces");
    const QList<QByteArray> captured = FakeDaemon::capturedReplies(QStringLiteral("events/conn016.log"));
    QCOMPARE(captured.size(), 8); // ping, head, 5 events, last chunk
    const QList<QByteArray> stream = captured.mid(1);
    QByteArray all;
    for (const QByteArray &p : stream)
        all += p;
    QTest::newRow("as captured: one event per chunk") << stream;
    QTest::newRow("all in one read") << QList<QByteArray>{all};
    QTest::newRow("split every 7 bytes") << rechunk(all, 7);

    // Re-chunked by the engine: all events in one HTTP chunk, then events
    // split across HTTP chunks mid-object.
    QByteArray events;
    for (const QByteArray &p : captured.mid(2, 5)) {
        const qsizetype start = p.indexOf("\r\n") + 2;
        events += p.mid(start, p.size() - start - 2);
    }
    const QByteArray head = stream.at(0);
    QTest::newRow("packed: five events in one chunk")
        << QList<QByteArray>{head, QByteArray::number(events.size(), 16) + "\r\n" + events + "\r\n", "0\r\n\r\n"};
    QByteArray split = head;
    for (qsizetype i = 0; i < events.size(); i += 100) {
        const QByteArray part = events.mid(i, 100);
        split += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    split += "0\r\n\r\n";
    QTest::newRow("split mid-object across chunks") << rechunk(split, 64);
}

void tst_EngineClient::eventStreamDecodesEventsSplitOrPacked()
{
    QFETCH(QList<QByteArray>, pieces);
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::capturedReplies(QStringLiteral("events/conn016.log")).at(0));
    FakeDaemon::Reply reply;
    reply.pieces = pieces;
    reply.delayMs = 2;
    daemon.on("GET", "/v1.41/events", reply);
    EngineClient client(*Endpoint::parse(daemon.url()));
    std::unique_ptr<EventStream> stream(client.events());
    QSignalSpy connected(stream.get(), &EventStream::connected);
    QSignalSpy events(stream.get(), &EventStream::event);
    QSignalSpy finished(stream.get(), &EventStream::finished);
    QTRY_COMPARE(finished.size(), 1);
    const auto status = finished.at(0).at(0).value<Berth::Status>();
    QVERIFY2(status.has_value(), status ? "" : status.error().toString().c_str());
    QCOMPARE(connected.size(), 1);
    QStringList actions;
    for (const auto &args : std::as_const(events))
        actions << args.at(0).value<Common::Event>().action;
    QCOMPARE(actions.join(QLatin1Char(' ')), QStringLiteral("create attach start die destroy"));
    const auto first = events.at(0).at(0).value<Common::Event>();
    QCOMPARE(first.type, QStringLiteral("container"));
    QCOMPARE(first.actorId, QStringLiteral("e4aa1385c3f96474ee50fdf3b176b870b84c72abc0f880617d1b9eb1a1ecae42"));
    QCOMPARE(first.attributes.value(QStringLiteral("name")), QStringLiteral("berthprobe-ev"));
    QCOMPARE(first.timeNano, Q_INT64_C(1795819046928751940));
    QCOMPARE(events.at(3).at(0).value<Common::Event>().attributes.value(QStringLiteral("exitCode")), QStringLiteral("0"));
}

void tst_EngineClient::eventStreamSendsSinceUntilAndFilters()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("GET", "/v1.41/events", FakeDaemon::httpReply(200, QByteArray(), "application/json", true));
    EngineClient client(*Endpoint::parse(daemon.url()));
    EventsQuery query;
    query.since = QStringLiteral("1795819023");
    query.until = QStringLiteral("1795819052");
    query.filters = QJsonObject{{QStringLiteral("type"), QJsonArray{QStringLiteral("container")}}};
    std::unique_ptr<EventStream> stream(client.events(query));
    QSignalSpy finished(stream.get(), &EventStream::finished);
    QTRY_COMPARE(finished.size(), 1);
    const QUrlQuery sent(QUrl(QString::fromLatin1("http://x" + daemon.requests().last().target)));
    QCOMPARE(sent.queryItemValue(QStringLiteral("since")), QStringLiteral("1795819023"));
    QCOMPARE(sent.queryItemValue(QStringLiteral("until")), QStringLiteral("1795819052"));
    QCOMPARE(sent.queryItemValue(QStringLiteral("filters"), QUrl::FullyDecoded), QStringLiteral(R"({"type":["container"]})"));
}

void tst_EngineClient::hijackedStreamEchoesAndHalfCloses()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    FakeDaemon::Reply upgrade;
    upgrade.pieces = {"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                      "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nwelcome\n"};
    upgrade.hijackEcho = true;
    daemon.on("POST", "/v1.41/containers/c/attach", upgrade);
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/c/attach");
    request.query.addQueryItem(QStringLiteral("stream"), QStringLiteral("1"));
    std::unique_ptr<HijackedStream> stream(client.hijack(request));
    QByteArray received;
    connect(stream.get(), &HijackedStream::data, this, [&received](const QByteArray &b) { received += b; });
    QSignalSpy established(stream.get(), &HijackedStream::established);
    QSignalSpy finished(stream.get(), &HijackedStream::finished);
    stream->write("early\n"); // before the 101: queued
    QTRY_COMPARE(established.size(), 1);
    QCOMPARE(stream->status(), 101);
    stream->write("hello\n");
    QTRY_COMPARE(received, QByteArray("welcome\nearly\nhello\n"));
    stream->closeWrite();
    QTRY_COMPARE(finished.size(), 1);
    // After the half-close the engine still got to send its last words.
    QCOMPARE(received, QByteArray("welcome\nearly\nhello\nbye\n"));
    QVERIFY(finished.at(0).at(0).value<Berth::Status>().has_value());

    const auto &req = daemon.requests().last();
    QCOMPARE(req.headers.value("Upgrade"), QByteArray("tcp"));
    QCOMPARE(req.headers.value("Connection"), QByteArray("Upgrade"));
}

void tst_EngineClient::hijackWithoutUpgradeIsAnErrorWithTheMessage()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("POST", "/v1.41/containers/c/attach",
              FakeDaemon::httpReply(409, R"({"message":"You cannot attach to a stopped container, start it first"})"));
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/c/attach");
    std::unique_ptr<HijackedStream> stream(client.hijack(request));
    QSignalSpy finished(stream.get(), &HijackedStream::finished);
    QTRY_COMPARE(finished.size(), 1);
    const auto status = finished.at(0).at(0).value<Berth::Status>();
    QVERIFY(!status);
    QCOMPARE(status.error().code(), ErrorCode::Conflict);
    QCOMPARE(status.error().message(), std::string("You cannot attach to a stopped container, start it first"));
    QVERIFY(!stream->isEstablished());
}


void tst_EngineClient::streamsARequestBodyFromADeviceChunked_data()
{
    QTest::addColumn<bool>("fromFile");
    QTest::addColumn<int>("size");
    QTest::newRow("empty buffer") << false << 0;
    QTest::newRow("small buffer") << false << 10;
    QTest::newRow("3 MiB buffer") << false << 3 * 1024 * 1024 + 17;
    QTest::newRow("3 MiB file") << true << 3 * 1024 * 1024 + 5;
}

void tst_EngineClient::streamsARequestBodyFromADeviceChunked()
{
    QFETCH(bool, fromFile);
    QFETCH(int, size);
    QByteArray content(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        content[i] = char(QRandomGenerator::global()->bounded(256));

    QTemporaryDir dir;
    std::unique_ptr<QIODevice> device;
    if (fromFile) {
        auto file = std::make_unique<QFile>(dir.filePath(QStringLiteral("body.tar")));
        QVERIFY(file->open(QIODevice::WriteOnly));
        file->write(content);
        file->close();
        QVERIFY(file->open(QIODevice::ReadOnly));
        device = std::move(file);
    } else {
        auto buffer = std::make_unique<QBuffer>();
        buffer->setData(content);
        QVERIFY(buffer->open(QIODevice::ReadOnly));
        device = std::move(buffer);
    }

    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    daemon.on("POST", "/v1.41/images/create",
              FakeDaemon::httpReply(200, "{\"status\":\"sha256:abc\"}" "\r\n", "application/json", true));
    EngineClient client(*Endpoint::parse(daemon.url()));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/create");
    request.query.addQueryItem(QStringLiteral("fromSrc"), QStringLiteral("-"));
    request.contentType = "application/x-tar";
    request.bodyDevice = device.get();
    auto reply = await(client.send(request));
    QVERIFY2(reply.has_value(), reply ? "" : reply.error().message().c_str());
    QCOMPARE(reply->body, QByteArray("{\"status\":\"sha256:abc\"}" "\r\n"));
    const auto &sent = daemon.requests().last();
    QCOMPARE(sent.target, QByteArray("/v1.41/images/create?fromSrc=-"));
    QCOMPARE(sent.headers.value("Transfer-Encoding"), QByteArray("chunked"));
    QVERIFY(sent.headers.value("Content-Length").isEmpty());
    QCOMPARE(sent.headers.value("Content-Type"), QByteArray("application/x-tar"));
    QCOMPARE(sent.body.size(), content.size());
    QVERIFY(sent.body == content);

    // The connection is reusable afterwards.
    daemon.on("GET", "/v1.41/images/json", FakeDaemon::httpReply(200, "[]"));
    Request list;
    list.path = QStringLiteral("/images/json");
    QVERIFY(await(client.send(list)).has_value());
}

void tst_EngineClient::unreadableBodyDeviceFailsTheRequestNamingIt()
{
    FakeDaemon daemon;
    QVERIFY(daemon.start());
    daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
    EngineClient client(*Endpoint::parse(daemon.url()));
    QBuffer closed; // never opened: read() fails
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/load");
    request.bodyDevice = &closed;
    QTest::ignoreMessage(QtWarningMsg, "QIODevice::read (QBuffer): device not open");
    auto reply = await(client.send(request));
    QVERIFY(!reply.has_value());
    QCOMPARE(reply.error().code(), ErrorCode::Io);
    QVERIFY2(QString::fromStdString(reply.error().message()).contains(QLatin1String("read the request body")),
             reply.error().message().c_str());
}

QTEST_GUILESS_MAIN(tst_EngineClient)
#include "tst_engineclient.moc"
