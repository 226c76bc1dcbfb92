#include "httpconnection.h"

#include "errorreport.h"

#include <http_parser.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace Berth::Cli::FastRun {

namespace {

// connect() on a Unix socket whose backlog is full says EAGAIN; core/client
// tries again this often until the exchange's timeout.
constexpr auto kConnectRetry = std::chrono::milliseconds(5);
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kReadChunksPerEvent = 16;
// core/common's HttpParser::kMaxHeadBytes.
constexpr uint32_t kMaxHeadBytes = 1024 * 1024;

bool sameName(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

Error parserError(const http_parser &p)
{
    const auto err = static_cast<http_errno>(p.http_errno);
    const ErrorCode code = err == HPE_HEADER_OVERFLOW ? ErrorCode::TooLarge : ErrorCode::Protocol;
    return Error(code, std::string("malformed HTTP message: ") + http_errno_description(err));
}

} // namespace

std::string goReason(int err)
{
    useEnvironmentLocale();
    std::string text = std::strerror(err);
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
        text[0] = char(text[0] - 'A' + 'a');
    return text;
}

// core/common's HttpParser for responses, reduced to what a client needs:
// every message ends in a pause (one reply per exchange), a folded header
// line is refused before http-parser would join it.
struct HttpConnection::Parser
{
    http_parser parser{};
    ReplyHead head;
    std::string field;
    std::string value;
    bool lastWasValue = false;
    bool apiVersionSeen = false;
    bool scanningHead = true;
    char previous = 0;
    std::function<int(const ReplyHead &)> onHead; // 0: body follows, 1: none
    std::function<void(const char *, size_t)> onBody;

    Parser()
    {
        static std::once_flag once;
        std::call_once(once, [] { http_parser_set_max_header_size(kMaxHeadBytes); });
        http_parser_init(&parser, HTTP_RESPONSE);
        parser.data = this;
    }

    static Parser *of(http_parser *p) { return static_cast<Parser *>(p->data); }

    void commitField()
    {
        if (!apiVersionSeen && sameName(field, "Api-Version")) {
            head.apiVersion = value;
            apiVersionSeen = true;
        }
        field.clear();
        value.clear();
        lastWasValue = false;
    }

    static const http_parser_settings &settings()
    {
        static const http_parser_settings s = [] {
            http_parser_settings st;
            http_parser_settings_init(&st);
            st.on_message_begin = [](http_parser *p) {
                Parser *d = of(p);
                d->head = ReplyHead();
                d->field.clear();
                d->value.clear();
                d->lastWasValue = false;
                d->apiVersionSeen = false;
                return 0;
            };
            st.on_header_field = [](http_parser *p, const char *at, size_t len) {
                Parser *d = of(p);
                if (d->lastWasValue)
                    d->commitField();
                d->field.append(at, len);
                return 0;
            };
            st.on_header_value = [](http_parser *p, const char *at, size_t len) {
                Parser *d = of(p);
                d->value.append(at, len);
                d->lastWasValue = true;
                return 0;
            };
            st.on_headers_complete = [](http_parser *p) {
                Parser *d = of(p);
                if (!d->field.empty() || !d->value.empty())
                    d->commitField();
                d->head.status = int(p->status_code);
                d->head.keepAlive = http_should_keep_alive(p) != 0;
                return d->onHead ? d->onHead(d->head) : 0;
            };
            st.on_body = [](http_parser *p, const char *at, size_t len) {
                Parser *d = of(p);
                if (d->onBody)
                    d->onBody(at, len);
                return 0;
            };
            st.on_message_complete = [](http_parser *p) {
                Parser *d = of(p);
                d->scanningHead = true;
                d->previous = 0;
                http_parser_pause(p, 1);
                return 0;
            };
            return st;
        }();
        return s;
    }

    Status refuseObsFold(const char *data, size_t size)
    {
        for (size_t i = 0; i < size && scanningHead; ++i) {
            const char c = data[i];
            if (previous == '\n') {
                if (c == ' ' || c == '\t')
                    return fail(ErrorCode::Protocol,
                                "malformed HTTP message: a header line is folded onto the previous one (obs-fold)");
                if (c == '\r' || c == '\n')
                    scanningHead = false;
            }
            previous = c;
        }
        return {};
    }

    bool isPaused() const { return parser.http_errno == HPE_PAUSED; }
    bool isUpgrade() const { return parser.upgrade != 0; }

    Result<size_t> feed(const char *data, size_t size)
    {
        if (size == 0 || isPaused())
            return size_t(0);
        if (scanningHead) {
            if (auto s = refuseObsFold(data, size); !s)
                return fail(s.error());
        }
        const size_t n = http_parser_execute(&parser, &settings(), data, size);
        const auto err = static_cast<http_errno>(parser.http_errno);
        if (err != HPE_OK && err != HPE_PAUSED)
            return fail(parserError(parser));
        return n;
    }

