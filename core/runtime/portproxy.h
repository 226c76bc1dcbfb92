#pragma once

#include "network.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <cstddef>
#include <string>
#include <vector>

#include <sys/types.h>

namespace Berth::Runtime {

struct PortProxyOptions
{
    // A UDP flow (one client address) is forgotten after this much silence
    // in both directions (docker-proxy's UDP conntrack timeout is 90 s).
    int udpIdleTimeoutMs = 90000;
    // At most this many UDP flows per published port; a new client beyond
    // it evicts the flow idle the longest.
    std::size_t maxUdpFlows = 1024;
    // The buffer per TCP direction (docker-proxy's io.Copy uses 32 KiB).
    std::size_t tcpBufferSize = 32 * 1024;
};

// The userland port proxy for published ports: a forked, single-threaded
// child of the shim. It binds every host port first (hostPort 0 = any free
// port; the IPv4 and IPv6 mappings of one protocol and container port then
// share the port chosen first, as docker's do), reports what it bound
// through a pipe, then forwards TCP
// connections (both directions, half-close aware, a bounded buffer per
// direction, many connections) and UDP datagrams (a per-client flow table
// with idle expiry) to containerAddress:containerPort.
//
// A bind failure is an error like docker's "Bind for 127.0.0.1:8080 failed:
// port is already allocated", and nothing stays bound. The child ends on
// stop(), when the object is destroyed, or when its parent dies
// (PR_SET_PDEATHSIG plus a getppid() check). The child closes every
// inherited fd except stderr; stdin and stdout become /dev/null. Once its
// ports are bound it drops every capability (bounding set included) and
// sets no_new_privs.
//
// Must be called from a single-threaded process (it forks).
class PortProxy
{
public:
    PortProxy() = default;
    ~PortProxy();
    PortProxy(PortProxy &&other) noexcept;
    PortProxy &operator=(PortProxy &&other) noexcept;
    PortProxy(const PortProxy &) = delete;
    PortProxy &operator=(const PortProxy &) = delete;

    static Result<PortProxy> start(const std::vector<PortMapping> &ports,
                                   const std::string &containerAddress,
                                   const PortProxyOptions &options = {});

    // The mappings as bound: hostPort filled in where it was 0, hostIp
    // "0.0.0.0" where it was empty.
    const std::vector<PortMapping> &bound() const { return m_bound; }
    // The proxy process (0 when none runs).
    pid_t pid() const { return m_pid; }
    bool isRunning() const { return m_pid > 0; }

    // Asks the child to end, waits for it and reaps it. Idempotent.
    Status stop();

private:
    std::vector<PortMapping> m_bound;
    pid_t m_pid = 0;
    UniqueFd m_pidfd;   // signals and the wait go through it
    UniqueFd m_control; // write end; closing it tells the child to end
};

} // namespace Berth::Runtime
