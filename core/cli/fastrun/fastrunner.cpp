#include "fastrunner.h"

#include "httpconnection.h"

#include <base/assert.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstring>
#include <functional>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Berth::Cli::FastRun {

namespace {

constexpr int kTimeoutMs = 30000; // EngineClient's kDefaultTimeoutMs
constexpr size_t kHeaderSize = 8; // a multiplexed frame's header

// QUrl::toPercentEncoding(text, exclude): unreserved characters and those
// in `exclude` as they are, every other byte as %XX.
std::string percentEncoded(std::string_view text, std::string_view exclude)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                                || c == '.' || c == '_' || c == '~';
        if (unreserved || (c < 0x80 && exclude.find(ch) != std::string_view::npos)) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

bool isConnectionLoss(const Error &e)
{
    return e.code() == ErrorCode::Unavailable || e.code() == ErrorCode::PermissionDenied || e.code() == ErrorCode::Io
           || e.code() == ErrorCode::Protocol;
}

// QJsonValue::toInt(): an integral number that fits an int, else 0.
int jsonToInt(const nlohmann::json &v)
{
    if (v.is_number_integer()) {
        if (v.is_number_unsigned()) {
            const auto u = v.get<uint64_t>();
            return u <= uint64_t(INT_MAX) ? int(u) : 0;
        }
        const auto i = v.get<int64_t>();
        return i >= INT_MIN && i <= INT_MAX ? int(i) : 0;
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d >= double(INT_MIN) && d <= double(INT_MAX) && std::floor(d) == d)
            return int(d);
    }
    return 0;
}

// QJsonValue::toString(): the string, or empty for any other type.
std::string jsonToString(const nlohmann::json &v)
{
    return v.is_string() ? v.get<std::string>() : std::string();
}

// The fd the signal handler writes to (berth-cli's SignalNotifier has one
// socketpair per process too).
int g_signalWriteFd = -1;

void onSignal(int signal)
{
    const int saved = errno;
    const auto byte = static_cast<unsigned char>(signal);
    if (g_signalWriteFd >= 0)
        (void)!::write(g_signalWriteFd, &byte, 1);
    errno = saved;
}

} // namespace

// core/client's Job: one request with its callbacks.
struct FastRunner::Job
{
    Request request;
    bool versioned = true;
    bool upgrade = false;
    bool streaming = false;
    bool retried = false;
    int status = 0;
    std::function<void(const ReplyHead &)> onHead;
    std::function<void(std::string_view)> onBody;
    std::function<void(UniqueFd, std::string)> onUpgraded;
    std::function<void(const Status &)> onDone;
};

// The hijacked attach stream and berth-cli's AttachSession over it
// (no TTY, no input): frames decoded to fds 1 and 2 byte for byte.
struct FastRunner::Attach
{
    bool established = false;
    bool finished = false;
    Status result;       // the stream's end
    Status systemResult; // a frame on the system stream
    int status = 0;
    std::string errorBody;
    UniqueFd fd;
    std::string pending; // an incomplete frame
    bool broken = false;
};

// ContainerWait: POST /containers/{id}/wait, its head then its body.
struct FastRunner::Wait
{
    bool head = false;
    bool finished = false;
    int status = 0;
    Status result;
    std::string body;
    std::string errorBody;
};

// berth-cli's SignalNotifier for SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1
// and SIGUSR2: the handler writes the number to a socketpair the loop polls.
class FastRunner::SignalProxy
{
public:
    SignalProxy()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0)
            return;
        m_read.reset(fds[0]);
        m_write.reset(fds[1]);
        g_signalWriteFd = m_write.get();
        for (int s : kSignals) {
            struct sigaction sa{};
            sa.sa_handler = onSignal;
            sigemptyset(&sa.sa_mask);
            sa.sa_flags = SA_RESTART;
            struct sigaction old{};
            ::sigaction(s, &sa, &old);
            m_previous.push_back(old);
        }
    }
    ~SignalProxy()
    {
        for (size_t i = 0; i < m_previous.size(); ++i)
            ::sigaction(kSignals[i], &m_previous[i], nullptr);
        g_signalWriteFd = -1;
    }
    int fd() const { return m_read.get(); }
    std::vector<int> drain()
    {
        std::vector<int> out;
        unsigned char buffer[64];
        for (;;) {
            const ssize_t n = ::read(m_read.get(), buffer, sizeof buffer);
            if (n <= 0)
                break;
            out.insert(out.end(), buffer, buffer + n);
        }
        return out;
    }

