// `network ls` rows from GET /networks entries, and Go's time.Time.String()
// of the API's RFC 3339 times (the CreatedAt column).

#include <cli/networkcommands.h>

#include <QJsonObject>
#include <QTest>

using namespace Berth::Cli;

class tst_NetworkRows : public QObject
{
    Q_OBJECT

private slots:
    void goTimeStringMatchesGo_data()
    {
        QTest::addColumn<QString>("rfc3339");
        QTest::addColumn<QString>("go");
        QTest::newRow("nanoseconds") << "2026-11-28T07:28:13.414820189Z" << "2026-11-28 07:28:13.414820189 +0000 UTC";
        QTest::newRow("trailing zeros dropped") << "2026-11-28T07:28:13.414000000Z" << "2026-11-28 07:28:13.414 +0000 UTC";
        QTest::newRow("no fraction") << "2026-11-28T07:28:13Z" << "2026-11-28 07:28:13 +0000 UTC";
        QTest::newRow("zero fraction") << "2026-11-28T07:28:13.000Z" << "2026-11-28 07:28:13 +0000 UTC";
        QTest::newRow("offset") << "2026-11-28T09:28:13.5+02:00" << "2026-11-28 09:28:13.5 +0200 +0200";
        QTest::newRow("not a time") << "yesterday" << "";
        QTest::newRow("empty") << "" << "";
    }

    void goTimeStringMatchesGo()
    {
        QFETCH(QString, rfc3339);
        QFETCH(QString, go);
        QCOMPARE(NetworkRows::goTimeString(rfc3339), go);
    }

    void rowHasDockersFields()
    {
        const QJsonObject network{{"Name", "bridge"},
                                  {"Id", "4cea41d3871d53df38b4d40ec6b6a3e12b88baf12c9769409350db531f073def"},
                                  {"Created", "2026-11-28T07:28:13.417292718Z"},
                                  {"Scope", "local"},
                                  {"Driver", "bridge"},
                                  {"EnableIPv6", false},
                                  {"Internal", true},
                                  {"Labels", QJsonObject{{"a", "1"}, {"b", "2"}}}};
        const QJsonObject row = NetworkRows::row(network, false);
        QCOMPARE(row.value("ID").toString(), QStringLiteral("4cea41d3871d"));
        QCOMPARE(row.value("Name").toString(), QStringLiteral("bridge"));
        QCOMPARE(row.value("Driver").toString(), QStringLiteral("bridge"));
        QCOMPARE(row.value("Scope").toString(), QStringLiteral("local"));
        QCOMPARE(row.value("IPv4").toString(), QStringLiteral("false")); // no EnableIPv4 before API 1.47
        QCOMPARE(row.value("IPv6").toString(), QStringLiteral("false"));
        QCOMPARE(row.value("Internal").toString(), QStringLiteral("true"));
        QCOMPARE(row.value("Labels").toString(), QStringLiteral("a=1,b=2"));
        QCOMPARE(row.value("CreatedAt").toString(), QStringLiteral("2026-11-28 07:28:13.417292718 +0000 UTC"));
        QCOMPARE(NetworkRows::row(network, true).value("ID").toString(), network.value("Id").toString());
        QJsonObject v4 = network;
        v4.insert("EnableIPv4", true);
        QCOMPARE(NetworkRows::row(v4, false).value("IPv4").toString(), QStringLiteral("true"));
    }
};

QTEST_GUILESS_MAIN(tst_NetworkRows)
#include "tst_networkrows.moc"
