#include "netlink.h"

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/cache.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <arpa/inet.h>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <time.h>

namespace Berth::Runtime::Internal {

void NlSocketDeleter::operator()(nl_sock *sock) const { nl_socket_free(sock); }
void NlAddrDeleter::operator()(nl_addr *addr) const { nl_addr_put(addr); }
void LinkDeleter::operator()(rtnl_link *link) const { rtnl_link_put(link); }
void AddrDeleter::operator()(rtnl_addr *addr) const { rtnl_addr_put(addr); }
void RouteDeleter::operator()(rtnl_route *route) const { rtnl_route_put(route); }

int errnoFromNl(int nlError)
{
    switch (std::abs(nlError)) {
    case NLE_SUCCESS: return 0;
    case NLE_INTR: return EINTR;
    case NLE_BAD_SOCK: return EBADF;
    case NLE_AGAIN: return EAGAIN;
    case NLE_NOMEM: return ENOMEM;
    case NLE_EXIST: return EEXIST;
    case NLE_INVAL: return EINVAL;
    case NLE_RANGE: return ERANGE;
    case NLE_MSGSIZE: return EMSGSIZE;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_NODEV: return ENODEV;
    case NLE_BUSY: return EBUSY;
    case NLE_NOACCESS: return EACCES;
    case NLE_PERM: return EPERM;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    case NLE_ATTRSIZE:
    case NLE_MSG_TOOSHORT:
    case NLE_MSG_TRUNC: return EBADMSG;
    default: return EIO;
    }
}

Error netlinkError(std::string operation, int nlError)
{
    Error error = Error::fromErrno(operation, errnoFromNl(nlError));
    // Keep libnl's own words too: they say more than the errno for
    // protocol-level failures (a truncated message, a sequence mismatch).
    return Error(error.code(), operation + " (netlink: " + nl_geterror(nlError) + ")",
                 error.sysErrno());
}

Result<NlSocket> openRouteSocket()
{
    NlSocket sock(nl_socket_alloc());
    if (!sock)
        return fail(ErrorCode::Io, "allocate a netlink socket", ENOMEM);
    if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
        return fail(netlinkError("connect a NETLINK_ROUTE socket", err));
    return sock;
}

Result<Link> getLink(nl_sock *sock, const std::string &name)
{
    rtnl_link *raw = nullptr;
    if (const int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw); err < 0) {
        // The kernel answers ENODEV; libnl turns that into "object not found".
        const int code = std::abs(err);
        if (code == NLE_OBJ_NOTFOUND || code == NLE_NODEV)
            return fail(ErrorCode::NotFound, "find link " + name, ENODEV);
        return fail(netlinkError("find link " + name, err));
    }
    return Link(raw);
}

Result<Link> getLink(nl_sock *sock, int ifindex)
{
    rtnl_link *raw = nullptr;
    if (const int err = rtnl_link_get_kernel(sock, ifindex, nullptr, &raw); err < 0) {
        const int code = std::abs(err);
        const std::string object = "find link with index " + std::to_string(ifindex);
        if (code == NLE_OBJ_NOTFOUND || code == NLE_NODEV)
            return fail(ErrorCode::NotFound, object, ENODEV);
        return fail(netlinkError(object, err));
    }
    return Link(raw);
}

Status setLinkUp(nl_sock *sock, rtnl_link *link, const std::string &name)
{
    if (rtnl_link_get_flags(link) & IFF_UP)
        return {};
    Link change(rtnl_link_alloc());
    if (!change)
        return fail(ErrorCode::Io, "set link " + name + " up", ENOMEM);
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (const int err = rtnl_link_change(sock, link, change.get(), 0); err < 0)
        return fail(netlinkError("set link " + name + " up", err));
    return {};
}

Status waitForOperUp(nl_sock *sock, const std::string &name, int timeoutMs)
{
    timespec start{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        auto link = getLink(sock, name);
        if (!link)
            return fail(std::move(link.error()));
        if (rtnl_link_get_operstate(link->get()) == IF_OPER_UP)
            return {};
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        const long elapsedMs = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsedMs >= timeoutMs)
            return fail(ErrorCode::Timeout, "wait for link " + name + " to come up", ETIMEDOUT);
        const timespec pause{0, 200 * 1000}; // 0.2 ms; link watch usually needs less than 1 ms
        nanosleep(&pause, nullptr);
    }
}

Result<int> bridgePortState(nl_sock *sock, const std::string &name)
{
    auto link = getLink(sock, name);
    if (!link)
        return fail(std::move(link.error()));
    const int ifindex = rtnl_link_get_ifindex(link->get());
    // The kernel reports port state only in the AF_BRIDGE dump (what
    // "bridge link show" reads).
    nl_cache *raw = nullptr;
    if (const int err = rtnl_link_alloc_cache(sock, AF_BRIDGE, &raw); err < 0)
        return fail(netlinkError("list bridge ports", err));
    std::unique_ptr<nl_cache, void (*)(nl_cache *)> cache(raw, nl_cache_free);
    Link port(rtnl_link_get(cache.get(), ifindex));
    if (!port)
        return fail(ErrorCode::NotFound, "find bridge port " + name, ENOENT);
    const int state = rtnl_link_bridge_get_port_state(port.get());
    if (state < 0)
        return fail(netlinkError("read the state of bridge port " + name, state));
    return state;
}

