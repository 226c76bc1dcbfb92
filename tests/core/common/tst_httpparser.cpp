#include <common/httpparser.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Common;

namespace {

// Collects what the parser reports for a stream of messages.
struct Recorder
{
    explicit Recorder(HttpParser::Kind kind, bool pauseAfterEach = false)
        : parser(kind)
    {
        parser.onHead = [this](const HttpMessageHead &h) {
            heads.append(h);
            bodies.append(QByteArray());
            if (skipBodyForHead)
                return HttpParser::HeadAction::SkipBody;
            return pauseAtHead ? HttpParser::HeadAction::Pause : HttpParser::HeadAction::Continue;
        };
        parser.onBody = [this](const char *d, qsizetype n) { bodies.last().append(d, n); };
        parser.onMessageComplete = [this, pauseAfterEach] {
            ++completed;
            return pauseAfterEach;
        };
    }

    // Feeds everything, resuming whenever the parser pauses.
    Result<qsizetype> feedAll(const QByteArray &bytes, qsizetype step = 0)
    {
        qsizetype off = 0;
        while (off < bytes.size()) {
            const qsizetype n = step > 0 ? qMin(step, bytes.size() - off) : bytes.size() - off;
            auto fed = parser.feed(bytes.constData() + off, n);
            if (!fed)
                return fed;
            off += *fed;
            if (parser.isUpgrade() && !parser.isMidMessage())
                return off;
            if (parser.isPaused())
                parser.resume();
            else if (*fed < n)
                return off;
        }
        return off;
    }

    HttpParser parser;
    QList<HttpMessageHead> heads;
    QList<QByteArray> bodies;
    int completed = 0;
    bool pauseAtHead = false;
    bool skipBodyForHead = false;
};

} // namespace

class tst_HttpParser : public QObject
{
    Q_OBJECT
private slots:
    void requestHeadIsReported()
    {
        Recorder r(HttpParser::Kind::Request);
        QVERIFY(r.feedAll("GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: api.moby.localhost\r\n"
                          "User-Agent: Docker-Client/28.2.2 (linux)\r\nX-Multi: a\r\nX-Multi: b\r\n\r\n"));
        QCOMPARE(r.heads.size(), 1);
        const HttpMessageHead &h = r.heads.first();
        QCOMPARE(h.method, QByteArray("GET"));
        QCOMPARE(h.target, QByteArray("/v1.41/containers/json?all=1"));
        QCOMPARE(h.headers.value("host"), QByteArray("api.moby.localhost"));
        QCOMPARE(h.headers.value("User-Agent"), QByteArray("Docker-Client/28.2.2 (linux)"));
        QCOMPARE(h.headers.fields().size(), 4);
        QVERIFY(h.keepAlive);
        QVERIFY(!h.upgrade);
        QVERIFY(!h.chunked);
        QCOMPARE(h.contentLength, -1);
        QCOMPARE(r.completed, 1);
        QVERIFY(!r.parser.isMidMessage());
    }