private:
    static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    UniqueFd m_read;
    UniqueFd m_write;
    std::vector<struct sigaction> m_previous;
};

FastRunner::FastRunner(RunPlan plan)
    : m_plan(std::move(plan))
    , m_report(m_plan.url(), m_plan.socketPath)
{}

FastRunner::~FastRunner() = default;

std::string FastRunner::negotiatedVersion(std::string_view serverVersion)
{
    const std::string trimmed = trimmedText(serverVersion);
    const size_t dot = trimmed.find('.');
    const auto number = [](std::string_view digits) -> std::optional<int> {
        if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        return std::stoi(std::string(digits));
    };
    if (dot == std::string::npos)
        return "1.24";
    const auto major = number(std::string_view(trimmed).substr(0, dot));
    const auto minor = number(std::string_view(trimmed).substr(dot + 1));
    if (!major || !minor)
        return "1.24";
    if (*major > 1 || (*major == 1 && *minor >= 41))
        return "1.41";
    return std::to_string(*major) + "." + std::to_string(*minor);
}

std::string FastRunner::serialize(const Request &r, const std::string &apiVersion, bool upgrade)
{
    std::string target;
    if (!apiVersion.empty())
        target = "/v" + apiVersion;
    target += percentEncoded(r.path, "/:@-._~!$&'()*+,;=");
    std::string query;
    for (const auto &[key, value] : r.query) {
        if (!query.empty())
            query += '&';
        query += percentEncoded(key, {}) + '=' + percentEncoded(value, {});
    }
    if (!query.empty())
        target += '?' + query;

    std::string out = r.method + ' ' + target + " HTTP/1.1\r\n";
    out += "Host: berth\r\n";
    out += "User-Agent: Berth-Client/" BERTH_VERSION " (linux)\r\n";
    if (upgrade)
        out += "Connection: Upgrade\r\nUpgrade: tcp\r\n";
    if (!r.body.empty()) {
        if (!r.contentType.empty())
            out += "Content-Type: " + r.contentType + "\r\n";
        out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    } else if (r.method == "POST" || r.method == "PUT") {
        if (upgrade && !r.contentType.empty())
            out += "Content-Type: " + r.contentType + "\r\n";
        out += "Content-Length: 0\r\n";
    }
    out += "\r\n";
    out += r.body;
    return out;
}

// --- EngineClient ------------------------------------------------------------------------

HttpConnection *FastRunner::newConnection()
{
    auto connection = std::make_unique<HttpConnection>(m_plan.socketPath, m_plan.url());
    HttpConnection *c = connection.get();
    ++m_openConnections;
    c->onReusable = [this, c] {
        if (std::find(m_idle.begin(), m_idle.end(), c) == m_idle.end())
            m_idle.push_back(c);
    };
    c->onClosed = [this, c] {
        std::erase(m_idle, c);
        // The next request reconnects, maybe to a restarted helper of
        // another version: negotiate again then (a hijacked one did not fail).
        if (--m_openConnections == 0 && !m_negotiating && !c->wasUpgraded())
            m_apiVersion.clear();
    };
    m_connections.push_back(std::move(connection));
    return c;
}

HttpConnection *FastRunner::takeIdle()
{
    while (!m_idle.empty()) {
        HttpConnection *c = m_idle.back();
        m_idle.pop_back();
        if (c->isConnected() && !c->isBusy() && c->stillUsable())
            return c;
    }
    return nullptr;
}

