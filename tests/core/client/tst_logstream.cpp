#include "fakedaemon.h"

#include <client/engineclient.h>
#include <client/logstream.h>

#include <QSignalSpy>
#include <QTest>
#include <QtEndian>

using namespace Berth;
using Berth::Client::LogLine;
using Berth::Tests::FakeDaemon;

namespace {

QByteArray frame(quint8 stream, const QByteArray &payload)
{
    QByteArray header(8, '\0');
    header[0] = char(stream);
    qToBigEndian<quint32>(quint32(payload.size()), header.data() + 4);
    return header + payload;
}

// Collects every line a stream emits.
struct Collector
{
    explicit Collector(Client::LogStream *stream)
    {
        QObject::connect(stream, &Client::LogStream::lines, stream, [this](const QList<LogLine> &batch) {
            lines += batch;
            ++batches;
        });
    }
    QStringList messages(LogLine::Stream which) const
    {
        QStringList out;
        for (const LogLine &l : lines) {
            if (l.stream == which)
                out.append(l.message().toString());
        }
        return out;
    }
    QList<LogLine> lines;
    int batches = 0;
};

QByteArray chunked(const QList<QByteArray> &chunks)
{
    QByteArray out;
    for (const QByteArray &c : chunks)
        out += QByteArray::number(c.size(), 16) + "\r\n" + c + "\r\n";
    return out + "0\r\n\r\n";
}

} // namespace

class tst_LogStream : public QObject
{
    Q_OBJECT

private slots:
    void framesSplitAnywhereBecomeLines()
    {
        Client::LogStream decoder(nullptr, QStringLiteral("x"), {});
        Collector collected(&decoder);
        const QByteArray bytes = frame(1, "2026-11-28T01:02:03.000000001Z out one\n2026-11-28T01:02:03.000000002Z out ")
                                 + frame(2, "2026-11-28T01:02:03.000000003Z err\n")
                                 + frame(1, "two\n") + frame(0, "stdin counts as stdout\n") + frame(1, "tail without newline");
        // Feed it a byte at a time: headers and lines split everywhere.
        for (qsizetype i = 0; i < bytes.size(); ++i)
            decoder.feed(bytes.mid(i, 1));
        decoder.flush();
        QCOMPARE(collected.messages(LogLine::Stream::Stdout),
                 (QStringList{QStringLiteral("out one"), QStringLiteral("out two"), QStringLiteral("stdin counts as stdout"),
                              QStringLiteral("tail without newline")}));
        QCOMPARE(collected.messages(LogLine::Stream::Stderr), QStringList{QStringLiteral("err")});
        QCOMPARE(collected.lines.at(0).timestamp().toString(), QStringLiteral("2026-11-28T01:02:03.000000001Z"));
        QCOMPARE(collected.lines.at(0).raw, QStringLiteral("2026-11-28T01:02:03.000000001Z out one"));
    }

    void aRawStreamIsAllStdoutAndDropsCarriageReturns()
    {
        Client::LogStream decoder(nullptr, QStringLiteral("x"), {});
        Collector collected(&decoder);
        decoder.setRawStream(true);
        decoder.feed("2026-11-28T01:02:03.5Z hello\r\n2026-11-28T01:02:04.5Z wor");
        decoder.feed("ld\r\n");
        QCOMPARE(collected.messages(LogLine::Stream::Stdout), (QStringList{QStringLiteral("hello"), QStringLiteral("world")}));
        QCOMPARE(collected.batches, 2);
    }

    void manyLinesArriveInFewBatches()
    {
        Client::LogStream decoder(nullptr, QStringLiteral("x"), {});
        Collector collected(&decoder);
        QByteArray payload;
        for (int i = 0; i < 1000; ++i)
            payload += "2026-11-28T01:02:03.5Z line " + QByteArray::number(i) + '\n';
        decoder.feed(frame(1, payload));
        QCOMPARE(collected.lines.size(), 1000);
        QCOMPARE(collected.batches, 1);
    }

    void theEngineStreamEndsWithTheFollowedOutput()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n";
        const QByteArray body = chunked({frame(1, "2026-11-28T01:02:03.5Z a\n") + frame(2, "2026-11-28T01:02:03.6Z b"),
                                         frame(2, "\n")});
        daemon.on("GET", "/v1.41/containers/abc/logs", FakeDaemon::Reply{{head, body.left(20), body.mid(20)}, 20});
        const auto endpoint = Client::Endpoint::parse(daemon.url());
        QVERIFY(endpoint);
        Client::EngineClient client(*endpoint);
        Client::LogsQuery query;
        query.since = QStringLiteral("1795819023");
        Client::LogStream stream(&client, QStringLiteral("abc"), query);
        Collector collected(&stream);
        QSignalSpy finished(&stream, &Client::LogStream::finished);
        QVERIFY(finished.wait(5000));
        QVERIFY(finished.at(0).at(0).value<Status>().has_value());
        QCOMPARE(collected.messages(LogLine::Stream::Stdout), QStringList{QStringLiteral("a")});
        QCOMPARE(collected.messages(LogLine::Stream::Stderr), QStringList{QStringLiteral("b")});
        const QByteArray target = daemon.requests().last().target;
        for (const char *part : {"stdout=1", "stderr=1", "follow=1", "timestamps=1", "since=1795819023"})
            QVERIFY2(target.contains(part), target.constData());
    }

    void aTtyContainersRawReplyIsRecognisedByItsType()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        daemon.on("GET", "/v1.41/containers/tty/logs",
                  FakeDaemon::httpReply(200, "2026-11-28T01:02:03.5Z prompt$ ls\r\n", "application/vnd.docker.raw-stream", true));
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        Client::LogStream stream(&client, QStringLiteral("tty"), {});
        Collector collected(&stream);
        QSignalSpy finished(&stream, &Client::LogStream::finished);
        QVERIFY(finished.wait(5000));
        QCOMPARE(collected.messages(LogLine::Stream::Stdout), QStringList{QStringLiteral("prompt$ ls")});
    }

    void engineErrorsComeBackWithTheEnginesMessage()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        daemon.on("GET", "/v1.41/containers/nope/logs",
                  FakeDaemon::httpReply(404, R"({"message":"No such container: nope"})"));
        daemon.on("GET", "/v1.41/containers/broken/logs",
                  FakeDaemon::httpReply(200, frame(1, "ok\n") + frame(3, "error from daemon in stream: log file gone\n"),
                                        "application/vnd.docker.multiplexed-stream", true));
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        {
            Client::LogStream stream(&client, QStringLiteral("nope"), {});
            QSignalSpy finished(&stream, &Client::LogStream::finished);
            QVERIFY(finished.wait(5000));
            const Status result = finished.at(0).at(0).value<Status>();
            QVERIFY(!result);
            QCOMPARE(result.error().code(), ErrorCode::NotFound);
            QCOMPARE(QString::fromStdString(result.error().message()), QStringLiteral("No such container: nope"));
        }
        {
            Client::LogStream stream(&client, QStringLiteral("broken"), {});
            Collector collected(&stream);
            QSignalSpy finished(&stream, &Client::LogStream::finished);
            QVERIFY(finished.wait(5000));
            const Status result = finished.at(0).at(0).value<Status>();
            QVERIFY(!result);
            QVERIFY(QString::fromStdString(result.error().message()).contains(QLatin1String("log file gone")));
            QCOMPARE(collected.messages(LogLine::Stream::Stdout), QStringList{QStringLiteral("ok")});
        }
    }
};

QTEST_GUILESS_MAIN(tst_LogStream)
#include "tst_logstream.moc"
