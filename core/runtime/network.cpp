#include "network.h"

#include "netlink.h"
#include "networkfirewall.h"

#include <base/uniquefd.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

#include <arpa/inet.h>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <functional>
#include <optional>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

namespace Berth::Runtime {

using namespace Internal;

namespace {

constexpr const char ContainerInterface[] = "eth0";

bool isHex(const std::string &text)
{
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

Status validInterfaceName(const std::string &name, const char *what)
{
    // The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/',
    // ':' or whitespace.
    bool ok = !name.empty() && name.size() < IFNAMSIZ && name != "." && name != "..";
    for (unsigned char c : name) {
        if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f)
            ok = false;
    }
    if (!ok)
        return fail(ErrorCode::InvalidArgument,
                    std::string("invalid ") + what + " name \"" + name + "\"");
    return {};
}

std::optional<uint32_t> ipv4(const std::string &text)
{
    in_addr raw{};
    if (inet_pton(AF_INET, text.c_str(), &raw) != 1)
        return std::nullopt;
    return ntohl(raw.s_addr);
}

// Runs fn with a route socket; wraps every error with `context`.
template<typename Fn>
auto withSocket(const std::string &context, Fn fn) -> decltype(fn(static_cast<nl_sock *>(nullptr)))
{
    auto sock = openRouteSocket();
    if (!sock)
        return fail(std::move(sock.error()).wrap(context));
    auto result = fn(sock->get());
    if (!result)
        return fail(std::move(result.error()).wrap(context));
    return result;
}

Result<std::string> attach(const NetworkConfig &config, pid_t childPid, int netnsFd)
{
    if (auto ok = validateNetworkConfig(config); !ok)
        return fail(std::move(ok.error()));
    if (config.mode != "bridge")
        return std::string();

    const std::string hostName = hostVethName(config.containerId);
    const std::string context = "attach container " + config.containerId.substr(0, 12)
                                + " to bridge " + config.bridge;
    return withSocket(context, [&](nl_sock *sock) -> Result<std::string> {
        auto bridge = getLink(sock, config.bridge);
        if (!bridge)
            return fail(std::move(bridge.error()));
        const int bridgeIndex = rtnl_link_get_ifindex(bridge->get());

        Link host(rtnl_link_veth_alloc());
        if (!host)
            return fail(ErrorCode::Io, "allocate veth " + hostName, ENOMEM);
        // The peer belongs to (and is freed with) the host link; get_peer
        // hands out an extra reference.
        Link peer(rtnl_link_veth_get_peer(host.get()));
        if (!peer)
            return fail(ErrorCode::Internal, "veth " + hostName + " has no peer");

        rtnl_link_set_name(host.get(), hostName.c_str());
        rtnl_link_set_master(host.get(), bridgeIndex);
        rtnl_link_set_mtu(host.get(), static_cast<unsigned>(config.mtu));
        rtnl_link_set_flags(host.get(), IFF_UP);

        rtnl_link_set_name(peer.get(), ContainerInterface);
        rtnl_link_set_mtu(peer.get(), static_cast<unsigned>(config.mtu));
        if (!config.mac.empty()) {
            auto mac = parseMac(config.mac);
            if (!mac)
                return fail(std::move(mac.error()));
            rtnl_link_set_addr(peer.get(), mac->get());
        }
        if (netnsFd >= 0)
            rtnl_link_set_ns_fd(peer.get(), netnsFd);
        else
            rtnl_link_set_ns_pid(peer.get(), childPid);

        const std::string target = netnsFd >= 0 ? "netns fd " + std::to_string(netnsFd)
                                                : "netns of pid " + std::to_string(childPid);
        const std::string operation = "create veth " + hostName + " (peer " + ContainerInterface
                                      + " in " + target + ")";
        if (const int err = rtnl_link_add(sock, host.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
            if (std::abs(err) == NLE_EXIST)
                return fail(ErrorCode::Conflict, operation + ": interface exists", EEXIST);
            return fail(netlinkError(operation, err));
        }

        // From here on a failure removes the pair again (deleting one end
        // deletes both).
        auto undo = [&] { (void)deleteLinkIfExists(sock, hostName); };
        auto created = getLink(sock, hostName);
        if (!created) {
            undo();
            return fail(std::move(created.error()));
        }
        // Older kernels ignore IFLA_MASTER or the flags on creation; make
        // sure both took effect.
        if (rtnl_link_get_master(created->get()) != bridgeIndex) {
            Link change(rtnl_link_alloc());
            rtnl_link_set_master(change.get(), bridgeIndex);
            if (const int err = rtnl_link_change(sock, created->get(), change.get(), 0); err < 0) {
                undo();
                return fail(netlinkError("enslave " + hostName + " to " + config.bridge, err));
            }
        }
        if (auto up = setLinkUp(sock, created->get(), hostName); !up) {
            undo();
            return fail(std::move(up.error()));
        }
        return hostName;
    });
}

} // namespace

std::string hostVethName(const std::string &containerId)
{
    return "vb" + containerId.substr(0, 10);
}

Status validateNetworkConfig(const NetworkConfig &config)
{
    if (config.mode != "bridge" && config.mode != "host" && config.mode != "none")
        return fail(ErrorCode::InvalidArgument, "invalid network mode \"" + config.mode
                                                    + "\" (expected bridge, host or none)");
    for (const PortMapping &port : config.ports) {
        if (port.protocol != "tcp" && port.protocol != "udp")
            return fail(ErrorCode::InvalidArgument,
                        "invalid protocol \"" + port.protocol + "\" for port "
                            + std::to_string(port.containerPort) + " (expected tcp or udp)");
        if (port.containerPort == 0)
            return fail(ErrorCode::InvalidArgument, "invalid container port 0");
        in6_addr any6{};
        if (!port.hostIp.empty() && !ipv4(port.hostIp)
            && inet_pton(AF_INET6, port.hostIp.c_str(), &any6) != 1)
            return fail(ErrorCode::InvalidArgument, "invalid host IP \"" + port.hostIp + "\"");
    }
    if (config.mode != "bridge")
        return {};

    if (config.containerId.size() < 10 || !isHex(config.containerId))
        return fail(ErrorCode::InvalidArgument, "invalid container id \"" + config.containerId
                                                    + "\" (at least 10 hex digits)");
    if (auto ok = validInterfaceName(config.bridge, "bridge"); !ok)
        return ok;
    const auto gateway = ipv4(config.gateway);
    if (!gateway)
        return fail(ErrorCode::InvalidArgument, "invalid gateway \"" + config.gateway + "\"");
    const auto address = ipv4(config.address);
    if (!address)
        return fail(ErrorCode::InvalidArgument, "invalid address \"" + config.address + "\"");
    if (config.prefixLength < 1 || config.prefixLength > 30)
        return fail(ErrorCode::InvalidArgument,
                    "invalid prefix length " + std::to_string(config.prefixLength) + " (1-30)");
    const uint32_t mask = ~uint32_t(0) << (32 - config.prefixLength);
    if ((*gateway & mask) != (*address & mask))
        return fail(ErrorCode::InvalidArgument, "address " + config.address + " is not in "
                                                    + config.gateway + "/"
                                                    + std::to_string(config.prefixLength));
    if (*gateway == *address)
        return fail(ErrorCode::InvalidArgument,
                    "address " + config.address + " is the gateway's address");
    const uint32_t host = *address & ~mask;
    if (host == 0 || host == ~mask)
        return fail(ErrorCode::InvalidArgument, "address " + config.address
                                                    + " is the network or broadcast address");
    if (!config.mac.empty()) {
        auto mac = parseMac(config.mac);
        if (!mac)
            return fail(std::move(mac.error()));
        const auto *bytes = static_cast<const unsigned char *>(nl_addr_get_binary_addr(mac->get()));
        if (bytes[0] & 1)
            return fail(ErrorCode::InvalidArgument,
                        "invalid MAC address \"" + config.mac + "\" (multicast)");
    }
    if (config.mtu < 68 || config.mtu > 65535)
        return fail(ErrorCode::InvalidArgument,
                    "invalid MTU " + std::to_string(config.mtu) + " (68-65535)");
    return {};
}

Status ensureBridge(const NetworkConfig &config)
{
    if (auto ok = validateNetworkConfig(config); !ok)
        return ok;
    if (config.mode != "bridge")
        return {};

    return withSocket("set up bridge " + config.bridge, [&](nl_sock *sock) -> Status {
        // Create it unless it is there; a concurrent creator makes our
        // request fail with EEXIST, which is just as good.
        Link wanted(rtnl_link_bridge_alloc());
        if (!wanted)
            return fail(ErrorCode::Io, "allocate bridge " + config.bridge, ENOMEM);
        rtnl_link_set_name(wanted.get(), config.bridge.c_str());
        if (const int err = rtnl_link_add(sock, wanted.get(), NLM_F_CREATE | NLM_F_EXCL);
            err < 0 && std::abs(err) != NLE_EXIST)
            return fail(netlinkError("create bridge " + config.bridge, err));

        auto bridge = getLink(sock, config.bridge);
        if (!bridge)
            return fail(std::move(bridge.error()));
        const char *type = rtnl_link_get_type(bridge->get());
        if (!type || std::strcmp(type, "bridge") != 0)
            return fail(ErrorCode::Conflict,
                        "interface " + config.bridge + " exists and is not a bridge ("
                            + (type ? type : "no link kind") + ")",
                        EEXIST);
        const int index = rtnl_link_get_ifindex(bridge->get());
        if (auto ok = addIPv4Address(sock, index, config.bridge, config.gateway,
                                     config.prefixLength);
            !ok)
            return ok;
        return setLinkUp(sock, bridge->get(), config.bridge);
    });
}

Result<std::string> attachContainer(const NetworkConfig &config, pid_t childPid)
{
    if (childPid <= 0)
        return fail(ErrorCode::InvalidArgument, "attach container: invalid pid "
                                                    + std::to_string(childPid));
    return attach(config, childPid, -1);
}

Result<std::string> attachContainerToNetns(const NetworkConfig &config, int netnsFd)
{
    if (netnsFd < 0)
        return fail(ErrorCode::InvalidArgument, "attach container: invalid netns fd");
    return attach(config, 0, netnsFd);
}

Status configureContainerSide(const NetworkConfig &config)
{
    if (auto ok = validateNetworkConfig(config); !ok)
        return ok;
    if (config.mode == "host")
        return {};

    return withSocket("configure the container's network", [&](nl_sock *sock) -> Status {
        auto lo = getLink(sock, "lo");
        if (!lo)
            return fail(std::move(lo.error()));
        if (auto up = setLinkUp(sock, lo->get(), "lo"); !up)
            return up;
        if (config.mode == "none")
            return {};

        auto eth = getLink(sock, ContainerInterface);
        if (!eth)
            return fail(std::move(eth.error()));
        const int index = rtnl_link_get_ifindex(eth->get());
        if (auto ok = addIPv4Address(sock, index, ContainerInterface, config.address,
                                     config.prefixLength);
            !ok)
            return ok;
        if (auto up = setLinkUp(sock, eth->get(), ContainerInterface); !up)
            return up;
        if (auto route = addDefaultRoute(sock, index, ContainerInterface, config.gateway); !route)
            return route;
        // The container's first packet must not meet a link that is up but
        // not yet transmitting.
        return waitForOperUp(sock, ContainerInterface, 2000);
    });
}

Status waitForBridgePort(const NetworkConfig &config, int timeoutMs)
{
    if (config.mode != "bridge")
        return {};
    if (config.containerId.size() < 10 || !isHex(config.containerId))
        return fail(ErrorCode::InvalidArgument,
                    "wait for bridge port: invalid container id \"" + config.containerId + "\"");
    const std::string name = hostVethName(config.containerId);
    return withSocket("wait for bridge port " + name, [&](nl_sock *sock) -> Status {
        timespec start{};
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
            auto state = bridgePortState(sock, name);
            if (!state)
                return fail(std::move(state.error()));
            if (*state == BR_STATE_FORWARDING)
                return {};
            timespec now{};
            clock_gettime(CLOCK_MONOTONIC, &now);
            const long elapsedMs
                = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
            if (elapsedMs >= timeoutMs)
                return fail(ErrorCode::Timeout, "wait for bridge port " + name + " to forward", ETIMEDOUT);
            const timespec pause{0, 200 * 1000}; // link watch usually needs well under 1 ms
            nanosleep(&pause, nullptr);
        }
    });
}

namespace {

// Runs fn inside the network namespace open at target (named `what`), then
// returns to the caller's. Only for single-threaded callers (setns moves
// the calling thread).
Status inNetns(int target, const std::string &what, const std::function<Status()> &fn)
{
    const int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0)
        return failErrno("open /proc/thread-self/ns/net");
    if (setns(target, CLONE_NEWNET) != 0) {
        const int error = errno;
        ::close(original);
        return fail(Error::fromErrno("enter " + what, error));
    }
    Status result = fn();
    if (setns(original, CLONE_NEWNET) != 0) {
        // Carrying on in the container's namespace would put the host's
        // bridges and ports there.
        std::fprintf(stderr, "berth: cannot return to the host network namespace: %s\n",
                     std::strerror(errno));
        std::abort();
    }
    ::close(original);
    return result;
}

// connectContainer and connectContainerToNetns: the container's namespace is
// the open fd netnsFd when >= 0, else that of childPid.
Result<std::string> connect(const NetworkConfig &config, pid_t childPid, int netnsFd)
{
    if (auto ok = validateNetworkConfig(config); !ok)
        return fail(std::move(ok.error()));
    if (config.mode == "host")
        return std::string();
    if (netnsFd < 0 && childPid <= 0)
        return fail(ErrorCode::InvalidArgument, "connect container: invalid pid " + std::to_string(childPid));
    // The namespace of childPid, opened where it is first needed (bridge
    // mode: after the bridge, as attachContainer by pid did).
    UniqueFd pidNetns;
    std::string what = netnsFd >= 0 ? "the container's network namespace (fd " + std::to_string(netnsFd) + ")"
                                    : "the network namespace of pid " + std::to_string(childPid);
    auto openTarget = [&]() -> Result<int> {
        if (netnsFd >= 0)
            return netnsFd;
        const std::string path = "/proc/" + std::to_string(childPid) + "/ns/net";
        pidNetns = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!pidNetns)
            return fail(Error::fromErrno("open " + path, errno).wrap("attach container " + config.containerId.substr(0, 12)));
        return pidNetns.get();
    };
    if (config.mode == "none") {
        auto target = openTarget();
        if (!target)
            return fail(std::move(target.error()));
        if (auto ok = inNetns(*target, what, [&] { return configureContainerSide(config); }); !ok)
            return fail(std::move(ok.error()));
        return std::string();
    }

