#include <engine/containerlogreader.h>
#include <engine/containerlogwatcher.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Berth;
using namespace Berth::Engine;

namespace {

constexpr qint64 kBase = 1'800'000'000LL * 1'000'000'000LL; // 2027-01-15T08:00:00Z

QByteArray line(const QByteArray &text, const char *stream, qint64 timeNs)
{
    QJsonObject o;
    o.insert(QStringLiteral("log"), QString::fromUtf8(text));
    o.insert(QStringLiteral("stream"), QString::fromLatin1(stream));
    o.insert(QStringLiteral("time"), QString::fromLatin1(ContainerLogReader::formatRfc3339Nano(timeNs)));
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

void append(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    QCOMPARE(f.write(data), data.size());
}

// Everything the reader gives now, as "stream:text" strings.
QStringList drain(ContainerLogReader &reader)
{
    QStringList out;
    for (;;) {
        auto e = reader.next();
        if (!e) {
            out.append(QStringLiteral("ERROR ") + QString::fromStdString(e.error().toString()));
            return out;
        }
        if (!*e)
            return out;
        out.append(((*e)->stream == LogEntry::Stdout ? QStringLiteral("out:") : QStringLiteral("err:"))
                   + QString::fromUtf8((*e)->text).trimmed());
    }
}

} // namespace

class tst_ContainerLogReader : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void readsRotatedFilesOldestFirst();
    void selectsStreams();
    void tailCountsLinesAcrossFilesAndStreams_data();
    void tailCountsLinesAcrossFilesAndStreams();
    void tailOfAHugeLogFindsTheEnd();
    void sinceAndUntilFilterByTime();
    void missingLogIsEmptyUntilItAppears();
    void followSurvivesRotationWithoutLossOrRepeat();
    void partialLineWaitsForItsEnd();
    void badLinesAreSkipped();
    void framesAreDockersMultiplexFormat();
    void ttyOutputIsRawWithFixedNanoTimestamps();
    void timeArgumentsParse_data();
    void timeArgumentsParse();
    void badTimeArgumentIsInvalid();
    void watcherSignalsAppendAndRotation();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_log;
};

void tst_ContainerLogReader::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_log = m_dir->path() + u"/container.log";
}

void tst_ContainerLogReader::readsRotatedFilesOldestFirst()
{
    append(m_log + u".2", line("one\n", "stdout", kBase + 1) + line("two\n", "stderr", kBase + 2));
    append(m_log + u".1", line("three\n", "stdout", kBase + 3));
    append(m_log, line("four\n", "stdout", kBase + 4));
    ContainerLogReader reader(m_log);
    QVERIFY(reader.open());
    QCOMPARE(drain(reader), (QStringList{u"out:one"_qs, u"err:two"_qs, u"out:three"_qs, u"out:four"_qs}));
}

void tst_ContainerLogReader::selectsStreams()
{
    append(m_log, line("o1\n", "stdout", kBase + 1) + line("e1\n", "stderr", kBase + 2) + line("o2\n", "stdout", kBase + 3));
    LogReadOptions o;
    o.stdoutStream = false;
    ContainerLogReader errOnly(m_log, o);
    QCOMPARE(drain(errOnly), QStringList{u"err:e1"_qs});
    o.stdoutStream = true;
    o.stderrStream = false;
    ContainerLogReader outOnly(m_log, o);
    QCOMPARE(drain(outOnly), (QStringList{u"out:o1"_qs, u"out:o2"_qs}));
}

void tst_ContainerLogReader::tailCountsLinesAcrossFilesAndStreams_data()
{
    QTest::addColumn<int>("tail");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("0") << 0 << QStringList{};
    QTest::newRow("1: only the last, a stderr line") << 1 << QStringList{u"err:f"_qs};
    QTest::newRow("2") << 2 << QStringList{u"out:e"_qs, u"err:f"_qs};
    QTest::newRow("3: crosses into .1") << 3 << QStringList{u"out:d"_qs, u"out:e"_qs, u"err:f"_qs};
    QTest::newRow("4: the whole of .1") << 4 << QStringList{u"out:c"_qs, u"out:d"_qs, u"out:e"_qs, u"err:f"_qs};
    QTest::newRow("5: into .2") << 5
                                << QStringList{u"err:b"_qs, u"out:c"_qs, u"out:d"_qs, u"out:e"_qs, u"err:f"_qs};
    QTest::newRow("more than there is")
        << 100 << QStringList{u"out:a"_qs, u"err:b"_qs, u"out:c"_qs, u"out:d"_qs, u"out:e"_qs, u"err:f"_qs};
}

