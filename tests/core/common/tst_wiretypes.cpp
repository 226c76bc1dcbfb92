#include <common/errors.h>
#include <common/event.h>
#include <common/systeminfo.h>
#include <common/versioninfo.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Common;

class tst_WireTypes : public QObject
{
    Q_OBJECT
private slots:
    void versionRoundTripsThroughJson()
    {
        VersionInfo v;
        v.version = QStringLiteral("0.1.0");
        v.apiVersion = QStringLiteral("1.41");
        v.minApiVersion = QStringLiteral("1.24");
        v.os = QStringLiteral("linux");
        v.arch = QStringLiteral("amd64");
        v.platformName = QStringLiteral("Berth Engine");
        const auto back = VersionInfo::fromJson(v.toJson());
        QVERIFY(back);
        QCOMPARE(back->version, v.version);
        QCOMPARE(back->apiVersion, v.apiVersion);
        QCOMPARE(back->platformName, v.platformName);
        QCOMPARE(v.toJson().value(QStringLiteral("Components")).toArray().size(), 1);
    }
    void versionWithoutApiVersionIsRejected()
    {
        QVERIFY(!VersionInfo::fromJson(QJsonObject{{QStringLiteral("Version"), QStringLiteral("1")}}));
    }
    void infoCarriesInactiveSwarm()
    {
        SystemInfo s;
        s.serverVersion = QStringLiteral("0.1.0");
        const QJsonObject o = s.toJson();
        QCOMPARE(o.value(QStringLiteral("Swarm")).toObject().value(QStringLiteral("LocalNodeState")).toString(),
                 QStringLiteral("inactive"));
        QVERIFY(SystemInfo::fromJson(o));
    }
    void eventKeepsNanoseconds()
    {
        Event e;
        e.type = QStringLiteral("container");
        e.action = QStringLiteral("die");
        e.actorId = QString(64, QLatin1Char('a'));
        e.attributes.insert(QStringLiteral("exitCode"), QStringLiteral("0"));
        e.timeNano = 1795819047018968380LL;
        const QByteArray wire = QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact);
        const auto back = Event::fromJson(QJsonDocument::fromJson(wire).object());
        QVERIFY(back);
        QCOMPARE(back->timeNano, e.timeNano);
        QCOMPARE(back->time(), qint64(1795819047));
        QCOMPARE(back->attributes.value(QStringLiteral("exitCode")), QStringLiteral("0"));
        QVERIFY(wire.contains("\"status\":\"die\""));
    }
    void errorStatusMapping_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<int>("status");
        QTest::newRow("not found") << int(ErrorCode::NotFound) << 404;
        QTest::newRow("conflict") << int(ErrorCode::Conflict) << 409;
        QTest::newRow("invalid") << int(ErrorCode::InvalidArgument) << 400;
        QTest::newRow("internal") << int(ErrorCode::Internal) << 500;
        QTest::newRow("not implemented") << int(ErrorCode::NotImplemented) << 501;
    }
    void errorStatusMapping()
    {
        QFETCH(int, code);
        QFETCH(int, status);
        QCOMPARE(httpStatusFor(ErrorCode(code)), status);
        QCOMPARE(int(errorCodeForStatus(status)), code);
    }
    void errorBodyIsDockerShaped()
    {
        QCOMPARE(errorBody(QStringLiteral("No such container: x")), QByteArray(R"({"message":"No such container: x"})"));
        QCOMPARE(messageFromErrorBody(R"({"message":"page not found"})"), QStringLiteral("page not found"));
    }
};

QTEST_GUILESS_MAIN(tst_WireTypes)
#include "tst_wiretypes.moc"
