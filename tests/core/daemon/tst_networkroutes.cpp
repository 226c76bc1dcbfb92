// The network routes on an in-process HttpServer with a real ContainerStore
// and Ipam in a temporary root: the built-in networks, their persisted IDs,
// filters, lookups and docker's refusals.

#include "testclient.h"

#include <daemon/ipam.h>
#include <daemon/networkroutes.h>
#include <engine/containerstore.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

class tst_NetworkRoutes : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void listHasTheThreeBuiltinNetworksWithoutContainers();
    void idsArePersistedAndReusedOnReopen();
    void inspectByIdNamePrefixAndMissing();
    void inspectListsRunningContainersOnlyOnTheirNetwork();
    void listFilters_data();
    void listFilters();
    void badFiltersAreRefused();
    void builtinsCannotBeRemovedOrCreated();
    void userDefinedNetworksAreNotImplemented();
    void pruneRemovesNothing();

private:
    void openRoutes();
    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {});
    static QJsonObject object(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }
    static QJsonArray array(const Reply &r) { return QJsonDocument::fromJson(r.body).array(); }
    static QString message(const Reply &r) { return object(r).value(QStringLiteral("message")).toString(); }
    void addContainer(const QString &name, const QString &mode, bool running, const QString &address = {});

    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<Engine::ContainerStore> m_containers;
    std::unique_ptr<Ipam> m_ipam;
    std::unique_ptr<NetworkRoutes> m_routes;
    QString m_stateDir;
};

void tst_NetworkRoutes::init()
{
    m_server = std::make_unique<TestServer>();
    auto store = Engine::ContainerStore::open(m_server->config().root);
    QVERIFY(store);
    m_containers = std::move(*store);
    m_stateDir = m_server->config().root + QStringLiteral("/network");
    QVERIFY(QDir().mkpath(m_stateDir));
    auto ipam = Ipam::open(QStringLiteral("10.77.0.0/24"), m_server->config().root + QStringLiteral("/network/ipam.json"));
    QVERIFY(ipam);
    m_ipam = std::make_unique<Ipam>(std::move(*ipam));
    openRoutes();
    QVERIFY(m_routes);
    m_routes->registerRoutes(m_server->router());
    QVERIFY(m_server->listen());
}

void tst_NetworkRoutes::openRoutes()
{
    auto routes = NetworkRoutes::open(NetworkRoutes::Context{m_containers.get(), m_ipam.get(), QStringLiteral("bt-test0"),
                                                             1500, m_stateDir});
    QVERIFY2(routes, routes ? "" : routes.error().toString().c_str());
    m_routes = std::move(*routes);
}

void tst_NetworkRoutes::cleanup()
{
    m_server.reset();
    m_routes.reset();
    m_ipam.reset();
    m_containers.reset();
}

Reply tst_NetworkRoutes::call(const QByteArray &method, const QByteArray &path, const QByteArray &body)
{
    return roundTrip(m_server->socketPath(), method, path, body);
}

void tst_NetworkRoutes::addContainer(const QString &name, const QString &mode, bool running, const QString &address)
{
    Engine::ContainerRecord r;
    r.id = m_containers->newId();
    r.name = name;
    r.hostConfig = QJsonObject{{QStringLiteral("NetworkMode"), mode}};
    r.network.mode = mode;
    r.network.endpointId = m_containers->newId();
    if (!address.isEmpty()) {
        r.network.ipAddress = address;
        r.network.prefixLength = 24;
        r.network.gateway = QStringLiteral("10.77.0.1");
        r.network.macAddress = Ipam::macFor(address);
    }
    r.state.status = running ? Engine::ContainerStatus::Running : Engine::ContainerStatus::Exited;
    QVERIFY(m_containers->add(r));
}

