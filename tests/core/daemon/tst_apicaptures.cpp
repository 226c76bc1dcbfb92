// Golden transcripts (engine-api.md 11): replays the client side of
// conversations captured between the docker CLI and a real dockerd against
// an in-process berthd, and compares the shape of each reply with the
// captured one: status, the headers clients rely on, the JSON key set.

#include "routetestdata.h"
#include "testclient.h"

#include <daemon/eventbus.h>
#include <daemon/systemroutes.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

namespace {

// Parses captured server bytes into replies.
QList<Reply> parseReplies(const QByteArray &bytes, const QList<bool> &heads)
{
    QList<Reply> out;
    qsizetype headIndex = 0;
    Common::HttpParser parser(Common::HttpParser::Kind::Response);
    parser.onHead = [&](const Common::HttpMessageHead &h) {
        Reply r;
        r.status = h.status;
        r.headers = h.headers;
        out.append(r);
        const bool head = heads.value(headIndex++);
        return head ? Common::HttpParser::HeadAction::SkipBody : Common::HttpParser::HeadAction::Continue;
    };
    parser.onBody = [&](const char *d, qsizetype n) { out.last().body.append(d, n); };
    parser.onMessageComplete = [&] {
        out.last().complete = true;
        return false;
    };
    (void)parser.feed(bytes);
    return out;
}

QStringList keysOf(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object().keys();
}

} // namespace

class tst_ApiCaptures : public QObject
{
    Q_OBJECT
private slots:
    void capturedConversationsReplay_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("ping + version") << QStringLiteral("ping/conn001.log");
        QTest::newRow("ping + info") << QStringLiteral("info/conn002.log");
    }
    void capturedConversationsReplay()
    {
        QFETCH(QString, file);
        const QList<Segment> segments = readCapture(QStringLiteral(BERTH_TEST_DATA_DIR "/api-captures/") + file);
        QVERIFY2(!segments.isEmpty(), qPrintable(file));

        TestServer server;
        EventBus events;
        SystemRoutes::Context context;
        context.config = server.config();
        context.engineId = QStringLiteral("golden");
        context.events = &events;
        SystemRoutes routes(context);
        routes.registerRoutes(server.router());
        MissingObjectRoutes stubs;
        stubs.registerRoutes(server.router());
        QVERIFY(server.listen());

        // Captured requests and, separately, the captured reply bytes.
        QList<QByteArray> requests;
        QList<bool> heads;
        QByteArray capturedServerBytes;
        for (const Segment &s : segments) {
            if (s.fromClient) {
                requests.append(s.bytes);
                heads.append(s.bytes.startsWith("HEAD "));
            } else {
                capturedServerBytes += s.bytes;
            }
        }
        const QList<Reply> expected = parseReplies(capturedServerBytes, heads);
        QCOMPARE(expected.size(), requests.size());

        auto client = server.connect();
        QVERIFY(client->isConnected());
        for (qsizetype i = 0; i < requests.size(); ++i) {
            client->send(requests[i], heads[i]);
            QVERIFY(client->waitForReplies(int(i + 1)));
            const Reply ours = client->reply(int(i));
            const Reply &theirs = expected[i];
            const QByteArray what = requests[i].left(requests[i].indexOf('\r'));
            QVERIFY2(ours.status == theirs.status, what.constData());
            for (const QByteArray &name : {QByteArray("Api-Version"), QByteArray("Ostype"),
                                           QByteArray("Docker-Experimental"), QByteArray("Content-Type"),
                                           QByteArray("Cache-Control"), QByteArray("Pragma")}) {
                const QByteArray message = what + ": header " + name + " is '" + ours.headers.value(name)
                    + "', dockerd sent '" + theirs.headers.value(name) + "'";
                QVERIFY2(ours.headers.value(name) == theirs.headers.value(name), message.constData());
            }
            static const QRegularExpression serverRe(QStringLiteral("^Docker/.+\\s\\((.+)\\)$"));
            const QRegularExpressionMatch sm = serverRe.match(QString::fromLatin1(ours.headers.value("Server")));
            QVERIFY(sm.hasMatch());
            QCOMPARE(sm.captured(1), QStringLiteral("linux"));
            QVERIFY(ours.headers.contains("Date"));
            QCOMPARE(ours.body.isEmpty(), theirs.body.isEmpty());
            if (theirs.headers.value("Content-Type") == "application/json") {
                const QStringList ourKeys = keysOf(ours.body);
                QStringList missing;
                for (const QString &k : keysOf(theirs.body)) {
                    if (!ourKeys.contains(k))
                        missing.append(k);
                }
                QVERIFY2(missing.isEmpty(), qPrintable(QString::fromLatin1(what) + QStringLiteral(" lacks ")
                                                      + missing.join(QStringLiteral(", "))));
            }
        }
        QVERIFY(!client->isClosed());
    }
};

QTEST_GUILESS_MAIN(tst_ApiCaptures)
#include "tst_apicaptures.moc"