    if (auto ok = ensureBridge(config); !ok)
        return fail(std::move(ok.error()));
    if (auto ok = allowIntraBridgeForwarding(config.bridge); !ok)
        return fail(std::move(ok.error()));
    // The peer goes into the namespace by fd: the one opened here names the
    // same namespace as childPid, without a second lookup by pid.
    auto target = openTarget();
    if (!target)
        return fail(std::move(target.error()));
    auto veth = attachContainerToNetns(config, *target);
    if (!veth)
        return veth;
    Status ready = inNetns(*target, what, [&] { return configureContainerSide(config); });
    if (ready)
        ready = waitForBridgePort(config);
    if (!ready) {
        (void)detachContainer(config);
        return fail(std::move(ready.error()).wrap("connect container " + config.containerId.substr(0, 12)));
    }
    return veth;
}

} // namespace

Result<std::string> connectContainer(const NetworkConfig &config, pid_t childPid)
{
    if (config.mode != "host" && childPid <= 0)
        return fail(ErrorCode::InvalidArgument, "connect container: invalid pid " + std::to_string(childPid));
    return connect(config, childPid, -1);
}

Result<std::string> connectContainerToNetns(const NetworkConfig &config, int netnsFd)
{
    if (config.mode != "host" && netnsFd < 0)
        return fail(ErrorCode::InvalidArgument, "connect container: invalid netns fd " + std::to_string(netnsFd));
    return connect(config, 0, netnsFd);
}

