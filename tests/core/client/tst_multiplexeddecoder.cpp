#include <client/multiplexeddecoder.h>

#include <QTest>

using Berth::Client::MultiplexedDecoder;

class tst_MultiplexedDecoder : public QObject
{
    Q_OBJECT
private slots:
    void framesSplitAnywhereDecodeByteForByte();
    void capturedRunOutputDecodes();
    void unknownStreamIsAProtocolError();
    void truncatedFrameIsReportedAtTheEnd();
    void emptyFramesAreSkipped();
};

void tst_MultiplexedDecoder::framesSplitAnywhereDecodeByteForByte()
{
    QByteArray wire = MultiplexedDecoder::encode(MultiplexedDecoder::Stream::Stdout, "hello\nwor")
                      + MultiplexedDecoder::encode(MultiplexedDecoder::Stream::Stderr, "oops\n")
                      + MultiplexedDecoder::encode(MultiplexedDecoder::Stream::Stdout, QByteArray(70000, 'x'));
    // Feed it in every piece size from 1 to 13 bytes.
    for (int piece = 1; piece <= 13; ++piece) {
        QByteArray out;
        QByteArray err;
        MultiplexedDecoder d([&](MultiplexedDecoder::Stream s, const QByteArray &p) {
            (s == MultiplexedDecoder::Stream::Stderr ? err : out) += p;
        });
        for (qsizetype i = 0; i < wire.size(); i += piece)
            QVERIFY(d.feed(wire.mid(i, piece)).has_value());
        QVERIFY(d.finish().has_value());
        QCOMPARE(out, QByteArray("hello\nwor") + QByteArray(70000, 'x'));
        QCOMPARE(err, QByteArray("oops\n"));
    }
}

void tst_MultiplexedDecoder::capturedRunOutputDecodes()
{
    // api-captures/run conn021: "e\n" on stderr, then "hi\n" on stdout.
    const QByteArray wire("\x02\x00\x00\x00\x00\x00\x00\x02" "e\n" "\x01\x00\x00\x00\x00\x00\x00\x03" "hi\n", 21);
    QList<std::pair<int, QByteArray>> frames;
    MultiplexedDecoder d([&](MultiplexedDecoder::Stream s, const QByteArray &p) { frames.append({int(s), p}); });
    QVERIFY(d.feed(wire).has_value());
    QCOMPARE(frames.size(), 2);
    QCOMPARE(frames.at(0).first, 2);
    QCOMPARE(frames.at(0).second, QByteArray("e\n"));
    QCOMPARE(frames.at(1).first, 1);
    QCOMPARE(frames.at(1).second, QByteArray("hi\n"));
}

void tst_MultiplexedDecoder::unknownStreamIsAProtocolError()
{
    int calls = 0;
    MultiplexedDecoder d([&](MultiplexedDecoder::Stream, const QByteArray &) { ++calls; });
    auto r = d.feed(QByteArray("\x07\x00\x00\x00\x00\x00\x00\x01x", 9));
    QVERIFY(!r);
    QCOMPARE(r.error().code(), Berth::ErrorCode::Protocol);
    QVERIFY(r.error().message().find("Unrecognized input header: 7") != std::string::npos);
    QCOMPARE(calls, 0);
    QVERIFY(!d.feed(MultiplexedDecoder::encode(MultiplexedDecoder::Stream::Stdout, "late")));
}

void tst_MultiplexedDecoder::truncatedFrameIsReportedAtTheEnd()
{
    MultiplexedDecoder d([](MultiplexedDecoder::Stream, const QByteArray &) {});
    QVERIFY(d.feed(MultiplexedDecoder::encode(MultiplexedDecoder::Stream::Stdout, "abcdef").left(10)).has_value());
    QVERIFY(!d.finish());
}

void tst_MultiplexedDecoder::emptyFramesAreSkipped()
{
    int calls = 0;
    MultiplexedDecoder d([&](MultiplexedDecoder::Stream, const QByteArray &) { ++calls; });
    QVERIFY(d.feed(MultiplexedDecoder::encode(MultiplexedDecoder::Stream::Stdout, QByteArray())).has_value());
    QCOMPARE(calls, 0);
    QVERIFY(d.finish().has_value());
}

QTEST_GUILESS_MAIN(tst_MultiplexedDecoder)
#include "tst_multiplexeddecoder.moc"