void tst_ContainerLogReader::tailCountsLinesAcrossFilesAndStreams()
{
    QFETCH(int, tail);
    QFETCH(QStringList, expected);
    append(m_log + u".2", line("a\n", "stdout", kBase + 1) + line("b\n", "stderr", kBase + 2));
    append(m_log + u".1", line("c\n", "stdout", kBase + 3) + line("d\n", "stdout", kBase + 4));
    append(m_log, line("e\n", "stdout", kBase + 5) + line("f\n", "stderr", kBase + 6));
    LogReadOptions o;
    o.tail = tail;
    ContainerLogReader reader(m_log, o);
    QVERIFY(reader.open());
    QCOMPARE(drain(reader), expected);
    // what is written later still comes (logs -f --tail)
    append(m_log, line("g\n", "stdout", kBase + 7));
    QCOMPARE(drain(reader), QStringList{u"out:g"_qs});
}

void tst_ContainerLogReader::tailOfAHugeLogFindsTheEnd()
{
    QByteArray data;
    for (int i = 0; i < 20000; ++i)
        data += line("line " + QByteArray::number(i) + '\n', "stdout", kBase + i);
    QVERIFY(data.size() > 10 * 64 * 1024);
    append(m_log, data);
    LogReadOptions o;
    o.tail = 3;
    ContainerLogReader reader(m_log, o);
    QVERIFY(reader.open());
    QCOMPARE(drain(reader), (QStringList{u"out:line 19997"_qs, u"out:line 19998"_qs, u"out:line 19999"_qs}));
}

void tst_ContainerLogReader::sinceAndUntilFilterByTime()
{
    for (int i = 1; i <= 5; ++i)
        append(m_log, line(QByteArray::number(i) + '\n', "stdout", kBase + i * 1'000'000'000LL));
    LogReadOptions o;
    o.sinceNs = kBase + 2 * 1'000'000'000LL;
    o.untilNs = kBase + 4 * 1'000'000'000LL;
    ContainerLogReader reader(m_log, o);
    QCOMPARE(drain(reader), (QStringList{u"out:2"_qs, u"out:3"_qs, u"out:4"_qs}));
    QVERIFY(reader.finished());
}

void tst_ContainerLogReader::missingLogIsEmptyUntilItAppears()
{
    ContainerLogReader reader(m_log);
    QVERIFY(reader.open());
    QCOMPARE(drain(reader), QStringList{});
    append(m_log, line("late\n", "stdout", kBase));
    QCOMPARE(drain(reader), QStringList{u"out:late"_qs});
}

void tst_ContainerLogReader::followSurvivesRotationWithoutLossOrRepeat()
{
    append(m_log, line("a\n", "stdout", kBase + 1));
    ContainerLogReader reader(m_log);
    QVERIFY(reader.open());
    QCOMPARE(drain(reader), QStringList{u"out:a"_qs});
    // written after the reader reached the end, then rotated twice
    append(m_log, line("b\n", "stdout", kBase + 2));
    QVERIFY(QFile::rename(m_log, m_log + u".1"));
    append(m_log, line("c\n", "stdout", kBase + 3));
    QVERIFY(QFile::rename(m_log + u".1", m_log + u".2"));
    QVERIFY(QFile::rename(m_log, m_log + u".1"));
    append(m_log, line("d\n", "stderr", kBase + 4));
    QCOMPARE(drain(reader), (QStringList{u"out:b"_qs, u"out:c"_qs, u"err:d"_qs}));
    // the file we were in is deleted (maxFiles exceeded) while we are in the newest
    QVERIFY(QFile::remove(m_log + u".2"));
    append(m_log, line("e\n", "stdout", kBase + 5));
    QCOMPARE(drain(reader), QStringList{u"out:e"_qs});
}

void tst_ContainerLogReader::partialLineWaitsForItsEnd()
{
    const QByteArray full = line("whole\n", "stdout", kBase);
    append(m_log, full.left(10));
    ContainerLogReader reader(m_log);
    QCOMPARE(drain(reader), QStringList{});
    append(m_log, full.mid(10));
    QCOMPARE(drain(reader), QStringList{u"out:whole"_qs});
}

void tst_ContainerLogReader::badLinesAreSkipped()
{
    append(m_log, "not json\n" + line("ok\n", "stdout", kBase) + "{\"log\":\"x\",\"stream\":\"nope\",\"time\":\"\"}\n");
    ContainerLogReader reader(m_log);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"bad line"_qs));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"bad line"_qs));
    QCOMPARE(drain(reader), QStringList{u"out:ok"_qs});
}