void tst_NetworkRoutes::listHasTheThreeBuiltinNetworksWithoutContainers()
{
    addContainer(QStringLiteral("web"), QStringLiteral("bridge"), true, QStringLiteral("10.77.0.2"));
    const Reply r = call("GET", "/v1.41/networks");
    QCOMPARE(r.status, 200);
    const QJsonArray list = array(r);
    QCOMPARE(list.size(), 3);
    QStringList names;
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    for (const QJsonValue &v : list) {
        const QJsonObject n = v.toObject();
        names << n.value(QStringLiteral("Name")).toString();
        QVERIFY(hex.match(n.value(QStringLiteral("Id")).toString()).hasMatch());
        QCOMPARE(n.value(QStringLiteral("Scope")).toString(), QStringLiteral("local"));
        // dockerd's list leaves the containers out (API >= 1.28).
        QCOMPARE(n.value(QStringLiteral("Containers")).toObject().size(), 0);
        for (const char *key : {"Created", "EnableIPv6", "IPAM", "Internal", "Attachable", "Ingress", "ConfigFrom",
                                "ConfigOnly", "Options", "Labels"})
            QVERIFY2(n.contains(QLatin1String(key)), key);
    }
    QCOMPARE(names, (QStringList{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")}));
    const QJsonObject bridge = list.at(0).toObject();
    QCOMPARE(bridge.value(QStringLiteral("Driver")).toString(), QStringLiteral("bridge"));
    const QJsonObject config = bridge.value(QStringLiteral("IPAM")).toObject().value(QStringLiteral("Config")).toArray().at(0).toObject();
    QCOMPARE(config.value(QStringLiteral("Subnet")).toString(), QStringLiteral("10.77.0.0/24"));
    QCOMPARE(config.value(QStringLiteral("Gateway")).toString(), QStringLiteral("10.77.0.1"));
    QCOMPARE(bridge.value(QStringLiteral("Options")).toObject().value(QStringLiteral("com.docker.network.bridge.name")).toString(),
             QStringLiteral("bt-test0"));
    QCOMPARE(list.at(2).toObject().value(QStringLiteral("Driver")).toString(), QStringLiteral("null"));
    QCOMPARE(list.at(2).toObject().value(QStringLiteral("IPAM")).toObject().value(QStringLiteral("Config")).toArray().size(), 0);
}

void tst_NetworkRoutes::idsArePersistedAndReusedOnReopen()
{
    const QString bridgeId = m_routes->idOf(QStringLiteral("bridge"));
    const QString hostId = m_routes->idOf(QStringLiteral("host"));
    QVERIFY(!bridgeId.isEmpty());
    QVERIFY(bridgeId != hostId);
    QVERIFY(m_routes->idOf(QStringLiteral("mynet")).isEmpty());
    const QString created = m_routes->networks().first().created;
    // The router still refers to the first routes: keep them alive.
    const std::unique_ptr<NetworkRoutes> first = std::move(m_routes);
    openRoutes();
    QCOMPARE(m_routes->idOf(QStringLiteral("bridge")), bridgeId);
    QCOMPARE(m_routes->idOf(QStringLiteral("host")), hostId);
    QCOMPARE(m_routes->networks().first().created, created);

    // A state file that is not JSON is an error that names it, not new IDs.
    QFile state(m_stateDir + QStringLiteral("/networks.json"));
    QVERIFY(state.open(QIODevice::WriteOnly | QIODevice::Truncate));
    state.write("{not json");
    state.close();
    auto broken = NetworkRoutes::open(NetworkRoutes::Context{m_containers.get(), m_ipam.get(), QStringLiteral("bt-test0"),
                                                             1500, m_stateDir});
    QVERIFY(!broken);
    QVERIFY2(broken.error().toString().find("networks.json") != std::string::npos, broken.error().toString().c_str());
}

void tst_NetworkRoutes::inspectByIdNamePrefixAndMissing()
{
    const QString hostId = m_routes->idOf(QStringLiteral("host"));
    for (const QString &ref : {hostId, QStringLiteral("host"), hostId.left(5)}) {
        const Reply r = call("GET", "/v1.41/networks/" + ref.toUtf8());
        QCOMPARE(r.status, 200);
        QCOMPARE(object(r).value(QStringLiteral("Name")).toString(), QStringLiteral("host"));
        QCOMPARE(object(r).value(QStringLiteral("Driver")).toString(), QStringLiteral("host"));
    }
    Reply r = call("GET", "/v1.41/networks/nosuch");
    QCOMPARE(r.status, 404);
    QCOMPARE(message(r), QStringLiteral("network nosuch not found"));
    // Names match exactly (dockerd: "ho" and "HOST" are not found).
    QCOMPARE(call("GET", "/v1.41/networks/ho").status, 404);
    QCOMPARE(call("GET", "/v1.41/networks/HOST").status, 404);
    QCOMPARE(call("GET", "/v1.41/networks/host?scope=local").status, 200);
    QCOMPARE(call("GET", "/v1.41/networks/host?scope=swarm").status, 404);
    QCOMPARE(call("GET", "/v1.41/networks/host?scope=bogus").status, 400);
}

void tst_NetworkRoutes::inspectListsRunningContainersOnlyOnTheirNetwork()
{
    addContainer(QStringLiteral("web"), QStringLiteral("bridge"), true, QStringLiteral("10.77.0.2"));
    addContainer(QStringLiteral("old"), QStringLiteral("bridge"), false);
    addContainer(QStringLiteral("iso"), QStringLiteral("none"), true);
    const QString webId = *m_containers->resolve(QStringLiteral("web"));
    const QString isoId = *m_containers->resolve(QStringLiteral("iso"));

    QJsonObject containers = object(call("GET", "/v1.41/networks/bridge")).value(QStringLiteral("Containers")).toObject();
    QCOMPARE(containers.keys(), QStringList{webId});
    const QJsonObject web = containers.value(webId).toObject();
    QCOMPARE(web.value(QStringLiteral("Name")).toString(), QStringLiteral("web"));
    QCOMPARE(web.value(QStringLiteral("IPv4Address")).toString(), QStringLiteral("10.77.0.2/24"));
    QCOMPARE(web.value(QStringLiteral("MacAddress")).toString(), QStringLiteral("02:42:0a:4d:00:02"));
    QCOMPARE(web.value(QStringLiteral("EndpointID")).toString(), m_containers->get(webId)->network.endpointId);
    QCOMPARE(web.value(QStringLiteral("IPv6Address")).toString(), QString());

    containers = object(call("GET", "/v1.41/networks/none")).value(QStringLiteral("Containers")).toObject();
    QCOMPARE(containers.keys(), QStringList{isoId});
    QCOMPARE(containers.value(isoId).toObject().value(QStringLiteral("IPv4Address")).toString(), QString());
    QCOMPARE(object(call("GET", "/v1.41/networks/host")).value(QStringLiteral("Containers")).toObject().size(), 0);
}

void tst_NetworkRoutes::listFilters_data()
{
    QTest::addColumn<QString>("filters");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("none") << QString() << QStringList{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")};
    QTest::newRow("driver null") << QStringLiteral(R"({"driver":{"null":true}})") << QStringList{QStringLiteral("none")};
    QTest::newRow("driver is exact") << QStringLiteral(R"({"driver":{"nul":true}})") << QStringList{};
    QTest::newRow("name substring") << QStringLiteral(R"({"name":{"o":true}})") << QStringList{QStringLiteral("host"), QStringLiteral("none")};
    QTest::newRow("name is case sensitive") << QStringLiteral(R"({"name":{"HOST":true}})") << QStringList{};
    QTest::newRow("type builtin") << QStringLiteral(R"({"type":{"builtin":true}})") << QStringList{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")};
    QTest::newRow("type custom") << QStringLiteral(R"({"type":{"custom":true}})") << QStringList{};
    QTest::newRow("scope local") << QStringLiteral(R"({"scope":{"local":true}})") << QStringList{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")};
    QTest::newRow("scope swarm") << QStringLiteral(R"({"scope":{"swarm":true}})") << QStringList{};
    QTest::newRow("dangling true") << QStringLiteral(R"({"dangling":{"true":true}})") << QStringList{};
    QTest::newRow("dangling false") << QStringLiteral(R"({"dangling":{"false":true}})") << QStringList{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")};
    QTest::newRow("label") << QStringLiteral(R"({"label":{"a=b":true}})") << QStringList{};
    QTest::newRow("old array form") << QStringLiteral(R"({"driver":["host"]})") << QStringList{QStringLiteral("host")};
}

void tst_NetworkRoutes::listFilters()
{
    QFETCH(QString, filters);
    QFETCH(QStringList, names);
    QByteArray path = "/v1.41/networks";
    if (!filters.isEmpty())
        path += "?filters=" + QUrl::toPercentEncoding(filters);
    const Reply r = call("GET", path);
    QCOMPARE(r.status, 200);
    QStringList got;
    for (const QJsonValue &v : array(r))
        got << v.toObject().value(QStringLiteral("Name")).toString();
    QCOMPARE(got, names);
}

void tst_NetworkRoutes::badFiltersAreRefused()
{
    Reply r = call("GET", "/v1.41/networks?filters=" + QUrl::toPercentEncoding(QStringLiteral(R"({"foo":{"x":true}})")));
    QCOMPARE(r.status, 400);
    QCOMPARE(message(r), QStringLiteral("Invalid filter 'foo'"));
    r = call("GET", "/v1.41/networks?filters=" + QUrl::toPercentEncoding(QStringLiteral(R"({"type":{"bad":true}})")));
    QCOMPARE(r.status, 400);
    QCOMPARE(message(r), QStringLiteral("invalid filter: 'type'='bad'"));
    r = call("GET", "/v1.41/networks?filters=" + QUrl::toPercentEncoding(QStringLiteral(R"({"dangling":{"maybe":true}})")));
    QCOMPARE(r.status, 400);
    // The id filter by prefix.
    const QString id = m_routes->idOf(QStringLiteral("none"));
    r = call("GET", "/v1.41/networks?filters=" + QUrl::toPercentEncoding(QStringLiteral(R"({"id":{"%1":true}})").arg(id.left(8))));
    QCOMPARE(r.status, 200);
    QCOMPARE(array(r).size(), 1);
    QCOMPARE(array(r).at(0).toObject().value(QStringLiteral("Name")).toString(), QStringLiteral("none"));
}

void tst_NetworkRoutes::builtinsCannotBeRemovedOrCreated()
{
    for (const QByteArray &name : {QByteArray("bridge"), QByteArray("host"), QByteArray("none")}) {
        Reply r = call("DELETE", "/v1.41/networks/" + name);
        QCOMPARE(r.status, 403);
        QCOMPARE(message(r), QString::fromLatin1(name) + QStringLiteral(" is a pre-defined network and cannot be removed"));
        r = call("POST", "/v1.41/networks/create", R"({"Name":")" + name + R"(","CheckDuplicate":true})");
        QCOMPARE(r.status, 403);
        QCOMPARE(message(r), QStringLiteral("operation is not permitted on predefined %1 network ").arg(QString::fromLatin1(name)));
    }
    // By ID too.
    const Reply r = call("DELETE", "/v1.41/networks/" + m_routes->idOf(QStringLiteral("host")).toUtf8());
    QCOMPARE(r.status, 403);
    QCOMPARE(call("DELETE", "/v1.41/networks/nosuch").status, 404);
    QCOMPARE(message(call("DELETE", "/v1.41/networks/nosuch")), QStringLiteral("network nosuch not found"));
}

void tst_NetworkRoutes::userDefinedNetworksAreNotImplemented()
{
    Reply r = call("POST", "/v1.41/networks/create", R"({"Name":"mynet","Driver":"bridge"})");
    QCOMPARE(r.status, 501);
    QVERIFY2(message(r).contains(QLatin1String("user-defined networks are not supported")), qPrintable(message(r)));
    QVERIFY(message(r).contains(QLatin1String("mynet")));
    r = call("POST", "/v1.41/networks/create", "not json");
    QCOMPARE(r.status, 400);
    r = call("POST", "/v1.41/networks/create", R"({"Driver":"bridge"})");
    QCOMPARE(r.status, 400);
    r = call("POST", "/v1.41/networks/bridge/connect", R"({"Container":"x"})");
    QCOMPARE(r.status, 501);
    QCOMPARE(call("POST", "/v1.41/networks/nosuch/connect", R"({"Container":"x"})").status, 404);
    QCOMPARE(array(call("GET", "/v1.41/networks")).size(), 3);
}

void tst_NetworkRoutes::pruneRemovesNothing()
{
    const Reply r = call("POST", "/v1.41/networks/prune");
    QCOMPARE(r.status, 200);
    QVERIFY(object(r).contains(QStringLiteral("NetworksDeleted")));
    QVERIFY(object(r).value(QStringLiteral("NetworksDeleted")).isNull());
    QCOMPARE(array(call("GET", "/v1.41/networks")).size(), 3);
}

QTEST_GUILESS_MAIN(tst_NetworkRoutes)
#include "tst_networkroutes.moc"
