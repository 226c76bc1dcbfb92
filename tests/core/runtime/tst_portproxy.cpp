#include "tst_networkhelpers.h"

#include <runtime/network.h>
#include <runtime/portproxy.h>

#include <QtTest>

#include <QCryptographicHash>
#include <QElapsedTimer>

using namespace Berth;
using namespace Berth::Runtime;
using namespace Berth::TestNet;

namespace {

const std::string Loopback = "127.0.0.1";

// Waits up to timeoutMs for condition().
template<typename Condition>
bool waitFor(Condition condition, int timeoutMs = 5000)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QTest::qSleep(20);
    }
    return true;
}

} // namespace

class tst_PortProxy : public QObject
{
    Q_OBJECT

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
        // No proxy outlives its test.
        QVERIFY(childrenNamed(QStringLiteral("berth-proxy")).empty());
    }

    // --- through a real bridge into a container's namespace (root)

    void forwardsTcpAndUdpFromLoopbackToAServerInANamespace()
    {
        if (!isRoot())
            QSKIP("network namespaces and bridges need root");
        NetworkConfig config;
        config.bridge = uniqueBridgeName(5);
        config.gateway = subnetPrefix(5) + "1";
        config.prefixLength = 24;
        config.address = subnetPrefix(5) + "2";
        config.containerId = randomId();
        m_bridges.push_back(config.bridge);
        m_attached.push_back(config);
        QVERIFY(ensureBridge(config));
        m_namespaces.push_back(createNetns());
        const int netns = m_namespaces.back().get();
        QVERIFY(netns >= 0);
        QVERIFY(attachContainerToNetns(config, netns));
        {
            NetnsScope inside(netns);
            QVERIFY(configureContainerSide(config));
        }
        EchoServer server;
        QVERIFY(server.start(config.address, netns));

        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort},
                                       PortMapping{"udp", Loopback, 0, server.udpPort}},
                                      config.address);
        QVERIFY2(proxy, proxy ? "" : proxy.error().toString().c_str());
        QCOMPARE(proxy->bound().size(), size_t(2));

        UniqueFd tcp = connectTcp(Loopback, proxy->bound()[0].hostPort);
        QVERIFY(tcp.isValid());
        QVERIFY(sendAll(tcp.get(), "hello"));
        QCOMPARE(receive(tcp.get(), 5), QByteArray("hello"));

        UniqueFd udp(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        QCOMPARE(udpRoundTrip(udp.get(), Loopback, proxy->bound()[1].hostPort, "datagram"),
                 QByteArray("echo:datagram"));
    }

    // --- against a server on loopback (any user)

    void reportsWhatItBoundAndAllocatesFreePortsForZero()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", "", 0, server.echoPort},
                                       PortMapping{"udp", Loopback, 0, server.udpPort}},
                                      Loopback);
        QVERIFY2(proxy, proxy ? "" : proxy.error().toString().c_str());
        QVERIFY(proxy->pid() > 0);
        const auto &bound = proxy->bound();
        QCOMPARE(bound.size(), size_t(2));
        QCOMPARE(bound[0].protocol, std::string("tcp"));
        QCOMPARE(bound[0].hostIp, std::string("0.0.0.0"));
        QVERIFY(bound[0].hostPort != 0);
        QCOMPARE(bound[0].containerPort, server.echoPort);
        QCOMPARE(bound[1].protocol, std::string("udp"));
        QCOMPARE(bound[1].hostIp, Loopback);
        QVERIFY(bound[1].hostPort != 0);
        QVERIFY(!canBind(SOCK_STREAM, Loopback, bound[0].hostPort));
        QVERIFY(!canBind(SOCK_DGRAM, Loopback, bound[1].hostPort));

        UniqueFd tcp = connectTcp(Loopback, bound[0].hostPort);
        QVERIFY(tcp.isValid());
        QVERIFY(sendAll(tcp.get(), "zero"));
        QCOMPARE(receive(tcp.get(), 4), QByteArray("zero"));
    }

    void aFixedHostPortIsUsedAsGiven()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        const uint16_t port = freePort(SOCK_STREAM);
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, port, server.echoPort}}, Loopback);
        QVERIFY2(proxy, proxy ? "" : proxy.error().toString().c_str());
        QCOMPARE(proxy->bound()[0].hostPort, port);
        UniqueFd tcp = connectTcp(Loopback, port);
        QVERIFY(sendAll(tcp.get(), "fixed"));
        QCOMPARE(receive(tcp.get(), 5), QByteArray("fixed"));
    }

    void aHostIpLimitsWhereThePortListens()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", "127.0.0.2", 0, server.echoPort}}, Loopback);
        QVERIFY2(proxy, proxy ? "" : proxy.error().toString().c_str());
        const uint16_t port = proxy->bound()[0].hostPort;
        QCOMPARE(proxy->bound()[0].hostIp, std::string("127.0.0.2"));
        UniqueFd there = connectTcp("127.0.0.2", port);
        QVERIFY(there.isValid());
        QVERIFY(sendAll(there.get(), "ip"));
        QCOMPARE(receive(there.get(), 2), QByteArray("ip"));
        QVERIFY(!connectTcp(Loopback, port, 500).isValid()); // not on 127.0.0.1
    }

    void anIpv6HostAddressIsServed()
    {
        UniqueFd probe(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in6 loopback6{};
        loopback6.sin6_family = AF_INET6;
        loopback6.sin6_addr = in6addr_loopback;
        if (!probe.isValid() || bind(probe.get(), reinterpret_cast<sockaddr *>(&loopback6), sizeof loopback6) != 0)
            QSKIP("no IPv6 loopback on this machine");
        probe.reset();

        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", "::1", 0, server.echoPort},
                                       PortMapping{"udp", "::1", 0, server.udpPort}},
                                      Loopback);
        QVERIFY2(proxy, proxy ? "" : proxy.error().toString().c_str());
        QCOMPARE(proxy->bound()[0].hostIp, std::string("::1"));

        UniqueFd tcp(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
        loopback6.sin6_port = htons(proxy->bound()[0].hostPort);
        QCOMPARE(::connect(tcp.get(), reinterpret_cast<sockaddr *>(&loopback6), sizeof loopback6), 0);
        timeval timeout{5, 0};
        setsockopt(tcp.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        QVERIFY(sendAll(tcp.get(), "six"));
        QCOMPARE(receive(tcp.get(), 3), QByteArray("six"));

        UniqueFd udp(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        loopback6.sin6_port = htons(proxy->bound()[1].hostPort);
        QVERIFY(::sendto(udp.get(), "dgram6", 6, 0, reinterpret_cast<sockaddr *>(&loopback6), sizeof loopback6) == 6);
        pollfd wait{udp.get(), POLLIN, 0};
        QCOMPARE(poll(&wait, 1, 3000), 1);
        char buffer[64];
        const ssize_t n = recv(udp.get(), buffer, sizeof buffer, 0);
        QCOMPARE(QByteArray(buffer, static_cast<qsizetype>(std::max<ssize_t>(n, 0))), QByteArray("echo:dgram6"));
    }

    void theIpv4AndIpv6BindingsOfAPortShareTheChosenHostPort()
    {
        UniqueFd probe(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in6 any6{};
        any6.sin6_family = AF_INET6;
        if (!probe.isValid() || bind(probe.get(), reinterpret_cast<sockaddr *>(&any6), sizeof any6) != 0)
            QSKIP("no IPv6 on this machine");
        probe.reset();
        EchoServer server;
        QVERIFY(server.start(Loopback));
        // What berthd sends for docker's "-p 80" with both families (docker
        // reports 0.0.0.0:N and [::]:N with one N).
        auto proxy = PortProxy::start({PortMapping{"tcp", "0.0.0.0", 0, server.echoPort},
                                       PortMapping{"tcp", "::", 0, server.echoPort},
                                       PortMapping{"udp", "0.0.0.0", 0, server.udpPort},
                                       PortMapping{"udp", "::", 0, server.udpPort}},
                                      Loopback);
        QVERIFY2(proxy, proxy ? "" : proxy.error().toString().c_str());
        const auto &bound = proxy->bound();
        QCOMPARE(bound[1].hostPort, bound[0].hostPort);
        QCOMPARE(bound[3].hostPort, bound[2].hostPort);
        QCOMPARE(bound[1].hostIp, std::string("::"));
        UniqueFd fd = connectTcp(Loopback, bound[0].hostPort);
        QVERIFY(sendAll(fd.get(), "dual"));
        QCOMPARE(receive(fd.get(), 4), QByteArray("dual"));
    }

    void aTakenPortFailsLikeDockerAndLeavesNothingBound()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        UniqueFd squatter = boundSocket(SOCK_STREAM, Loopback, 0);
        QVERIFY(squatter.isValid());
        const uint16_t taken = localPort(squatter.get());
        const uint16_t free = freePort(SOCK_STREAM);
        const uint16_t freeUdp = freePort(SOCK_DGRAM);

        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, free, server.echoPort},
                                       PortMapping{"udp", Loopback, freeUdp, server.udpPort},
                                       PortMapping{"tcp", Loopback, taken, server.echoPort}},
                                      Loopback);
        QVERIFY(!proxy);
        const QString message = QString::fromStdString(proxy.error().toString());
        QCOMPARE(message, QStringLiteral("publish ports: Bind for 127.0.0.1:%1 failed: port is already allocated")
                              .arg(taken));
        // The ports bound before the failing one are free again, and no
        // proxy process is left.
        QVERIFY(canBind(SOCK_STREAM, Loopback, free));
        QVERIFY(canBind(SOCK_DGRAM, Loopback, freeUdp));
        QVERIFY(childrenNamed(QStringLiteral("berth-proxy")).empty());
    }

    void anAddressNotOnTheHostFailsWithTheErrno()
    {
        auto proxy = PortProxy::start({PortMapping{"tcp", "192.0.2.77", 8080, 80}}, Loopback);
        QVERIFY(!proxy);
        QCOMPARE(proxy.error().sysErrno(), EADDRNOTAVAIL);
        QVERIFY2(QString::fromStdString(proxy.error().toString())
                     .startsWith(QLatin1String("publish ports: Bind for 192.0.2.77:8080 failed: EADDRNOTAVAIL")),
                 proxy.error().toString().c_str());
    }

    void badArgumentsAreRejectedBeforeAnythingStarts_data()
    {
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<QString>("hostIp");
        QTest::addColumn<int>("containerPort");
        QTest::addColumn<QString>("containerAddress");
        QTest::addColumn<QString>("message");
        QTest::newRow("protocol") << QStringLiteral("sctp") << QStringLiteral("") << 80 << QStringLiteral("10.0.0.2") << QStringLiteral("invalid protocol \"sctp\"");
        QTest::newRow("container port") << QStringLiteral("tcp") << QStringLiteral("") << 0 << QStringLiteral("10.0.0.2") << QStringLiteral("invalid container port 0");
        QTest::newRow("host ip") << QStringLiteral("tcp") << QStringLiteral("nowhere") << 80 << QStringLiteral("10.0.0.2") << QStringLiteral("invalid host IP \"nowhere\"");
        QTest::newRow("container address") << QStringLiteral("tcp") << QStringLiteral("") << 80 << QStringLiteral("10.0.0") << QStringLiteral("invalid container address");
    }

    void badArgumentsAreRejectedBeforeAnythingStarts()
    {
        QFETCH(QString, protocol);
        QFETCH(QString, hostIp);
        QFETCH(int, containerPort);
        QFETCH(QString, containerAddress);
        QFETCH(QString, message);
        auto proxy = PortProxy::start({PortMapping{protocol.toStdString(), hostIp.toStdString(), 0,
                                                   static_cast<uint16_t>(containerPort)}},
                                      containerAddress.toStdString());
        QVERIFY(!proxy);
        QCOMPARE(proxy.error().code(), ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(proxy.error().toString()).contains(message),
                 proxy.error().toString().c_str());
        QVERIFY(childrenNamed(QStringLiteral("berth-proxy")).empty());
    }

    void noPortsStartsNoProcess()
    {
        auto proxy = PortProxy::start({}, Loopback);
        QVERIFY(proxy);
        QCOMPARE(proxy->pid(), 0);
        QVERIFY(proxy->bound().empty());
        QVERIFY(proxy->stop());
    }

    void halfCloseIsPassedOnInBothDirections()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.countPort},
                                       PortMapping{"tcp", Loopback, 0, server.echoPort}},
                                      Loopback);
        QVERIFY(proxy);

        // The server answers only after it saw our end-of-file.
        UniqueFd counted = connectTcp(Loopback, proxy->bound()[0].hostPort);
        QVERIFY(sendAll(counted.get(), QByteArray(100000, 'x')));
        QCOMPARE(::shutdown(counted.get(), SHUT_WR), 0);
        QCOMPARE(receiveToEof(counted.get()), QByteArray("got 100000\n"));

        // The server's end-of-file reaches us after its last bytes.
        UniqueFd echoed = connectTcp(Loopback, proxy->bound()[1].hostPort);
        QVERIFY(sendAll(echoed.get(), "last words"));
        QCOMPARE(::shutdown(echoed.get(), SHUT_WR), 0);
        QCOMPARE(receiveToEof(echoed.get()), QByteArray("last words"));
    }

    void aLargeTransferArrivesIntactBothWays()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
        QVERIFY(proxy);
        UniqueFd fd = connectTcp(Loopback, proxy->bound()[0].hostPort);
        QVERIFY(fd.isValid());
        fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);

        // 16 MiB of patterned data, written and read at once (the proxy's
        // bounded buffers must apply backpressure, not lose or reorder bytes).
        QByteArray payload(16 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = static_cast<char>((i * 131 + i / 7919) & 0xff);
        QCryptographicHash received(QCryptographicHash::Sha256);
        qsizetype sent = 0;
        qsizetype got = 0;
        char buffer[65536];
        QElapsedTimer timer;
        timer.start();
        while (got < payload.size() && timer.elapsed() < 60000) {
            pollfd wait{fd.get(), static_cast<short>(POLLIN | (sent < payload.size() ? POLLOUT : 0)), 0};
            QVERIFY(poll(&wait, 1, 5000) > 0);
            if ((wait.revents & POLLOUT) && sent < payload.size()) {
                const ssize_t n = ::send(fd.get(), payload.constData() + sent,
                                         static_cast<size_t>(std::min<qsizetype>(payload.size() - sent, 262144)),
                                         MSG_NOSIGNAL);
                if (n > 0)
                    sent += n;
            }
            if (wait.revents & POLLIN) {
                const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
                QVERIFY(n > 0);
                received.addData(QByteArrayView(buffer, n));
                got += n;
            }
        }
        QCOMPARE(got, payload.size());
        QCOMPARE(received.result(), QCryptographicHash::hash(payload, QCryptographicHash::Sha256));
    }

    void manyConcurrentConnectionsEachGetTheirOwnBytes()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
        QVERIFY(proxy);
        const uint16_t port = proxy->bound()[0].hostPort;

        constexpr int Connections = 300;
        std::vector<UniqueFd> fds;
        for (int i = 0; i < Connections; ++i) {
            fds.push_back(connectTcp(Loopback, port));
            QVERIFY2(fds.back().isValid(), qPrintable(QStringLiteral("connection %1: %2").arg(i).arg(QString::fromLocal8Bit(strerror(errno)))));
        }
        for (int i = 0; i < Connections; ++i)
            QVERIFY(sendAll(fds[static_cast<size_t>(i)].get(), QByteArray::number(i).rightJustified(6, '0')));
        for (int i = 0; i < Connections; ++i)
            QCOMPARE(receive(fds[static_cast<size_t>(i)].get(), 6), QByteArray::number(i).rightJustified(6, '0'));
        // Closed connections are forgotten: the proxy's descriptors go back
        // to what it had with none open.
        const int busy = openFdCount(proxy->pid());
        fds.clear();
        QVERIFY2(waitFor([&] { return openFdCount(proxy->pid()) <= busy - 2 * Connections; }),
                 qPrintable(QStringLiteral("%1 fds open, %2 before closing").arg(openFdCount(proxy->pid())).arg(busy)));
    }

    void clientsThatResetOrVanishEarlyLeaveNothingBehind()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
        QVERIFY(proxy);
        const uint16_t port = proxy->bound()[0].hostPort;
        const int idle = openFdCount(proxy->pid());
        for (int i = 0; i < 100; ++i) {
            UniqueFd fd = connectTcp(Loopback, port);
            QVERIFY(fd.isValid());
            if (i % 2 == 0)
                QVERIFY(sendAll(fd.get(), QByteArray(70000, 'r'))); // more than one buffer in flight
            const linger reset{1, 0}; // close() sends RST
            setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        }
        QVERIFY2(waitFor([&] { return openFdCount(proxy->pid()) == idle; }),
                 qPrintable(QStringLiteral("%1 fds, %2 when idle").arg(openFdCount(proxy->pid())).arg(idle)));
        // Still serving.
        UniqueFd fd = connectTcp(Loopback, port);
        QVERIFY(sendAll(fd.get(), "alive"));
        QCOMPARE(receive(fd.get(), 5), QByteArray("alive"));
    }

    void aConnectionToNothingIsClosed()
    {
        const uint16_t nothing = freePort(SOCK_STREAM);
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, nothing}}, Loopback);
        QVERIFY(proxy);
        UniqueFd fd = connectTcp(Loopback, proxy->bound()[0].hostPort);
        QVERIFY(fd.isValid()); // the proxy accepts, then finds no backend
        QCOMPARE(receiveToEof(fd.get()), QByteArray());
    }

    void udpKeepsAFlowPerClientAndForgetsIdleOnes()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        PortProxyOptions options;
        options.udpIdleTimeoutMs = 300;
        auto proxy = PortProxy::start({PortMapping{"udp", Loopback, 0, server.udpPort}}, Loopback, options);
        QVERIFY(proxy);
        const uint16_t port = proxy->bound()[0].hostPort;
        const int idle = openFdCount(proxy->pid());

        std::vector<UniqueFd> clients;
        for (int i = 0; i < 5; ++i)
            clients.emplace_back(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        for (int round = 0; round < 2; ++round) {
            for (int i = 0; i < 5; ++i) {
                const QByteArray payload = "client " + QByteArray::number(i);
                QCOMPARE(udpRoundTrip(clients[static_cast<size_t>(i)].get(), Loopback, port, payload),
                         "echo:" + payload);
            }
        }
        QCOMPARE(openFdCount(proxy->pid()), idle + 5); // one flow socket per client
        QVERIFY(waitFor([&] { return openFdCount(proxy->pid()) == idle; }));
        // A forgotten client simply gets a new flow.
        QCOMPARE(udpRoundTrip(clients[0].get(), Loopback, port, "again"), QByteArray("echo:again"));
    }

    void udpFlowsAreBounded()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        PortProxyOptions options;
        options.maxUdpFlows = 3;
        auto proxy = PortProxy::start({PortMapping{"udp", Loopback, 0, server.udpPort}}, Loopback, options);
        QVERIFY(proxy);
        const int idle = openFdCount(proxy->pid());
        for (int i = 0; i < 6; ++i) {
            UniqueFd client(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            QCOMPARE(udpRoundTrip(client.get(), Loopback, proxy->bound()[0].hostPort, "x"), QByteArray("echo:x"));
        }
        QCOMPARE(openFdCount(proxy->pid()), idle + 3);
    }

    void stopEndsTheProcessAndFreesThePorts()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort},
                                       PortMapping{"udp", Loopback, 0, server.udpPort}},
                                      Loopback);
        QVERIFY(proxy);
        const pid_t pid = proxy->pid();
        const auto bound = proxy->bound();
        UniqueFd open = connectTcp(Loopback, bound[0].hostPort); // a live connection does not hold it up
        QVERIFY(open.isValid());
        const Status status = proxy->stop();
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QCOMPARE(proxy->pid(), 0);
        QVERIFY(isGone(pid));
        QVERIFY(canBind(SOCK_STREAM, Loopback, bound[0].hostPort));
        QVERIFY(canBind(SOCK_DGRAM, Loopback, bound[1].hostPort));
        QVERIFY(proxy->stop()); // idempotent
    }

    void stopCopesWithACallerThatReapedTheProxy()
    {
        // The shim's own SIGCHLD loop may reap the proxy when it dies; stop()
        // must then neither fail nor signal whatever process gets the pid next.
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
        QVERIFY(proxy);
        const pid_t pid = proxy->pid();
        QCOMPARE(kill(pid, SIGKILL), 0);
        QCOMPARE(waitpid(pid, nullptr, 0), pid);
        const Status status = proxy->stop();
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QCOMPARE(proxy->pid(), 0);
    }

    void destroyingAndMovingTheObject()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        pid_t pid = 0;
        uint16_t port = 0;
        {
            auto started = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
            QVERIFY(started);
            PortProxy moved(std::move(*started));
            QCOMPARE(started->pid(), 0); // the moved-from object owns nothing
            pid = moved.pid();
            port = moved.bound()[0].hostPort;
            UniqueFd fd = connectTcp(Loopback, port);
            QVERIFY(sendAll(fd.get(), "moved"));
            QCOMPARE(receive(fd.get(), 5), QByteArray("moved"));
        }
        QVERIFY(isGone(pid));
        QVERIFY(canBind(SOCK_STREAM, Loopback, port));
    }

    void theProxyDiesWithItsParent()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        int report[2];
        QVERIFY(pipe2(report, O_CLOEXEC) == 0);
        const pid_t parent = fork();
        QVERIFY(parent >= 0);
        if (parent == 0) {
            // A stand-in for the shim: starts the proxy, says where, and dies
            // without stopping it.
            ::close(report[0]);
            auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
            const int32_t message[2] = {proxy ? proxy->pid() : -1, proxy ? proxy->bound()[0].hostPort : 0};
            (void)::write(report[1], message, sizeof message);
            _exit(0); // no destructors: the proxy is orphaned
        }
        ::close(report[1]);
        int32_t message[2] = {};
        QCOMPARE(::read(report[0], message, sizeof message), ssize_t(sizeof message));
        ::close(report[0]);
        QCOMPARE(waitpid(parent, nullptr, 0), parent);
        QVERIFY(message[0] > 0);
        QVERIFY(waitFor([&] { return isGone(message[0]); }));
        QVERIFY(waitFor([&] { return canBind(SOCK_STREAM, Loopback, static_cast<uint16_t>(message[1])); }));
    }

    void theProxyRunsWithoutPrivilege()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
        QVERIFY(proxy);
        QFile status(QStringLiteral("/proc/%1/status").arg(proxy->pid()));
        QVERIFY(status.open(QIODevice::ReadOnly));
        const QByteArray text = status.readAll();
        QVERIFY2(text.contains("CapEff:\t0000000000000000"), text.constData());
        QVERIFY(text.contains("CapPrm:\t0000000000000000"));
        QVERIFY(text.contains("CapBnd:\t0000000000000000") || !isRoot());
        QVERIFY(text.contains("NoNewPrivs:\t1"));
        // And it still does its job.
        UniqueFd fd = connectTcp(Loopback, proxy->bound()[0].hostPort);
        QVERIFY(sendAll(fd.get(), "unprivileged"));
        QCOMPARE(receive(fd.get(), 12), QByteArray("unprivileged"));
    }

    void theProxyHoldsNoInheritedDescriptors()
    {
        EchoServer server;
        QVERIFY(server.start(Loopback));
        int fds[2];
        QVERIFY(pipe(fds) == 0); // deliberately without O_CLOEXEC
        UniqueFd readEnd(fds[0]);
        UniqueFd writeEnd(fds[1]);
        auto proxy = PortProxy::start({PortMapping{"tcp", Loopback, 0, server.echoPort}}, Loopback);
        QVERIFY(proxy);
        writeEnd.reset();
        // Only the proxy could still hold the write end open.
        pollfd wait{readEnd.get(), POLLIN, 0};
        QCOMPARE(poll(&wait, 1, 2000), 1);
        char byte;
        QCOMPARE(::read(readEnd.get(), &byte, 1), ssize_t(0));
    }
};

QTEST_GUILESS_MAIN(tst_PortProxy)
#include "tst_portproxy.moc"
#include <cstdint>
