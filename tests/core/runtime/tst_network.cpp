#include "tst_networkhelpers.h"

#include <runtime/network.h>

#include <QtTest>

#include <cstdint>
#include <bit>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/ioctl.h>

using namespace Berth;
using namespace Berth::Runtime;
using namespace Berth::TestNet;

namespace {

// --- What the kernel says, read without libnl (so the check is independent
// of the code under test). All of these look at the calling thread's netns.

int interfaceFlags(const std::string &name)
{
    UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0)
        return -1;
    return request.ifr_flags;
}

int interfaceMtu(const std::string &name)
{
    UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd.get(), SIOCGIFMTU, &request) != 0)
        return -1;
    return request.ifr_mtu;
}

QString interfaceMac(const std::string &name)
{
    UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd.get(), SIOCGIFHWADDR, &request) != 0)
        return {};
    const auto *bytes = reinterpret_cast<const unsigned char *>(request.ifr_hwaddr.sa_data);
    return QString::asprintf("%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                             bytes[4], bytes[5]);
}

// "10.1.2.3/24" for every IPv4 address on name.
QStringList interfaceAddresses(const std::string &name)
{
    QStringList out;
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0)
        return out;
    for (ifaddrs *it = list; it; it = it->ifa_next) {
        if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET || name != it->ifa_name)
            continue;
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(it->ifa_addr)->sin_addr, text, sizeof text);
        const uint32_t mask = ntohl(reinterpret_cast<sockaddr_in *>(it->ifa_netmask)->sin_addr.s_addr);
        out << QStringLiteral("%1/%2").arg(QLatin1String(text)).arg(std::popcount(mask));
    }
    freeifaddrs(list);
    return out;
}

QStringList interfaceNames()
{
    QStringList out;
    if (struct if_nameindex *names = if_nameindex()) {
        for (struct if_nameindex *it = names; it->if_index != 0; ++it)
            out << QString::fromLatin1(it->if_name);
        if_freenameindex(names);
    }
    return out;
}

// "<iface> <destination>/<prefix> via <gateway>" from the main table.
QStringList ipv4Routes()
{
    QStringList out;
    QFile file(QStringLiteral("/proc/thread-self/net/route"));
    if (!file.open(QIODevice::ReadOnly))
        return out;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> fields = lines[i].simplified().split(' ');
        if (fields.size() < 8)
            continue;
        auto ip = [](const QByteArray &hex) {
            in_addr address{};
            address.s_addr = static_cast<in_addr_t>(hex.toUInt(nullptr, 16));
            char text[INET_ADDRSTRLEN] = {};
            inet_ntop(AF_INET, &address, text, sizeof text);
            return QString::fromLatin1(text);
        };
        const int prefix = std::popcount(static_cast<uint32_t>(fields[7].toUInt(nullptr, 16)));
        out << QStringLiteral("%1 %2/%3 via %4")
                   .arg(QString::fromLatin1(fields[0]), ip(fields[1]))
                   .arg(prefix)
                   .arg(ip(fields[2]));
    }
    return out;
}

bool hostInterfaceExists(const std::string &name)
{
    return QFileInfo::exists(QStringLiteral("/sys/class/net/%1").arg(QString::fromStdString(name)));
}

QString hostMasterOf(const std::string &name)
{
    return QFileInfo(QStringLiteral("/sys/class/net/%1/master").arg(QString::fromStdString(name)))
        .symLinkTarget()
        .section(QLatin1Char('/'), -1);
}

} // namespace

class tst_Network : public QObject
{
    Q_OBJECT

    NetworkConfig makeConfig(int host, int bridgeNumber = 0) const
    {
        NetworkConfig config;
        config.mode = "bridge";
        config.bridge = uniqueBridgeName(bridgeNumber);
        const std::string prefix = subnetPrefix(bridgeNumber);
        config.gateway = prefix + "1";
        config.prefixLength = 24;
        config.address = prefix + std::to_string(host);
        config.mac = QString::asprintf("02:42:0a:%02x:00:%02x", bridgeNumber, host).toStdString();
        config.mtu = 1500;
        config.containerId = randomId();
        return config;
    }

