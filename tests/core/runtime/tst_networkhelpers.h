#pragma once

// Shared by tst_network.cpp and tst_portproxy.cpp: private network
// namespaces, unique bridge names and subnets, an echo server in a child
// process, and small socket helpers. Everything cleans up after itself.

#include <base/uniquefd.h>

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QDir>
#include <QFile>

#include <arpa/inet.h>
#include <cstdint>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <sched.h>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace Berth::TestNet {

inline bool isRoot() { return geteuid() == 0; }

// A 64-hex container id that no one else uses.
inline std::string randomId()
{
    static std::mt19937_64 generator{std::random_device{}()};
    static const char digits[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 64; ++i)
        id += digits[generator() % 16];
    return id;
}

// "bt<pid><n>": unique per test process (IFNAMSIZ allows 15 bytes).
inline std::string uniqueBridgeName(int n)
{
    return "bt" + std::to_string(getpid()) + "n" + std::to_string(n);
}

// A private 10.a.b.0/24 for this process and run, unlikely to collide with
// a neighbour's.
inline std::string subnetPrefix(int n)
{
    const unsigned pid = static_cast<unsigned>(getpid());
    return "10." + std::to_string(100 + (pid + static_cast<unsigned>(n)) % 100) + "."
           + std::to_string((pid / 100 + static_cast<unsigned>(n) * 7) % 256) + ".";
}

// The current thread's network namespace while alive, then back.
class NetnsScope
{
public:
    explicit NetnsScope(int target)
        : m_original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))
    {
        m_ok = m_original.isValid() && setns(target, CLONE_NEWNET) == 0;
    }
    ~NetnsScope()
    {
        if (m_original.isValid() && setns(m_original.get(), CLONE_NEWNET) != 0)
            std::abort(); // the rest of the test would run in the wrong namespace
    }
    NetnsScope(const NetnsScope &) = delete;
    NetnsScope &operator=(const NetnsScope &) = delete;
    bool ok() const { return m_ok; }

private:
    UniqueFd m_original;
    bool m_ok = false;
};

// A fresh network namespace held only by an fd: it disappears (and with it
// every interface inside, including veth peers) when the fd closes.
inline UniqueFd createNetns()
{
    UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!original.isValid() || unshare(CLONE_NEWNET) != 0)
        return {};
    UniqueFd created(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (setns(original.get(), CLONE_NEWNET) != 0)
        std::abort();
    return created;
}

inline sockaddr_in ipv4Address(const std::string &ip, uint16_t port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
    return address;
}

// A socket bound to ip:port (0: any free port), listening when TCP.
inline UniqueFd boundSocket(int type, const std::string &ip, uint16_t port)
{
    UniqueFd fd(socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (!fd.isValid())
        return {};
    const int one = 1;
    if (type == SOCK_STREAM)
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address = ipv4Address(ip, port);
    if (bind(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        return {};
    if (type == SOCK_STREAM && listen(fd.get(), 512) != 0)
        return {};
    return fd;
}

inline uint16_t localPort(int fd)
{
    sockaddr_in address{};
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    return ntohs(address.sin_port);
}

// A port that was free a moment ago.
inline uint16_t freePort(int type)
{
    UniqueFd probe = boundSocket(type, "127.0.0.1", 0);
    return probe.isValid() ? localPort(probe.get()) : 0;
}

// Whether ip:port can be bound now (nothing holds it).
inline bool canBind(int type, const std::string &ip, uint16_t port)
{
    return boundSocket(type, ip, port).isValid();
}

// A blocking TCP connection with a timeout; invalid on failure.
inline UniqueFd connectTcp(const std::string &ip, uint16_t port, int timeoutMs = 5000)
{
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in address = ipv4Address(ip, port);
    if (connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        if (errno != EINPROGRESS)
            return {};
        pollfd wait{fd.get(), POLLOUT, 0};
        if (poll(&wait, 1, timeoutMs) != 1)
            return {};
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            errno = error;
            return {};
        }
    }
    const int flags = fcntl(fd.get(), F_GETFL);
    fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    timeval timeout{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    return fd;
}

inline bool sendAll(int fd, const QByteArray &data)
{
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.constData() + done, static_cast<size_t>(data.size() - done),
                                 MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        done += n;
    }
    return true;
}

// Reads until `size` bytes, end-of-file or the socket's timeout.
inline QByteArray receive(int fd, qsizetype size)
{
    QByteArray out;
    char buffer[65536];
    while (out.size() < size) {
        const ssize_t n = ::recv(fd, buffer,
                                 std::min<size_t>(sizeof buffer, static_cast<size_t>(size - out.size())), 0);
        if (n <= 0)
            break;
        out.append(buffer, n);
    }
    return out;
}

inline QByteArray receiveToEof(int fd)
{
    return receive(fd, std::numeric_limits<qsizetype>::max());
}

// A UDP request/reply through addr:port; empty on timeout.
inline QByteArray udpRoundTrip(int fd, const std::string &ip, uint16_t port, const QByteArray &payload,
                               int timeoutMs = 3000)
{
    sockaddr_in address = ipv4Address(ip, port);
    if (sendto(fd, payload.constData(), static_cast<size_t>(payload.size()), 0,
               reinterpret_cast<sockaddr *>(&address), sizeof address) < 0)
        return {};
    pollfd wait{fd, POLLIN, 0};
    if (poll(&wait, 1, timeoutMs) != 1)
        return {};
    char buffer[65536];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? QByteArray(buffer, n) : QByteArray();
}

// The echo server: TCP on one port echoes and passes the client's
// half-close on; TCP on another answers "got <n>\n" once the client has
// half-closed after sending n bytes; UDP echoes every datagram prefixed
// with "echo:". Runs in a child process (inside netnsFd when >= 0) that
// dies with the test.
class EchoServer
{
public:
    EchoServer() = default;
    ~EchoServer() { stop(); }
    EchoServer(const EchoServer &) = delete;
    EchoServer &operator=(const EchoServer &) = delete;

    // Listens on ip (in netnsFd when >= 0); ports are chosen by the kernel.
    bool start(const std::string &ip, int netnsFd = -1)
    {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) != 0)
            return false;
        const pid_t parent = getpid();
        m_pid = fork();
        if (m_pid < 0)
            return false;
        if (m_pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            ::close(ready[0]);
            if (netnsFd >= 0 && setns(netnsFd, CLONE_NEWNET) != 0)
                _exit(2);
            UniqueFd echo = boundSocket(SOCK_STREAM, ip, 0);
            UniqueFd count = boundSocket(SOCK_STREAM, ip, 0);
            UniqueFd udp = boundSocket(SOCK_DGRAM, ip, 0);
            if (!echo.isValid() || !count.isValid() || !udp.isValid())
                _exit(3);
            const uint16_t ports[3] = {localPort(echo.get()), localPort(count.get()),
                                       localPort(udp.get())};
            if (::write(ready[1], ports, sizeof ports) != sizeof ports)
                _exit(4);
            ::close(ready[1]);
            serve(echo.get(), count.get(), udp.get());
            _exit(0);
        }
        ::close(ready[1]);
        uint16_t ports[3] = {};
        const ssize_t n = ::read(ready[0], ports, sizeof ports);
        ::close(ready[0]);
        if (n != sizeof ports) {
            stop();
            return false;
        }
        echoPort = ports[0];
        countPort = ports[1];
        udpPort = ports[2];
        return true;
    }

    void stop()
    {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
            m_pid = 0;
        }
    }

    uint16_t echoPort = 0;
    uint16_t countPort = 0;
    uint16_t udpPort = 0;

