#include "monitor.h"

#include "childplan.h"
#include "freezer.h"
#include "log.h"
#include "syscalls.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

constexpr size_t kClientBufferMax = 16u << 20; // a client further behind is dropped
constexpr size_t kRequestMax = 64u << 10;
constexpr long long kDrainTimeoutMs = 2000;   // output still open this long after the exit: stop waiting

long long nowMs()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string errorLine(const std::string &message, int exitCode)
{
    nlohmann::json j;
    j["error"] = message;
    j["exitCode"] = exitCode;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

struct Monitor::Client
{
    UniqueFd fd;
    enum class Mode { Request, Stream, Watch } mode = Mode::Request;
    std::string in;
    std::string out;
    bool wantStdin = false, wantStdout = false, wantStderr = false;
    bool inputDone = false;     // no more reads from this client
    bool closeWhenFlushed = false;
    std::string detachKeys;
    size_t detachMatched = 0;
    bool dead = false;
};

Monitor::Monitor(MonitorConfig config) : m(std::move(config)) {}

Monitor::~Monitor() = default;

int Monitor::run()
{
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT})
        sigaddset(&mask, sig);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
    m_signalFd = UniqueFd(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!m_signalFd)
        SHIM_ERROR("signalfd: %s", std::strerror(errno));

    for (UniqueFd *fd : {&m.master, &m.stdoutRead, &m.stderrRead, &m.stdinWrite}) {
        if (fd->isValid())
            (void)setNonBlocking(fd->get());
    }

    std::vector<struct pollfd> fds;
    for (;;) {
        const bool outputOpen = m.master.isValid() || m.stdoutRead.isValid() || m.stderrRead.isValid();
        if (m_reaped && !m_finished && (!outputOpen || nowMs() - m_exitSeenMs > kDrainTimeoutMs))
            finish();
        if (m_finished) {
            bool pending = false;
            for (const auto &c : m_clients)
                pending = pending || (!c->dead && !c->out.empty());
            if (!pending)
                break;
        }

        fds.clear();
        auto add = [&](int fd, short events) {
            fds.push_back({fd, events, 0});
        };
        add(m_signalFd.get(), POLLIN);
        add(m_reaped ? -1 : m.pidfd.get(), POLLIN);
        add(m_finished ? -1 : m.listenFd.get(), POLLIN);
        add(m.master.get(), static_cast<short>(POLLIN | (!m_stdinBuffer.empty() ? POLLOUT : 0)));
        add(m.stdoutRead.get(), POLLIN);
        add(m.stderrRead.get(), POLLIN);
        add(m.stdinWrite.isValid() && !m_stdinBuffer.empty() ? m.stdinWrite.get() : -1, POLLOUT);
        const size_t clientBase = fds.size();
        for (const auto &c : m_clients) {
            short events = 0;
            if (!c->inputDone && !m_finished)
                events |= POLLIN;
            if (!c->out.empty())
                events |= POLLOUT;
            add(c->dead ? -1 : c->fd.get(), events);
        }
        const int timeout = m_reaped && !m_finished ? 50 : (m_finished ? 1000 : -1);
        const int n = poll(fds.data(), fds.size(), timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            SHIM_ERROR("poll: %s", std::strerror(errno));
            break;
        }
        if (m_finished && n == 0)
            break; // clients that do not read: give up

        if (fds[0].revents)
            handleSignals();
        if (fds[1].revents)
            reapInit();
        if (fds[2].revents)
            acceptClients();
        if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
            int slot = 0;
            readOutput(slot, m.master, 1);
        }
        if (m.master.isValid() && (fds[3].revents & POLLOUT) && !m_stdinBuffer.empty()) {
            const ssize_t w = write(m.master.get(), m_stdinBuffer.data(), m_stdinBuffer.size());
            if (w > 0)
                m_stdinBuffer.erase(0, static_cast<size_t>(w));
        }
        if (fds[4].revents) {
            int slot = 0;
            readOutput(slot, m.stdoutRead, 1);
        }
        if (fds[5].revents) {
            int slot = 0;
            readOutput(slot, m.stderrRead, 2);
        }
        if (fds[6].revents) {
            const ssize_t w = write(m.stdinWrite.get(), m_stdinBuffer.data(), m_stdinBuffer.size());
            if (w > 0) {
                m_stdinBuffer.erase(0, static_cast<size_t>(w));
            } else if (w < 0 && errno != EAGAIN) {
                m_stdinBuffer.clear();
                m.stdinWrite.reset(); // the container closed its stdin
            }
        }
        const size_t count = m_clients.size();
        for (size_t i = 0; i < count && clientBase + i < fds.size(); ++i) {
            Client &c = *m_clients[i];
            const short re = fds[clientBase + i].revents;
            if (c.dead || !re)
                continue;
            if (re & POLLOUT)
                writeClient(c);
            if (!c.dead && (re & (POLLIN | POLLHUP | POLLERR)))
                readClient(c);
        }
        std::erase_if(m_clients, [](const std::unique_ptr<Client> &c) { return c->dead; });
    }
    unlink(m.socketName.c_str());
    return 0;
}

