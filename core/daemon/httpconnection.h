#pragma once

#include "daemonconfig.h"
#include "httprequest.h"
#include "httpresponse.h"
#include "router.h"

#include <common/httpparser.h>

#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>

namespace Berth::Daemon {

class HttpExchange;
class SocketChannel;

// HTTP/1.1 over one accepted socket: framing by Common::HttpParser,
// keep-alive, pipelined requests answered one at a time and in order,
// buffered (capped) or streamed request bodies, streamed replies, hijack,
// and the limits that keep one bad client from hurting the helper (head
// size, body size, stalled and idle timeouts).
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    HttpConnection(std::unique_ptr<SocketChannel> channel, const Router &router, const DaemonConfig &config,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    // Answers every request with 403 and this message, then closes (the
    // peer check failed).
    void setRejection(const QString &message) { m_rejection = message; }
    void start();
    // Helper shutdown: ends a running stream, tells the exchange the client
    // is gone, closes once the output is flushed.
    void shutdown();
    void abort();
    bool isClosed() const { return m_dead; }

signals:
    // The socket is closed; the owner deletes the connection (later).
    void closed(HttpConnection *connection);
    // The socket now belongs to a route; the connection closes itself.
    void hijacked(SocketChannel *channel);

private:
    friend class HttpExchange;

    enum class Plan { Dispatch, Discard };

    void pump();
    void schedulePump();
    void handleHead();
    void handleMessageComplete();
    void deliverStreamedBody();
    void invokeHandler();
    void onBody(const char *data, qsizetype size);
    void onReadFinished();
    void onChannelClosed();
    void onRequestTimeout();
    void updateTimers();
    void failConnection(const HttpResponse &response);
    void closeGracefully();
    void detachExchange();
    bool finishAfterReply() const;

    // Called by HttpExchange.
    void sendResponse(HttpExchange *exchange, const HttpResponse &response);
    void sendStreamHead(HttpExchange *exchange, int status, const QByteArray &contentType,
                        const Common::HttpHeaders &extraHeaders);
    void sendChunk(HttpExchange *exchange, const QByteArray &data);
    void sendStreamEnd(HttpExchange *exchange);
    void bodyPauseChanged(HttpExchange *exchange);
    std::unique_ptr<SocketChannel> hijack(HttpExchange *exchange, const QByteArray &contentType);
    void exchangeFinished(HttpExchange *exchange);
    qsizetype pendingOutput() const;

    QByteArray serializeHead(int status, Common::HttpHeaders headers, bool willClose) const;

    std::unique_ptr<SocketChannel> m_channel;
    const Router &m_router;
    const DaemonConfig &m_config;
    Common::HttpParser m_parser{Common::HttpParser::Kind::Request};
    QByteArray m_in;
    QString m_rejection;

    // The request in progress.
    HttpExchange *m_exchange = nullptr;
    Plan m_plan = Plan::Dispatch;
    const Router::Route *m_route = nullptr;
    HttpResponse m_discardResponse;
    Common::HttpMessageHead m_head;
    QByteArray m_streamPiece;
    qint64 m_bodyBytes = 0;
    bool m_requestIsHead = false;
    bool m_requestKeepAlive = true;
    bool m_requestUpgrade = false;
    bool m_requestComplete = false;
    bool m_bodyTooLarge = false;

    // Parser events, handled outside the parser's callbacks.
    bool m_headPending = false;
    bool m_completePending = false;

    bool m_pumping = false;
    bool m_pumpScheduled = false;
    bool m_closeAfterReply = false;
    bool m_closing = false;
    bool m_peerEof = false;
    bool m_dead = false;

    QTimer m_requestTimer;
    QTimer m_idleTimer;
};

} // namespace Berth::Daemon