void FastRunner::submit(const JobPtr &job)
{
    // core/client dispatches from its event loop, which has seen the engine
    // close idle connections by then (and forgot the version when that was
    // the last one): look at them first.
    for (HttpConnection *c : std::vector<HttpConnection *>(m_idle)) {
        if (!c->stillUsable())
            std::erase(m_idle, c);
    }
    if (job->versioned && m_apiVersion.empty()) {
        m_waiting.push_back(job);
        negotiate();
        return;
    }
    runJob(job);
}

void FastRunner::runJob(const JobPtr &job)
{
    const std::string version = job->versioned ? m_apiVersion : std::string();
    HttpConnection *c = takeIdle();
    if (!c)
        c = newConnection();

    HttpConnection::Exchange ex;
    ex.request = serialize(job->request, version, job->upgrade);
    ex.headRequest = job->request.method == "HEAD";
    ex.upgrade = job->upgrade;
    ex.timeoutStopsAtHead = job->streaming || job->upgrade;
    ex.timeoutMs = kTimeoutMs;
    ex.onHead = [job](const ReplyHead &head) {
        job->status = head.status;
        if (job->onHead)
            job->onHead(head);
    };
    ex.onBody = [job](std::string_view bytes) {
        if (job->onBody)
            job->onBody(bytes);
    };
    ex.onDone = [this, job, c](const Status &result, bool retryable) {
        const std::string &method = job->request.method;
        const bool idempotent = method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE"
            || method == "OPTIONS";
        if (!result && retryable && idempotent && !job->retried) {
            // A stale keep-alive connection: once more on a new one, for a
            // request that may be repeated (as EngineClient: no second create).
            job->retried = true;
            job->status = 0;
            runJob(job);
            return;
        }
        if (!result && isConnectionLoss(result.error()) && job->versioned)
            m_apiVersion.clear();
        if (result && job->upgrade && job->status == 101 && job->onUpgraded) {
            std::string leftover;
            UniqueFd fd = c->takeSocket(&leftover);
            job->onUpgraded(std::move(fd), std::move(leftover));
        }
        if (auto done = std::exchange(job->onDone, nullptr))
            done(result);
    };
    c->start(std::move(ex));
}

void FastRunner::negotiate()
{
    if (m_negotiating)
        return;
    m_negotiating = true;
    auto job = std::make_shared<Job>();
    job->request.method = "HEAD";
    job->request.path = "/_ping";
    job->versioned = false;
    auto serverVersion = std::make_shared<std::string>();
    job->onHead = [serverVersion](const ReplyHead &head) { *serverVersion = head.apiVersion; };
    job->onDone = [this, serverVersion, job](const Status &result) {
        m_negotiating = false;
        const std::vector<JobPtr> jobs = std::exchange(m_waiting, {});
        if (!result) {
            for (const JobPtr &j : jobs) {
                if (auto done = std::exchange(j->onDone, nullptr))
                    done(result);
            }
            return;
        }
        m_pingStatus = job->status;
        m_apiVersion = negotiatedVersion(*serverVersion);
        for (const JobPtr &j : jobs)
            runJob(j);
    };
    runJob(job);
}

Result<FastRunner::Reply> FastRunner::send(const Request &request)
{
    auto job = std::make_shared<Job>();
    job->request = request;
    auto reply = std::make_shared<Reply>();
    bool done = false;
    Status result;
    job->onBody = [reply](std::string_view bytes) { reply->body.append(bytes); };
    job->onDone = [&done, &result](const Status &r) {
        result = r;
        done = true;
    };
    submit(job);
    pumpUntil([&] { return done; });
    if (!result)
        return fail(result.error());
    reply->status = job->status;
    if (reply->status >= 400)
        return fail(errorFromReply(reply->status, reply->body, request.path));
    return std::move(*reply);
}

// --- the loop ----------------------------------------------------------------------------

