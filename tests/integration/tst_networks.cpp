// Integration: the network API and commands on a private berthd with the
// real berth-shim, driven by `berth` and the real docker CLI side by side:
// network ls/inspect/rm/create for the built-in bridge, host and none
// networks (stable IDs across a restart, the bridge's subnet and gateway,
// the running containers attached), docker's refusals for built-ins,
// NetworkSettings of running and stopped containers on each network, a
// host port range (-p 127.0.0.1:A-B:80) that skips a taken port and fails
// as dockerd does when every port is taken, and docker 28's wording for rm
// of a running container. Needs root (style.md C24); skips otherwise.
// Containers are removed and berthd stopped by PID in cleanup, even when a
// check fails.

#include <support/commandrunner.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>

#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::EngineFixture;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

const QRegularExpression kHex64(QStringLiteral("^[0-9a-f]{64}$"));

// The keys of docker 28's EndpointSettings as its CLI prints them (minus
// GwPriority, API 1.48).
const QStringList kEndpointKeys{
    "IPAMConfig", "Links",      "Aliases",     "MacAddress",        "DriverOpts",          "NetworkID", "EndpointID",
    "Gateway",    "IPAddress",  "IPPrefixLen", "IPv6Gateway",       "GlobalIPv6Address",   "GlobalIPv6PrefixLen",
    "DNSNames"};

} // namespace