    // Everything a test creates is recorded here first, so cleanup() can
    // remove it however the test ends.
    NetworkConfig track(NetworkConfig config)
    {
        m_bridges.push_back(config.bridge);
        m_attached.push_back(config);
        return config;
    }
    int newNetns()
    {
        m_namespaces.push_back(createNetns());
        return m_namespaces.back().get();
    }

    std::vector<std::string> m_bridges;
    std::vector<NetworkConfig> m_attached;
    std::vector<UniqueFd> m_namespaces;
    std::vector<pid_t> m_children;

private slots:
    void cleanup()
    {
        for (pid_t pid : m_children) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        m_children.clear();
        for (const NetworkConfig &config : m_attached)
            (void)detachContainer(config);
        m_attached.clear();
        m_namespaces.clear();
        for (const std::string &bridge : m_bridges)
            (void)deleteBridge(bridge);
        m_bridges.clear();
    }

    // --- validation (any user)

    void validationAcceptsDockersDefaultShape()
    {
        NetworkConfig config = makeConfig(2);
        QVERIFY(validateNetworkConfig(config).has_value());
        config.mac.clear();
        QVERIFY(validateNetworkConfig(config).has_value());
        NetworkConfig none;
        none.mode = "none";
        QVERIFY(validateNetworkConfig(none).has_value());
        NetworkConfig host;
        host.mode = "host";
        QVERIFY(validateNetworkConfig(host).has_value());
    }