bool FastRunner::pumpOnce()
{
    std::vector<pollfd> fds;
    std::vector<HttpConnection *> owners;
    std::optional<Clock::time_point> deadline;
    for (const auto &c : m_connections) {
        if (const short events = c->pollEvents()) {
            fds.push_back({c->fd(), events, 0});
            owners.push_back(c.get());
        }
        if (const auto d = c->deadline(); d && (!deadline || *d < *deadline))
            deadline = d;
    }
    const size_t attachIndex = fds.size();
    const bool watchAttach = m_attach && m_attach->fd && !m_attach->finished;
    if (watchAttach)
        fds.push_back({m_attach->fd.get(), POLLIN, 0});
    const size_t signalIndex = fds.size();
    if (m_proxy && m_proxy->fd() >= 0)
        fds.push_back({m_proxy->fd(), POLLIN, 0});

    BERTH_ASSERT(!fds.empty() || deadline, return false);
    int timeout = -1;
    if (deadline) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
        timeout = int(std::clamp<long long>(left, 0, INT_MAX));
    }
    const int rc = ::poll(fds.data(), nfds_t(fds.size()), timeout);
    if (rc < 0)
        return true; // EINTR: a signal; its byte waits in the pipe

    for (size_t i = 0; i < owners.size(); ++i) {
        if (fds[i].revents)
            owners[i]->handleEvents(fds[i].revents);
    }
    if (watchAttach && fds[attachIndex].revents && m_attach && m_attach->fd && !m_attach->finished) {
        // Read what is there (at most 16 x 64 KiB at a time, as UnixTransport).
        std::string buffer;
        bool eof = false;
        int error = 0;
        for (int k = 0; k < 16; ++k) {
            const size_t old = buffer.size();
            buffer.resize(old + 64 * 1024);
            ssize_t n;
            do {
                n = ::read(m_attach->fd.get(), buffer.data() + old, 64 * 1024);
            } while (n < 0 && errno == EINTR);
            buffer.resize(old + size_t(n > 0 ? n : 0));
            if (n > 0) {
                if (n < 64 * 1024)
                    break;
                continue;
            }
            if (n == 0)
                eof = true;
            else if (errno != EAGAIN)
                error = errno;
            break;
        }
        if (!buffer.empty())
            onAttachBytes(buffer);
        if (error && !m_attach->finished) {
            m_attach->fd.reset();
            finishAttach(fail(ErrorCode::Io, "hijacked stream: read: " + goReason(error)));
        } else if (eof && !m_attach->finished) {
            m_attach->fd.reset();
            Status end = m_attach->systemResult;
            if (!m_attach->pending.empty())
                end = fail(ErrorCode::Protocol, "multiplexed stream: the stream ended inside a frame ("
                                                    + std::to_string(m_attach->pending.size()) + " bytes left over)");
            finishAttach(end);
        }
    }
    if (m_proxy && signalIndex < fds.size() && fds[signalIndex].revents) {
        for (int s : m_proxy->drain())
            forwardSignal(s);
    }
    const auto now = Clock::now();
    for (size_t i = 0; i < m_connections.size(); ++i)
        m_connections[i]->handleTimeout(now);
    return true;
}

// --- attach ------------------------------------------------------------------------------

void FastRunner::openAttach()
{
    m_attach = std::make_unique<Attach>();
    auto job = std::make_shared<Job>();
    job->request.method = "POST";
    job->request.path = "/containers/" + m_id + "/attach";
    job->request.query = {{"stderr", "1"}, {"stdout", "1"}, {"stream", "1"}};
    job->upgrade = true;
    Attach *a = m_attach.get();
    job->onHead = [a](const ReplyHead &head) { a->status = head.status; };
    job->onBody = [a](std::string_view bytes) { a->errorBody.append(bytes); };
    job->onUpgraded = [this, a](UniqueFd fd, std::string leftover) {
        if (!fd) {
            finishAttach(fail(ErrorCode::Internal, "hijacked stream lost its socket"));
            return;
        }
        a->fd = std::move(fd);
        a->established = true;
        if (!leftover.empty())
            onAttachBytes(leftover);
    };
    job->onDone = [this, a, path = job->request.path](const Status &result) {
        if (a->established || a->finished)
            return;
        if (!result)
            finishAttach(result);
        else if (a->status >= 400)
            finishAttach(fail(errorFromReply(a->status, a->errorBody, path)));
        else
            finishAttach(fail(ErrorCode::Protocol, "unable to upgrade to tcp, received " + std::to_string(a->status)));
    };
    submit(job);
}

