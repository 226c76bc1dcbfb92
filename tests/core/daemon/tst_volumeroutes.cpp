// The volume routes on an in-process HttpServer with a real VolumeStore.

#include "testclient.h"

#include <daemon/eventbus.h>
#include <daemon/volumeroutes.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

class tst_VolumeRoutes : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void createInspectListAndRemove();
    void createWithoutANameMakesAnAnonymousVolume();
    void createOfAnExistingNameIsIdempotent();
    void createWithABadNameIsA400();
    void missingVolumeIsDockersNotFound();
    void removeOfAVolumeInUseIsAConflict();
    void forceRemoveOfAMissingVolumeSucceeds();
    void listFilters();
    void unknownFilterIsA400();
    void pruneRemovesUnusedVolumesAndHonoursLabels();
    void eventsForCreateAndDestroy();

private:
    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {});
    static QJsonObject json(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }

    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<EventBus> m_events;
    std::unique_ptr<Engine::VolumeStore> m_volumes;
    std::unique_ptr<VolumeRoutes> m_routes;
    QMap<QString, QStringList> m_users; // volume -> container ids
};

void tst_VolumeRoutes::init()
{
    m_server = std::make_unique<TestServer>();
    m_events = std::make_unique<EventBus>();
    auto store = Engine::VolumeStore::open(m_server->config().root + u"/volumes");
    QVERIFY(store);
    m_volumes = std::move(*store);
    m_users.clear();
    m_routes = std::make_unique<VolumeRoutes>(VolumeRoutes::Context{
        m_volumes.get(), m_events.get(), [this](const QString &n) { return m_users.value(n); }});
    m_routes->registerRoutes(m_server->router());
    QVERIFY(m_server->listen());
}

void tst_VolumeRoutes::cleanup()
{
    m_server.reset();
    m_routes.reset();
    m_volumes.reset();
    m_events.reset();
}

Reply tst_VolumeRoutes::call(const QByteArray &method, const QByteArray &path, const QByteArray &body)
{
    return roundTrip(m_server->socketPath(), method, path, body);
}

void tst_VolumeRoutes::createInspectListAndRemove()
{
    Reply r = call("POST", "/v1.41/volumes/create",
                   R"({"Driver":"local","DriverOpts":{},"Labels":{"team":"io"},"Name":"data1"})");
    QCOMPARE(r.status, 201);
    QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/json"));
    QJsonObject v = json(r);
    QCOMPARE(v.value(u"Name"_qs).toString(), QStringLiteral("data1"));
    QCOMPARE(v.value(u"Driver"_qs).toString(), QStringLiteral("local"));
    QCOMPARE(v.value(u"Scope"_qs).toString(), QStringLiteral("local"));
    QCOMPARE(v.value(u"Labels"_qs).toObject().value(u"team"_qs).toString(), QStringLiteral("io"));
    QVERIFY(v.value(u"Mountpoint"_qs).toString().endsWith(u"/volumes/data1/_data"));

    r = call("GET", "/v1.41/volumes/data1");
    QCOMPARE(r.status, 200);
    QCOMPARE(json(r).value(u"Name"_qs).toString(), QStringLiteral("data1"));

    r = call("GET", "/v1.41/volumes");
    QCOMPARE(r.status, 200);
    const QJsonObject list = json(r);
    QCOMPARE(list.value(u"Volumes"_qs).toArray().size(), 1);
    QVERIFY(list.contains(u"Warnings"_qs));

    r = call("DELETE", "/v1.41/volumes/data1");
    QCOMPARE(r.status, 204);
    QCOMPARE(call("GET", "/v1.41/volumes/data1").status, 404);
}

void tst_VolumeRoutes::createWithoutANameMakesAnAnonymousVolume()
{
    const Reply r = call("POST", "/v1.41/volumes/create", "{}");
    QCOMPARE(r.status, 201);
    QCOMPARE(json(r).value(u"Name"_qs).toString().size(), 64);
}

void tst_VolumeRoutes::createOfAnExistingNameIsIdempotent()
{
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"same"})").status, 201);
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"same"})").status, 201);
    QCOMPARE(m_volumes->list().size(), 1);
}

void tst_VolumeRoutes::createWithABadNameIsA400()
{
    const Reply r = call("POST", "/v1.41/volumes/create", R"({"Name":"a/b"})");
    QCOMPARE(r.status, 400);
    QVERIFY(json(r).value(u"message"_qs).toString().contains(u"includes invalid characters for a local volume name"));
    QCOMPARE(call("POST", "/v1.41/volumes/create", "{not json").status, 400);
}

void tst_VolumeRoutes::missingVolumeIsDockersNotFound()
{
    for (const QByteArray &m : {QByteArray("GET"), QByteArray("DELETE")}) {
        const Reply r = call(m, "/v1.41/volumes/nosuch");
        QCOMPARE(r.status, 404);
        QCOMPARE(json(r).value(u"message"_qs).toString(), QStringLiteral("get nosuch: no such volume"));
    }
}