    // The end of the connection: a body that runs to it ends here.
    Status finish()
    {
        if (isPaused())
            return {};
        http_parser_execute(&parser, &settings(), nullptr, 0);
        const auto err = static_cast<http_errno>(parser.http_errno);
        if (err != HPE_OK && err != HPE_PAUSED)
            return fail(parserError(parser));
        return {};
    }
};

HttpConnection::HttpConnection(std::string socketPath, std::string url)
    : m_socketPath(std::move(socketPath))
    , m_url(std::move(url))
{}

HttpConnection::~HttpConnection() = default;

Error HttpConnection::connectError(int err) const
{
    ErrorCode code = ErrorCode::Unavailable;
    if (err == EACCES || err == EPERM)
        code = ErrorCode::PermissionDenied;
    else if (err == ETIMEDOUT)
        code = ErrorCode::Timeout;
    return Error(code, "cannot connect to the Berth helper at " + m_url + ": " + goReason(err), err);
}

void HttpConnection::start(Exchange exchange)
{
    m_exchange = std::move(exchange);
    m_busy = true;
    m_gotReplyBytes = false;
    m_keepAlive = true;
    m_upgraded = false;
    m_parser = std::make_unique<Parser>();
    m_parser->onHead = [this](const ReplyHead &head) {
        if (head.status >= 100 && head.status < 200 && head.status != 101)
            return 0; // an interim reply
        m_keepAlive = head.keepAlive;
        if (m_exchange.timeoutStopsAtHead || head.status == 101)
            m_deadline.reset();
        if (head.status == 101 && m_exchange.upgrade)
            m_upgraded = true;
        if (m_exchange.onHead)
            m_exchange.onHead(head);
        return m_exchange.headRequest ? 1 : 0;
    };
    m_parser->onBody = [this](const char *data, size_t size) {
        if (m_busy && m_exchange.onBody)
            m_exchange.onBody(std::string_view(data, size));
    };
    if (m_exchange.timeoutMs > 0)
        m_deadline = Clock::now() + std::chrono::milliseconds(m_exchange.timeoutMs);
    else
        m_deadline.reset();

    if (isConnected()) {
        writeRequest();
        return;
    }
    sockaddr_un address{};
    if (m_socketPath.empty() || m_socketPath.size() >= sizeof(address.sun_path)) {
        finishExchange(fail(connectError(ENAMETOOLONG)));
        abort();
        return;
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        finishExchange(fail(connectError(errno)));
        abort();
        return;
    }
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, m_socketPath.data(), m_socketPath.size());
    const auto length = socklen_t(offsetof(sockaddr_un, sun_path) + m_socketPath.size() + 1);
    for (;;) {
        int rc;
        do {
            rc = ::connect(fd.get(), reinterpret_cast<const sockaddr *>(&address), length);
        } while (rc != 0 && errno == EINTR);
        if (rc == 0 || errno == EISCONN)
            break;
        const int err = errno;
        if ((err == EAGAIN || err == EINPROGRESS) && m_deadline && Clock::now() + kConnectRetry < *m_deadline) {
            std::this_thread::sleep_for(kConnectRetry);
            continue;
        }
        if (err == EAGAIN || err == EINPROGRESS) {
            // The exchange's timer ran out while the backlog stayed full.
            finishExchange(fail(ErrorCode::Timeout, "no reply from the Berth helper at " + m_url + " within "
                                                        + std::to_string(m_exchange.timeoutMs) + " ms"));
            abort();
            return;
        }
        finishExchange(fail(connectError(err)));
        abort();
        return;
    }
    m_fd = std::move(fd);
    writeRequest();
}

void HttpConnection::writeRequest()
{
    ++m_exchanges;
    const bool wasEmpty = m_writeBuffer.empty();
    m_writeBuffer += m_exchange.request;
    if (wasEmpty)
        sendQueued();
}

