#include "fakedaemon.h"

#include <client/engineclient.h>
#include <client/logstream.h>

#include <QSignalSpy>
#include <QThread>
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

    void aBatchKeepsLinesCompactly()
    {
        Client::LogBatch batch;
        batch.append(LogLine::Stream::Stderr, "2026-11-28T01:02:03.000000001Z größe\r", true);
        batch.append(LogLine::Stream::Stdout, "no stamp here, just text", true);
        batch.append(LogLine::Stream::Stdout, "2026-11-28T01:02:03Z kept whole", false);
        batch.append(LogLine::Stream::Stdout, "", true);
        QCOMPARE(batch.size(), 4);
        QCOMPARE(batch.stream(0), LogLine::Stream::Stderr);
        QCOMPARE(batch.timestamp(0), QByteArrayView("2026-11-28T01:02:03.000000001Z"));
        QCOMPARE(batch.message(0), QByteArrayView("größe"));
        QCOMPARE(batch.line(0).message().toString(), QStringLiteral("größe"));
        QCOMPARE(batch.line(0).timestamp().toString(), QStringLiteral("2026-11-28T01:02:03.000000001Z"));
        QCOMPARE(batch.message(1), QByteArrayView("no stamp here, just text"));
        QVERIFY(batch.timestamp(1).isEmpty());
        QCOMPARE(batch.message(2), QByteArrayView("2026-11-28T01:02:03Z kept whole"));
        QCOMPARE(batch.raw(3).size(), 0);
        // Appending another batch (and a LogLine) keeps every line's bounds.
        Client::LogBatch more;
        more.append(batch.line(0));
        more.append(LogLine::Stream::Stdout, "2026-11-28T01:02:04Z last", true);
        batch.append(more);
        QCOMPARE(batch.size(), 6);
        QCOMPARE(batch.message(4), QByteArrayView("größe"));
        QCOMPARE(batch.stream(4), LogLine::Stream::Stderr);
        QCOMPARE(batch.timestamp(5), QByteArrayView("2026-11-28T01:02:04Z"));
        QCOMPARE(batch.toLines().at(5).message().toString(), QStringLiteral("last"));
        QCOMPARE(batch.text().size(), qsizetype(batch.lines().last().end));
    }

    // decodeInThread: the frames are split on a worker thread; the owner
    // receives merged batches and the end only after the last line.
    void aWorkerThreadDecodesTheFollowedOutput()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n";
        QByteArray payload;
        for (int i = 0; i < 20000; ++i)
            payload += frame(i % 7 == 0 ? 2 : 1, "2026-11-28T01:02:03.5Z line " + QByteArray::number(i) + '\n');
        payload += frame(1, "2026-11-28T01:02:04.5Z tail without newline");
        QList<QByteArray> pieces;
        for (qsizetype at = 0; at < payload.size(); at += 7001)
            pieces.append(payload.mid(at, 7001));
        const QByteArray body = chunked(pieces);
        daemon.on("GET", "/v1.41/containers/threaded/logs", FakeDaemon::Reply{{head, body}, 0});
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        Client::LogsQuery query;
        query.decodeInThread = true;
        Client::LogStream stream(&client, QStringLiteral("threaded"), query);
        Collector collected(&stream);
        Client::LogBatch all;
        int batches = 0;
        QObject::connect(&stream, &Client::LogStream::batch, &stream, [&](const Client::LogBatch &b) {
            QCOMPARE(QThread::currentThread(), stream.thread());
            all.append(b);
            ++batches;
        });
        QSignalSpy finished(&stream, &Client::LogStream::finished);
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.at(0).at(0).value<Status>().has_value());
        QCOMPARE(all.size(), 20001);
        QCOMPARE(collected.lines.size(), 20001);
        QCOMPARE(collected.batches, batches);
        for (int i = 0; i < 20000; ++i) {
            QCOMPARE(all.message(i), QByteArrayView(QByteArray("line " + QByteArray::number(i))));
            QCOMPARE(all.stream(i), i % 7 == 0 ? LogLine::Stream::Stderr : LogLine::Stream::Stdout);
        }
        QCOMPARE(all.message(20000), QByteArrayView("tail without newline"));
        QCOMPARE(all.timestamp(20000), QByteArrayView("2026-11-28T01:02:04.5Z"));
        QVERIFY(stream.isFinished());
    }

    void aWorkerThreadReportsBrokenFramesAndEngineErrors()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        daemon.on("GET", "/v1.41/containers/garbled/logs",
                  FakeDaemon::httpReply(200, frame(1, "fine\n") + QByteArray("\x09\0\0\0\0\0\0\x01x", 9) + frame(1, "never\n"),
                                        "application/vnd.docker.multiplexed-stream", true));
        daemon.on("GET", "/v1.41/containers/broken/logs",
                  FakeDaemon::httpReply(200, frame(1, "ok\n") + frame(3, "error from daemon in stream: log file gone\n"),
                                        "application/vnd.docker.multiplexed-stream", true));
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        Client::LogsQuery query;
        query.decodeInThread = true;
        {
            Client::LogStream stream(&client, QStringLiteral("garbled"), query);
            Collector collected(&stream);
            QSignalSpy finished(&stream, &Client::LogStream::finished);
            QVERIFY(finished.wait(5000));
            const Status result = finished.at(0).at(0).value<Status>();
            QVERIFY(!result);
            QVERIFY2(QString::fromStdString(result.error().toString()).contains(QLatin1String("/containers/garbled/logs")),
                     result.error().toString().c_str());
            QVERIFY(QString::fromStdString(result.error().message()).contains(QLatin1String("Unrecognized input header")));
            QCOMPARE(collected.messages(LogLine::Stream::Stdout), QStringList{QStringLiteral("fine")});
            QCOMPARE(finished.size(), 1);
        }
        {
            Client::LogStream stream(&client, QStringLiteral("broken"), query);
            Collector collected(&stream);
            QSignalSpy finished(&stream, &Client::LogStream::finished);
            QVERIFY(finished.wait(5000));
            const Status result = finished.at(0).at(0).value<Status>();
            QVERIFY(!result);
            QVERIFY(QString::fromStdString(result.error().message()).contains(QLatin1String("log file gone")));
            QCOMPARE(collected.messages(LogLine::Stream::Stdout), QStringList{QStringLiteral("ok")});
        }
        {
            // Destroyed while the worker may still be decoding: no signal after.
            auto *stream = new Client::LogStream(&client, QStringLiteral("broken"), query);
            int after = 0;
            QObject::connect(stream, &Client::LogStream::batch, &daemon, [&] { ++after; });
            stream->cancel();
            delete stream;
            QTest::qWait(100);
            QCOMPARE(after, 0);
        }
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
