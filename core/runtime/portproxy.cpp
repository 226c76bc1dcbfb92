#include "portproxy.h"

#include <cstdint>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

// ---------------------------------------------------------------------------
// Addresses

struct SockAddr
{
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
    sockaddr *get() { return reinterpret_cast<sockaddr *>(&storage); }
    int family() const { return storage.ss_family; }
    // The bytes that identify a peer (family, address, port): a flow key.
    std::string key() const { return std::string(reinterpret_cast<const char *>(&storage), length); }
};

std::optional<SockAddr> makeAddress(const std::string &ip, uint16_t port)
{
    SockAddr out;
    if (ip.empty() || ip.find(':') == std::string::npos) {
        auto *in = reinterpret_cast<sockaddr_in *>(&out.storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        if (inet_pton(AF_INET, ip.empty() ? "0.0.0.0" : ip.c_str(), &in->sin_addr) != 1)
            return std::nullopt;
        out.length = sizeof(sockaddr_in);
    } else {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&out.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        if (inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) != 1)
            return std::nullopt;
        out.length = sizeof(sockaddr_in6);
    }
    return out;
}

uint16_t portOf(const SockAddr &addr)
{
    if (addr.family() == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6 *>(&addr.storage)->sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in *>(&addr.storage)->sin_port);
}

// docker prints "127.0.0.1:8080" and "[::1]:8080".
std::string hostPortText(const std::string &ip, uint16_t port)
{
    if (ip.find(':') != std::string::npos)
        return "[" + ip + "]:" + std::to_string(port);
    return ip + ":" + std::to_string(port);
}

// ---------------------------------------------------------------------------
// The report the child sends its parent once every port is bound:
//   "ok\n" then "<protocol> <hostIp> <hostPort> <containerPort>\n" per port, or
//   "error <ErrorCode> <errno> <message>\n".

bool writeAll(int fd, const std::string &text)
{
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

std::string readAll(int fd)
{
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buffer, static_cast<size_t>(n));
    }
    return out;
}

// ---------------------------------------------------------------------------
// The child: one epoll loop, everything non-blocking.

using Clock = std::chrono::steady_clock;

enum class Kind { Control, TcpListener, UdpListener, TcpClient, TcpBackend, UdpFlow };

struct Handle
{
    Kind kind;
    void *owner;
};

struct Listener
{
    Handle handle;
    int fd = -1;
    bool udp = false;
    SockAddr target;
};

// One direction of a TCP connection: bytes read from `from`, not yet
// written to `to`.
struct Direction
{
    std::vector<char> buffer;
    size_t start = 0;
    size_t end = 0;
    bool sourceEof = false; // read() returned 0
    bool shutDown = false;  // shutdown(to, SHUT_WR) done

    bool empty() const { return start == end; }
    bool done() const { return shutDown; }
};

struct TcpConnection
{
    Handle clientHandle{Kind::TcpClient, this};
    Handle backendHandle{Kind::TcpBackend, this};
    int client = -1;
    int backend = -1;
    bool connected = false; // the backend's connect() finished
    bool closed = false;
    Direction upstream;   // client -> backend
    Direction downstream; // backend -> client
};

struct UdpFlow
{
    Handle handle{Kind::UdpFlow, this};
    int fd = -1; // connected to the target
    Listener *listener = nullptr;
    SockAddr client;
    Clock::time_point lastActive;
    bool closed = false;
};

class ProxyLoop
{
public:
    ProxyLoop(const PortProxyOptions &options, pid_t parent) : m_options(options), m_parent(parent) {}

    // Creates the epoll set and the spare descriptor: done before the child
    // reports, so a started proxy is fully ready. Returns an errno or 0.
    int prepare();
    int run(int controlFd, std::vector<std::unique_ptr<Listener>> listeners);

private:
    void addFd(int fd, uint32_t events, Handle *handle);
    void acceptConnections(Listener &listener);
    void startConnection(Listener &listener, int client);
    void onConnectionEvent(TcpConnection &conn, bool backendSide, uint32_t events);
    // Moves bytes one way (to < 0: only buffers, the backend is still
    // connecting); false on a fatal socket error.
    bool pump(int from, int to, Direction &dir);
    void closeConnection(TcpConnection &conn);
    void onUdpListener(Listener &listener);
    void onUdpFlow(UdpFlow &flow);
    UdpFlow *flowFor(Listener &listener, const SockAddr &client);
    void closeFlow(UdpFlow &flow);
    void expireFlows(Clock::time_point now);
    void reapClosed();

