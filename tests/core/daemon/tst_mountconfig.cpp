// Mount planning for container create (MountConfig, ContainerConfig):
// -v binds and volumes, --mount of each type, --tmpfs, Config.Volumes
// (anonymous and image volumes), dockerd's 400 wording for bad specs, the
// inspect and shim entries, which volumes rm -v removes, and a create that
// fails after making a volume undoing it.
#include <daemon/containerconfig.h>
#include <daemon/mountconfig.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Berth;
using namespace Berth::Daemon;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

MountConfig::Checks checks(QStringList existing = {"/h", "/srv/data"})
{
    MountConfig::Checks c;
    c.engineRoot = "/var/lib/berth-test";
    c.pathExists = [existing](const QString &p) { return existing.contains(p); };
    return c;
}

} // namespace

class TestMountConfig : public QObject
{
    Q_OBJECT

private slots:
    void everyKindIsPlannedAndSorted()
    {
        const QJsonObject host = json("{\"Binds\":[\"/h:/a/b:ro,rslave\",\"vol:/a:nocopy\",\"/srv/data/:/x/../c\"],\n"
            "            \"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":1048576,\"Mode\":1016}},\n"
            "                      {\"Type\":\"volume\",\"Target\":\"/m\",\"VolumeOptions\":{\"NoCopy\":true,\"Labels\":{\"k\":\"v\"}}}],\n"
            "            \"Tmpfs\":{\"/run\":\"rw,exec,size=64k,size=128k\"}}");
        auto plans = MountConfig::plan(host, json("{\"/img\":{},\"/a\":{}}"), checks());
        QVERIFY2(plans, plans ? "" : plans.error().message().c_str());
        QStringList order;
        for (const auto &p : *plans)
            order << p.destination;
        // Parents first; /a from Config.Volumes is covered by the -v volume.
        QCOMPARE(order, (QStringList{"/a", "/c", "/t", "/m", "/run", "/img", "/a/b"}));
        const auto &bind = plans->at(6);
        QVERIFY(bind.kind == MountConfig::Kind::Bind && bind.readOnly);
        QCOMPARE(bind.propagation, QString("rslave"));
        QCOMPARE(bind.mode, QString("ro,rslave"));
        QCOMPARE(plans->at(1).source, QString("/srv/data"));
        QVERIFY(plans->at(0).noCopy && plans->at(0).source == "vol");
        QCOMPARE(plans->at(2).tmpfsOptions, (QStringList{"size=1m", "mode=1770"}));
        QVERIFY(plans->at(2).noexec && plans->at(2).inspected);
        QCOMPARE(plans->at(3).volumeLabels.value("k"), QString("v"));
        QVERIFY(plans->at(3).source.isEmpty() && plans->at(3).noCopy);
        QCOMPARE(plans->at(4).tmpfsOptions, QStringList{"size=128k"});
        QVERIFY(!plans->at(4).noexec && plans->at(4).nosuid && !plans->at(4).inspected);
        QVERIFY(plans->at(5).kind == MountConfig::Kind::Volume && plans->at(5).source.isEmpty() && !plans->at(5).noCopy);
    }

