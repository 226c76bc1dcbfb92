#include "tst_networkhelpers.h"

#include <runtime/network.h>
#include <runtime/networkfirewall.h>

#include <QtTest>

#include <nftables/libnftables.h>

using namespace Berth;
using namespace Berth::Runtime;
using namespace Berth::TestNet;

// Every test here runs inside a private "host" network namespace with its
// own nftables ruleset and its own br_netfilter switches: the real host's
// firewall is never touched.
class tst_NetworkFirewall : public QObject
{
    Q_OBJECT

    // nft commands in the calling thread's netns; the output, or "error: ...".
    static QString nft(const char *command)
    {
        std::unique_ptr<nft_ctx, void (*)(nft_ctx *)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free);
        nft_ctx_buffer_output(ctx.get());
        nft_ctx_buffer_error(ctx.get());
        if (nft_run_cmd_from_buffer(ctx.get(), command) != 0)
            return QStringLiteral("error: ") + QString::fromUtf8(nft_ctx_get_error_buffer(ctx.get()));
        return QString::fromUtf8(nft_ctx_get_output_buffer(ctx.get()));
    }

    static int ruleCount(const std::string &bridge)
    {
        return static_cast<int>(nft("list ruleset").count(QString::fromStdString("\"berth:" + bridge + "\"")));
    }

    static bool setBridgeNfCallIptables(bool on)
    {
        QFile file(QStringLiteral("/proc/sys/net/bridge/bridge-nf-call-iptables"));
        return file.open(QIODevice::WriteOnly) && file.write(on ? "1\n" : "0\n") == 2;
    }

    // Inside the current netns: a bridge with two containers on it.
    struct Pair
    {
        NetworkConfig a;
        NetworkConfig b;
        UniqueFd nsA;
        UniqueFd nsB;
        UniqueFd listener; // in A
    };

    static bool makePair(Pair &pair)
    {
        pair.a.bridge = "bfw0";
        pair.a.gateway = "10.77.0.1";
        pair.a.prefixLength = 24;
        pair.a.address = "10.77.0.2";
        pair.a.containerId = randomId();
        pair.b = pair.a;
        pair.b.address = "10.77.0.3";
        pair.b.containerId = randomId();
        pair.nsA = createNetns();
        pair.nsB = createNetns();
        if (!ensureBridge(pair.a) || !attachContainerToNetns(pair.a, pair.nsA.get())
            || !attachContainerToNetns(pair.b, pair.nsB.get()))
            return false;
        {
            NetnsScope inside(pair.nsA.get());
            if (!inside.ok() || !configureContainerSide(pair.a))
                return false;
            pair.listener = boundSocket(SOCK_STREAM, pair.a.address, 80);
        }
        {
            NetnsScope inside(pair.nsB.get());
            if (!inside.ok() || !configureContainerSide(pair.b) || !pair.listener.isValid())
                return false;
        }
        return waitForBridgePort(pair.a) && waitForBridgePort(pair.b);
    }

    // A TCP connection from B to A's listener (and the accept on A's side).
    static bool bReachesA(Pair &pair)
    {
        UniqueFd client;
        {
            NetnsScope inside(pair.nsB.get());
            client = connectTcp(pair.a.address, 80, 1000);
        }
        if (!client.isValid())
            return false;
        UniqueFd accepted(accept4(pair.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        return accepted.isValid();
    }

private slots:
    void badBridgeNamesAreRejected()
    {
        QVERIFY(!allowIntraBridgeForwarding("a\"b"));
        QVERIFY(!allowIntraBridgeForwarding(""));
        QVERIFY(!removeIntraBridgeForwarding("x y"));
    }

    void aDroppingForwardChainGetsAnAcceptRuleForTheBridge()
    {
        if (!isRoot())
            QSKIP("network namespaces and nftables need root");
        UniqueFd host = createNetns();
        QVERIFY(host.isValid());
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        if (!QFileInfo::exists(QStringLiteral("/proc/sys/net/bridge/bridge-nf-call-iptables")))
            QSKIP("br_netfilter is not loaded: bridged traffic never meets the IP forward hook");
        QVERIFY(setBridgeNfCallIptables(true));
        QVERIFY(bridgedTrafficIsFiltered());

        // What docker leaves behind on a host: iptables' FORWARD policy DROP
        // (iptables-nft keeps it in table ip filter).
        QCOMPARE(nft("add table ip filter; add chain ip filter FORWARD "
                     "{ type filter hook forward priority 0; policy drop; }"),
                 QString());
        Pair pair;
        QVERIFY(makePair(pair));
        QVERIFY2(!bReachesA(pair), "the drop policy must bite first, or this test proves nothing");

        Status status = allowIntraBridgeForwarding(pair.a.bridge);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QCOMPARE(ruleCount(pair.a.bridge), 1);
        QVERIFY(bReachesA(pair));

        // Idempotent: a second container start adds nothing.
        QVERIFY(allowIntraBridgeForwarding(pair.a.bridge));
        QCOMPARE(ruleCount(pair.a.bridge), 1);

        // Only that bridge's own traffic is let through.
        const QString listing = nft("list chain ip filter FORWARD");
        QVERIFY2(listing.contains(QLatin1String("iifname \"bfw0\" oifname \"bfw0\" accept")), qPrintable(listing));

        status = removeIntraBridgeForwarding(pair.a.bridge);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QCOMPARE(ruleCount(pair.a.bridge), 0);
        QVERIFY(!bReachesA(pair));
        QVERIFY(removeIntraBridgeForwarding(pair.a.bridge)); // idempotent

        // Deleting the bridge takes its rules along.
        QVERIFY(allowIntraBridgeForwarding(pair.a.bridge));
        QCOMPARE(ruleCount(pair.a.bridge), 1);
        const Status deleted = deleteBridge(pair.a.bridge);
        QVERIFY2(deleted, deleted ? "" : deleted.error().toString().c_str());
        QCOMPARE(ruleCount(pair.a.bridge), 0);
    }

    void concurrentCallersAddTheRuleOnce()
    {
        if (!isRoot())
            QSKIP("network namespaces and nftables need root");
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        if (!QFileInfo::exists(QStringLiteral("/proc/sys/net/bridge/bridge-nf-call-iptables")))
            QSKIP("br_netfilter is not loaded");
        QVERIFY(setBridgeNfCallIptables(true));
        QCOMPARE(nft("add table ip filter; add chain ip filter FORWARD "
                     "{ type filter hook forward priority 0; policy drop; }"),
                 QString());
        int gate[2];
        QVERIFY(pipe2(gate, O_CLOEXEC) == 0);
        std::vector<pid_t> workers;
        const pid_t parent = getpid();
        for (int i = 0; i < 6; ++i) {
            const pid_t pid = fork(); // inherits this thread's namespace: the private host
            QVERIFY(pid >= 0);
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                    _exit(3);
                ::close(gate[1]);
                char byte;
                (void)::read(gate[0], &byte, 1);
                _exit(allowIntraBridgeForwarding("bfw0") ? 0 : 1);
            }
            workers.push_back(pid);
        }
        ::close(gate[0]);
        ::close(gate[1]);
        for (pid_t pid : workers) {
            int status = 0;
            QCOMPARE(waitpid(pid, &status, 0), pid);
            QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        QCOMPARE(ruleCount("bfw0"), 1);
    }

    void inetFamilyForwardChainsAreCoveredToo()
    {
        if (!isRoot())
            QSKIP("network namespaces and nftables need root");
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        if (!QFileInfo::exists(QStringLiteral("/proc/sys/net/bridge/bridge-nf-call-iptables")))
            QSKIP("br_netfilter is not loaded");
        QVERIFY(setBridgeNfCallIptables(true));
        QCOMPARE(nft("add table inet fw; add chain inet fw fw_forward "
                     "{ type filter hook forward priority 0; policy drop; }; "
                     "add table ip other; add chain ip other in_chain { type filter hook input priority 0; }"),
                 QString());
        Pair pair;
        QVERIFY(makePair(pair));
        QVERIFY(!bReachesA(pair));
        QVERIFY(allowIntraBridgeForwarding(pair.a.bridge));
        QVERIFY(bReachesA(pair));
        QCOMPARE(ruleCount(pair.a.bridge), 1); // the input chain is left alone
    }

    void nothingIsAddedWhenBridgedTrafficIsNotFiltered()
    {
        if (!isRoot())
            QSKIP("network namespaces and nftables need root");
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        if (!QFileInfo::exists(QStringLiteral("/proc/sys/net/bridge/bridge-nf-call-iptables")))
            QSKIP("br_netfilter is not loaded");
        QVERIFY(setBridgeNfCallIptables(false));
        QVERIFY(!bridgedTrafficIsFiltered());
        QCOMPARE(nft("add table ip filter; add chain ip filter FORWARD "
                     "{ type filter hook forward priority 0; policy drop; }"),
                 QString());
        Pair pair;
        QVERIFY(makePair(pair));
        QVERIFY(bReachesA(pair)); // bridged frames skip the IP hooks
        QVERIFY(allowIntraBridgeForwarding(pair.a.bridge));
        QCOMPARE(ruleCount(pair.a.bridge), 0);
    }

    void outboundNatLetsContainersOutUnderTheHostsAddress()
    {
        if (!isRoot())
            QSKIP("network namespaces and nftables need root");
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        // A dropping forward chain, as on a docker host.
        QCOMPARE(nft("add table ip filter; add chain ip filter FORWARD "
                     "{ type filter hook forward priority 0; policy drop; }"),
                 QString());

        // The container: 10.77.0.2 on bridge bfw0 (10.77.0.1/24).
        Pair pair;
        QVERIFY(makePair(pair));
        // "Outside": a server at 10.79.0.2 behind a second link of the host
        // (10.79.0.1/24), built with the same primitives.
        NetworkConfig uplink;
        uplink.bridge = "bup0";
        uplink.gateway = "10.79.0.1";
        uplink.prefixLength = 24;
        uplink.address = "10.79.0.2";
        uplink.containerId = randomId();
        UniqueFd outside = createNetns();
        QVERIFY(ensureBridge(uplink));
        QVERIFY(attachContainerToNetns(uplink, outside.get()));
        UniqueFd server;
        {
            NetnsScope inside(outside.get());
            QVERIFY(configureContainerSide(uplink));
            server = boundSocket(SOCK_STREAM, uplink.address, 443);
            QVERIFY(server.isValid());
        }
        QVERIFY(waitForBridgePort(uplink));

        auto connectOut = [&]() -> QString {
            UniqueFd client;
            {
                NetnsScope inside(pair.nsA.get());
                client = connectTcp(uplink.address, 443, 1000);
            }
            if (!client.isValid())
                return QStringLiteral("unreachable");
            UniqueFd accepted(accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
            sockaddr_in peer{};
            socklen_t length = sizeof peer;
            getpeername(accepted.get(), reinterpret_cast<sockaddr *>(&peer), &length);
            char text[INET_ADDRSTRLEN] = {};
            inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
            return QString::fromLatin1(text);
        };
        QCOMPARE(connectOut(), QStringLiteral("unreachable")); // no forwarding yet

        Status status = enableOutboundNat(pair.a.bridge, "10.77.0.0", 24);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QFile forwarding(QStringLiteral("/proc/sys/net/ipv4/ip_forward"));
        QVERIFY(forwarding.open(QIODevice::ReadOnly));
        QCOMPARE(forwarding.readAll(), QByteArray("1\n"));
        // Outside sees the host's uplink address, not the container's.
        QCOMPARE(connectOut(), QStringLiteral("10.79.0.1"));
        QVERIFY(enableOutboundNat(pair.a.bridge, "10.77.0.0", 24)); // idempotent
        QCOMPARE(nft("list ruleset").count(QLatin1String("masquerade")), 1);

        status = removeIntraBridgeForwarding(pair.a.bridge);
        QVERIFY2(status, status ? "" : status.error().toString().c_str());
        QCOMPARE(nft("list ruleset").count(QLatin1String("berth:bfw0")), 0);
        QCOMPARE(connectOut(), QStringLiteral("unreachable"));

        QVERIFY(!enableOutboundNat(pair.a.bridge, "10.77.0", 24));
    }

    void noForwardChainMeansNoRule()
    {
        if (!isRoot())
            QSKIP("network namespaces and nftables need root");
        UniqueFd host = createNetns();
        NetnsScope inHost(host.get());
        QVERIFY(inHost.ok());
        if (!QFileInfo::exists(QStringLiteral("/proc/sys/net/bridge/bridge-nf-call-iptables")))
            QSKIP("br_netfilter is not loaded");
        QVERIFY(setBridgeNfCallIptables(true));
        QVERIFY(allowIntraBridgeForwarding("bfw0"));
        QCOMPARE(nft("list ruleset"), QString());
    }
};

QTEST_GUILESS_MAIN(tst_NetworkFirewall)
#include "tst_networkfirewall.moc"