    PortProxyOptions m_options;
    pid_t m_parent;
    int m_epoll = -1;
    int m_spareFd = -1; // given up to shed a connection when out of fds
    std::vector<std::unique_ptr<Listener>> m_listeners;
    std::unordered_map<TcpConnection *, std::unique_ptr<TcpConnection>> m_connections;
    std::map<std::pair<Listener *, std::string>, std::unique_ptr<UdpFlow>> m_flows;
    std::vector<std::unique_ptr<TcpConnection>> m_deadConnections;
    std::vector<std::unique_ptr<UdpFlow>> m_deadFlows;
    std::vector<char> m_datagram = std::vector<char>(65536);
};

void ProxyLoop::addFd(int fd, uint32_t events, Handle *handle)
{
    epoll_event event{};
    event.events = events;
    event.data.ptr = handle;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) < 0)
        std::fprintf(stderr, "berth port proxy: epoll_ctl add fd %d: %s\n", fd, std::strerror(errno));
}

int ProxyLoop::prepare()
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0)
        return errno;
    m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (m_spareFd < 0)
        return errno;
    return 0;
}

int ProxyLoop::run(int controlFd, std::vector<std::unique_ptr<Listener>> listeners)
{
    m_listeners = std::move(listeners);

    Handle control{Kind::Control, nullptr};
    addFd(controlFd, EPOLLIN, &control);
    for (auto &listener : m_listeners) {
        listener->handle = Handle{listener->udp ? Kind::UdpListener : Kind::TcpListener,
                                  listener.get()};
        addFd(listener->fd, EPOLLIN, &listener->handle);
    }

    const int sweepMs = std::clamp(m_options.udpIdleTimeoutMs / 4, 50, 1000);
    epoll_event events[128];
    for (;;) {
        // Wake at least once a second: the parent check, and UDP expiry.
        const int timeout = m_flows.empty() ? 1000 : sweepMs;
        const int n = epoll_wait(m_epoll, events, 128, timeout);
        if (n < 0 && errno != EINTR) {
            std::fprintf(stderr, "berth port proxy: epoll_wait: %s\n", std::strerror(errno));
            return 1;
        }
        if (getppid() != m_parent)
            return 0;
        for (int i = 0; i < n; ++i) {
            auto *handle = static_cast<Handle *>(events[i].data.ptr);
            switch (handle->kind) {
            case Kind::Control:
                // The parent closed its end (stop()) or died.
                return 0;
            case Kind::TcpListener:
                acceptConnections(*static_cast<Listener *>(handle->owner));
                break;
            case Kind::UdpListener:
                onUdpListener(*static_cast<Listener *>(handle->owner));
                break;
            case Kind::TcpClient:
            case Kind::TcpBackend: {
                auto *conn = static_cast<TcpConnection *>(handle->owner);
                if (!conn->closed)
                    onConnectionEvent(*conn, handle->kind == Kind::TcpBackend, events[i].events);
                break;
            }
            case Kind::UdpFlow: {
                auto *flow = static_cast<UdpFlow *>(handle->owner);
                if (!flow->closed)
                    onUdpFlow(*flow);
                break;
            }
            }
        }
        if (!m_flows.empty())
            expireFlows(Clock::now());
        reapClosed();
    }
}

void ProxyLoop::acceptConnections(Listener &listener)
{
    // Bounded so one busy port cannot starve the others.
    for (int i = 0; i < 64; ++i) {
        const int client = accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client >= 0) {
            startConnection(listener, client);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if ((errno == EMFILE || errno == ENFILE) && m_spareFd >= 0) {
            // Out of descriptors: take the connection with the spare fd and
            // close it, so the listener does not stay readable forever.
            ::close(m_spareFd);
            const int shed = accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (shed >= 0)
                ::close(shed);
            m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            std::fprintf(stderr, "berth port proxy: out of file descriptors; dropped a connection\n");
        }
        return; // EAGAIN, or an error to retry on the next readiness
    }
}