void tst_ContainerLogReader::framesAreDockersMultiplexFormat()
{
    LogEntry e;
    e.stream = LogEntry::Stderr;
    e.text = "err\n";
    e.timeNs = kBase;
    const QByteArray frame = ContainerLogReader::format(e, false, false);
    QCOMPARE(frame, QByteArray("\x02\x00\x00\x00\x00\x00\x00\x04" "err\n", 12));
    e.stream = LogEntry::Stdout;
    e.text = QByteArray(300, 'x');
    const QByteArray big = ContainerLogReader::format(e, false, false);
    QCOMPARE(big.left(8), QByteArray("\x01\x00\x00\x00\x00\x00\x01\x2c", 8));
    QCOMPARE(big.size(), 308);
}

void tst_ContainerLogReader::ttyOutputIsRawWithFixedNanoTimestamps()
{
    LogEntry e;
    e.text = "out\r\n";
    e.timeNs = kBase + 502879500;
    QCOMPARE(ContainerLogReader::format(e, true, false), QByteArray("out\r\n"));
    QCOMPARE(ContainerLogReader::format(e, true, true), QByteArray("2027-01-15T08:00:00.502879500Z out\r\n"));
    const QByteArray framed = ContainerLogReader::format(e, false, true);
    QCOMPARE(framed.mid(8), QByteArray("2027-01-15T08:00:00.502879500Z out\r\n"));
    QCOMPARE(quint8(framed[7]), quint8(framed.size() - 8));
}

void tst_ContainerLogReader::timeArgumentsParse_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<qint64>("expected");
    const qint64 now = kBase;
    QTest::newRow("unix seconds") << u"1800000000"_qs << kBase;
    QTest::newRow("unix with nanos (the CLI's form)") << u"1800000000.000000042"_qs << kBase + 42;
    QTest::newRow("unix with short fraction") << u"1800000000.5"_qs << kBase + 500'000'000;
    QTest::newRow("rfc3339") << u"2027-01-15T08:00:00Z"_qs << kBase;
    QTest::newRow("rfc3339 nano") << u"2027-01-15T08:00:00.123456789Z"_qs << kBase + 123456789;
    QTest::newRow("rfc3339 offset") << u"2027-01-15T09:30:00+01:30"_qs << kBase;
    QTest::newRow("duration") << u"10m"_qs << now - 600LL * 1'000'000'000LL;
    QTest::newRow("compound duration") << u"1h30m"_qs << now - 5400LL * 1'000'000'000LL;
    QTest::newRow("fractional duration") << u"1.5s"_qs << now - 1'500'000'000LL;
}

void tst_ContainerLogReader::timeArgumentsParse()
{
    QFETCH(QString, value);
    QFETCH(qint64, expected);
    auto t = ContainerLogReader::parseTimeArgument(value, kBase);
    QVERIFY2(t, t ? "" : t.error().toString().c_str());
    QCOMPARE(*t, expected);
}

void tst_ContainerLogReader::badTimeArgumentIsInvalid()
{
    for (const QString &v : {u"yesterday"_qs, u"10x"_qs, u"2027-13-01T00:00:00Z"_qs, u""_qs}) {
        auto t = ContainerLogReader::parseTimeArgument(v, kBase);
        QVERIFY2(!t, qPrintable(v));
        QCOMPARE(t.error().code(), ErrorCode::InvalidArgument);
    }
}

void tst_ContainerLogReader::watcherSignalsAppendAndRotation()
{
    ContainerLogWatcher watcher(m_log);
    QVERIFY(watcher.start());
    QSignalSpy spy(&watcher, &ContainerLogWatcher::changed);
    // unrelated files in the bundle do not wake the reader
    append(m_dir->path() + u"/exit.json", "{}");
    QTest::qWait(50);
    QCOMPARE(spy.count(), 0);
    append(m_log, line("x\n", "stdout", kBase));
    QVERIFY(spy.wait(2000));
    spy.clear();
    QVERIFY(QFile::rename(m_log, m_log + u".1"));
    QVERIFY(spy.wait(2000));
}

QTEST_GUILESS_MAIN(tst_ContainerLogReader)
#include "tst_containerlogreader.moc"