void FastRunner::onAttachBytes(std::string_view bytes)
{
    Attach &a = *m_attach;
    if (a.finished)
        return;
    if (a.broken) {
        finishAttach(fail(ErrorCode::Protocol, "multiplexed stream: decoding stopped at an earlier bad header"));
        return;
    }
    a.pending.append(bytes);
    size_t offset = 0;
    while (a.pending.size() - offset >= kHeaderSize) {
        const auto *header = reinterpret_cast<const unsigned char *>(a.pending.data() + offset);
        const int stream = header[0];
        if (stream > 3) {
            a.broken = true;
            a.pending.clear();
            finishAttach(fail(ErrorCode::Protocol, "multiplexed stream: Unrecognized input header: " + std::to_string(stream)));
            return;
        }
        const uint32_t size = (uint32_t(header[4]) << 24) | (uint32_t(header[5]) << 16) | (uint32_t(header[6]) << 8)
                              | uint32_t(header[7]);
        if (a.pending.size() - offset - kHeaderSize < size)
            break;
        const std::string_view payload(a.pending.data() + offset + kHeaderSize, size);
        if (size > 0) {
            switch (stream) {
            case 0:
            case 1: writeAll(1, payload); break;
            case 2: writeAll(2, payload); break;
            case 3: a.systemResult = fail(ErrorCode::Internal, std::string(payload)); break;
            }
        }
        offset += kHeaderSize + size;
    }
    a.pending.erase(0, offset);
}

void FastRunner::finishAttach(const Status &result)
{
    if (m_attach->finished)
        return;
    m_attach->finished = true;
    m_attach->result = result;
}

// --- wait --------------------------------------------------------------------------------

void FastRunner::openWait()
{
    m_wait = std::make_unique<Wait>();
    Wait *w = m_wait.get();
    auto job = std::make_shared<Job>();
    job->request.method = "POST";
    job->request.path = "/containers/" + m_id + "/wait";
    job->request.query = {{"condition", m_plan.autoRemove ? "removed" : "next-exit"}};
    job->streaming = true;
    job->onHead = [w](const ReplyHead &head) {
        w->status = head.status;
        w->head = true;
    };
    job->onBody = [w](std::string_view bytes) {
        if (w->status >= 400)
            w->errorBody.append(bytes);
        else
            w->body.append(bytes);
    };
    job->onDone = [w, path = job->request.path](const Status &result) {
        if (w->finished)
            return;
        w->finished = true;
        w->head = true;
        if (!result)
            w->result = result;
        else if (w->status >= 400)
            w->result = fail(errorFromReply(w->status, w->errorBody, path));
    };
    submit(job);
}

Result<int> FastRunner::waitExitCode()
{
    pumpUntil([&] { return m_wait->finished; });
    if (!m_wait->result)
        return fail(m_wait->result.error());
    const nlohmann::json doc = nlohmann::json::parse(m_wait->body, nullptr, false);
    // QJsonDocument takes an object or an array; an array reads as {}.
    if (doc.is_discarded() || !(doc.is_object() || doc.is_array()))
        return fail(ErrorCode::Protocol, "POST /containers/{id}/wait: the reply is not a JSON object");
    if (!doc.is_object())
        return 0;
    if (const auto error = doc.find("Error"); error != doc.end() && error->is_object()) {
        if (const auto m = error->find("Message"); m != error->end()) {
            const std::string message = jsonToString(*m);
            if (!message.empty())
                return fail(ErrorCode::Internal, message);
        }
    }
    const auto code = doc.find("StatusCode");
    return code == doc.end() ? 0 : jsonToInt(*code);
}

// --- signals -----------------------------------------------------------------------------

void FastRunner::forwardSignal(int signal)
{
    m_pendingSignals.push_back(signal);
    if (!m_killInFlight)
        sendNextKill();
}

