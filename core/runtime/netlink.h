#pragma once

// A thin RAII layer over libnl-route-3 for the network code (network.cpp).
// Qt-free, single-threaded; every call reports an Error naming the
// operation, the object and the errno.

#include <base/error.h>
#include <base/result.h>

#include <memory>
#include <string>

struct nl_sock;
struct nl_addr;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;

namespace Berth::Runtime::Internal {

struct NlSocketDeleter { void operator()(nl_sock *sock) const; };
struct NlAddrDeleter { void operator()(nl_addr *addr) const; };
struct LinkDeleter { void operator()(rtnl_link *link) const; };
struct AddrDeleter { void operator()(rtnl_addr *addr) const; };
struct RouteDeleter { void operator()(rtnl_route *route) const; };

using NlSocket = std::unique_ptr<nl_sock, NlSocketDeleter>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrDeleter>;
using Link = std::unique_ptr<rtnl_link, LinkDeleter>;
using Addr = std::unique_ptr<rtnl_addr, AddrDeleter>;
using Route = std::unique_ptr<rtnl_route, RouteDeleter>;

// The errno a libnl error code (negative or positive NLE_*) stands for.
int errnoFromNl(int nlError);
// "<operation>: <libnl text>" with the errno and a matching ErrorCode.
Error netlinkError(std::string operation, int nlError);

// A NETLINK_ROUTE socket in the caller's current network namespace.
Result<NlSocket> openRouteSocket();

// The link named `name` as the kernel has it now; ErrorCode::NotFound
// (ENODEV) when there is none.
Result<Link> getLink(nl_sock *sock, const std::string &name);
Result<Link> getLink(nl_sock *sock, int ifindex);

// Sets IFF_UP on an existing link.
Status setLinkUp(nl_sock *sock, rtnl_link *link, const std::string &name);

// Waits until the kernel reports the link operationally up (carrier on and
// the link-watch work done, which is when its qdisc starts to transmit:
// until then the kernel drops what is sent, and the first ARP request or
// SYN would wait a full retransmit second). Gives up after timeoutMs with
// ErrorCode::Timeout.
Status waitForOperUp(nl_sock *sock, const std::string &name, int timeoutMs);

// The STP state of a bridge port (BR_STATE_FORWARDING = 3), read from the
// kernel's AF_BRIDGE link dump; ErrorCode::NotFound when name is not a
// bridge port.
Result<int> bridgePortState(nl_sock *sock, const std::string &name);

// "10.1.2.3" with a prefix length -> nl_addr (AF_INET).
Result<NlAddr> parseIPv4(const std::string &text, int prefixLength);
// "02:42:ac:11:00:02" -> nl_addr (AF_LLC).
Result<NlAddr> parseMac(const std::string &text);

// Adds address/prefix to the link; an identical address already there is
// success (idempotent).
Status addIPv4Address(nl_sock *sock, int ifindex, const std::string &linkName,
                      const std::string &address, int prefixLength);

// Adds the default IPv4 route via gateway on ifindex.
Status addDefaultRoute(nl_sock *sock, int ifindex, const std::string &linkName,
                       const std::string &gateway);

// Deletes a link by name; absent is success.
Status deleteLinkIfExists(nl_sock *sock, const std::string &name);

} // namespace Berth::Runtime::Internal