bool HttpConnection::sendQueued()
{
    while (!m_writeBuffer.empty() && m_fd) {
        const ssize_t n = ::send(m_fd.get(), m_writeBuffer.data(), m_writeBuffer.size(), MSG_NOSIGNAL);
        if (n > 0) {
            m_writeBuffer.erase(0, size_t(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true; // POLLOUT brings us back
        onSocketError("write", n < 0 ? errno : EPIPE);
        return false;
    }
    return true;
}

short HttpConnection::pollEvents() const
{
    if (!m_fd)
        return 0;
    short events = 0;
    if (m_busy)
        events |= POLLIN;
    if (!m_writeBuffer.empty())
        events |= POLLOUT;
    return events;
}

void HttpConnection::handleEvents(short revents)
{
    if (!m_fd)
        return;
    if (revents & POLLOUT) {
        if (!sendQueued())
            return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR))
        onReadable();
}

std::optional<Clock::time_point> HttpConnection::deadline() const
{
    return m_busy ? m_deadline : std::nullopt;
}

void HttpConnection::handleTimeout(Clock::time_point now)
{
    if (!m_busy || !m_deadline || now < *m_deadline)
        return;
    finishExchange(fail(ErrorCode::Timeout, "no reply from the Berth helper at " + m_url + " within "
                                                + std::to_string(m_exchange.timeoutMs) + " ms"));
    abort();
}

void HttpConnection::onReadable()
{
    std::string buffer;
    bool eof = false;
    for (int i = 0; i < kReadChunksPerEvent && m_fd; ++i) {
        const size_t old = buffer.size();
        buffer.resize(old + kReadChunk);
        ssize_t n;
        do {
            n = ::read(m_fd.get(), buffer.data() + old, kReadChunk);
        } while (n < 0 && errno == EINTR);
        buffer.resize(old + size_t(n > 0 ? n : 0));
        if (n > 0) {
            if (size_t(n) < kReadChunk)
                break;
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EAGAIN)
            break;
        const int err = errno;
        if (!buffer.empty() && m_busy)
            feed(buffer.data(), buffer.size());
        if (m_fd)
            onSocketError("read", err);
        return;
    }
    if (!buffer.empty()) {
        if (!m_busy) {
            abort(); // bytes on an idle connection
            return;
        }
        feed(buffer.data(), buffer.size());
    }
    if (eof && m_fd && !m_handedOver)
        onDisconnected();
}

void HttpConnection::feed(const char *data, size_t size)
{
    m_gotReplyBytes = true;
    if (m_exchange.timeoutMs > 0 && m_deadline)
        m_deadline = Clock::now() + std::chrono::milliseconds(m_exchange.timeoutMs);
    auto consumed = m_parser->feed(data, size);
    if (!m_busy)
        return;
    if (!consumed) {
        Error e = consumed.error();
        finishExchange(fail(std::move(e).wrap("reply from the Berth helper at " + m_url)));
        abort();
        return;
    }
    const bool complete = m_parser->isPaused() || m_parser->isUpgrade();
    if (!complete)
        return;
    if (m_upgraded || m_parser->isUpgrade()) {
        m_leftover.assign(data + *consumed, size - *consumed);
        m_handedOver = true;
        finishExchange({});
        abort();
        return;
    }
    const bool extraBytes = *consumed < size;
    const bool reuse = m_keepAlive && !extraBytes && isConnected();
    if (reuse) {
        m_busy = false;
        m_deadline.reset();
        Exchange exchange = std::exchange(m_exchange, Exchange());
        if (onReusable)
            onReusable();
        if (exchange.onDone)
            exchange.onDone(Status(), false);
        return;
    }
    finishExchange({});
    abort();
}

void HttpConnection::onSocketError(const std::string &what, int err)
{
    if (m_busy) {
        finishExchange(fail(ErrorCode::Io, "connection to the Berth helper at " + m_url + " failed: " + what + ": "
                                               + goReason(err)),
                       !m_gotReplyBytes && m_exchanges > 1);
    }
    abort();
}

void HttpConnection::onDisconnected()
{
    if (m_busy && m_parser) {
        const bool hadBytes = m_gotReplyBytes;
        const Status finished = m_parser->finish();
        if (m_busy && finished && m_parser->isPaused() && hadBytes) {
            finishExchange({});
        } else if (m_busy) {
            const std::string what = hadBytes ? "closed the connection before the reply was complete"
                                              : "closed the connection without replying";
            finishExchange(fail(ErrorCode::Protocol, "the Berth helper at " + m_url + " " + what),
                           !hadBytes && m_exchanges > 1);
        }
    }
    abort();
}

void HttpConnection::finishExchange(const Status &result, bool retryable)
{
    if (!m_busy)
        return;
    m_busy = false;
    m_deadline.reset();
    Exchange exchange = std::exchange(m_exchange, Exchange());
    if (exchange.onDone)
        exchange.onDone(result, retryable);
}

void HttpConnection::abort()
{
    m_busy = false;
    m_deadline.reset();
    m_exchange = Exchange();
    m_writeBuffer.clear();
    if (!m_handedOver)
        m_fd.reset();
    if (!m_closed) {
        m_closed = true;
        if (onClosed)
            onClosed();
    }
}

bool HttpConnection::stillUsable()
{
    if (!m_fd || m_busy || m_closed)
        return false;
    pollfd p{m_fd.get(), POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
        return true;
    // Readable while idle: the engine closed it (or sent what it should
    // not); either way it cannot carry another request.
    abort();
    return false;
}

UniqueFd HttpConnection::takeSocket(std::string *leftover)
{
    if (leftover)
        *leftover = std::exchange(m_leftover, std::string());
    return std::move(m_fd);
}

} // namespace Berth::Cli::FastRun
