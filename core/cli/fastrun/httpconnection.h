#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace Berth::Cli::FastRun {

using Clock = std::chrono::steady_clock;

// The head of a reply, as the fast path needs it.
struct ReplyHead
{
    int status = 0;
    bool keepAlive = true;
    std::string apiVersion; // the Api-Version field
};

// One HTTP/1.1 connection to the engine's Unix socket, driven by the
// caller's poll() loop: the Qt-free twin of core/client's Connection and
// UnixTransport, with the same framing (Debian's http-parser, obs-fold
// refused, one reply per exchange), the same keep-alive rule, the same
// timeouts and the same errors, word for word, so that berth prints the
// same messages whichever path ran.
class HttpConnection
{
public:
    struct Exchange
    {
        std::string request;          // the serialized request
        bool headRequest = false;     // a HEAD: the reply has no body
        bool upgrade = false;         // a hijack: 101 hands the socket over
        bool timeoutStopsAtHead = false;
        int timeoutMs = 30000;        // 0: none
        std::function<void(const ReplyHead &)> onHead;
        std::function<void(std::string_view)> onBody;
        // retryable: the request may not have reached the engine (a stale
        // keep-alive connection), so it may be sent again on a new one.
        std::function<void(const Status &, bool retryable)> onDone;
    };

    HttpConnection(std::string socketPath, std::string url);

    // core/client's Connection::reusable() and closed() signals: the
    // exchange ended and the connection can carry another request (called
    // before the exchange's onDone), and the connection is gone for good
    // (called once; wasUpgraded() tells a hijacked one apart).
    std::function<void()> onReusable;
    std::function<void()> onClosed;
    ~HttpConnection();
    HttpConnection(const HttpConnection &) = delete;
    HttpConnection &operator=(const HttpConnection &) = delete;

    bool isConnected() const { return m_fd.isValid(); }
    bool isBusy() const { return m_busy; }
    bool isClosed() const { return m_closed; }
    bool wasUpgraded() const { return m_handedOver; }

    // Connects when needed and sends the request. The exchange may end at
    // once (onDone called from here) when connecting fails.
    void start(Exchange exchange);

    // For poll(): the socket and what to wait for (0: nothing).
    int fd() const { return m_fd.get(); }
    short pollEvents() const;
    void handleEvents(short revents);
    // When the exchange times out, if it can.
    std::optional<Clock::time_point> deadline() const;
    void handleTimeout(Clock::time_point now);

    // An idle connection the engine closed meanwhile is of no use: what
    // core/client learns from its read notifier, learnt here on demand.
    bool stillUsable();

    // After an upgrade: the socket and the bytes that came after the head.
    UniqueFd takeSocket(std::string *leftover);

private:
    struct Parser;

    void writeRequest();
    bool sendQueued();
    void onReadable();
    void feed(const char *data, size_t size);
    void onDisconnected();
    void onSocketError(const std::string &what, int err);
    void finishExchange(const Status &result, bool retryable = false);
    void abort();
    Error connectError(int err) const;

    std::string m_socketPath;
    std::string m_url;
    UniqueFd m_fd;
    Exchange m_exchange;
    std::unique_ptr<Parser> m_parser;
    std::string m_writeBuffer;
    std::string m_leftover;
    std::optional<Clock::time_point> m_deadline;
    int m_exchanges = 0;
    bool m_busy = false;
    bool m_closed = false;
    bool m_handedOver = false;
    bool m_gotReplyBytes = false;
    bool m_keepAlive = true;
    bool m_upgraded = false;
};

// strerror() as Go words it (lower case first letter): "connection refused".
std::string goReason(int err);

} // namespace Berth::Cli::FastRun