void ProxyLoop::startConnection(Listener &listener, int client)
{
    const int backend = socket(listener.target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (backend < 0) {
        std::fprintf(stderr, "berth port proxy: socket: %s\n", std::strerror(errno));
        ::close(client);
        return;
    }
    const int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(backend, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    auto conn = std::make_unique<TcpConnection>();
    conn->client = client;
    conn->backend = backend;
    conn->upstream.buffer.resize(m_options.tcpBufferSize);
    conn->downstream.buffer.resize(m_options.tcpBufferSize);

    if (connect(backend, listener.target.get(), listener.target.length) == 0) {
        conn->connected = true;
    } else if (errno != EINPROGRESS) {
        // Nothing listens in the container (yet): refuse the client, as
        // docker-proxy does, by closing it.
        ::close(client);
        ::close(backend);
        return;
    }
    TcpConnection *raw = conn.get();
    m_connections.emplace(raw, std::move(conn));
    const uint32_t events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    addFd(client, events, &raw->clientHandle);
    addFd(backend, events, &raw->backendHandle);
}

bool ProxyLoop::pump(int from, int to, Direction &dir)
{
    for (;;) {
        bool progressed = false;
        if (!dir.sourceEof) {
            if (dir.empty())
                dir.start = dir.end = 0;
            else if (dir.end == dir.buffer.size() && dir.start > 0) {
                std::memmove(dir.buffer.data(), dir.buffer.data() + dir.start, dir.end - dir.start);
                dir.end -= dir.start;
                dir.start = 0;
            }
            if (dir.end < dir.buffer.size()) {
                const ssize_t n = ::recv(from, dir.buffer.data() + dir.end,
                                         dir.buffer.size() - dir.end, 0);
                if (n > 0) {
                    dir.end += static_cast<size_t>(n);
                    progressed = true;
                } else if (n == 0) {
                    dir.sourceEof = true;
                    progressed = true;
                } else if (errno != EAGAIN && errno != EINTR) {
                    return false;
                }
            }
        }
        if (!dir.empty() && to >= 0) {
            const ssize_t n = ::send(to, dir.buffer.data() + dir.start, dir.end - dir.start,
                                     MSG_NOSIGNAL);
            if (n > 0) {
                dir.start += static_cast<size_t>(n);
                progressed = true;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                return false;
            }
        }
        if (!progressed)
            break;
    }
    if (to >= 0 && dir.sourceEof && dir.empty() && !dir.shutDown) {
        // Pass the half-close on.
        ::shutdown(to, SHUT_WR);
        dir.shutDown = true;
    }
    return true;
}

void ProxyLoop::onConnectionEvent(TcpConnection &conn, bool backendSide, uint32_t events)
{
    (void)backendSide;
    (void)events;
    if (!conn.connected) {
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(conn.backend, SOL_SOCKET, SO_ERROR, &error, &length) < 0 || error != 0) {
            // Refused or unreachable: close the client, as docker-proxy does.
            closeConnection(conn);
            return;
        }
        sockaddr_storage peer{};
        socklen_t peerLength = sizeof peer;
        if (getpeername(conn.backend, reinterpret_cast<sockaddr *>(&peer), &peerLength) == 0) {
            conn.connected = true;
        } else {
            // Still connecting: buffer what the client sends meanwhile; the
            // backend's EPOLLOUT edge when the connect finishes brings us back.
            if (!pump(conn.client, -1, conn.upstream))
                closeConnection(conn);
            return;
        }
    }
    if (!pump(conn.client, conn.backend, conn.upstream)
        || !pump(conn.backend, conn.client, conn.downstream)) {
        closeConnection(conn);
        return;
    }
    if (conn.upstream.done() && conn.downstream.done())
        closeConnection(conn);
}

void ProxyLoop::closeConnection(TcpConnection &conn)
{
    if (conn.closed)
        return;
    conn.closed = true;
    ::close(conn.client); // close() also removes the fds from the epoll set
    ::close(conn.backend);
    auto it = m_connections.find(&conn);
    if (it != m_connections.end()) {
        m_deadConnections.push_back(std::move(it->second));
        m_connections.erase(it);
    }
}

void ProxyLoop::onUdpListener(Listener &listener)
{
    for (int i = 0; i < 64; ++i) {
        SockAddr client;
        client.length = sizeof client.storage;
        const ssize_t n = recvfrom(listener.fd, m_datagram.data(), m_datagram.size(), 0,
                                   client.get(), &client.length);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // EAGAIN; ICMP errors from earlier sends are ignored
        }
        UdpFlow *flow = flowFor(listener, client);
        if (!flow)
            continue;
        flow->lastActive = Clock::now();
        // ECONNREFUSED (nothing listens in the container yet) drops the
        // datagram, as the network would.
        (void)::send(flow->fd, m_datagram.data(), static_cast<size_t>(n), MSG_NOSIGNAL);
    }
}