    void requestBodiesAreFramed_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("chunked");
        QTest::newRow("content-length") << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world")
                                        << QByteArray("hello world") << false;
        QTest::newRow("zero length") << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << QByteArray()
                                     << false;
        QTest::newRow("chunked") << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                                 << QByteArray("hello world") << true;
        QTest::newRow("chunk extensions and trailers")
            << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3;name=value\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n")
            << QByteArray("abc") << true;
        QTest::newRow("uppercase hex") << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                     "A\r\n0123456789\r\n0\r\n\r\n")
                                       << QByteArray("0123456789") << true;
    }
    void requestBodiesAreFramed()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, body);
        QFETCH(bool, chunked);
        // Whole, and one byte at a time: framing may not depend on arrival.
        for (qsizetype step : {qsizetype(0), qsizetype(1)}) {
            Recorder r(HttpParser::Kind::Request);
            const auto fed = r.feedAll(bytes, step);
            QVERIFY(fed);
            QCOMPARE(*fed, bytes.size());
            QCOMPARE(r.completed, 1);
            QCOMPARE(r.bodies.first(), body);
            QCOMPARE(r.heads.first().chunked, chunked);
        }
    }

    void pipelinedRequestsPauseOneAtATime()
    {
        Recorder r(HttpParser::Kind::Request, true);
        const QByteArray two = "GET /_ping HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\n\r\n";
        auto fed = r.parser.feed(two);
        QVERIFY(fed);
        QCOMPARE(r.completed, 1);
        QVERIFY(r.parser.isPaused());
        QCOMPARE(*fed, qsizetype(QByteArray("GET /_ping HTTP/1.1\r\n\r\n").size()));
        // Paused: nothing more is taken until resume().
        QCOMPARE(*r.parser.feed(two.mid(*fed)), qsizetype(0));
        r.parser.resume();
        qsizetype off = *fed;
        fed = r.parser.feed(two.mid(off));
        QVERIFY(fed);
        QCOMPARE(r.completed, 2);
        QCOMPARE(r.bodies.at(1), QByteArray("hi"));
        off += *fed;
        r.parser.resume();
        fed = r.parser.feed(two.mid(off));
        QVERIFY(fed);
        QCOMPARE(r.completed, 3);
        QCOMPARE(r.heads.at(2).target, QByteArray("/c"));
    }

    void pauseAtHeadResumesAtTheBody()
    {
        Recorder r(HttpParser::Kind::Request);
        r.pauseAtHead = true;
        const QByteArray bytes = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz";
        auto fed = r.parser.feed(bytes);
        QVERIFY(fed);
        QVERIFY(r.parser.isPaused());
        QCOMPARE(r.heads.size(), 1);
        QCOMPARE(r.bodies.first(), QByteArray());
        r.parser.resume();
        const auto rest = r.parser.feed(bytes.mid(*fed));
        QVERIFY(rest);
        QCOMPARE(*fed + *rest, bytes.size());
        QCOMPARE(r.bodies.first(), QByteArray("xyz"));
        QCOMPARE(r.completed, 1);
    }

    void upgradeRequestLeavesTheRawBytes_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("attach") << QByteArray("POST /v1.41/containers/x/attach?stream=1 HTTP/1.1\r\n"
                                              "Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
        QTest::newRow("exec start with body")
            << QByteArray("POST /v1.41/exec/x/start HTTP/1.1\r\nContent-Length: 13\r\nConnection: Upgrade\r\n"
                          "Content-Type: application/json\r\nUpgrade: tcp\r\n\r\n{\"Tty\":false}");
    }
    void upgradeRequestLeavesTheRawBytes()
    {
        QFETCH(QByteArray, request);
        Recorder r(HttpParser::Kind::Request);
        const QByteArray bytes = request + "RAW-STDIN";
        const auto fed = r.parser.feed(bytes);
        QVERIFY(fed);
        QVERIFY(r.parser.isUpgrade());
        QVERIFY(r.heads.first().upgrade);
        QCOMPARE(r.completed, 1);
        QCOMPARE(bytes.mid(*fed), QByteArray("RAW-STDIN"));
    }

    void responsesAreFramed()
    {
        Recorder r(HttpParser::Kind::Response);
        const QByteArray bytes =
            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK"
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\n{}\n\r\n0\r\n\r\n"
            "HTTP/1.1 204 No Content\r\n\r\n";
        QVERIFY(r.feedAll(bytes));
        QCOMPARE(r.completed, 3);
        QCOMPARE(r.heads.at(0).status, 200);
        QCOMPARE(r.heads.at(0).headers.value("Api-Version"), QByteArray("1.41"));
        QCOMPARE(r.bodies.at(0), QByteArray("OK"));
        QCOMPARE(r.bodies.at(1), QByteArray("{}\n"));
        QCOMPARE(r.heads.at(2).status, 204);
    }

    void responseToHeadSkipsTheBody()
    {
        Recorder r(HttpParser::Kind::Response);
        r.skipBodyForHead = true;
        QVERIFY(r.feedAll("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        QCOMPARE(r.completed, 2);
        QCOMPARE(r.heads.at(1).status, 404);
    }

    void upgradedResponseLeavesTheStream()
    {
        Recorder r(HttpParser::Kind::Response);
        static const char frame[] = "\x01\x00\x00\x00\x00\x00\x00\x04out\n";
        const QByteArray bytes = QByteArray("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                                            "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
            + QByteArray(frame, sizeof(frame) - 1);
        const auto fed = r.parser.feed(bytes);
        QVERIFY(fed);
        QVERIFY(r.parser.isUpgrade());
        QCOMPARE(r.heads.first().status, 101);
        QCOMPARE(bytes.size() - *fed, qsizetype(12));
    }

    void readUntilCloseBodyEndsWithFinish()
    {
        Recorder r(HttpParser::Kind::Response);
        QVERIFY(r.parser.feed("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstream until close"));
        QCOMPARE(r.completed, 0);
        QVERIFY(r.parser.isMidMessage());
        QVERIFY(r.parser.finish());
        QCOMPARE(r.completed, 1);
        QCOMPARE(r.bodies.first(), QByteArray("stream until close"));
    }

    void connectionCloseAndHttp10AreNotKeptAlive()
    {
        Recorder a(HttpParser::Kind::Request);
        QVERIFY(a.feedAll("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        QVERIFY(!a.heads.first().keepAlive);
        Recorder b(HttpParser::Kind::Request);
        QVERIFY(b.feedAll("GET / HTTP/1.0\r\n\r\n"));
        QVERIFY(!b.heads.first().keepAlive);
        QCOMPARE(b.heads.first().versionMinor, 0);
        Recorder c(HttpParser::Kind::Request);
        QVERIFY(c.feedAll("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        QVERIFY(c.heads.first().keepAlive);
    }

    void malformedMessagesAreErrors_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("code");
        const int protocol = int(ErrorCode::Protocol);
        QTest::newRow("garbage") << QByteArray("HELLO THERE\r\n\r\n") << protocol;
        QTest::newRow("binary") << QByteArray("\x16\x03\x01\x00", 4) << protocol;
        QTest::newRow("bad version") << QByteArray("GET / HTTP/x.y\r\n\r\n") << protocol;
        QTest::newRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nNoColon\r\n\r\n") << protocol;
        QTest::newRow("bad content-length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n") << protocol;
        QTest::newRow("two content-lengths")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab") << protocol;
        QTest::newRow("bad chunk size")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n") << protocol;
        QTest::newRow("negative-looking chunk size")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n") << protocol;
        QTest::newRow("chunk size overflow")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n") << protocol;
        QTest::newRow("content-length overflow")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n") << protocol;
        QTest::newRow("bad method") << QByteArray("FETCH / HTTP/1.1\r\n\r\n") << protocol;
        QTest::newRow("control char in target") << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n") << protocol;
        QTest::newRow("head over 1 MiB")
            << (QByteArray("GET / HTTP/1.1\r\nX-Big: ") + QByteArray(int(HttpParser::kMaxHeadBytes) + 10, 'a'))
            << int(ErrorCode::TooLarge);
        QTest::newRow("many headers over 1 MiB")
            << ([] {
                   QByteArray b = "GET / HTTP/1.1\r\n";
                   while (b.size() < qsizetype(HttpParser::kMaxHeadBytes) + 100)
                       b += "X-Field: " + QByteArray(100, 'v') + "\r\n";
                   return b;
               }())
            << int(ErrorCode::TooLarge);
    }
    void malformedMessagesAreErrors()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, code);
        Recorder r(HttpParser::Kind::Request);
        const auto fed = r.feedAll(bytes);
        QVERIFY(!fed);
        QCOMPARE(int(fed.error().code()), code);
        QVERIFY(QByteArray::fromStdString(fed.error().message()).startsWith("malformed HTTP message"));
    }

    void foldedHeaderLinesAreRefused_data()
    {
        QTest::addColumn<qsizetype>("step");
        QTest::newRow("whole") << qsizetype(0);
        QTest::newRow("byte by byte") << qsizetype(1);
        QTest::newRow("split after the line end") << qsizetype(33);
    }
    void foldedHeaderLinesAreRefused()
    {
        QFETCH(qsizetype, step);
        Recorder r(HttpParser::Kind::Request);
        const auto fed = r.feedAll("GET /_ping HTTP/1.1\r\nX-Folded: a\r\n\tb\r\n\r\n", step);
        QVERIFY(!fed);
        QVERIFY(QString::fromStdString(fed.error().message()).contains(QStringLiteral("obs-fold")));
        QCOMPARE(r.heads.size(), 0);
    }

    // The check looks at heads only: bodies (with or without a pause after
    // each message) may hold lines that start with spaces.
    void indentedBodiesAreNotFolding_data()
    {
        QTest::addColumn<bool>("pauseAfterEach");
        QTest::addColumn<qsizetype>("step");
        QTest::newRow("no pause, whole") << false << qsizetype(0);
        QTest::newRow("no pause, 7 bytes at a time") << false << qsizetype(7);
        QTest::newRow("pause, whole") << true << qsizetype(0);
        QTest::newRow("pause, byte by byte") << true << qsizetype(1);
    }
    void indentedBodiesAreNotFolding()
    {
        QFETCH(bool, pauseAfterEach);
        QFETCH(qsizetype, step);
        Recorder r(HttpParser::Kind::Request, pauseAfterEach);
        const QByteArray json = "{\n  \"Image\": \"busybox\",\n\t\"Cmd\": []\n}";
        const QByteArray request = "POST /containers/create HTTP/1.1\r\nContent-Length: " + QByteArray::number(json.size())
                                   + "\r\n\r\n" + json;
        const QByteArray chunked = "POST /build HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   + QByteArray::number(json.size(), 16) + "\r\n" + json + "\r\n0\r\n\r\n";
        const auto fed = r.feedAll(request + chunked + request, step);
        QVERIFY2(fed, fed ? "" : fed.error().toString().c_str());
        QCOMPARE(r.completed, 3);
        QCOMPARE(r.bodies, (QList<QByteArray>{json, json, json}));
    }

    void truncatedMessageIsAnErrorAtFinish()
    {
        Recorder r(HttpParser::Kind::Request);
        QVERIFY(r.parser.feed("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
        QVERIFY(r.parser.isMidMessage());
        QVERIFY(!r.parser.finish());
    }
};

QTEST_GUILESS_MAIN(tst_HttpParser)
#include "tst_httpparser.moc"