Result<NlAddr> parseIPv4(const std::string &text, int prefixLength)
{
    in_addr raw{};
    if (inet_pton(AF_INET, text.c_str(), &raw) != 1)
        return fail(ErrorCode::InvalidArgument, "invalid IPv4 address \"" + text + "\"");
    if (prefixLength < 0 || prefixLength > 32)
        return fail(ErrorCode::InvalidArgument,
                    "invalid IPv4 prefix length " + std::to_string(prefixLength));
    NlAddr addr(nl_addr_build(AF_INET, &raw, sizeof raw));
    if (!addr)
        return fail(ErrorCode::Io, "build address " + text, ENOMEM);
    nl_addr_set_prefixlen(addr.get(), prefixLength);
    return addr;
}

Result<NlAddr> parseMac(const std::string &text)
{
    nl_addr *raw = nullptr;
    if (nl_addr_parse(text.c_str(), AF_LLC, &raw) < 0 || nl_addr_get_len(raw) != 6) {
        if (raw)
            nl_addr_put(raw);
        return fail(ErrorCode::InvalidArgument, "invalid MAC address \"" + text + "\"");
    }
    return NlAddr(raw);
}

Status addIPv4Address(nl_sock *sock, int ifindex, const std::string &linkName,
                      const std::string &address, int prefixLength)
{
    const std::string operation = "add address " + address + "/" + std::to_string(prefixLength)
                                  + " to " + linkName;
    auto local = parseIPv4(address, prefixLength);
    if (!local)
        return fail(std::move(local.error()).wrap(operation));

    Addr addr(rtnl_addr_alloc());
    if (!addr)
        return fail(ErrorCode::Io, operation, ENOMEM);
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), AF_INET);
    if (const int err = rtnl_addr_set_local(addr.get(), local->get()); err < 0)
        return fail(netlinkError(operation, err));
    rtnl_addr_set_prefixlen(addr.get(), prefixLength);
    if (prefixLength < 31) {
        // The directed broadcast, as iproute2's "brd +" and docker set it.
        in_addr raw{};
        inet_pton(AF_INET, address.c_str(), &raw);
        const uint32_t mask = prefixLength == 0 ? 0 : htonl(~uint32_t(0) << (32 - prefixLength));
        raw.s_addr |= ~mask;
        NlAddr broadcast(nl_addr_build(AF_INET, &raw, sizeof raw));
        if (!broadcast)
            return fail(ErrorCode::Io, operation, ENOMEM);
        rtnl_addr_set_broadcast(addr.get(), broadcast.get());
    }
    const int err = rtnl_addr_add(sock, addr.get(), NLM_F_EXCL);
    if (err < 0 && std::abs(err) != NLE_EXIST)
        return fail(netlinkError(operation, err));
    return {};
}

Status addDefaultRoute(nl_sock *sock, int ifindex, const std::string &linkName,
                       const std::string &gateway)
{
    const std::string operation = "add default route via " + gateway + " dev " + linkName;
    auto via = parseIPv4(gateway, 32);
    if (!via)
        return fail(std::move(via.error()).wrap(operation));
    auto any = parseIPv4("0.0.0.0", 0);
    if (!any)
        return fail(std::move(any.error()).wrap(operation));

    Route route(rtnl_route_alloc());
    rtnl_nexthop *hop = rtnl_route_nh_alloc();
    if (!route || !hop) {
        if (hop)
            rtnl_route_nh_free(hop);
        return fail(ErrorCode::Io, operation, ENOMEM);
    }
    rtnl_route_set_family(route.get(), AF_INET);
    rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
    rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
    rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
    rtnl_route_set_type(route.get(), RTN_UNICAST);
    if (const int err = rtnl_route_set_dst(route.get(), any->get()); err < 0) {
        rtnl_route_nh_free(hop);
        return fail(netlinkError(operation, err));
    }
    rtnl_route_nh_set_ifindex(hop, ifindex);
    rtnl_route_nh_set_gateway(hop, via->get());
    rtnl_route_add_nexthop(route.get(), hop); // the route owns hop now
    const int err = rtnl_route_add(sock, route.get(), NLM_F_EXCL);
    if (err < 0 && std::abs(err) != NLE_EXIST)
        return fail(netlinkError(operation, err));
    return {};
}

Status deleteLinkIfExists(nl_sock *sock, const std::string &name)
{
    Link link(rtnl_link_alloc());
    if (!link)
        return fail(ErrorCode::Io, "delete link " + name, ENOMEM);
    rtnl_link_set_name(link.get(), name.c_str());
    const int err = rtnl_link_delete(sock, link.get());
    if (err < 0) {
        const int code = std::abs(err);
        if (code == NLE_OBJ_NOTFOUND || code == NLE_NODEV)
            return {};
        return fail(netlinkError("delete link " + name, err));
    }
    return {};
}

} // namespace Berth::Runtime::Internal