UdpFlow *ProxyLoop::flowFor(Listener &listener, const SockAddr &client)
{
    const auto key = std::make_pair(&listener, client.key());
    if (auto it = m_flows.find(key); it != m_flows.end())
        return it->second.get();

    size_t count = 0;
    UdpFlow *oldest = nullptr;
    for (auto &[flowKey, flow] : m_flows) {
        if (flowKey.first != &listener)
            continue;
        ++count;
        if (!oldest || flow->lastActive < oldest->lastActive)
            oldest = flow.get();
    }
    if (count >= m_options.maxUdpFlows && oldest)
        closeFlow(*oldest);

    const int fd = socket(listener.target.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::fprintf(stderr, "berth port proxy: socket: %s\n", std::strerror(errno));
        return nullptr;
    }
    if (connect(fd, listener.target.get(), listener.target.length) < 0) {
        std::fprintf(stderr, "berth port proxy: connect udp: %s\n", std::strerror(errno));
        ::close(fd);
        return nullptr;
    }
    auto flow = std::make_unique<UdpFlow>();
    flow->fd = fd;
    flow->listener = &listener;
    flow->client = client;
    flow->lastActive = Clock::now();
    UdpFlow *raw = flow.get();
    m_flows.emplace(key, std::move(flow));
    addFd(fd, EPOLLIN, &raw->handle);
    return raw;
}

void ProxyLoop::onUdpFlow(UdpFlow &flow)
{
    for (int i = 0; i < 64; ++i) {
        const ssize_t n = ::recv(flow.fd, m_datagram.data(), m_datagram.size(), 0);
        if (n < 0) {
            if (errno == EINTR || errno == ECONNREFUSED)
                continue;
            return;
        }
        flow.lastActive = Clock::now();
        (void)::sendto(flow.listener->fd, m_datagram.data(), static_cast<size_t>(n), MSG_NOSIGNAL,
                       flow.client.get(), flow.client.length);
    }
}

void ProxyLoop::closeFlow(UdpFlow &flow)
{
    if (flow.closed)
        return;
    flow.closed = true;
    ::close(flow.fd);
    auto it = m_flows.find(std::make_pair(flow.listener, flow.client.key()));
    if (it != m_flows.end()) {
        m_deadFlows.push_back(std::move(it->second));
        m_flows.erase(it);
    }
}

void ProxyLoop::expireFlows(Clock::time_point now)
{
    const auto idle = std::chrono::milliseconds(m_options.udpIdleTimeoutMs);
    std::vector<UdpFlow *> expired;
    for (auto &[key, flow] : m_flows) {
        if (now - flow->lastActive >= idle)
            expired.push_back(flow.get());
    }
    for (UdpFlow *flow : expired)
        closeFlow(*flow);
}

void ProxyLoop::reapClosed()
{
    m_deadConnections.clear();
    m_deadFlows.clear();
}

// Closes every descriptor from 3 up except those in keep.
void closeInheritedFds(std::vector<int> keep)
{
    std::sort(keep.begin(), keep.end());
    unsigned int from = 3;
    for (int fd : keep) {
        if (fd < 3)
            continue;
        if (static_cast<unsigned int>(fd) > from)
            syscall(SYS_close_range, from, static_cast<unsigned int>(fd) - 1, 0U);
        from = static_cast<unsigned int>(fd) + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0U);
}

