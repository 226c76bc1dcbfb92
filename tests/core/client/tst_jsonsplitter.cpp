#include <client/jsonsplitter.h>

#include <QTest>

using namespace Berth;
using namespace Berth::Client;

class tst_JsonSplitter : public QObject
{
    Q_OBJECT
private slots:
    void valuesComeOutWholeWhateverTheChunking_data();
    void valuesComeOutWholeWhateverTheChunking();
    void garbageBetweenValuesIsAProtocolError();
};

void tst_JsonSplitter::valuesComeOutWholeWhateverTheChunking_data()
{
    QTest::addColumn<int>("pieceSize");
    QTest::newRow("all at once") << 100000;
    QTest::newRow("byte by byte") << 1;
    QTest::newRow("seven bytes") << 7;
    QTest::newRow("forty bytes") << 40;
}

void tst_JsonSplitter::valuesComeOutWholeWhateverTheChunking()
{
    QFETCH(int, pieceSize);
    const QList<QByteArray> values = {
        R"({"a":"x}{\"y","b":[1,{"c":"]"}]})",
        R"({"status":"ok\\"})",
        R"([{"n":1},{"n":2}])",
        R"({})",
    };
    QByteArray stream;
    for (const QByteArray &v : values)
        stream += v + "\r\n";
    JsonSplitter splitter;
    QList<QByteArray> out;
    for (qsizetype i = 0; i < stream.size(); i += pieceSize) {
        splitter.append(stream.mid(i, pieceSize));
        while (true) {
            auto next = splitter.next();
            QVERIFY(next.has_value());
            if (!next->has_value())
                break;
            out.append(**next);
        }
    }
    QCOMPARE(out, values);
    QVERIFY(splitter.isIdle());
}

void tst_JsonSplitter::garbageBetweenValuesIsAProtocolError()
{
    JsonSplitter splitter;
    splitter.append("{\"a\":1} oops");
    auto first = splitter.next();
    QVERIFY(first && first->has_value());
    auto second = splitter.next();
    QVERIFY(!second);
    QCOMPARE(second.error().code(), ErrorCode::Protocol);
}

QTEST_GUILESS_MAIN(tst_JsonSplitter)
#include "tst_jsonsplitter.moc"