void tst_VolumeRoutes::removeOfAVolumeInUseIsAConflict()
{
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"busy"})").status, 201);
    const QString id = QString(64, u'c');
    m_users.insert(QStringLiteral("busy"), {id});
    for (const QByteArray &path : {QByteArray("/v1.41/volumes/busy"), QByteArray("/v1.41/volumes/busy?force=1")}) {
        const Reply r = call("DELETE", path);
        QCOMPARE(r.status, 409);
        QCOMPARE(json(r).value(u"message"_qs).toString(), QStringLiteral("remove busy: volume is in use - [%1]").arg(id));
    }
    QVERIFY(m_volumes->contains(QStringLiteral("busy")));
}

void tst_VolumeRoutes::forceRemoveOfAMissingVolumeSucceeds()
{
    QCOMPARE(call("DELETE", "/v1.41/volumes/nosuch?force=1").status, 204);
}

void tst_VolumeRoutes::listFilters()
{
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"web-data","Labels":{"app":"web"}})").status, 201);
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"db-data","Labels":{"app":"db"}})").status, 201);
    m_users.insert(QStringLiteral("db-data"), {QStringLiteral("c1")});
    auto names = [this](const QByteArray &filters) {
        const Reply r = call("GET", "/v1.41/volumes?filters=" + QUrl::toPercentEncoding(QString::fromUtf8(filters)));
        QStringList out;
        for (const QJsonValue &v : json(r).value(u"Volumes"_qs).toArray())
            out.append(v.toObject().value(u"Name"_qs).toString());
        out.sort();
        return out;
    };
    QCOMPARE(names(R"({"dangling":{"true":true}})"), QStringList{u"web-data"_qs});
    QCOMPARE(names(R"({"dangling":{"false":true}})"), QStringList{u"db-data"_qs});
    QCOMPARE(names(R"({"label":{"app=db":true}})"), QStringList{u"db-data"_qs});
    QCOMPARE(names(R"({"label":{"app":true}})"), (QStringList{u"db-data"_qs, u"web-data"_qs}));
    QCOMPARE(names(R"({"name":{"web":true}})"), QStringList{u"web-data"_qs});
    QCOMPARE(names(R"({"driver":{"local":true}})").size(), 2);
}

void tst_VolumeRoutes::unknownFilterIsA400()
{
    const Reply r = call("GET", "/v1.41/volumes?filters=" + QUrl::toPercentEncoding(u"{\"bogus\":{\"x\":true}}"_qs));
    QCOMPARE(r.status, 400);
    QCOMPARE(json(r).value(u"message"_qs).toString(), QStringLiteral("invalid filter 'bogus'"));
}

void tst_VolumeRoutes::pruneRemovesUnusedVolumesAndHonoursLabels()
{
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"used"})").status, 201);
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"keep","Labels":{"keep":"1"}})").status, 201);
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"free"})").status, 201);
    m_users.insert(QStringLiteral("used"), {QStringLiteral("c1")});
    Reply r = call("POST", "/v1.41/volumes/prune?filters=" + QUrl::toPercentEncoding(u"{\"label!\":{\"keep\":true}}"_qs));
    QCOMPARE(r.status, 200);
    QCOMPARE(json(r).value(u"VolumesDeleted"_qs).toArray(), QJsonArray{u"free"_qs});
    QVERIFY(json(r).contains(u"SpaceReclaimed"_qs));
    r = call("POST", "/v1.41/volumes/prune");
    QCOMPARE(json(r).value(u"VolumesDeleted"_qs).toArray(), QJsonArray{u"keep"_qs});
    r = call("POST", "/v1.41/volumes/prune");
    QVERIFY(json(r).value(u"VolumesDeleted"_qs).isNull());
    QVERIFY(m_volumes->contains(QStringLiteral("used")));
}

void tst_VolumeRoutes::eventsForCreateAndDestroy()
{
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"ev"})").status, 201);
    QCOMPARE(call("POST", "/v1.41/volumes/create", R"({"Name":"ev"})").status, 201); // no second create event
    QCOMPARE(call("DELETE", "/v1.41/volumes/ev").status, 204);
    const auto events = m_events->history(EventFilter(), 0);
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0).type, QStringLiteral("volume"));
    QCOMPARE(events.at(0).action, QStringLiteral("create"));
    QCOMPARE(events.at(0).actorId, QStringLiteral("ev"));
    QCOMPARE(events.at(0).attributes.value(u"driver"_qs), QStringLiteral("local"));
    QCOMPARE(events.at(1).action, QStringLiteral("destroy"));
}

QTEST_GUILESS_MAIN(tst_VolumeRoutes)
#include "tst_volumeroutes.moc"