// Tells the parent why the child cannot run, and ends it: every socket
// bound so far closes with the process.
[[noreturn]] void reportFailure(int reportFd, ErrorCode code, int sysErrno, const std::string &message)
{
    writeAll(reportFd, "error " + std::to_string(static_cast<int>(code)) + " "
                           + std::to_string(sysErrno) + " " + message + "\n");
    _exit(1);
}

// The proxy needs no privilege once its ports are bound: it only accepts,
// connects and copies bytes from the network. Drop every capability (and
// the way back through execve) so a bug in that path cannot be used for
// more. Best effort for the securebits (needs CAP_SETPCAP, which a non-root
// caller lacks); dropping capabilities itself cannot fail for lack of them.
void dropPrivileges()
{
    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP
                                 | SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED);
    for (unsigned long cap = 0; cap <= CAP_LAST_CAP; ++cap)
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    syscall(SYS_capset, &header, data);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

// Runs in the forked child; never returns.
[[noreturn]] void runChild(const std::vector<PortMapping> &ports, const SockAddr &target,
                           const PortProxyOptions &options, pid_t parent, int controlFd,
                           int reportFd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    prctl(PR_SET_NAME, "berth-proxy");

    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);

    closeInheritedFds({controlFd, reportFd});
    if (const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        if (null > 2)
            ::close(null);
    }
    // Many connections need many descriptors.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }


    std::vector<std::unique_ptr<Listener>> listeners;
    std::string reply = "ok\n";
    // docker gives the IPv4 and IPv6 bindings of one published port the same
    // host port: a "any free port" mapping reuses the port already chosen
    // for the same protocol and container port in the other family.
    struct Chosen
    {
        std::string protocol;
        uint16_t containerPort;
        int family;
        uint16_t hostPort;
    };
    std::vector<Chosen> chosen;
    for (const PortMapping &port : ports) {
        const bool udp = port.protocol == "udp";
        const std::string ip = port.hostIp.empty() ? "0.0.0.0" : port.hostIp;
        uint16_t hostPort = port.hostPort;
        const uint16_t lastPort = port.hostPortEnd > port.hostPort ? port.hostPortEnd : port.hostPort;
        const int family = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
        if (hostPort == 0 || lastPort > hostPort) {
            for (const Chosen &c : chosen) {
                if (c.protocol == port.protocol && c.containerPort == port.containerPort && c.family != family
                    && (hostPort == 0 || (c.hostPort >= hostPort && c.hostPort <= lastPort)))
                    hostPort = c.hostPort;
            }
        }
        // A range: the first port from hostPort to lastPort that binds
        // (dockerd's allocator hands out the first free one in the range).
        int fd = -1;
        for (;;) {
            auto address = makeAddress(ip, hostPort);
            if (!address)
                reportFailure(reportFd, ErrorCode::InvalidArgument, 0, "invalid host IP \"" + ip + "\"");
            fd = socket(address->family(), (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                const int socketErrno = errno;
                reportFailure(reportFd, ErrorCode::Io, socketErrno,
                              "create a " + port.protocol + " socket for "
                                  + hostPortText(ip, hostPort));
            }
            const int one = 1;
            if (!udp)
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); // TIME_WAIT only
            if (address->family() == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            if (bind(fd, address->get(), address->length) == 0)
                break;
            const int bindErrno = errno;
            ::close(fd);
            if (bindErrno == EADDRINUSE && hostPort != 0 && hostPort < lastPort) {
                ++hostPort;
                continue;
            }
            if (bindErrno == EADDRINUSE && lastPort > port.hostPort)
                // dockerd's port allocator when every port of the range is taken.
                reportFailure(reportFd, ErrorCode::Io, 0,
                              "Bind for " + hostPortText(ip, port.hostPort) + "-" + std::to_string(lastPort)
                                  + " failed: all ports are allocated");
            if (bindErrno == EADDRINUSE)
                // docker's words, which scripts and users look for.
                reportFailure(reportFd, ErrorCode::Io, 0, "Bind for " + hostPortText(ip, hostPort)
                                             + " failed: port is already allocated");
            reportFailure(reportFd, Error::fromErrno("bind", bindErrno).code(), bindErrno,
                   "Bind for " + hostPortText(ip, hostPort) + " failed");
        }
        if (!udp && listen(fd, SOMAXCONN) < 0) {
            const int listenErrno = errno;
            reportFailure(reportFd, ErrorCode::Io, listenErrno,
                          "listen on " + hostPortText(ip, hostPort));
        }
        SockAddr bound;
        bound.length = sizeof bound.storage;
        if (getsockname(fd, bound.get(), &bound.length) < 0) {
            const int nameErrno = errno;
            reportFailure(reportFd, ErrorCode::Io, nameErrno,
                          "getsockname " + hostPortText(ip, hostPort));
        }

        auto listener = std::make_unique<Listener>();
        listener->fd = fd;
        listener->udp = udp;
        listener->target = target;
        reinterpret_cast<sockaddr_in *>(&listener->target.storage)->sin_port
            = htons(port.containerPort);
        listeners.push_back(std::move(listener));
        if (port.hostPort == 0 || lastPort > port.hostPort)
            chosen.push_back({port.protocol, port.containerPort, family, portOf(bound)});
        reply += port.protocol + " " + ip + " " + std::to_string(portOf(bound)) + " "
                 + std::to_string(port.containerPort) + "\n";
    }
    ProxyLoop loop(options, parent);
    if (const int error = loop.prepare(); error != 0)
        reportFailure(reportFd, ErrorCode::Io, error, "set up the port proxy's event loop");
    dropPrivileges();
    writeAll(reportFd, reply);
    ::close(reportFd);
    _exit(loop.run(controlFd, std::move(listeners)));
}

