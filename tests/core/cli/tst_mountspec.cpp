// --mount values as docker 28's CLI parses them (opts.MountOpt): the
// HostConfig.Mounts entry built, and the error text for bad values.
#include <cli/containeroptions.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Berth::Cli;

class TestMountSpec : public QObject
{
    Q_OBJECT

private slots:
    void entries_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("json");
        QTest::newRow("default type volume") << QString("target=/data") << QString("{\"Target\":\"/data\",\"Type\":\"volume\"}");
        QTest::newRow("named volume ro") << QString("type=volume,src=v1,dst=/d,ro")
                                         << QString("{\"ReadOnly\":true,\"Source\":\"v1\",\"Target\":\"/d\",\"Type\":\"volume\"}");
        QTest::newRow("readonly=false") << QString("type=volume,source=v1,destination=/d,readonly=false")
                                        << QString("{\"Source\":\"v1\",\"Target\":\"/d\",\"Type\":\"volume\"}");
        QTest::newRow("volume options")
            << QString("type=volume,src=v,dst=/d,volume-nocopy,volume-label=a=b,volume-label=c,volume-driver=local,volume-opt=o=x")
            << QString("{\"Source\":\"v\",\"Target\":\"/d\",\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"o\":\"x\"}},\"Labels\":{\"a\":\"b\",\"c\":\"\"},\"NoCopy\":true}}");
        QTest::newRow("nocopy=false") << QString("type=volume,dst=/d,volume-nocopy=false")
                                      << QString("{\"Target\":\"/d\",\"Type\":\"volume\",\"VolumeOptions\":{\"NoCopy\":false}}");
        QTest::newRow("bind propagation") << QString("type=bind,source=/h,target=/b,bind-propagation=RSLAVE")
                                          << QString("{\"BindOptions\":{\"Propagation\":\"rslave\"},\"Source\":\"/h\",\"Target\":\"/b\",\"Type\":\"bind\"}");
        QTest::newRow("keys are case-insensitive") << QString("Type=Bind,SOURCE=/h,Target=/b")
                                                   << QString("{\"Source\":\"/h\",\"Target\":\"/b\",\"Type\":\"bind\"}");
        QTest::newRow("tmpfs") << QString("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770")
                               << QString("{\"Target\":\"/t\",\"TmpfsOptions\":{\"Mode\":1016,\"SizeBytes\":1048576},\"Type\":\"tmpfs\"}");
        QTest::newRow("quoted field") << QString("type=bind,\"source=/a,b\",target=/x")
                                      << QString("{\"Source\":\"/a,b\",\"Target\":\"/x\",\"Type\":\"bind\"}");
    }

    void entries()
    {
        QFETCH(QString, spec);
        QFETCH(QString, json);
        auto m = parseMountSpec(spec);
        QVERIFY2(m, m ? "" : m.error().message().c_str());
        QCOMPARE(QString::fromUtf8(QJsonDocument(*m).toJson(QJsonDocument::Compact)), json);
    }

    void relativeSourceIsMadeAbsolute()
    {
        auto m = parseMountSpec(QString("type=bind,src=./sub,dst=/x"));
        QVERIFY(m);
        QCOMPARE(m->value(QString("Source")).toString(), QDir::cleanPath(QDir::currentPath() + QString("/sub")));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("message");
        QTest::newRow("no target") << QString("type=volume") << QString("target is required");
        QTest::newRow("empty type") << QString("type=,target=/x") << QString("type is required");
        QTest::newRow("bare field") << QString("target") << QString("invalid field 'target' must be a key=value pair");
        QTest::newRow("unknown key") << QString("type=volume,target=/x,bogus=1") << QString("unexpected key 'bogus' in 'bogus=1'");
        QTest::newRow("bad bool") << QString("target=/x,readonly=maybe") << QString("invalid value for readonly: maybe");
        QTest::newRow("bad nocopy") << QString("target=/x,volume-nocopy=2") << QString("invalid value for volume-nocopy: 2");
        QTest::newRow("bad size") << QString("type=tmpfs,target=/x,tmpfs-size=lots") << QString("invalid value for tmpfs-size: lots");
        QTest::newRow("bad mode") << QString("type=tmpfs,target=/x,tmpfs-mode=9") << QString("invalid value for tmpfs-mode: 9");
        QTest::newRow("volume option on bind") << QString("type=bind,target=/x,volume-nocopy")
                                               << QString("cannot mix 'volume-*' options with mount type 'bind'");
        QTest::newRow("bind option on volume") << QString("target=/x,bind-propagation=shared")
                                               << QString("cannot mix 'bind-*' options with mount type 'volume'");
        QTest::newRow("tmpfs option on volume") << QString("type=volume,target=/x,tmpfs-size=1m")
                                                << QString("cannot mix 'tmpfs-*' options with mount type 'volume'");
        QTest::newRow("bare quote") << QString("type=bind,sou\"rce=/a,target=/x") << QString("bare \" in non-quoted-field");
    }

    void errors()
    {
        QFETCH(QString, spec);
        QFETCH(QString, message);
        auto m = parseMountSpec(spec);
        QVERIFY(!m);
        QVERIFY2(QString::fromStdString(m.error().message()).contains(message), m.error().message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestMountSpec)
#include "tst_mountspec.moc"