class tst_Networks : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};
    QList<QTcpServer *> m_listeners;

    CommandResult berth(const QStringList &args) { return m_engine.berth(args); }
    CommandResult docker(const QStringList &args) { return m_engine.docker(args); }


    QJsonObject inspectJson(const QStringList &args)
    {
        const CommandResult r = docker(args);
        if (r.exitCode != 0) {
            qWarning().noquote() << r.describe();
            return {};
        }
        return QJsonDocument::fromJson(r.out.toUtf8()).array().first().toObject();
    }

    QString runSleeper(const QString &name, const QStringList &extra = {})
    {
        QStringList args{"run", "-d", "--name", name};
        args += extra;
        args += QStringList{"--pull", "never", "busybox", "sleep", "300"};
        const CommandResult r = berth(args);
        if (r.exitCode != 0)
            qWarning().noquote() << r.describe();
        return r.out.trimmed();
    }

    // `count` consecutive loopback ports that nothing listens on now.
    quint16 freePortRange(int count)
    {
        for (quint16 base = quint16(20000 + (::getpid() % 2000) * 10); base < 60000; base += quint16(count + 7)) {
            bool free = true;
            for (int i = 0; i < count && free; ++i) {
                QTcpServer probe;
                free = probe.listen(QHostAddress::LocalHost, quint16(base + i));
            }
            if (free)
                return base;
        }
        return 0;
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, veths and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-net");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup()
    {
        qDeleteAll(m_listeners);
        m_listeners.clear();
        m_engine.removeAllContainers();
    }

    void cleanupTestCase() { m_engine.tearDown(); }

    void networkLsShowsTheBuiltinNetworksAsDockerDoes()
    {
        const CommandResult d = docker({"network", "ls"});
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));
        const QStringList lines = d.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines.at(0), QStringLiteral("NETWORK ID     NAME      DRIVER    SCOPE"));
        const QRegularExpression row(QStringLiteral("^([0-9a-f]{12})   (\\w+)\\s+(\\w+)\\s+local$"));
        QStringList names, drivers;
        for (int i = 1; i < lines.size(); ++i) {
            const auto m = row.match(lines.at(i));
            QVERIFY2(m.hasMatch(), qPrintable(lines.at(i)));
            names << m.captured(2);
            drivers << m.captured(3);
        }
        QCOMPARE(names, (QStringList{"bridge", "host", "none"}));
        QCOMPARE(drivers, (QStringList{"bridge", "host", "null"}));

        m_engine.compareBoth({"network", "ls"});
        m_engine.compareBoth({"network", "ls", "-q"});
        m_engine.compareBoth({"network", "ls", "--no-trunc"});
        m_engine.compareBoth({"network", "ls", "--filter", "driver=null"});
        m_engine.compareBoth({"network", "ls", "--filter", "type=custom"});
        m_engine.compareBoth({"network", "ls", "-f", "type=builtin", "-f", "name=o", "--format", "{{.Name}} {{.Driver}}"});
        m_engine.compareBoth({"network", "ls", "--format", "{{.ID}}|{{.Name}}|{{.Scope}}|{{.IPv6}}|{{.Internal}}|{{.Labels}}"});
        m_engine.compareBoth({"network", "ls", "--format", "json"});
        m_engine.compareBoth({"network", "ls", "--filter", "foo=bar"});

        const CommandResult q = berth({"network", "ls", "-q", "--no-trunc"});
        QCOMPARE(q.exitCode, 0);
        const QStringList ids = q.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(ids.size(), 3);
        for (const QString &id : ids)
            QVERIFY2(kHex64.match(id).hasMatch(), qPrintable(id));
        // The filter by ID prefix.
        const CommandResult byId = berth({"network", "ls", "-q", "--filter", "id=" + ids.at(1).left(10)});
        QCOMPARE(byId.out, ids.at(1).left(12) + u'\n');
        // A bad type and a filter without '=' fail as with dockerd.
        const CommandResult badType = docker({"network", "ls", "--filter", "type=bogus"});
        QCOMPARE(badType.exitCode, 1);
        QCOMPARE(badType.err, QStringLiteral("Error response from daemon: invalid filter: 'type'='bogus'\n"));
        m_engine.compareBoth({"network", "ls", "-f", "bad"});
    }

    void networkIdsStayTheSameAcrossARestart()
    {
        const QString before = berth({"network", "ls", "-q", "--no-trunc"}).out;
        QCOMPARE(before.count(u'\n'), 3);
        const QString failed = m_engine.restart();
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QCOMPARE(berth({"network", "ls", "-q", "--no-trunc"}).out, before);
    }

    void networkInspectShowsTheBridgeSubnetAndItsContainers()
    {
        const QString id = runSleeper(QStringLiteral("nb1"));
        QVERIFY(kHex64.match(id).hasMatch());
        runSleeper(QStringLiteral("nn1"), {"--network", "none"});

        const QJsonObject bridge = inspectJson({"network", "inspect", "bridge"});
        QCOMPARE(bridge.value("Name").toString(), QStringLiteral("bridge"));
        QCOMPARE(bridge.value("Driver").toString(), QStringLiteral("bridge"));
        QCOMPARE(bridge.value("Scope").toString(), QStringLiteral("local"));
        QVERIFY(kHex64.match(bridge.value("Id").toString()).hasMatch());
        const QJsonObject ipam = bridge.value("IPAM").toObject();
        QCOMPARE(ipam.value("Driver").toString(), QStringLiteral("default"));
        const QJsonObject config = ipam.value("Config").toArray().first().toObject();
        QCOMPARE(config.value("Subnet").toString(), m_engine.daemon().bridgeSubnet());
        const QString gateway = config.value("Gateway").toString();
        QVERIFY(!gateway.isEmpty());
        QCOMPARE(bridge.value("Options").toObject().value("com.docker.network.bridge.name").toString(),
                 m_engine.daemon().bridge());
        for (const char *key : {"EnableIPv6", "Internal", "Attachable", "Ingress", "ConfigOnly"})
            QVERIFY2(bridge.value(QLatin1String(key)).isBool(), key);
        QVERIFY(bridge.value("Created").toString().endsWith(u'Z'));

        const QJsonObject containers = bridge.value("Containers").toObject();
        QCOMPARE(containers.keys(), QStringList{id});
        const QJsonObject entry = containers.value(id).toObject();
        const QJsonObject endpoint = inspectJson({"inspect", "nb1"})
                                         .value("NetworkSettings").toObject()
                                         .value("Networks").toObject()
                                         .value("bridge").toObject();
        QCOMPARE(entry.value("Name").toString(), QStringLiteral("nb1"));
        QCOMPARE(entry.value("EndpointID").toString(), endpoint.value("EndpointID").toString());
        QCOMPARE(entry.value("MacAddress").toString(), endpoint.value("MacAddress").toString());
        QCOMPARE(entry.value("IPv4Address").toString(),
                 QStringLiteral("%1/%2").arg(endpoint.value("IPAddress").toString()).arg(endpoint.value("IPPrefixLen").toInt()));
        QCOMPARE(endpoint.value("Gateway").toString(), gateway);
        QCOMPARE(endpoint.value("NetworkID").toString(), bridge.value("Id").toString());

        // By full ID, by ID prefix, by name: the same network.
        const QString bridgeId = bridge.value("Id").toString();
        QCOMPARE(docker({"network", "inspect", "-f", "{{.Name}}", bridgeId}).out, QStringLiteral("bridge\n"));
        QCOMPARE(berth({"network", "inspect", "-f", "{{.Name}}", bridgeId.left(6)}).out, QStringLiteral("bridge\n"));
        // The none network lists its running container without an address.
        const QJsonObject none = inspectJson({"network", "inspect", "none"});
        QCOMPARE(none.value("Driver").toString(), QStringLiteral("null"));
        QCOMPARE(none.value("IPAM").toObject().value("Config").toArray().size(), 0);
        QCOMPARE(none.value("Containers").toObject().size(), 1);
        QCOMPARE(none.value("Containers").toObject().begin()->toObject().value("IPv4Address").toString(), QString());

        // docker inspect of a bare name now finds the network (container,
        // image, then network lookups).
        QCOMPARE(docker({"inspect", "-f", "{{.Driver}}", "host"}).out, QStringLiteral("host\n"));
        m_engine.compareBoth({"network", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Scope}}", "host", "none"});
        m_engine.compareBoth({"network", "inspect", "nosuch", "host", "-f", "{{.Name}}"});
        // GET /networks leaves Containers empty, as dockerd does.
        const CommandResult list = docker({"network", "ls", "--format", "{{.Name}}"});
        QCOMPARE(list.exitCode, 0);
    }

    void builtinNetworksCannotBeRemovedOrCreated()
    {
        for (const QString &name : {QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")}) {
            const CommandResult r = docker({"network", "rm", name});
            QCOMPARE(r.exitCode, 1);
            // docker 28's network rm ends with its status error ("exit status 1").
            QCOMPARE(r.err, QStringLiteral("Error response from daemon: %1 is a pre-defined network and cannot be removed\n"
                                           "exit status 1\n").arg(name));
            m_engine.compareBoth({"network", "rm", name});
        }
        m_engine.compareBoth({"network", "rm", "nosuch"});
        m_engine.compareBoth({"network", "rm", "host", "nosuch"});
        const CommandResult create = docker({"network", "create", "bridge"});
        QCOMPARE(create.exitCode, 1);
        // dockerd's message ends with a space; the docker CLI prints it trimmed.
        QCOMPARE(create.err, QStringLiteral("Error response from daemon: operation is not permitted on predefined bridge network\n"));
        m_engine.compareBoth({"network", "create", "host"});
        // User-defined networks are not implemented: a clear refusal, nothing made.
        const CommandResult custom = berth({"network", "create", "mynet"});
        QCOMPARE(custom.exitCode, 1);
        QVERIFY2(custom.err.contains(QLatin1String("user-defined networks are not supported")), qPrintable(custom.describe()));
        QCOMPARE(berth({"network", "ls", "-q"}).out.count(u'\n'), 3);
        // The list is unchanged after every refusal.
        m_engine.compareBoth({"network", "ls"});
    }

    void containerNetworkSettingsFollowDockerForEachNetwork_data()
    {
        QTest::addColumn<QString>("network");
        QTest::newRow("bridge") << QStringLiteral("bridge");
        QTest::newRow("host") << QStringLiteral("host");
        QTest::newRow("none") << QStringLiteral("none");
    }

    void containerNetworkSettingsFollowDockerForEachNetwork()
    {
        QFETCH(QString, network);
        const QString name = QStringLiteral("ns-") + network;
        QVERIFY(!runSleeper(name, {"--network", network}).isEmpty());
        const QString networkId = inspectJson({"network", "inspect", network}).value("Id").toString();
        QVERIFY(kHex64.match(networkId).hasMatch());

        auto settings = [&] { return inspectJson({"inspect", name}).value("NetworkSettings").toObject(); };
        QJsonObject ns = settings();
        QCOMPARE(ns.value("Networks").toObject().keys(), QStringList{network});
        QJsonObject ep = ns.value("Networks").toObject().value(network).toObject();
        for (const QString &key : kEndpointKeys)
            QVERIFY2(ep.contains(key), qPrintable(key));
        QCOMPARE(ep.value("NetworkID").toString(), networkId);
        QVERIFY(kHex64.match(ep.value("EndpointID").toString()).hasMatch());
        QVERIFY(ep.value("IPAMConfig").isNull());
        QVERIFY(ep.value("DNSNames").isNull());
        if (network == u"bridge") {
            QVERIFY(!ep.value("IPAddress").toString().isEmpty());
            QVERIFY(ep.value("MacAddress").toString().startsWith(QLatin1String("02:42:")));
            QVERIFY(ep.value("IPPrefixLen").toInt() > 0);
            // The legacy top-level fields repeat the bridge endpoint.
            for (const char *key : {"IPAddress", "Gateway", "MacAddress", "EndpointID", "IPPrefixLen"})
                QCOMPARE(ns.value(QLatin1String(key)), ep.value(QLatin1String(key)));
        } else {
            for (const char *key : {"IPAddress", "Gateway", "MacAddress"}) {
                QCOMPARE(ep.value(QLatin1String(key)).toString(), QString());
                QCOMPARE(ns.value(QLatin1String(key)).toString(), QString());
            }
            QCOMPARE(ns.value("EndpointID").toString(), QString());
        }
        // The docker CLI's own view of the same fields.
        const CommandResult f = docker({"inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.NetworkID}}{{end}}", name});
        QCOMPARE(f.out, network + u' ' + networkId + u'\n');

        // Stopped: docker clears the endpoint and the addresses, keeps the network.
        const CommandResult stop = berth({"stop", "-t", "0", name});
        QVERIFY2(stop.exitCode == 0, qPrintable(stop.describe()));
        ns = settings();
        ep = ns.value("Networks").toObject().value(network).toObject();
        QCOMPARE(ep.value("NetworkID").toString(), networkId);
        for (const char *key : {"EndpointID", "IPAddress", "Gateway", "MacAddress"}) {
            QCOMPARE(ep.value(QLatin1String(key)).toString(), QString());
            QCOMPARE(ns.value(QLatin1String(key)).toString(), QString());
        }
        QCOMPARE(ep.value("IPPrefixLen").toInt(), 0);
        // Not listed on the network any more.
        QCOMPARE(inspectJson({"network", "inspect", network}).value("Containers").toObject().size(), 0);
    }

    void aHostPortRangeTakesTheFirstFreePort()
    {
        const quint16 base = freePortRange(3);
        QVERIFY(base != 0);
        // The first port of the range is taken by someone else.
        auto *taken = new QTcpServer;
        m_listeners.append(taken);
        QVERIFY(taken->listen(QHostAddress::LocalHost, base));
        const QString range = QStringLiteral("127.0.0.1:%1-%2:80/tcp").arg(base).arg(base + 1);
        QVERIFY(!runSleeper(QStringLiteral("pr1"), {"-p", range}).isEmpty());
        const QString chosen = QStringLiteral("127.0.0.1:%1").arg(base + 1);
        CommandResult port = docker({"port", "pr1", "80"});
        QCOMPARE(port.out, chosen + u'\n');
        QCOMPARE(berth({"port", "pr1"}).out, QStringLiteral("80/tcp -> ") + chosen + u'\n');
        m_engine.compareBoth({"port", "pr1"});
        QCOMPARE(docker({"ps", "--filter", "name=pr1", "--format", "{{.Ports}}"}).out, chosen + QStringLiteral("->80/tcp\n"));
        m_engine.compareBoth({"ps", "--filter", "name=pr1", "--format", "{{.Names}} {{.Ports}}"});
        // The port really is bound by the proxy now.
        QTcpServer probe;
        QVERIFY(!probe.listen(QHostAddress::LocalHost, quint16(base + 1)));

        // Every port of the range taken: the container does not start,
        // with the allocator's words, and exit 125 as for any run error.
        const CommandResult full = berth({"run", "-d", "--name", "pr2", "-p", range, "--pull", "never", "busybox", "sleep", "300"});
        QCOMPARE(full.exitCode, 125);
        QVERIFY2(full.err.contains(QStringLiteral("Bind for 127.0.0.1:%1-%2 failed: all ports are allocated").arg(base).arg(base + 1)),
                 qPrintable(full.describe()));
        QCOMPARE(m_engine.inspect("pr2", "{{.State.Running}}"), QStringLiteral("false"));
        // docker's CLI sends the same range the same way.
        const CommandResult dockerFull = docker({"run", "-d", "--name", "pr3", "-p", range, "busybox", "sleep", "300"});
        QCOMPARE(dockerFull.exitCode, 125);
        QVERIFY2(dockerFull.err.contains(QLatin1String("all ports are allocated")), qPrintable(dockerFull.describe()));

        // A range without an address: the form `-p A-B:80` also works.
        const quint16 base2 = freePortRange(3);
        QVERIFY(base2 != 0);
        QVERIFY(!runSleeper(QStringLiteral("pr4"), {"-p", QStringLiteral("%1-%2:80").arg(base2).arg(base2 + 2)}).isEmpty());
        const QString p4 = docker({"port", "pr4", "80/tcp"}).out;
        QVERIFY2(p4.startsWith(QStringLiteral("0.0.0.0:%1\n").arg(base2)), qPrintable(p4));
    }

    void rmOfARunningContainerSaysWhatDocker28Says()
    {
        QVERIFY(!runSleeper(QStringLiteral("rm1"), {"--network", "none"}).isEmpty());
        const CommandResult d = docker({"rm", "rm1"});
        QCOMPARE(d.exitCode, 1);
        QCOMPARE(d.err, QStringLiteral("Error response from daemon: cannot remove container \"/rm1\": container is running: "
                                       "stop the container before removing or force remove\n"));
        m_engine.compareBoth({"rm", "rm1"});
        QCOMPARE(m_engine.inspect("rm1", "{{.State.Running}}"), QStringLiteral("true"));
        const CommandResult forced = berth({"rm", "-f", "rm1"});
        QVERIFY2(forced.exitCode == 0 && forced.out == QLatin1String("rm1\n"), qPrintable(forced.describe()));
    }
};

QTEST_GUILESS_MAIN(tst_Networks)
#include "tst_networks.moc"