private:
    struct Client
    {
        int fd;
        bool counting;
        long long bytes;
    };

    static bool writeAll(int fd, const char *data, size_t size)
    {
        while (size > 0) {
            const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            data += n;
            size -= static_cast<size_t>(n);
        }
        return true;
    }

    [[noreturn]] static void serve(int echo, int count, int udp)
    {
        std::vector<Client> clients;
        std::vector<char> buffer(65536);
        for (;;) {
            std::vector<pollfd> fds{{echo, POLLIN, 0}, {count, POLLIN, 0}, {udp, POLLIN, 0}};
            for (const Client &client : clients)
                fds.push_back({client.fd, POLLIN, 0});
            if (poll(fds.data(), fds.size(), -1) < 0)
                continue;
            const size_t polled = clients.size(); // fds[3 + i] is clients[i]
            for (int i = 0; i < 2; ++i) {
                if (fds[static_cast<size_t>(i)].revents & POLLIN) {
                    const int fd = accept4(i == 0 ? echo : count, nullptr, nullptr, SOCK_CLOEXEC);
                    if (fd >= 0)
                        clients.push_back({fd, i == 1, 0});
                }
            }
            if (fds[2].revents & POLLIN) {
                sockaddr_storage from{};
                socklen_t length = sizeof from;
                const ssize_t n = recvfrom(udp, buffer.data() + 5, buffer.size() - 5, 0,
                                           reinterpret_cast<sockaddr *>(&from), &length);
                if (n >= 0) {
                    std::memcpy(buffer.data(), "echo:", 5);
                    sendto(udp, buffer.data(), static_cast<size_t>(n) + 5, 0,
                           reinterpret_cast<sockaddr *>(&from), length);
                }
            }
            std::vector<Client> alive;
            for (size_t i = 3; i < fds.size(); ++i) {
                Client client = clients[i - 3];
                if (i - 3 >= polled)
                    break;
                bool keep = true;
                if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                    const ssize_t n = ::recv(client.fd, buffer.data(), buffer.size(), 0);
                    if (n > 0) {
                        client.bytes += n;
                        if (!client.counting && !writeAll(client.fd, buffer.data(), static_cast<size_t>(n)))
                            keep = false;
                    } else {
                        if (n == 0 && client.counting) {
                            const std::string reply = "got " + std::to_string(client.bytes) + "\n";
                            writeAll(client.fd, reply.data(), reply.size());
                        }
                        keep = false;
                    }
                }
                if (keep)
                    alive.push_back(client);
                else
                    ::close(client.fd);
            }
            for (size_t i = polled; i < clients.size(); ++i)
                alive.push_back(clients[i]); // accepted just now
            clients = std::move(alive);
        }
    }

    pid_t m_pid = 0;
};

// Children of this process whose command name is `comm`.
inline std::vector<pid_t> childrenNamed(const QString &comm)
{
    std::vector<pid_t> out;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool numeric = false;
        const int pid = entry.toInt(&numeric);
        if (!numeric)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const qsizetype open = line.indexOf('(');
        const qsizetype close = line.lastIndexOf(')');
        if (open < 0 || close < 0)
            continue;
        const QByteArray name = line.mid(open + 1, close - open - 1);
        const QList<QByteArray> rest = line.mid(close + 2).split(' ');
        if (rest.size() < 2)
            continue;
        if (name == comm.toUtf8() && rest[1].toInt() == getpid())
            out.push_back(pid);
    }
    return out;
}

// How many descriptors a process has open; -1 when it is gone.
inline int openFdCount(pid_t pid)
{
    QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    if (!fds.exists())
        return -1;
    return static_cast<int>(fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot).size());
}

// Whether pid is gone or a zombie.
inline bool isGone(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || line.size() < close + 3 || line.at(close + 2) == 'Z' || line.at(close + 2) == 'X';
}

} // namespace Berth::TestNet
