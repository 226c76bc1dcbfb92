#include <cli/units.h>

#include <QTest>

using namespace Berth::Cli;

class tst_Units : public QObject
{
    Q_OBJECT
private slots:
    void sizesMatchGoUnits_data();
    void sizesMatchGoUnits();
    void durationsMatchGoUnits_data();
    void durationsMatchGoUnits();
    void goDurationsParse_data();
    void goDurationsParse();
    void timestampOptionsBecomeUnixSeconds_data();
    void timestampOptionsBecomeUnixSeconds();
    void eventTimesHaveNineFractionDigits();
};

void tst_Units::sizesMatchGoUnits_data()
{
    QTest::addColumn<double>("bytes");
    QTest::addColumn<QString>("human");
    QTest::addColumn<QString>("binary");
    QTest::newRow("zero") << 0.0 << "0B" << "0B";
    QTest::newRow("bytes") << 999.0 << "999B" << "999B";
    QTest::newRow("kilo") << 1500.0 << "1.5kB" << "1.465KiB";
    QTest::newRow("busybox") << 4261550.0 << "4.262MB" << "4.064MiB";
    QTest::newRow("captured MemTotal") << 25276502016.0 << "25.28GB" << "23.54GiB";
}

void tst_Units::sizesMatchGoUnits()
{
    QFETCH(double, bytes);
    QFETCH(QString, human);
    QFETCH(QString, binary);
    QCOMPARE(Units::humanSize(bytes), human);
    QCOMPARE(Units::bytesSize(bytes), binary);
}

void tst_Units::durationsMatchGoUnits_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");
    const qint64 s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
    QTest::newRow("<1s") << qint64(500) << "Less than a second";
    QTest::newRow("1s") << s << "1 second";
    QTest::newRow("59s") << 59 * s << "59 seconds";
    QTest::newRow("1m") << m << "About a minute";
    QTest::newRow("59m") << 59 * m << "59 minutes";
    QTest::newRow("1h") << h << "About an hour";
    QTest::newRow("90m rounds to 2h") << 90 * m << "2 hours";
    QTest::newRow("47h") << 47 * h << "47 hours";
    QTest::newRow("3d") << 3 * d << "3 days";
    QTest::newRow("3w") << 21 * d << "3 weeks";
    QTest::newRow("3mo") << 95 * d << "3 months";
    QTest::newRow("3y") << 3 * 365 * d << "3 years";
}

void tst_Units::durationsMatchGoUnits()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);
    QCOMPARE(Units::humanDuration(ms), text);
}

void tst_Units::goDurationsParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms");
    QTest::newRow("10m") << "10m" << qint64(600000);
    QTest::newRow("1h30m") << "1h30m" << qint64(5400000);
    QTest::newRow("1.5s") << "1.5s" << qint64(1500);
    QTest::newRow("300ms") << "300ms" << qint64(300);
    QTest::newRow("garbage") << "ten" << qint64(-1);
}

void tst_Units::goDurationsParse()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);
    const auto parsed = Units::parseDuration(text);
    QCOMPARE(parsed.value_or(-1), ms);
}

void tst_Units::timestampOptionsBecomeUnixSeconds_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unix seconds") << "1795819023" << "1795819023";
    QTest::newRow("unix fraction") << "1795819023.5" << "1795819023.5";
    QTest::newRow("duration back from now") << "10m" << "1795818423";
    QTest::newRow("RFC 3339") << "2026-11-27T22:37:03Z" << "1795819023";
    QTest::newRow("not a time") << "yesterday" << "";
}

void tst_Units::timestampOptionsBecomeUnixSeconds()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QCOMPARE(Units::timestampOption(text, 1795819023).value_or(QString()), expected);
}

void tst_Units::eventTimesHaveNineFractionDigits()
{
    qputenv("TZ", "UTC");
    QCOMPARE(Units::rfc3339NanoFixed(Q_INT64_C(1795819046928751940)), QStringLiteral("2026-11-27T22:37:26.928751940Z"));
    QCOMPARE(Units::rfc3339NanoFixed(Q_INT64_C(1795819046000000001)), QStringLiteral("2026-11-27T22:37:26.000000001Z"));
}

QTEST_GUILESS_MAIN(tst_Units)
#include "tst_units.moc"
