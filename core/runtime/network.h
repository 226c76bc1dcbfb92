#pragma once

#include <base/result.h>

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace Berth::Runtime {

// One published port (docker's -p / -P). hostIp "" means every IPv4
// address (0.0.0.0); hostPort 0 means "any free port".
struct PortMapping
{
    std::string protocol = "tcp"; // "tcp" or "udp"
    std::string hostIp;
    uint16_t hostPort = 0;
    uint16_t containerPort = 0;
    // A host port range (-p 8000-8010:80): the first free port from
    // hostPort to hostPortEnd. 0: hostPort alone.
    uint16_t hostPortEnd = 0;

    friend bool operator==(const PortMapping &, const PortMapping &) = default;
};

// The spec's "network" object (core/runtime/README.md section 2).
struct NetworkConfig
{
    std::string mode = "bridge"; // "bridge", "host" or "none"
    std::string bridge;          // bridge mode: the host bridge ("berth0")
    std::string gateway;         // the bridge's address, the container's default route
    int prefixLength = 16;
    std::string address;         // the container's IPv4 address
    std::string mac;             // "02:42:..."; empty: the kernel picks one
    int mtu = 1500;
    std::vector<PortMapping> ports;
    std::string containerId;     // 64 hex; names the veth pair
};

// "vb<first 10 hex of the id>": the host end of the container's veth pair.
std::string hostVethName(const std::string &containerId);

// Checks a config before anything is created: mode, bridge name, addresses,
// prefix, MAC, MTU, id, ports.
Status validateNetworkConfig(const NetworkConfig &config);

// Host netns, bridge mode: makes sure the bridge exists, carries
// gateway/prefixLength and is up. Idempotent and race-safe when several
// shims run it at once (EEXIST from a concurrent creator is success).
// Touches no firewall (connectContainer adds the forwarding rule).
Status ensureBridge(const NetworkConfig &config);

// Host netns, bridge mode, the container's child already in its own netns:
// creates the veth pair in one netlink request: the host end hostVethName(),
// enslaved to the bridge and up, and the peer created directly inside the
// netns of childPid (or of the namespace open at netnsFd) under the name
// eth0, with the config's MAC and MTU (so there is no rename and no window
// in which the peer is visible on the host). Returns the host end's name.
// On failure nothing is left behind. "none" and "host": nothing to do.
Result<std::string> attachContainer(const NetworkConfig &config, pid_t childPid);
Result<std::string> attachContainerToNetns(const NetworkConfig &config, int netnsFd);

// Inside the container's netns (the container child calls it before
// pivot_root, or the shim after setns): lo up; bridge mode also adds
// address/prefix to eth0, brings it up and adds the default route via the
// gateway, and returns once eth0 is operationally up (its qdisc
// transmits). "none": lo only. "host": nothing.
Status configureContainerSide(const NetworkConfig &config);

// Host netns, after the container side is up (configureContainerSide): waits
// until the bridge forwards through the container's port. The kernel enables
// the port from its link-watch work shortly after the carrier comes on;
// frames sent before that are dropped, and the container's first ARP
// request or SYN would then wait a full retransmit second.
Status waitForBridgePort(const NetworkConfig &config, int timeoutMs = 2000);

// Everything above in one call from the host side, for a single-threaded
// caller (it setns()es into the child's network namespace and back):
// bridge mode: ensureBridge, allowIntraBridgeForwarding (networkfirewall.h),
// attachContainer, configureContainerSide inside the child's netns,
// waitForBridgePort; "none": lo up inside the child's netns; "host":
// nothing. Returns the host veth's name ("" unless bridge). On failure
// nothing is left (the veth is deleted; a bridge shared with other
// containers stays).
Result<std::string> connectContainer(const NetworkConfig &config, pid_t childPid);
// The same for a container whose network namespace is open at netnsFd (one
// handed by berthd's pool, which the child joins: README 3 --netns-fd).
Result<std::string> connectContainerToNetns(const NetworkConfig &config, int netnsFd);

// Host netns: deletes the host veth (and so its peer) if it still exists.
// Idempotent; also used by `berth-shim cleanup`.
Status detachContainer(const NetworkConfig &config);

// Host netns: deletes a bridge and the forwarding rules
// allowIntraBridgeForwarding() added for it. Idempotent.
Status deleteBridge(const std::string &bridge);

} // namespace Berth::Runtime
