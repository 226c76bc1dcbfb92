#include <cli/portspec.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Berth::Cli;

class tst_PortSpec : public QObject
{
    Q_OBJECT
private slots:
    void specsBecomeMappingsAsDocker_data();
    void specsBecomeMappingsAsDocker();
    void badSpecsGiveDockersErrors_data();
    void badSpecsGiveDockersErrors();
    void publishedPortsFillTheCreateBody();
    void exposeRangesExpand();
};

void tst_PortSpec::specsBecomeMappingsAsDocker_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QStringList>("mappings"); // port|ip|hostPort
    QTest::newRow("container only") << "80" << QStringList{"80/tcp||"};
    QTest::newRow("host:container") << "8080:80" << QStringList{"80/tcp||8080"};
    QTest::newRow("udp") << "8080:80/udp" << QStringList{"80/udp||8080"};
    QTest::newRow("proto upper case") << "53/UDP" << QStringList{"53/udp||"};
    QTest::newRow("ip:host:container") << "127.0.0.1:8080:80" << QStringList{"80/tcp|127.0.0.1|8080"};
    QTest::newRow("ip::container") << "127.0.0.1::80" << QStringList{"80/tcp|127.0.0.1|"};
    QTest::newRow("ipv6 brackets") << "[::1]:8080:80" << QStringList{"80/tcp|::1|8080"};
    QTest::newRow("ranges") << "8000-8001:80-81" << QStringList{"80/tcp||8000", "81/tcp||8001"};
    QTest::newRow("container range") << "80-82" << QStringList{"80/tcp||", "81/tcp||", "82/tcp||"};
    QTest::newRow("host range for one port") << "8000-8010:80" << QStringList{"80/tcp||8000-8010"};
    QTest::newRow("ip, host range, one port") << "127.0.0.1:8000-8010:80/tcp"
                                              << QStringList{"80/tcp|127.0.0.1|8000-8010"};
    QTest::newRow("sctp") << "9:9/sctp" << QStringList{"9/sctp||9"};
    QTest::newRow("trailing slash is tcp") << "80/" << QStringList{"80/tcp||"};
}

void tst_PortSpec::specsBecomeMappingsAsDocker()
{
    QFETCH(QString, spec);
    QFETCH(QStringList, mappings);
    auto parsed = parsePortSpec(spec);
    QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().message().c_str());
    QStringList got;
    for (const PortMapping &m : *parsed)
        got << m.port + "|" + m.hostIp + "|" + m.hostPort;
    QCOMPARE(got, mappings);
}

void tst_PortSpec::badSpecsGiveDockersErrors_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    // Observed with docker 28.2.2 (`docker run -p ...`).
    QTest::newRow("host port too big") << "99999:80" << "invalid hostPort: 99999";
    QTest::newRow("not a number") << "abc" << "invalid containerPort: abc";
    QTest::newRow("bad ip") << "1.2.3:80:80" << "invalid IP address: 1.2.3";
    QTest::newRow("bad proto") << "80/xyz" << "invalid proto: xyz";
    QTest::newRow("range sizes differ") << "8000-8010:80-81"
                                        << "invalid ranges specified for container and host Ports: 80-81 and 8000-8010";
    QTest::newRow("empty container port") << "8080:" << "no port specified: 8080:<empty>";
    QTest::newRow("reversed range") << "90-80" << "invalid containerPort: 90-80";
    QTest::newRow("negative") << "-1" << "invalid containerPort: -1";
}

void tst_PortSpec::badSpecsGiveDockersErrors()
{
    QFETCH(QString, spec);
    QFETCH(QString, message);
    auto parsed = parsePortSpec(spec);
    QVERIFY(!parsed);
    QCOMPARE(QString::fromStdString(parsed.error().message()), message);
}

void tst_PortSpec::publishedPortsFillTheCreateBody()
{
    auto ports = buildPublishedPorts({"8080:80", "127.0.0.1:8081:80", "53/udp"}, {"90"});
    QVERIFY(ports.has_value());
    QCOMPARE(QJsonDocument(ports->exposedPorts).toJson(QJsonDocument::Compact),
             QByteArray(R"({"53/udp":{},"80/tcp":{},"90/tcp":{}})"));
    QCOMPARE(QJsonDocument(ports->portBindings).toJson(QJsonDocument::Compact),
             QByteArray(R"({"53/udp":[{"HostIp":"","HostPort":""}],"80/tcp":[{"HostIp":"","HostPort":"8080"},{"HostIp":"127.0.0.1","HostPort":"8081"}]})"));
    QVERIFY(!buildPublishedPorts({"x"}, {}));
    QVERIFY(!buildPublishedPorts({}, {"80/bogus"}));
}

void tst_PortSpec::exposeRangesExpand()
{
    auto ports = parseExposeSpec("8000-8002/udp");
    QVERIFY(ports.has_value());
    QCOMPARE(*ports, (QStringList{"8000/udp", "8001/udp", "8002/udp"}));
}

QTEST_GUILESS_MAIN(tst_PortSpec)
#include "tst_portspec.moc"