Status detachContainer(const NetworkConfig &config)
{
    if (config.mode != "bridge")
        return {};
    if (config.containerId.size() < 10 || !isHex(config.containerId))
        return fail(ErrorCode::InvalidArgument,
                    "detach container: invalid container id \"" + config.containerId + "\"");
    const std::string name = hostVethName(config.containerId);
    return withSocket("detach container " + config.containerId.substr(0, 12),
                      [&](nl_sock *sock) { return deleteLinkIfExists(sock, name); });
}

Status deleteBridge(const std::string &bridge)
{
    if (auto ok = validInterfaceName(bridge, "bridge"); !ok)
        return ok;
    return withSocket("delete bridge " + bridge, [&](nl_sock *sock) -> Status {
        auto link = getLink(sock, bridge);
        if (!link) {
            if (link.error().code() == ErrorCode::NotFound)
                return {};
            return fail(std::move(link.error()));
        }
        const char *type = rtnl_link_get_type(link->get());
        if (!type || std::strcmp(type, "bridge") != 0)
            return fail(ErrorCode::Conflict, "interface " + bridge + " is not a bridge");
        if (auto ok = deleteLinkIfExists(sock, bridge); !ok)
            return ok;
        // The forwarding rules named after it would only be clutter now.
        return removeIntraBridgeForwarding(bridge);
    });
}

} // namespace Berth::Runtime
