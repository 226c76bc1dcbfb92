#pragma once

#include "httprequest.h"
#include "httpresponse.h"

#include <QObject>
#include <QPointer>

#include <memory>

namespace Berth::Daemon {

class HttpConnection;
class SocketChannel;

// One request and its reply, handed to the route's handler. The connection
// owns it; a handler that answers later (a long-poll, a stream, a body it
// reads as it arrives) keeps a QPointer and answers through it. Requests on
// one connection are answered in order: the next pipelined request waits
// until this one is finished.
//
// Exactly one of these ends an exchange:
//   respond()                          a complete reply
//   beginStream() ... endStream()      a chunked reply, each write flushed at once
//   hijack()                           the route takes the raw socket
class HttpExchange : public QObject
{
    Q_OBJECT
public:
    ~HttpExchange() override;

    const HttpRequest &request() const { return m_request; }

    // A complete reply. A reply to HEAD carries the head only.
    void respond(const HttpResponse &response);
    void respondError(const Error &error) { respond(HttpResponse::error(error)); }
    void respondError(int status, const QString &message) { respond(HttpResponse::error(status, message)); }

    // Streamed reply: the head goes out at once (the wait long-poll relies
    // on that), then one chunk per write, each flushed immediately.
    void beginStream(int status = 200, const QByteArray &contentType = kJsonContentType,
                     const Common::HttpHeaders &extraHeaders = {});
    void writeChunk(const QByteArray &data);
    // Compact JSON followed by "\n", as one chunk (events, progress).
    void writeJson(const QJsonObject &object);
    void endStream();
    bool isStreaming() const { return m_state == State::Streaming; }
    // Bytes queued on the socket and not yet taken by the kernel, so a
    // producer can pace itself (0 once the connection is gone).
    qsizetype pendingOutput() const;

    // Streamed request bodies (BodyMode::Streamed): bodyReceived() delivers
    // the pieces as they arrive and bodyFinished() the end. While paused,
    // nothing more is read from the socket.
    void setBodyPaused(bool paused);
    bool isBodyPaused() const { return m_bodyPaused; }
    bool isBodyComplete() const { return m_bodyComplete; }

    // Answers "101 UPGRADED" (Connection: Upgrade, Upgrade: tcp; or 200
    // without an Upgrade request, as dockerd does) and hands the socket to
    // the caller, with any bytes the client sent after the request already
    // in its read buffer. Only once the request is complete; validate
    // everything before calling, so errors still go out as JSON.
    // Returns null when the connection is already gone.
    std::unique_ptr<SocketChannel> hijack(const QByteArray &contentType = "application/vnd.docker.raw-stream");

    bool hasResponded() const { return m_responded; }
    bool isFinished() const { return m_state == State::Finished || m_state == State::Hijacked; }
    // The client closed or the connection dropped.
    bool isClientGone() const { return m_clientGone; }

signals:
    void bodyReceived(const QByteArray &piece);
    void bodyFinished();
    // The client went away (or the helper is shutting down): drop
    // subscriptions and stop producing. Emitted at most once.
    void clientGone();
    // The exchange is over; it is deleted later.
    void finished();

private:
    friend class HttpConnection;
    enum class State { Open, Streaming, Finished, Hijacked };

    HttpExchange(HttpConnection *connection, HttpRequest request, bool isHead);
    void markClientGone();

    QPointer<HttpConnection> m_connection;
    HttpRequest m_request;
    State m_state = State::Open;
    bool m_isHead = false;
    bool m_responded = false;
    bool m_chunked = true;
    bool m_bodyPaused = false;
    bool m_bodyComplete = false;
    bool m_clientGone = false;
};

} // namespace Berth::Daemon