Result<std::vector<PortMapping>> parseReport(const std::string &text)
{
    if (text.starts_with("error ")) {
        int code = 0;
        int sysErrno = 0;
        int consumed = 0;
        if (std::sscanf(text.c_str(), "error %d %d %n", &code, &sysErrno, &consumed) < 2)
            return fail(ErrorCode::Protocol, "port proxy sent a malformed error: " + text);
        std::string message = text.substr(static_cast<size_t>(consumed));
        while (!message.empty() && message.back() == '\n')
            message.pop_back();
        return fail(static_cast<ErrorCode>(code), message, sysErrno);
    }
    if (!text.starts_with("ok\n"))
        return fail(ErrorCode::Protocol, "port proxy exited before it reported its ports");
    std::vector<PortMapping> bound;
    size_t pos = 3;
    while (pos < text.size()) {
        const size_t eol = text.find('\n', pos);
        if (eol == std::string::npos)
            return fail(ErrorCode::Protocol, "port proxy sent a truncated report");
        char protocol[8] = {};
        char ip[64] = {};
        unsigned hostPort = 0;
        unsigned containerPort = 0;
        const std::string line = text.substr(pos, eol - pos);
        if (std::sscanf(line.c_str(), "%7s %63s %u %u", protocol, ip, &hostPort, &containerPort) != 4
            || hostPort > 65535 || containerPort > 65535)
            return fail(ErrorCode::Protocol, "port proxy sent a malformed line: " + line);
        bound.push_back(PortMapping{protocol, ip, static_cast<uint16_t>(hostPort),
                                    static_cast<uint16_t>(containerPort)});
        pos = eol + 1;
    }
    return bound;
}

} // namespace

PortProxy::~PortProxy()
{
    (void)stop();
}

PortProxy::PortProxy(PortProxy &&other) noexcept
    : m_bound(std::move(other.m_bound)),
      m_pid(std::exchange(other.m_pid, 0)),
      m_pidfd(std::move(other.m_pidfd)),
      m_control(std::move(other.m_control))
{}

PortProxy &PortProxy::operator=(PortProxy &&other) noexcept
{
    if (this != &other) {
        (void)stop();
        m_bound = std::move(other.m_bound);
        m_pid = std::exchange(other.m_pid, 0);
        m_pidfd = std::move(other.m_pidfd);
        m_control = std::move(other.m_control);
    }
    return *this;
}