void Monitor::handleSignals()
{
    struct signalfd_siginfo info;
    while (read(m_signalFd.get(), &info, sizeof info) == sizeof info) {
        switch (info.ssi_signo) {
        case SIGCHLD:
            // The init is reaped through its pidfd; the port proxy (the
            // only other child) is reaped by its owner at teardown.
            reapInit();
            break;
        default:
            // berthd stops containers through the socket; the shim itself
            // keeps watching (the container must outlive berthd).
            SHIM_INFO("ignoring signal %u", info.ssi_signo);
            break;
        }
    }
}

void Monitor::reapInit()
{
    if (m_reaped)
        return;
    siginfo_t si = {};
    if (waitid(P_PIDFD, static_cast<id_t>(m.pidfd.get()), &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0)
        return;
    const std::string startedAt = m_exit.startedAt;
    m_exit = ExitStatus::fromWait(si.si_code, si.si_status);
    m_exit.startedAt = startedAt;
    m_exit.finishedAt = rfc3339Now();
    m_reaped = true;
    m_exitSeenMs = nowMs();
    SHIM_INFO("process %d exited with %d", m.pid, m_exit.exitCode);
}

void Monitor::finish()
{
    m_finished = true;
    if (m.log)
        m.log->flush();
    if (m.cgroup)
        m_exit.oomKilled = m.cgroup->oomKilled();
    if (m_exit.startedAt.empty())
        m_exit.startedAt = m_exit.finishedAt;
    m_exit.error = m_execError;
    // Renamed into place before any watcher is told (berthd reads it from
    // the page cache); fsync'ed once the watchers have the teardown line, off their path.
    const Status exitWrite = writeExitFile(AT_FDCWD, m.exitFileName, m_exit, false);
    const bool exitWritten = static_cast<bool>(exitWrite);
    if (!exitWritten)
        SHIM_ERROR("%s", exitWrite.error().toString().c_str());
    m_state = State::Exited;
    // Watchers get the final state at once (berthd answers `wait` from
    // it), before the teardown; attached clients are closed once their
    // output is written.
    const std::string state = stateJson() + "\n";
    for (auto &c : m_clients) {
        if (c->dead)
            continue;
        c->inputDone = true;
        if (c->mode == Client::Mode::Watch) {
            c->out += state;
            writeClient(*c);
            continue;
        }
        c->closeWhenFlushed = true;
        if (c->out.empty()) {
            shutdown(c->fd.get(), SHUT_RDWR);
            c->dead = true;
        }
    }
    m.listenFd.reset();
    unlink(m.socketName.c_str());
    m.master.reset();
    m.stdoutRead.reset();
    m.stdinWrite.reset();
    m.stderrRead.reset();
    m.syncFd.reset();
    // Teardown after the exit status is on disk and reported. Watchers
    // then learn whether nothing is left (berthd skips its own cleanup).
    std::string failure;
    if (m.cgroup) {
        if (auto st = m.cgroup->remove(); !st) {
            SHIM_WARN("%s", st.error().toString().c_str());
            failure = st.error().toString();
        }
    }
    if (m.teardown) {
        if (auto st = m.teardown(); !st) {
            SHIM_WARN("%s", st.error().toString().c_str());
            if (failure.empty())
                failure = st.error().toString();
        }
    }
    nlohmann::json done;
    done["teardown"] = failure.empty();
    if (!failure.empty())
        done["error"] = failure;
    const std::string line = done.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    for (auto &c : m_clients) {
        if (c->dead || c->mode != Client::Mode::Watch)
            continue;
        c->out += line;
        c->closeWhenFlushed = true;
        writeClient(*c);
    }
    // Durable before the shim exits, after everyone waiting was answered
    // (berthd's `run --rm` waits for the teardown line, not for the disk).
    if (exitWritten) {
        if (auto st = syncFileAt(AT_FDCWD, m.exitFileName); !st)
            SHIM_ERROR("%s", st.error().toString().c_str());
    }
}

void Monitor::acceptClients()
{
    for (;;) {
        UniqueFd fd(accept4(m.listenFd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd)
            return;
        auto c = std::make_unique<Client>();
        c->fd = std::move(fd);
        m_clients.push_back(std::move(c));
    }
}

void Monitor::readClient(Client &c)
{
    char buf[16384];
    for (;;) {
        const ssize_t n = read(c.fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            c.dead = true;
            return;
        }
        if (n == 0) {
            // Half-close: the client's input ends.
            c.inputDone = true;
            if (c.mode == Client::Mode::Stream && c.wantStdin && m.stdinOnce)
                closeContainerStdin();
            if (c.mode == Client::Mode::Request || (!c.wantStdout && !c.wantStderr && c.mode != Client::Mode::Watch))
                c.dead = true;
            return;
        }
        if (c.mode == Client::Mode::Request) {
            c.in.append(buf, static_cast<size_t>(n));
            const size_t nl = c.in.find('\n');
            if (nl == std::string::npos) {
                if (c.in.size() > kRequestMax)
                    c.dead = true;
                continue;
            }
            std::string line = c.in.substr(0, nl);
            std::string rest = c.in.substr(nl + 1);
            c.in.clear();
            handleRequest(c, line);
            if (c.mode == Client::Mode::Stream && !rest.empty())
                clientInput(c, rest.data(), rest.size());
            if (c.mode == Client::Mode::Request)
                c.inputDone = true; // one request per connection
            continue;
        }
        if (c.mode == Client::Mode::Stream)
            clientInput(c, buf, static_cast<size_t>(n));
        if (c.dead)
            return;
    }
}

void Monitor::clientInput(Client &c, const char *data, size_t size)
{
    if (!c.wantStdin)
        return;
    std::string forward;
    for (size_t i = 0; i < size; ++i) {
        const char ch = data[i];
        if (!c.detachKeys.empty()) {
            if (ch == c.detachKeys[c.detachMatched]) {
                if (++c.detachMatched == c.detachKeys.size()) {
                    // Detach: this connection only.
                    c.dead = true;
                    shutdown(c.fd.get(), SHUT_RDWR);
                    break;
                }
                continue;
            }
            if (c.detachMatched > 0) {
                forward.append(c.detachKeys, 0, c.detachMatched);
                c.detachMatched = 0;
                if (ch == c.detachKeys[0]) {
                    c.detachMatched = 1;
                    continue;
                }
            }
        }
        forward += ch;
    }
    if (!m.openStdin || forward.empty())
        return;
    if (!m.master.isValid() && !m.stdinWrite.isValid())
        return;
    m_stdinBuffer += forward;
}

void Monitor::closeContainerStdin()
{
    if (m.terminal) {
        // A terminal has no half-close; EOT ends a canonical-mode read.
        m_stdinBuffer += '\x04';
        return;
    }
    if (m_stdinBuffer.empty())
        m.stdinWrite.reset();
    else {
        // Write what is queued, then close.
        (void)setNonBlocking(m.stdinWrite.get());
        const ssize_t w = write(m.stdinWrite.get(), m_stdinBuffer.data(), m_stdinBuffer.size());
        (void)w;
        m_stdinBuffer.clear();
        m.stdinWrite.reset();
    }
}

void Monitor::handleRequest(Client &c, const std::string &line)
{
    nlohmann::json req = nlohmann::json::parse(line, nullptr, false);
    if (req.is_discarded() || !req.is_object() || !req.contains("op") || !req["op"].is_string()) {
        replyError(c, "control request: not a JSON object with an \"op\" string");
        return;
    }
    const std::string op = req["op"].get<std::string>();
    // One request per connection, except the streams of attach and watch.
    if (op != "attach" && op != "watch")
        c.closeWhenFlushed = true;
    if (op == "start") {
        doStart(c);
    } else if (op == "attach") {
        auto flag = [&](const char *key) {
            auto it = req.find(key);
            return it != req.end() && it->is_boolean() && it->get<bool>();
        };
        c.wantStdin = flag("stdin");
        c.wantStdout = flag("stdout");
        c.wantStderr = flag("stderr");
        if (auto keys = req.find("detachKeys"); keys != req.end() && keys->is_array()) {
            for (const auto &k : *keys) {
                if (!k.is_number_unsigned() || k.get<unsigned>() > 255) {
                    replyError(c, "attach: detachKeys must be bytes");
                    return;
                }
                c.detachKeys += static_cast<char>(k.get<unsigned>());
            }
        }
        if (m_finished) {
            replyError(c, "attach: the process has exited");
            return;
        }
        c.mode = Client::Mode::Stream;
        c.closeWhenFlushed = false;
        reply(c, "{\"ok\":true}");
    } else if (op == "resize") {
        auto h = req.find("height"), w = req.find("width");
        if (h == req.end() || w == req.end() || !h->is_number_unsigned() || !w->is_number_unsigned() ||
            h->get<uint64_t>() > 65535 || w->get<uint64_t>() > 65535) {
            replyError(c, "resize: height and width must be numbers up to 65535");
            return;
        }
        if (!m.master.isValid()) {
            replyError(c, "resize: the process has no terminal");
            return;
        }
        struct winsize ws = {};
        ws.ws_row = static_cast<unsigned short>(h->get<uint64_t>());
        ws.ws_col = static_cast<unsigned short>(w->get<uint64_t>());
        if (ioctl(m.master.get(), TIOCSWINSZ, &ws) != 0) {
            replyError(c, std::string("resize the terminal: ") + std::strerror(errno));
            return;
        }
        reply(c, "{\"ok\":true}");
    } else if (op == "kill") {
        auto s = req.find("signal");
        if (s == req.end() || !s->is_number_unsigned() || s->get<uint64_t>() < 1 || s->get<uint64_t>() > 64) {
            replyError(c, "kill: signal must be a number from 1 to 64");
            return;
        }
        if (m_reaped) {
            replyError(c, "kill: the process has exited", 125);
            return;
        }
        if (pidfdSendSignal(m.pidfd.get(), static_cast<int>(s->get<uint64_t>())) != 0) {
            replyError(c, "kill process " + std::to_string(m.pid) + ": " + std::strerror(errno));
            return;
        }
        reply(c, "{\"ok\":true}");
    } else if (op == "state") {
        reply(c, stateJson());
    } else if (op == "watch") {
        c.mode = Client::Mode::Watch;
        reply(c, stateJson());
        if (m_finished)
            c.closeWhenFlushed = true;
    } else if (op == "pause" || op == "unpause") {
        // docker pause/unpause through the cgroup freezer (freezer.h).
        const bool pause = op == "pause";
        if (!m.cgroup || m_reaped || m_state != State::Running) {
            replyError(c, op + ": the process is not running");
            return;
        }
        auto freezer = Freezer::forCgroup(*m.cgroup);
        Status st = freezer ? (pause ? freezer->freeze() : freezer->thaw()) : Status(std::unexpected(freezer.error()));
        if (!st) {
            replyError(c, st.error().toString());
            return;
        }
        reply(c, "{\"ok\":true}");
    } else {
        replyError(c, "control request: unknown op \"" + op + "\"");
    }
}

void Monitor::doStart(Client &c)
{
    if (m_state != State::Created || !m.syncFd.isValid()) {
        replyError(c, "start: the process was already started");
        return;
    }
    SyncKind start = SyncKind::Start;
    int32_t kind = static_cast<int32_t>(start);
    m_exit.startedAt = rfc3339Now();
    if (send(m.syncFd.get(), &kind, sizeof kind, MSG_NOSIGNAL) != sizeof kind) {
        replyError(c, std::string("start: the held process is gone: ") + std::strerror(errno));
        m_state = State::Running;
        return;
    }
    // The child closes the socket (CLOEXEC) when execve succeeds, or
    // reports the errno.
    SyncMessage msg;
    ssize_t n;
    do {
        n = recv(m.syncFd.get(), &msg, sizeof msg, 0);
    } while (n < 0 && errno == EINTR);
    m.syncFd.reset();
    m_state = State::Running;
    if (n == static_cast<ssize_t>(sizeof msg) && msg.kind == SyncKind::ExecError) {
        m_execError = "exec: \"" + m.argv0 + "\": " + std::strerror(msg.sysErrno);
        replyError(c, m_execError, msg.exitCode);
        return;
    }
    reply(c, "{\"ok\":true}");
}

std::string Monitor::stateJson() const
{
    nlohmann::json j;
    j["status"] = m_state == State::Created ? "created" : m_state == State::Running ? "running" : "exited";
    j["pid"] = m.pid;
    j["startedAt"] = m_exit.startedAt;
    bool paused = false; // the freezer's state is the kernel's: right after any restart
    if (m.cgroup && m_state == State::Running && !m_reaped) {
        if (auto freezer = Freezer::forCgroup(*m.cgroup)) {
            auto frozen = freezer->isFrozen();
            paused = frozen && *frozen;
        }
    }
    j["paused"] = paused;
    if (m_state == State::Exited) {
        j["exitCode"] = m_exit.exitCode;
        j["finishedAt"] = m_exit.finishedAt;
        j["oomKilled"] = m_exit.oomKilled;
    } else {
        j["exitCode"] = 0;
        j["finishedAt"] = "";
        j["oomKilled"] = false;
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Monitor::reply(Client &c, const std::string &line)
{
    c.out += line;
    c.out += '\n';
    writeClient(c);
}

void Monitor::replyError(Client &c, const std::string &message, int exitCode)
{
    c.closeWhenFlushed = true;
    reply(c, errorLine(message, exitCode));
}

void Monitor::writeClient(Client &c)
{
    while (!c.out.empty()) {
        const ssize_t n = send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            c.dead = true;
            return;
        }
        c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.closeWhenFlushed) {
        shutdown(c.fd.get(), SHUT_RDWR);
        c.dead = true;
    }
}

void Monitor::readOutput(int &, UniqueFd &fd, int stream)
{
    char buf[32768];
    for (int rounds = 0; rounds < 16; ++rounds) {
        const ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            // EIO on a pty master: every slave fd is closed.
            fd.reset();
            return;
        }
        if (n == 0) {
            fd.reset();
            return;
        }
        if (m.log)
            m.log->write(stream == 2 ? "stderr" : "stdout", std::string_view(buf, static_cast<size_t>(n)));
        fanOut(stream, buf, static_cast<size_t>(n));
    }
}

void Monitor::fanOut(int stream, const char *data, size_t size)
{
    for (auto &c : m_clients) {
        if (c->dead || c->mode != Client::Mode::Stream)
            continue;
        if ((stream == 1 && !c->wantStdout) || (stream == 2 && !c->wantStderr))
            continue;
        if (!m.terminal) {
            unsigned char header[8] = {static_cast<unsigned char>(stream), 0, 0, 0,
                                       static_cast<unsigned char>(size >> 24), static_cast<unsigned char>(size >> 16),
                                       static_cast<unsigned char>(size >> 8), static_cast<unsigned char>(size)};
            c->out.append(reinterpret_cast<const char *>(header), sizeof header);
        }
        c->out.append(data, size);
        if (c->out.size() > kClientBufferMax) {
            SHIM_WARN("dropping an attached client that stopped reading");
            c->dead = true;
            continue;
        }
        writeClient(*c);
    }
}

} // namespace Berth::Runtime