    void badSpecsGetDockersWords_data()
    {
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing bind source") << QByteArray("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nope\",\"Target\":\"/x\"}]}")
            << QString("invalid mount config for type \"bind\": bind source path does not exist: /nope");
        QTest::newRow("bind without source") << QByteArray("{\"Mounts\":[{\"Type\":\"bind\",\"Target\":\"/x\"}]}")
            << QString("invalid mount config for type \"bind\": field Source must not be empty");
        QTest::newRow("tmpfs with source") << QByteArray("{\"Mounts\":[{\"Type\":\"tmpfs\",\"Source\":\"/h\",\"Target\":\"/x\"}]}")
            << QString("invalid mount config for type \"tmpfs\": field Source must not be specified");
        QTest::newRow("unknown type") << QByteArray("{\"Mounts\":[{\"Type\":\"npipe\",\"Target\":\"/x\"}]}")
            << QString("invalid mount config for type \"npipe\": mount type unknown");
        QTest::newRow("relative target") << QByteArray("{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"x\"}]}")
            << QString("invalid mount config for type \"volume\": invalid mount path: 'x' mount path must be absolute");
        QTest::newRow("no target") << QByteArray("{\"Mounts\":[{\"Type\":\"volume\"}]}")
            << QString("invalid mount config for type \"volume\": field Target must not be empty");
        QTest::newRow("bind options on volume") << QByteArray("{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"BindOptions\":{}}]}")
            << QString("invalid mount config for type \"volume\": field BindOptions must not be specified");
        QTest::newRow("duplicate") << QByteArray("{\"Binds\":[\"vv:/d\"],\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/d/\"}]}")
            << QString("Duplicate mount point: /d");
        QTest::newRow("bad volume name") << QByteArray("{\"Binds\":[\"a$b:/d\"]}")
            << QString("create a$b: \"a$b\" includes invalid characters for a local volume name");
        QTest::newRow("relative -v target") << QByteArray("{\"Binds\":[\"v:d\"]}")
            << QString("invalid volume specification: 'v:d': invalid mount config for type \"volume\": invalid mount path: 'd' mount path must be absolute");
        QTest::newRow("-v over /") << QByteArray("{\"Binds\":[\"/h:/\"]}")
            << QString("invalid volume specification: '/h:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'");
        QTest::newRow("bad mode") << QByteArray("{\"Binds\":[\"/h:/d:rw,ro\"]}") << QString("invalid mode: rw,ro");
        QTest::newRow("nocopy on bind") << QByteArray("{\"Binds\":[\"/h:/d:nocopy\"]}") << QString("invalid mode: nocopy");
        QTest::newRow("engine root") << QByteArray("{\"Binds\":[\"/var/lib/berth-test/volumes:/d\"]}")
            << QString("is inside the engine's root");
        QTest::newRow("in /proc") << QByteArray("{\"Binds\":[\"/h:/x/../proc/sys\"]}")
            << QString("/proc/sys cannot be mounted because it is inside /proc");
        QTest::newRow("tmpfs in /proc") << QByteArray("{\"Tmpfs\":{\"/proc\":\"\"}}") << QString("inside /proc");
        QTest::newRow("tmpfs option") << QByteArray("{\"Tmpfs\":{\"/t\":\"size=1m,uid=x\"}}")
            << QString("invalid tmpfs option [\"uid=x\"] for /t");
        QTest::newRow("tmpfs injection") << QByteArray("{\"Tmpfs\":{\"/t\":\"source=/dev/sda\"}}")
            << QString("invalid tmpfs option [\"source=/dev/sda\"] for /t");
        QTest::newRow("propagation") << QByteArray("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/h\",\"Target\":\"/x\",\"BindOptions\":{\"Propagation\":\"weird\"}}]}")
            << QString("invalid propagation mode: weird");
    }

    void badSpecsGetDockersWords()
    {
        QFETCH(QByteArray, host);
        QFETCH(QString, message);
        auto plans = MountConfig::plan(QJsonDocument::fromJson(host).object(), {}, checks());
        QVERIFY(!plans);
        QCOMPARE(plans.error().code(), ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(plans.error().message()).contains(message), plans.error().message().c_str());
    }

    void inspectAndShimEntries()
    {
        auto plans = MountConfig::plan(json("{\"Binds\":[\"/h:/b\",\"vv:/v\"],\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/t\"}]}"),
                                       json("{\"/anon\":{}}"), checks());
        QVERIFY(plans);
        QCOMPARE(MountConfig::inspectEntry(plans->at(0), {}, {}),
                 json("{\"Type\":\"bind\",\"Source\":\"/h\",\"Destination\":\"/b\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"rprivate\"}"));
        QCOMPARE(MountConfig::inspectEntry(plans->at(1), "vv", "/r/volumes/vv/_data"),
                 json("{\"Type\":\"volume\",\"Name\":\"vv\",\"Source\":\"/r/volumes/vv/_data\",\"Destination\":\"/v\",\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}"));
        QCOMPARE(MountConfig::inspectEntry(plans->at(2), {}, {}),
                 json("{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/t\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}"));
        QCOMPARE(MountConfig::inspectEntry(plans->at(3), "abc", "/r/volumes/abc/_data").value("Mode").toString(), QString());
        QCOMPARE(MountConfig::shimEntry(plans->at(1), "/r/volumes/vv/_data"),
                 json("{\"type\":\"bind\",\"source\":\"/r/volumes/vv/_data\",\"destination\":\"/v\",\"readonly\":false,\"copyUp\":true}"));
        QCOMPARE(MountConfig::shimEntry(plans->at(0), "/h"),
                 json("{\"type\":\"bind\",\"source\":\"/h\",\"destination\":\"/b\",\"readonly\":false}"));
        QCOMPARE(MountConfig::shimEntry(plans->at(2), {}),
                 json("{\"type\":\"tmpfs\",\"destination\":\"/t\",\"readonly\":false,\"options\":[],\"noexec\":true,\"nosuid\":true,\"nodev\":true}"));
    }

    void anonymousVolumesAreTheOnesWithoutASource()
    {
        const QJsonObject host = json("{\"Binds\":[\"named:/n\",\"/h:/b\"],\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"m\",\"Target\":\"/m\"},{\"Type\":\"volume\",\"Target\":\"/x\"}]}");
        const QJsonArray mounts = QJsonDocument::fromJson("[\n"
            "            {\"Type\":\"volume\",\"Name\":\"named\",\"Destination\":\"/n\"},{\"Type\":\"bind\",\"Source\":\"/h\",\"Destination\":\"/b\"},\n"
            "            {\"Type\":\"volume\",\"Name\":\"m\",\"Destination\":\"/m\"},{\"Type\":\"volume\",\"Name\":\"a1\",\"Destination\":\"/x\"},\n"
            "            {\"Type\":\"volume\",\"Name\":\"a2\",\"Destination\":\"/img\"}]").array();
        QCOMPARE(MountConfig::anonymousVolumes(mounts, host), (QStringList{"a1", "a2"}));
    }

    void createMakesVolumesAndUndoesThemOnFailure()
    {
        ContainerConfig::CreateContext ctx;
        ctx.id = QString(64, 'c');
        ctx.name = "c1";
        ctx.imageRef = "img";
        ctx.image.config = json("{\"config\":{\"Cmd\":[\"sh\"],\"Volumes\":{\"/img\":{}}}}");
        QStringList created, dropped;
        QMap<QString, QString> labelsSeen;
        ctx.provideVolume = [&](const ContainerConfig::CreateContext::VolumeRequest &r)
            -> Result<ContainerConfig::CreateContext::VolumeGrant> {
            const QString name = r.name.isEmpty() ? QString("anon%1").arg(created.size()) : r.name;
            created << name;
            labelsSeen.insert(r.labels);
            return ContainerConfig::CreateContext::VolumeGrant{name, "/vols/" + name + "/_data", true};
        };
        ctx.dropVolume = [&](const QString &n) { dropped << n; };
        ctx.engineRoot = "/var/lib/berth-test";
        ctx.createHostDirectory = [](const QString &) -> Status { return {}; };

        // A good request: the image's volume and the request's, merged.
        auto record = ContainerConfig::buildRecord(
            json("{\"Volumes\":{\"/req\":{}},\"HostConfig\":{\"Binds\":[\"named:/n\"],\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"VolumeOptions\":{\"Labels\":{\"l\":\"1\"}}}]}}"), ctx);
        QVERIFY2(record, record ? "" : record.error().message().c_str());
        QCOMPARE(created, (QStringList{"named", "anon1", "anon2", "anon3"}));
        QCOMPARE(labelsSeen.value("l"), QString("1"));
        QCOMPARE(record->config.value("Volumes").toObject().keys(), (QStringList{"/img", "/req"}));
        QCOMPARE(record->mounts.size(), 4);
        QCOMPARE(MountConfig::anonymousVolumes(record->mounts, record->hostConfig), (QStringList{"anon1", "anon2", "anon3"}));
        QVERIFY(dropped.isEmpty());

        // The shim spec: volumes copy up, sorted, with their mountpoints.
        const QJsonObject spec = ContainerConfig::shimSpec(*record, ContainerConfig::SpecContext{});
        const QJsonArray mounts = spec.value("mounts").toArray();
        QCOMPARE(mounts.size(), 4);
        for (const QJsonValue &m : mounts) {
            QVERIFY(m.toObject().value("copyUp").toBool());
            QVERIFY(m.toObject().value("source").toString().startsWith("/vols/"));
        }

        // A volume made, then a failure: the volume is dropped again.
        created.clear();
        ctx.provideVolume = [&](const ContainerConfig::CreateContext::VolumeRequest &r)
            -> Result<ContainerConfig::CreateContext::VolumeGrant> {
            if (r.name == "bad")
                return fail(ErrorCode::NotFound, std::string("create bad: error looking up volume plugin x: plugin \"x\" not found"));
            created << r.name;
            return ContainerConfig::CreateContext::VolumeGrant{r.name, "/vols/" + r.name + "/_data", true};
        };
        record = ContainerConfig::buildRecord(json("{\"HostConfig\":{\"Binds\":[\"made:/a\",\"bad:/b\"]}}"), ctx);
        QVERIFY(!record);
        QCOMPARE(dropped, QStringList{"made"});

        // A bad spec fails before any volume is made.
        created.clear();
        dropped.clear();
        record = ContainerConfig::buildRecord(json("{\"HostConfig\":{\"Binds\":[\"made:/a\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nope\",\"Target\":\"/b\"}]}}"), ctx);
        QVERIFY(!record);
        QVERIFY(created.isEmpty() && dropped.isEmpty());
    }

    void volumesFromInheritsBindsAndVolumes()
    {
        Engine::ContainerRecord source;
        source.id = QString(64, 'a');
        source.mounts = QJsonDocument::fromJson(
            "[{\"Type\":\"volume\",\"Name\":\"anon\",\"Source\":\"/vols/anon/_data\",\"Destination\":\"/data\",\"Driver\":\"local\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"},"
            "{\"Type\":\"bind\",\"Source\":\"/h\",\"Destination\":\"/b\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"rslave\"},"
            "{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/t\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}]").array();
        ContainerConfig::CreateContext ctx;
        ctx.id = QString(64, 'c');
        ctx.name = "c2";
        ctx.imageRef = "img";
        ctx.image.config = json("{\"config\":{\"Cmd\":[\"sh\"],\"Volumes\":{\"/data\":{}}}}");
        QStringList made;
        ctx.provideVolume = [&](const ContainerConfig::CreateContext::VolumeRequest &r)
            -> Result<ContainerConfig::CreateContext::VolumeGrant> {
            made << r.name;
            return ContainerConfig::CreateContext::VolumeGrant{r.name, "/vols/" + r.name + "/_data", true};
        };
        ctx.findContainer = [&](const QString &ref) -> Result<Engine::ContainerRecord> {
            if (ref == "src")
                return source;
            return fail(ErrorCode::NotFound, "No such container: " + ref.toStdString());
        };
        // :ro; the image's /data volume is the inherited one, not a new one.
        auto record = ContainerConfig::buildRecord(json("{\"HostConfig\":{\"VolumesFrom\":[\"src:ro\"]}}"), ctx);
        QVERIFY2(record, record ? "" : record.error().message().c_str());
        QVERIFY(made.isEmpty());
        QCOMPARE(record->mounts.size(), 2);
        for (const QJsonValue &m : record->mounts) {
            QCOMPARE(m.toObject().value("RW").toBool(), false);
            QCOMPARE(m.toObject().value("Mode").toString(), QString());
        }
        const QJsonArray shim = ContainerConfig::shimSpec(*record, ContainerConfig::SpecContext{}).value("mounts").toArray();
        QCOMPARE(shim.size(), 2);
        QCOMPARE(shim.at(0).toObject(), json("{\"type\":\"bind\",\"source\":\"/vols/anon/_data\",\"destination\":\"/data\",\"readonly\":true,\"copyUp\":true}"));
        QCOMPARE(shim.at(1).toObject(), json("{\"type\":\"bind\",\"source\":\"/h\",\"destination\":\"/b\",\"readonly\":true,\"propagation\":\"rslave\"}"));
        // An own mount at the same destination replaces the inherited one.
        record = ContainerConfig::buildRecord(json("{\"HostConfig\":{\"VolumesFrom\":[\"src\"],\"Binds\":[\"mine:/b\"]}}"), ctx);
        QVERIFY(record);
        QCOMPARE(made, QStringList{"mine"});
        QCOMPARE(record->mounts.size(), 2);
        // Errors: unknown container (404), bad mode (400).
        record = ContainerConfig::buildRecord(json("{\"HostConfig\":{\"VolumesFrom\":[\"nosuch\"]}}"), ctx);
        QVERIFY(!record && record.error().code() == ErrorCode::NotFound);
        record = ContainerConfig::buildRecord(json("{\"HostConfig\":{\"VolumesFrom\":[\"src:rx\"]}}"), ctx);
        QVERIFY(!record);
        QCOMPARE(QString::fromStdString(record.error().message()), QString("invalid mode for volumes-from: rx"));
    }
};

QTEST_GUILESS_MAIN(TestMountConfig)
#include "tst_mountconfig.moc"