Result<PortProxy> PortProxy::start(const std::vector<PortMapping> &ports,
                                   const std::string &containerAddress,
                                   const PortProxyOptions &options)
{
    const std::string context = "publish ports";
    in_addr containerIp{};
    if (inet_pton(AF_INET, containerAddress.c_str(), &containerIp) != 1)
        return fail(ErrorCode::InvalidArgument,
                    context + ": invalid container address \"" + containerAddress + "\"");
    for (const PortMapping &port : ports) {
        if (port.protocol != "tcp" && port.protocol != "udp")
            return fail(ErrorCode::InvalidArgument, context + ": invalid protocol \""
                                                        + port.protocol + "\"");
        if (port.containerPort == 0)
            return fail(ErrorCode::InvalidArgument, context + ": invalid container port 0");
        if (!makeAddress(port.hostIp, 0))
            return fail(ErrorCode::InvalidArgument,
                        context + ": invalid host IP \"" + port.hostIp + "\"");
    }
    if (options.udpIdleTimeoutMs <= 0 || options.maxUdpFlows == 0 || options.tcpBufferSize == 0)
        return fail(ErrorCode::InvalidArgument, context + ": invalid port proxy options");

    PortProxy proxy;
    if (ports.empty())
        return proxy;

    auto target = makeAddress(containerAddress, 0);
    int control[2];
    int report[2];
    if (pipe2(control, O_CLOEXEC) < 0)
        return failErrno("create the port proxy's control pipe");
    UniqueFd controlRead(control[0]);
    UniqueFd controlWrite(control[1]);
    if (pipe2(report, O_CLOEXEC) < 0)
        return failErrno("create the port proxy's report pipe");
    UniqueFd reportRead(report[0]);
    UniqueFd reportWrite(report[1]);

    const pid_t parent = getpid();
    const pid_t child = fork();
    if (child < 0)
        return failErrno("fork the port proxy");
    if (child == 0)
        runChild(ports, *target, options, parent, controlRead.get(), reportWrite.get());

    controlRead.reset();
    reportWrite.reset();
    proxy.m_pid = child;
    // Taken while the child is certainly ours and unreaped.
    proxy.m_pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, child, 0)));
    proxy.m_control = std::move(controlWrite);

    auto bound = parseReport(readAll(reportRead.get()));
    if (!bound) {
        (void)proxy.stop();
        return fail(std::move(bound.error()).wrap(context));
    }
    proxy.m_bound = std::move(*bound);
    return proxy;
}

Status PortProxy::stop()
{
    if (m_pid <= 0)
        return {};
    const pid_t pid = std::exchange(m_pid, 0);
    const UniqueFd pidfd = std::move(m_pidfd);
    m_control.reset(); // the child sees end-of-file and ends
    const std::string name = "port proxy " + std::to_string(pid);

    if (!pidfd.isValid()) {
        // No pidfd (a kernel before 5.3): plain pid calls; the pid cannot
        // have been reused while it is our unreaped child.
        int status = 0;
        pid_t reaped;
        do {
            reaped = waitpid(pid, &status, WNOHANG);
            if (reaped == 0) {
                const timespec pause{0, 10 * 1000 * 1000};
                nanosleep(&pause, nullptr);
            }
        } while (reaped == 0 || (reaped < 0 && errno == EINTR));
        if (reaped < 0 && errno != ECHILD)
            return failErrno("wait for " + name);
        return {};
    }

    // Signals and the wait go through the pidfd, so a pid reused after
    // someone else reaped the proxy is never touched (security-checklist 38).
    pollfd wait{pidfd.get(), POLLIN, 0};
    int n;
    do {
        n = poll(&wait, 1, 2000); // a moment to close its sockets
    } while (n < 0 && errno == EINTR);
    const bool exited = n > 0;
    if (!exited)
        syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);

    siginfo_t info{};
    int rc;
    do {
        rc = waitid(P_PIDFD, static_cast<id_t>(pidfd.get()), &info, WEXITED);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        if (errno == ECHILD)
            return {}; // reaped elsewhere (a SIGCHLD loop in the caller)
        return failErrno("wait for " + name);
    }
    if (exited && info.si_code == CLD_EXITED && info.si_status != 0 && info.si_status != 1)
        return fail(ErrorCode::Internal, name + " exited with status " + std::to_string(info.si_status));
    if (exited && (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED))
        return fail(ErrorCode::Internal, name + " was killed by signal " + std::to_string(info.si_status));
    return {};
}

} // namespace Berth::Runtime