    void validationRejectsBadConfigs_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("mode") << QStringLiteral("mode") << QStringLiteral("overlay") << QStringLiteral("invalid network mode \"overlay\"");
        QTest::newRow("bridge with slash") << QStringLiteral("bridge") << QStringLiteral("a/b") << QStringLiteral("invalid bridge name \"a/b\"");
        QTest::newRow("bridge too long") << QStringLiteral("bridge") << QStringLiteral("abcdefghijklmnop") << QStringLiteral("invalid bridge name");
        QTest::newRow("empty bridge") << QStringLiteral("bridge") << QStringLiteral("") << QStringLiteral("invalid bridge name \"\"");
        QTest::newRow("gateway") << QStringLiteral("gateway") << QStringLiteral("10.0.0.300") << QStringLiteral("invalid gateway \"10.0.0.300\"");
        QTest::newRow("address") << QStringLiteral("address") << QStringLiteral("nonsense") << QStringLiteral("invalid address \"nonsense\"");
        QTest::newRow("address outside the subnet") << QStringLiteral("address") << QStringLiteral("192.168.77.2") << QStringLiteral("is not in");
        QTest::newRow("address is the gateway") << QStringLiteral("address") << QStringLiteral("gateway") << QStringLiteral("is the gateway's address");
        QTest::newRow("broadcast address") << QStringLiteral("address") << QStringLiteral("broadcast") << QStringLiteral("network or broadcast");
        QTest::newRow("prefix") << QStringLiteral("prefixLength") << QStringLiteral("31") << QStringLiteral("invalid prefix length 31");
        QTest::newRow("mac") << QStringLiteral("mac") << QStringLiteral("02:42:zz:00:00:01") << QStringLiteral("invalid MAC address");
        QTest::newRow("multicast mac") << QStringLiteral("mac") << QStringLiteral("01:00:5e:00:00:01") << QStringLiteral("multicast");
        QTest::newRow("mtu") << QStringLiteral("mtu") << QStringLiteral("20") << QStringLiteral("invalid MTU 20");
        QTest::newRow("short id") << QStringLiteral("containerId") << QStringLiteral("abc") << QStringLiteral("invalid container id");
        QTest::newRow("id not hex") << QStringLiteral("containerId") << QStringLiteral("zzzzzzzzzzzzzzzz") << QStringLiteral("invalid container id");
        QTest::newRow("protocol") << QStringLiteral("protocol") << QStringLiteral("sctp") << QStringLiteral("invalid protocol \"sctp\"");
        QTest::newRow("container port") << QStringLiteral("containerPort") << QStringLiteral("0") << QStringLiteral("invalid container port 0");
        QTest::newRow("host ip") << QStringLiteral("hostIp") << QStringLiteral("localhost") << QStringLiteral("invalid host IP \"localhost\"");
    }

    void validationRejectsBadConfigs()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, message);
        NetworkConfig config = makeConfig(2);
        config.ports.push_back(PortMapping{"tcp", "127.0.0.1", 8080, 80});
        const std::string v = value.toStdString();
        if (field == QLatin1String("mode"))
            config.mode = v;
        else if (field == QLatin1String("bridge"))
            config.bridge = v;
        else if (field == QLatin1String("gateway"))
            config.gateway = v;
        else if (field == QLatin1String("address"))
            config.address = v == "gateway" ? config.gateway
                             : v == "broadcast" ? subnetPrefix(0) + "255"
                                                : v;
        else if (field == QLatin1String("prefixLength"))
            config.prefixLength = std::stoi(v);
        else if (field == QLatin1String("mac"))
            config.mac = v;
        else if (field == QLatin1String("mtu"))
            config.mtu = std::stoi(v);
        else if (field == QLatin1String("containerId"))
            config.containerId = v;
        else if (field == QLatin1String("protocol"))
            config.ports[0].protocol = v;
        else if (field == QLatin1String("containerPort"))
            config.ports[0].containerPort = static_cast<uint16_t>(std::stoi(v));
        else if (field == QLatin1String("hostIp"))
            config.ports[0].hostIp = v;
        const Status status = validateNetworkConfig(config);
        QVERIFY(!status);
        QCOMPARE(status.error().code(), ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(status.error().toString()).contains(message),
                 status.error().toString().c_str());
        // Nothing is created from a bad config.
        QVERIFY(!ensureBridge(config));
        if (field != QLatin1String("bridge"))
            QVERIFY(!hostInterfaceExists(config.bridge));
    }

    void hostVethNameIsVbAndTheFirstTenHexDigits()
    {
        QCOMPARE(hostVethName("0123456789abcdef0123"), std::string("vb0123456789"));
    }

    // --- the host side (root)

    void ensureBridgeCreatesAnUpBridgeWithTheGatewayAddress()
    {
        if (!isRoot())
            QSKIP("creating a bridge needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        QVERIFY(!hostInterfaceExists(config.bridge));

        const Status status = ensureBridge(config);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QVERIFY(hostInterfaceExists(config.bridge));
        QVERIFY(QFileInfo::exists(
            QStringLiteral("/sys/class/net/%1/bridge").arg(QString::fromStdString(config.bridge))));
        QVERIFY(interfaceFlags(config.bridge) & IFF_UP);
        QCOMPARE(interfaceAddresses(config.bridge),
                 QStringList{QString::fromStdString(config.gateway + "/24")});
        // The kernel's connected route makes the subnet reachable from the host.
        const QString subnetRoute = QString::fromStdString(config.bridge + " " + subnetPrefix(0) + "0/24 via 0.0.0.0");
        QVERIFY2(ipv4Routes().contains(subnetRoute), qPrintable(ipv4Routes().join(QLatin1Char('\n'))));
    }

    void ensureBridgeIsIdempotent()
    {
        if (!isRoot())
            QSKIP("creating a bridge needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        for (int i = 0; i < 3; ++i) {
            const Status status = ensureBridge(config);
            QVERIFY2(status, status ? "" : status.error().toString().c_str());
        }
        QCOMPARE(interfaceAddresses(config.bridge).size(), 1);
    }

    void ensureBridgeIsSafeWhenManyProcessesRaceForIt()
    {
        if (!isRoot())
            QSKIP("creating a bridge needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        int gate[2];
        QVERIFY(pipe2(gate, O_CLOEXEC) == 0);
        const pid_t parent = getpid();
        for (int i = 0; i < 6; ++i) {
            const pid_t pid = fork();
            QVERIFY(pid >= 0);
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                    _exit(3);
                ::close(gate[1]);
                char byte;
                (void)::read(gate[0], &byte, 1); // returns when the parent opens the gate
                _exit(ensureBridge(config) ? 0 : 1);
            }
            m_children.push_back(pid);
        }
        ::close(gate[0]);
        ::close(gate[1]); // go
        for (pid_t pid : m_children) {
            int status = 0;
            QCOMPARE(waitpid(pid, &status, 0), pid);
            QVERIFY(WIFEXITED(status));
            QCOMPARE(WEXITSTATUS(status), 0);
        }
        m_children.clear();
        QVERIFY(interfaceFlags(config.bridge) & IFF_UP);
        QCOMPARE(interfaceAddresses(config.bridge).size(), 1);
    }

    void ensureBridgeRefusesAnInterfaceThatIsNotABridge()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        NetworkConfig config = track(makeConfig(2));
        QVERIFY(ensureBridge(config));
        const int netns = newNetns();
        auto veth = attachContainerToNetns(config, netns);
        QVERIFY2(veth, veth ? "" : veth.error().toString().c_str());

        NetworkConfig wrong = makeConfig(3, 1);
        wrong.bridge = *veth; // a veth, not a bridge
        const Status status = ensureBridge(wrong);
        QVERIFY(!status);
        QCOMPARE(status.error().code(), ErrorCode::Conflict);
        QVERIFY2(QString::fromStdString(status.error().toString()).contains(QLatin1String("is not a bridge")),
                 status.error().toString().c_str());
        QVERIFY(interfaceAddresses(*veth).isEmpty()); // left as it was
    }

    void attachCreatesEth0InTheContainerAndAnEnslavedHostEnd()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        NetworkConfig config = track(makeConfig(2));
        config.mtu = 1400;
        QVERIFY(ensureBridge(config));
        const int netns = newNetns();

        auto veth = attachContainerToNetns(config, netns);
        QVERIFY2(veth, veth ? "" : veth.error().toString().c_str());
        QCOMPARE(*veth, hostVethName(config.containerId));
        QVERIFY(hostInterfaceExists(*veth));
        QCOMPARE(hostMasterOf(*veth), QString::fromStdString(config.bridge));
        QVERIFY(interfaceFlags(*veth) & IFF_UP);
        QCOMPARE(interfaceMtu(*veth), 1400);

        {
            NetnsScope inside(netns);
            QVERIFY(inside.ok());
            QCOMPARE(interfaceNames(), (QStringList{QStringLiteral("lo"), QStringLiteral("eth0")}));
            QCOMPARE(interfaceMac("eth0"), QString::fromStdString(config.mac));
            QCOMPARE(interfaceMtu("eth0"), 1400);

            const Status status = configureContainerSide(config);
            QVERIFY2(status, status ? "" : status.error().toString().c_str());
            QVERIFY(interfaceFlags("lo") & IFF_UP);
            QVERIFY(interfaceFlags("eth0") & IFF_UP);
            QCOMPARE(interfaceAddresses("eth0"), QStringList{QString::fromStdString(config.address + "/24")});
            const QStringList routes = ipv4Routes();
            QVERIFY2(routes.contains(QString::fromStdString("eth0 0.0.0.0/0 via " + config.gateway)),
                     qPrintable(routes.join(QLatin1Char('\n'))));
            QVERIFY(routes.contains(QString::fromStdString("eth0 " + subnetPrefix(0) + "0/24 via 0.0.0.0")));

            // Running it again (a retried start) changes nothing.
            QVERIFY(configureContainerSide(config));
            QCOMPARE(interfaceAddresses("eth0").size(), 1);
        }
    }

    void attachByPidReachesTheChildAndTheHostReachesTheContainer()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        QVERIFY(ensureBridge(config));
        const uint16_t port = 8081;

        int toChild[2];
        int fromChild[2];
        QVERIFY(pipe2(toChild, O_CLOEXEC) == 0);
        QVERIFY(pipe2(fromChild, O_CLOEXEC) == 0);
        const pid_t parent = getpid();
        const pid_t pid = fork();
        QVERIFY(pid >= 0);
        if (pid == 0) {
            // The "container": its own netns, configured from inside, then a
            // listener on its address.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            char step = unshare(CLONE_NEWNET) == 0 ? 'u' : 'x';
            (void)::write(fromChild[1], &step, 1);
            if (::read(toChild[0], &step, 1) != 1)
                _exit(1);
            step = configureContainerSide(config) ? 'c' : 'x';
            UniqueFd listener = boundSocket(SOCK_STREAM, config.address, port);
            if (!listener.isValid())
                step = 'x';
            (void)::write(fromChild[1], &step, 1);
            const int client = accept(listener.get(), nullptr, nullptr);
            const char greeting[] = "hello from the container";
            (void)::send(client, greeting, sizeof greeting - 1, MSG_NOSIGNAL);
            ::close(client);
            _exit(0);
        }
        m_children.push_back(pid);
        ::close(toChild[0]);
        ::close(fromChild[1]);
        UniqueFd toChildFd(toChild[1]);
        UniqueFd fromChildFd(fromChild[0]);

        char step = 0;
        QCOMPARE(::read(fromChildFd.get(), &step, 1), 1);
        QCOMPARE(step, 'u');
        auto veth = attachContainer(config, pid);
        QVERIFY2(veth, veth ? "" : veth.error().toString().c_str());
        QCOMPARE(::write(toChildFd.get(), "g", 1), 1);
        QCOMPARE(::read(fromChildFd.get(), &step, 1), 1);
        QCOMPARE(step, 'c');
        QVERIFY(waitForBridgePort(config));

        UniqueFd connection = connectTcp(config.address, port, 900);
        QVERIFY2(connection.isValid(), strerror(errno));
        QCOMPARE(receiveToEof(connection.get()), QByteArray("hello from the container"));
    }

    void attachWithoutTheBridgeFailsAndLeavesNothing()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        const int netns = newNetns();
        auto veth = attachContainerToNetns(config, netns);
        QVERIFY(!veth);
        QCOMPARE(veth.error().code(), ErrorCode::NotFound);
        QVERIFY2(QString::fromStdString(veth.error().toString()).contains(QString::fromStdString(config.bridge)),
                 veth.error().toString().c_str());
        QVERIFY(!hostInterfaceExists(hostVethName(config.containerId)));
        NetnsScope inside(netns);
        QCOMPARE(interfaceNames(), QStringList{QStringLiteral("lo")});
    }

    void attachToADeadProcessFailsAndLeavesNothing()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        QVERIFY(ensureBridge(config));
        const pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        QCOMPARE(waitpid(pid, nullptr, 0), pid);
        auto veth = attachContainer(config, pid);
        QVERIFY(!veth);
        QVERIFY(!hostInterfaceExists(hostVethName(config.containerId)));
    }

    void attachingTheSameContainerTwiceConflictsAndKeepsTheFirst()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        QVERIFY(ensureBridge(config));
        const int first = newNetns();
        const int second = newNetns();
        QVERIFY(attachContainerToNetns(config, first));
        auto again = attachContainerToNetns(config, second);
        QVERIFY(!again);
        QCOMPARE(again.error().code(), ErrorCode::Conflict);
        QVERIFY(hostInterfaceExists(hostVethName(config.containerId)));
        NetnsScope inside(second);
        QCOMPARE(interfaceNames(), QStringList{QStringLiteral("lo")});
    }

    void containersOnTheBridgeReachEachOther()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        // br_netfilter, when loaded, sends bridged IPv4 through the IP
        // forward hook, where a docker host's FORWARD policy DROP would bite
        // (tst_networkfirewall covers that). So the bridge lives in a private
        // "host" namespace here: the result does not depend on the real
        // host's firewall, and the test does not touch it.
        UniqueFd host = createNetns();
        QVERIFY(host.isValid());
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        const NetworkConfig a = track(makeConfig(2));
        NetworkConfig b = track(makeConfig(3));
        b.bridge = a.bridge;
        QVERIFY(ensureBridge(a));
        QVERIFY(ensureBridge(b));
        const int nsA = newNetns();
        const int nsB = newNetns();
        QVERIFY(attachContainerToNetns(a, nsA));
        QVERIFY(attachContainerToNetns(b, nsB));

        UniqueFd listener;
        {
            NetnsScope inside(nsA);
            QVERIFY(configureContainerSide(a));
            listener = boundSocket(SOCK_STREAM, a.address, 9000);
            QVERIFY(listener.isValid());
        }
        UniqueFd client;
        {
            NetnsScope inside(nsB);
            QVERIFY(configureContainerSide(b));
        }
        QVERIFY(waitForBridgePort(a));
        QVERIFY(waitForBridgePort(b));
        {
            NetnsScope inside(nsB);
            // A short timeout: the first SYN must get through, not its
            // retransmission a second later.
            client = connectTcp(a.address, 9000, 900);
            QVERIFY2(client.isValid(), strerror(errno));
        }
        UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        QVERIFY(accepted.isValid());
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        getpeername(accepted.get(), reinterpret_cast<sockaddr *>(&peer), &length);
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
        QCOMPARE(std::string(text), b.address); // straight over the bridge, no NAT

        QVERIFY(sendAll(client.get(), "ping"));
        QCOMPARE(receive(accepted.get(), 4), QByteArray("ping"));
        QVERIFY(sendAll(accepted.get(), "pong"));
        QCOMPARE(receive(client.get(), 4), QByteArray("pong"));
    }

    void noneModeBringsUpOnlyLoopback()
    {
        if (!isRoot())
            QSKIP("network namespaces need root");
        NetworkConfig config;
        config.mode = "none";
        const int netns = newNetns();
        NetnsScope inside(netns);
        QVERIFY(!(interfaceFlags("lo") & IFF_UP));
        const Status status = configureContainerSide(config);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QVERIFY(interfaceFlags("lo") & IFF_UP);
        QCOMPARE(interfaceNames(), QStringList{QStringLiteral("lo")});
        QCOMPARE(interfaceAddresses("lo"), QStringList{QStringLiteral("127.0.0.1/8")});
        UniqueFd listener = boundSocket(SOCK_STREAM, "127.0.0.1", 0);
        QVERIFY(listener.isValid());
        QVERIFY(connectTcp("127.0.0.1", localPort(listener.get())).isValid());
    }

    void hostModeAndNoneModeCreateNothingOnTheHost()
    {
        NetworkConfig config;
        config.mode = "host";
        const QStringList before = interfaceNames();
        QVERIFY(ensureBridge(config));
        auto veth = attachContainer(config, getpid());
        QVERIFY(veth);
        QVERIFY(veth->empty());
        QVERIFY(configureContainerSide(config));
        QVERIFY(detachContainer(config));
        config.mode = "none";
        QVERIFY(ensureBridge(config));
        QVERIFY(detachContainer(config));
        QCOMPARE(interfaceNames(), before);
    }

    void detachRemovesTheVethAndIsIdempotent()
    {
        if (!isRoot())
            QSKIP("creating interfaces needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        QVERIFY(ensureBridge(config));
        const int netns = newNetns();
        QVERIFY(attachContainerToNetns(config, netns));
        QVERIFY(hostInterfaceExists(hostVethName(config.containerId)));

        Status status = detachContainer(config);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QVERIFY(!hostInterfaceExists(hostVethName(config.containerId)));
        {
            NetnsScope inside(netns);
            QCOMPARE(interfaceNames(), QStringList{QStringLiteral("lo")}); // the peer went with it
        }
        status = detachContainer(config);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
    }

    void connectContainerDoesItAllFromTheHostSide()
    {
        if (!isRoot())
            QSKIP("network namespaces and bridges need root");
        // connectContainer also adds forwarding rules when a forward chain
        // exists: a private "host" namespace keeps the real firewall out of it.
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());

        // Two "containers": children that only unshare their netns and wait.
        std::vector<pid_t> pids;
        std::vector<UniqueFd> namespaces;
        std::vector<NetworkConfig> configs;
        for (int i = 0; i < 2; ++i) {
            int ready[2];
            QVERIFY(pipe2(ready, O_CLOEXEC) == 0);
            const pid_t parent = getpid();
            const pid_t pid = fork();
            QVERIFY(pid >= 0);
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent || unshare(CLONE_NEWNET) != 0)
                    _exit(1);
                (void)::write(ready[1], "r", 1);
                pause();
                _exit(0);
            }
            m_children.push_back(pid);
            ::close(ready[1]);
            char byte = 0;
            QCOMPARE(::read(ready[0], &byte, 1), ssize_t(1));
            ::close(ready[0]);
            pids.push_back(pid);
            namespaces.emplace_back(::open(QStringLiteral("/proc/%1/ns/net").arg(pid).toLocal8Bit().constData(),
                                           O_RDONLY | O_CLOEXEC));
            NetworkConfig config = makeConfig(2 + i);
            config.bridge = "bconn0";
            configs.push_back(config);
        }

        for (int i = 0; i < 2; ++i) {
            auto veth = connectContainer(configs[static_cast<size_t>(i)], pids[static_cast<size_t>(i)]);
            QVERIFY2(veth, veth ? "" : veth.error().toString().c_str());
            QCOMPARE(*veth, hostVethName(configs[static_cast<size_t>(i)].containerId));
            QVERIFY(interfaceNames().contains(QString::fromStdString(*veth))); // (sysfs shows the real host's)
        }
        QVERIFY(interfaceFlags("bconn0") & IFF_UP);

        UniqueFd listener;
        {
            NetnsScope inside(namespaces[0].get());
            QVERIFY(inside.ok());
            QVERIFY(interfaceFlags("lo") & IFF_UP);
            QCOMPARE(interfaceAddresses("eth0"), QStringList{QString::fromStdString(configs[0].address + "/24")});
            listener = boundSocket(SOCK_STREAM, configs[0].address, 7000);
            QVERIFY(listener.isValid());
        }
        // The host reaches the container, and the other container does, at
        // the first SYN.
        QVERIFY(connectTcp(configs[0].address, 7000, 900).isValid());
        {
            NetnsScope inside(namespaces[1].get());
            QVERIFY(connectTcp(configs[0].address, 7000, 900).isValid());
        }

        // "none": only lo, brought up from the host side.
        NetworkConfig none;
        none.mode = "none";
        QVERIFY(connectContainer(none, pids[0]));
        // "host": nothing at all.
        NetworkConfig hostMode;
        hostMode.mode = "host";
        auto nothing = connectContainer(hostMode, pids[0]);
        QVERIFY(nothing && nothing->empty());
    }

    void connectContainerToAGoneProcessLeavesNothing()
    {
        if (!isRoot())
            QSKIP("network namespaces and bridges need root");
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        NetworkConfig config = makeConfig(2);
        const pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        QCOMPARE(waitpid(pid, nullptr, 0), pid);
        auto veth = connectContainer(config, pid);
        QVERIFY(!veth);
        QCOMPARE(interfaceNames(), (QStringList{QStringLiteral("lo"), QString::fromStdString(config.bridge)}));
    }

    void deleteBridgeIsIdempotentAndRefusesOtherInterfaces()
    {
        if (!isRoot())
            QSKIP("creating a bridge needs root (CAP_NET_ADMIN)");
        const NetworkConfig config = track(makeConfig(2));
        QVERIFY(ensureBridge(config));
        QVERIFY(deleteBridge(config.bridge));
        QVERIFY(!hostInterfaceExists(config.bridge));
        QVERIFY(deleteBridge(config.bridge));
        const Status status = deleteBridge("lo");
        QVERIFY(!status);
        QVERIFY(interfaceFlags("lo") & IFF_UP);
    }
};

QTEST_GUILESS_MAIN(tst_Network)
#include "tst_network.moc"