void FastRunner::sendNextKill()
{
    if (m_pendingSignals.empty())
        return;
    const int signal = m_pendingSignals.front();
    m_pendingSignals.pop_front();
    const char *abbrev = ::sigabbrev_np(signal);
    auto job = std::make_shared<Job>();
    job->request.method = "POST";
    job->request.path = "/containers/" + m_id + "/kill";
    job->request.query = {{"signal", abbrev ? std::string(abbrev) : std::to_string(signal)}};
    m_killInFlight = true;
    job->onDone = [this](const Status &) {
        // berth-cli ignores the answer too.
        m_killInFlight = false;
        sendNextKill();
    };
    submit(job);
}

// --- the run -----------------------------------------------------------------------------

Outcome FastRunner::run()
{
    // Nothing observable may happen before the create succeeded: every
    // failure up to here hands the argv to berth-cli.
    negotiate();
    pumpUntil([&] { return !m_negotiating; });
    if (m_apiVersion.empty())
        return {true, 0, "no answer to HEAD /_ping"};
    if (m_pingStatus < 200 || m_pingStatus > 299)
        return {true, 0, "the ping was answered with " + std::to_string(m_pingStatus)};

    Request create;
    create.method = "POST";
    create.path = "/containers/create";
    if (!m_plan.name.empty())
        create.query.emplace_back("name", m_plan.name);
    create.contentType = "application/json";
    create.body = m_plan.createBody();
    auto created = send(create);
    if (!created) {
        const Error &e = created.error();
        // Nothing was created when the engine could not be reached or
        // refused (an HTTP error status): berth-cli does it all again and
        // says what it meets (pulls a missing image, names a conflict, ...).
        if (isHelperUnreachable(e) || !isFatal(e))
            return {true, 0, "create: " + e.toString()};
        // The request may have reached the engine (no reply, a reply cut
        // short or garbled): asking again could run the command twice, so
        // this ends as it would in berth-cli.
        return {false, m_report.runDaemonError(e), {}};
    }
    // A reply under 400 is berth-cli's success, whatever it holds.
    const nlohmann::json reply = nlohmann::json::parse(created->body, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
        return {false, m_report.runDaemonError(Error(ErrorCode::Protocol, "POST /containers/create: the reply is not a JSON object")),
                {}};
    }
    // From here on the container exists: berth-cli's messages and codes.
    if (const auto warnings = reply.find("Warnings"); warnings != reply.end() && warnings->is_array()) {
        for (const auto &w : *warnings)
            writeAll(2, "WARNING: " + jsonToString(w) + "\n");
    }
    const auto id = reply.find("Id");
    return {false, afterCreate(id == reply.end() ? std::string() : jsonToString(*id)), {}};
}

int FastRunner::afterCreate(const std::string &id)
{
    m_id = id;
    if (!m_plan.detach) {
        openAttach();
        pumpUntil([&] { return m_attach->established || m_attach->finished; });
        if (!m_attach->established) {
            if (m_attach->finished && !m_attach->result)
                return m_report.runDaemonError(m_attach->result.error());
            return m_report.runDaemonError(Error(ErrorCode::Protocol, "attach: the engine closed the connection before the upgrade"));
        }
    }

    openWait();
    pumpUntil([&] { return m_wait->head || m_wait->finished; });
    if (m_wait->finished && !m_wait->result)
        return m_report.runDaemonError(m_wait->result.error());

    Request start;
    start.method = "POST";
    start.path = "/containers/" + m_id + "/start";
    auto started = send(start);
    if (!started) {
        if (m_plan.autoRemove)
            pumpUntil([&] { return m_wait->finished; });
        return m_report.runDaemonError(started.error(), startErrorExitCode(started.error()));
    }
    if (m_plan.detach) {
        writeAll(1, m_id + "\n");
        return 0;
    }

    // The session: output as it comes, signals forwarded as kill requests.
    m_proxy = std::make_unique<SignalProxy>();
    pumpUntil([&] { return m_attach->finished && !m_killInFlight && m_pendingSignals.empty(); });
    m_proxy.reset();
    if (!m_attach->result && isFatal(m_attach->result.error()))
        return m_report.reportError(m_attach->result.error(), 125);

    auto code = waitExitCode();
    if (!code)
        return m_report.runDaemonError(code.error());
    return *code;
}

} // namespace Berth::Cli::FastRun
