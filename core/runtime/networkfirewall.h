#pragma once

#include <base/result.h>

#include <string>

namespace Berth::Runtime {

// With br_netfilter loaded and net.bridge.bridge-nf-call-iptables = 1 (the
// default once the module is loaded; docker loads it), IPv4 frames that a
// bridge forwards between two of its ports also pass the IP "forward"
// netfilter hook. A host firewall whose forward chain drops by default
// (docker sets iptables' FORWARD policy to DROP) then silently drops the
// traffic between two containers on the same Berth bridge.
//
// allowIntraBridgeForwarding() inserts, at the top of every nftables base
// chain hooked at "forward" in the ip and inet families (iptables-nft's
// FORWARD chain is one), the rule
//     iifname "<bridge>" oifname "<bridge>" accept comment "berth:<bridge>"
// which lets frames that enter and leave through the same Berth bridge pass
// and nothing else (docker adds the same rule for docker0). It is
// idempotent (an existing rule with that comment is kept), touches nothing
// when bridge-nf-call-iptables is 0 or br_netfilter is not loaded, and
// touches nothing when there is no forward base chain. It works in the
// caller's network namespace, through libnftables (no helper program).
//
// Not covered: hosts on iptables-legacy (x_tables, not nftables), nftables
// "bridge" family chains, and rules a firewall reload removes later (the
// next allow call puts them back).
Status allowIntraBridgeForwarding(const std::string &bridge);

// Outbound connections from the bridge's containers (docker's masquerade):
// sets net.ipv4.ip_forward = 1 in the caller's netns, adds
//     ip saddr <subnet>/<prefix> oifname != "<bridge>" masquerade
// to Berth's own table "ip berth" (chain postrouting, nat hook), and in
// every forward base chain (ip, inet) accepts what enters from the bridge
// and what returns to it as part of an established connection. Idempotent.
// Changes host-wide state (ip_forward and the ruleset): berthd calls it for
// its bridge when it is configured to (docker's --ip-masq); tests call it
// only inside private network namespaces.
Status enableOutboundNat(const std::string &bridge, const std::string &subnet, int prefixLength);

// Removes every rule allowIntraBridgeForwarding() and enableOutboundNat()
// added for bridge (ip_forward stays as it is). Idempotent; for whoever
// deletes the bridge.
Status removeIntraBridgeForwarding(const std::string &bridge);

// Whether bridged IPv4 currently passes the IP forward hook in the caller's
// network namespace (br_netfilter loaded and bridge-nf-call-iptables = 1).
bool bridgedTrafficIsFiltered();

} // namespace Berth::Runtime
