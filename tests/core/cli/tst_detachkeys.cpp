#include <cli/detachkeys.h>

#include <QTest>

using namespace Berth::Cli;

class tst_DetachKeys : public QObject
{
    Q_OBJECT
private slots:
    void keysParseAsMobyTerm_data();
    void keysParseAsMobyTerm();
    void unknownKeysAreRejected();
    void defaultSequenceDetaches();
    void brokenMatchForwardsHeldBytes();
    void sequenceSplitAcrossReadsDetaches();
    void singleKeySequence();
};

void tst_DetachKeys::keysParseAsMobyTerm_data()
{
    QTest::addColumn<QString>("keys");
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("default") << "ctrl-p,ctrl-q" << QByteArray("\x10\x11");
    QTest::newRow("upper case") << "CTRL-A,Ctrl-X" << QByteArray("\x01\x18");
    QTest::newRow("letters") << "a,b" << QByteArray("ab");
    QTest::newRow("ctrl-@ is NUL") << "ctrl-@" << QByteArray("\x00", 1);
    QTest::newRow("specials") << "ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_" << QByteArray("\x1b\x1c\x1d\x1e\x1f");
}

void tst_DetachKeys::keysParseAsMobyTerm()
{
    QFETCH(QString, keys);
    QFETCH(QByteArray, bytes);
    auto parsed = parseDetachKeys(keys);
    QVERIFY(parsed.has_value());
    QCOMPARE(*parsed, bytes);
}

void tst_DetachKeys::unknownKeysAreRejected()
{
    auto parsed = parseDetachKeys("ctrl-p,alt-q");
    QVERIFY(!parsed);
    QCOMPARE(QString::fromStdString(parsed.error().message()), QString("Unknown character: 'alt-q'"));
    QVERIFY(!parseDetachKeys("ctrl-1"));
    QVERIFY(!parseDetachKeys("ab"));
}

void tst_DetachKeys::defaultSequenceDetaches()
{
    DetachKeyMatcher m("\x10\x11");
    auto r = m.feed("ls\r");
    QCOMPARE(r.forward, QByteArray("ls\r"));
    QVERIFY(!r.detach);
    r = m.feed("x\x10\x11tail");
    QCOMPARE(r.forward, QByteArray("x"));
    QVERIFY(r.detach);
}

void tst_DetachKeys::brokenMatchForwardsHeldBytes()
{
    DetachKeyMatcher m("\x10\x11");
    auto r = m.feed("\x10");
    QVERIFY(r.forward.isEmpty());
    QVERIFY(!r.detach);
    r = m.feed("a");
    QCOMPARE(r.forward, QByteArray("\x10" "a"));
    // A repeated first key restarts the match.
    r = m.feed("\x10\x10\x11");
    QCOMPARE(r.forward, QByteArray("\x10"));
    QVERIFY(r.detach);
}

void tst_DetachKeys::sequenceSplitAcrossReadsDetaches()
{
    DetachKeyMatcher m("abc");
    QVERIFY(!m.feed("xa").detach);
    QVERIFY(!m.feed("b").detach);
    auto r = m.feed("c");
    QVERIFY(r.detach);
    QVERIFY(r.forward.isEmpty());
}

void tst_DetachKeys::singleKeySequence()
{
    DetachKeyMatcher m("q");
    auto r = m.feed("abq");
    QCOMPARE(r.forward, QByteArray("ab"));
    QVERIFY(r.detach);
}

QTEST_GUILESS_MAIN(tst_DetachKeys)
#include "tst_detachkeys.moc"
