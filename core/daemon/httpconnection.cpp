#include "httpconnection.h"

#include "daemonlogging.h"
#include "httpexchange.h"
#include "socketchannel.h"

#include <common/errors.h>

#include <QPointer>

namespace Berth::Daemon {

// Bytes fed to the parser at a time: bounds how far a body can overshoot
// its cap and how big a streamed body piece gets.
static constexpr qsizetype kFeedSlice = 64 * 1024;
// After the last reply, how long a closing connection drains what the
// client still sends (so it reads the reply rather than a reset).
static constexpr int kLingerMs = 1000;

HttpConnection::HttpConnection(std::unique_ptr<SocketChannel> channel, const Router &router,
                               const DaemonConfig &config, QObject *parent)
    : QObject(parent)
    , m_channel(std::move(channel))
    , m_router(router)
    , m_config(config)
{
    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(m_config.requestTimeoutMs);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(m_config.idleTimeoutMs);
    connect(&m_requestTimer, &QTimer::timeout, this, &HttpConnection::onRequestTimeout);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        qCDebug(lcDaemonHttp) << "closing idle connection";
        closeGracefully();
    });

    m_parser.onHead = [this](const Common::HttpMessageHead &head) {
        m_head = head;
        m_headPending = true;
        return Common::HttpParser::HeadAction::Pause;
    };
    m_parser.onBody = [this](const char *data, qsizetype size) { onBody(data, size); };
    m_parser.onMessageComplete = [this] {
        m_completePending = true;
        return true; // one request at a time
    };

    connect(m_channel.get(), &SocketChannel::readyRead, this, &HttpConnection::pump);
    connect(m_channel.get(), &SocketChannel::readFinished, this, &HttpConnection::onReadFinished);
    connect(m_channel.get(), &SocketChannel::closed, this, &HttpConnection::onChannelClosed);
}

HttpConnection::~HttpConnection()
{
    if (m_channel)
        m_channel->disconnect(this);
}

void HttpConnection::start()
{
    updateTimers();
    // Bytes may already be buffered (none today, but cheap to honour).
    schedulePump();
}

void HttpConnection::schedulePump()
{
    if (m_pumping || m_pumpScheduled || m_dead)
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, [this] {
        m_pumpScheduled = false;
        pump();
    }, Qt::QueuedConnection);
}

void HttpConnection::pump()
{
    if (m_pumping || m_dead || !m_channel)
        return;
    m_pumping = true;
    QPointer<HttpConnection> self(this);
    while (!m_dead) {
        if (m_exchange && (m_requestComplete || m_exchange->isBodyPaused()))
            break; // the handler's turn
        if (m_closing)
            break;
        if (m_in.isEmpty()) {
            m_in = m_channel->readAll();
            if (m_in.isEmpty())
                break;
        }
        const qint64 bodyBefore = m_bodyBytes;
        const qsizetype slice = qMin(m_in.size(), kFeedSlice);
        const auto fed = m_parser.feed(m_in.constData(), slice);
        if (!fed) {
            const Error &e = fed.error();
            qCDebug(lcDaemonHttp) << "bad request:" << e.message().c_str();
            if (e.code() == ErrorCode::TooLarge)
                failConnection(HttpResponse::error(431, QStringLiteral("request header fields too large")));
            else
                failConnection(HttpResponse::error(400, QString::fromStdString(e.message())));
            break;
        }
        m_in.remove(0, *fed);
        bool progressed = *fed > 0;
        if (m_headPending) {
            m_headPending = false;
            progressed = true;
            handleHead();
            if (!self || m_dead || m_closing)
                break;
            m_parser.resume();
        }
        if (m_bodyTooLarge) {
            failConnection(HttpResponse::error(413, QStringLiteral("request body exceeds the limit of %1 bytes")
                                                        .arg(m_config.maxBufferedBody)));
            break;
        }
        if (m_bodyBytes != bodyBefore)
            m_requestTimer.start(); // a body only has to keep moving
        deliverStreamedBody();
        if (!self || m_dead)
            break;
        if (m_completePending) {
            m_completePending = false;
            progressed = true;
            handleMessageComplete();
            if (!self || m_dead)
                break;
        }
        if (!progressed && !m_parser.isPaused())
            break; // nothing consumed: wait for more bytes
        if (m_requestUpgrade && m_requestComplete)
            break; // the rest belongs to the raw stream
    }
    if (!self)
        return;
    m_pumping = false;
    if (m_dead)
        return;

    // The client finished sending and everything it sent is consumed.
    if (m_peerEof && m_in.isEmpty() && m_channel->bytesAvailable() == 0 && !m_closing) {
        if (!m_exchange) {
            if (m_parser.isMidMessage())
                qCDebug(lcDaemonHttp) << "client closed in the middle of a request head";
            closeGracefully();
            return;
        }
        if (!m_requestComplete && !m_exchange->isBodyPaused()) {
            // The rest of this request can never arrive.
            qCDebug(lcDaemonHttp) << "client closed in the middle of a request body";
            detachExchange();
            closeGracefully();
            return;
        }
    }
    updateTimers();
}

void HttpConnection::onBody(const char *data, qsizetype size)
{
    m_bodyBytes += size;
    if (m_plan != Plan::Dispatch || !m_exchange || !m_route)
        return; // discarded
    if (m_route->bodyMode == BodyMode::Streamed) {
        m_streamPiece.append(data, size);
        return;
    }
    if (m_exchange->m_request.body().size() + size > m_config.maxBufferedBody) {
        m_bodyTooLarge = true;
        return;
    }
    m_exchange->m_request.appendBody(data, size);
}

void HttpConnection::handleHead()
{
    m_requestTimer.start(); // from here on it bounds body stalls
    m_bodyBytes = 0;
    m_bodyTooLarge = false;
    m_requestComplete = false;
    m_streamPiece.clear();
    m_route = nullptr;
    m_plan = Plan::Dispatch;
    m_requestIsHead = m_head.method == "HEAD";
    m_requestKeepAlive = m_head.keepAlive;
    m_requestUpgrade = m_head.upgrade;

    auto parsed = HttpRequest::fromHead(m_head);
    HttpRequest request = parsed ? std::move(*parsed) : HttpRequest();
    m_exchange = new HttpExchange(this, request, m_requestIsHead);
    m_exchange->m_chunked = m_head.versionMajor == 1 && m_head.versionMinor >= 1;

    if (!m_rejection.isEmpty()) {
        m_plan = Plan::Discard;
        m_discardResponse = HttpResponse::error(403, m_rejection);
        m_closeAfterReply = true;
    } else if (!parsed) {
        m_plan = Plan::Discard;
        m_discardResponse = HttpResponse::error(parsed.error());
    } else {
        Router::Match match = m_router.match(m_head.method, m_exchange->m_request.path());
        if (match.kind == Router::Match::Found) {
            m_route = match.route;
            m_exchange->m_request.setCaptures(std::move(match.captures));
        } else {
            // moby answers a known path with the wrong method like an
            // unknown path (its MethodNotAllowedHandler is the not-found
            // handler): 404 {"message":"page not found"}.
            m_plan = Plan::Discard;
            m_discardResponse = HttpResponse::error(404, QStringLiteral("page not found"));
        }
    }
    qCDebug(lcDaemonHttp) << m_head.method.constData() << m_head.target.constData();

    const bool hasBody = m_head.chunked || m_head.contentLength > 0;
    const bool buffered = m_plan == Plan::Dispatch && m_route->bodyMode == BodyMode::Buffered;
    if (buffered && m_head.contentLength > m_config.maxBufferedBody) {
        // Refuse before reading a byte of it (and before any 100 Continue).
        m_closeAfterReply = true;
        m_exchange->respond(HttpResponse::error(413, QStringLiteral("request body exceeds the limit of %1 bytes")
                                                       .arg(m_config.maxBufferedBody)));
        return;
    }
    if (m_exchange->m_request.expectsContinue() && hasBody) {
        if (m_plan == Plan::Discard) {
            // Answer now instead of inviting a body nobody wants.
            m_closeAfterReply = true;
            m_exchange->respond(m_discardResponse);
            return;
        }
        m_channel->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (m_plan == Plan::Dispatch && m_route->bodyMode == BodyMode::Streamed)
        invokeHandler();
}

void HttpConnection::deliverStreamedBody()
{
    if (m_streamPiece.isEmpty())
        return;
    const QByteArray piece = std::exchange(m_streamPiece, QByteArray());
    if (m_exchange && !m_exchange->isFinished())
        emit m_exchange->bodyReceived(piece);
}

void HttpConnection::handleMessageComplete()
{
    m_requestComplete = true;
    m_requestTimer.stop();
    if (!m_exchange) {
        // Answered early (a refused body): nothing waits for the end.
        return;
    }
    if (m_plan == Plan::Discard) {
        m_exchange->respond(m_discardResponse);
        return;
    }
    if (m_route->bodyMode == BodyMode::Streamed) {
        m_exchange->m_bodyComplete = true;
        emit m_exchange->bodyFinished();
        return;
    }
    m_exchange->m_bodyComplete = true;
    invokeHandler();
}

void HttpConnection::invokeHandler()
{
    QPointer<HttpExchange> exchange(m_exchange);
    if (!exchange || !m_route)
        return;
    m_route->handler(*exchange);
}

void HttpConnection::bodyPauseChanged(HttpExchange *exchange)
{
    if (exchange != m_exchange)
        return;
    if (!exchange->isBodyPaused())
        schedulePump();
    updateTimers();
}

bool HttpConnection::finishAfterReply() const
{
    return m_closeAfterReply || !m_requestKeepAlive || m_requestUpgrade || !m_requestComplete || m_closing
        || !m_rejection.isEmpty();
}

QByteArray HttpConnection::serializeHead(int status, Common::HttpHeaders headers, bool willClose) const
{
    HttpResponse::addStandardHeaders(headers);
    if (willClose)
        headers.set("Connection", "close");
    return HttpResponse::statusLine(status) + headers.serialize() + "\r\n";
}

void HttpConnection::sendResponse(HttpExchange *exchange, const HttpResponse &response)
{
    if (exchange != m_exchange || !m_channel) {
        exchange->m_state = HttpExchange::State::Finished;
        return;
    }
    Common::HttpHeaders headers = response.headers;
    const bool noBody = response.status < 200 || response.status == 204 || response.status == 304;
    if (!noBody)
        headers.set("Content-Length", QByteArray::number(response.body.size()));
    const bool willClose = finishAfterReply();
    QByteArray out = serializeHead(response.status, headers, willClose);
    if (!noBody && !m_requestIsHead)
        out += response.body;
    m_channel->write(out);
    exchangeFinished(exchange);
}

void HttpConnection::sendStreamHead(HttpExchange *exchange, int status, const QByteArray &contentType,
                                    const Common::HttpHeaders &extraHeaders)
{
    if (exchange != m_exchange || !m_channel)
        return;
    Common::HttpHeaders headers = extraHeaders;
    if (!contentType.isEmpty())
        headers.set("Content-Type", contentType);
    if (m_requestIsHead) {
        m_channel->write(serializeHead(status, headers, finishAfterReply()));
        exchangeFinished(exchange);
        return;
    }
    bool willClose = false;
    if (exchange->m_chunked) {
        headers.set("Transfer-Encoding", "chunked");
    } else {
        // HTTP/1.0 has no chunks: the end of the body is the end of the connection.
        m_closeAfterReply = true;
        willClose = true;
    }
    m_channel->write(serializeHead(status, headers, willClose));
    updateTimers();
}

void HttpConnection::sendChunk(HttpExchange *exchange, const QByteArray &data)
{
    if (exchange != m_exchange || !m_channel)
        return;
    if (!exchange->m_chunked) {
        m_channel->write(data);
        return;
    }
    // One allocation and three block copies: a QStringBuilder expression
    // here copied megabyte pieces byte by byte (43% of a save's CPU).
    const QByteArray size = QByteArray::number(data.size(), 16);
    QByteArray frame;
    frame.reserve(size.size() + data.size() + 4);
    frame.append(size).append("\r\n", 2).append(data).append("\r\n", 2);
    m_channel->write(frame);
}

void HttpConnection::sendStreamEnd(HttpExchange *exchange)
{
    if (exchange != m_exchange || !m_channel)
        return;
    if (exchange->m_chunked)
        m_channel->write(QByteArrayLiteral("0\r\n\r\n"));
    exchangeFinished(exchange);
}

qsizetype HttpConnection::pendingOutput() const
{
    return m_channel ? m_channel->bytesToWrite() : 0;
}

std::unique_ptr<SocketChannel> HttpConnection::hijack(HttpExchange *exchange, const QByteArray &contentType)
{
    if (exchange != m_exchange || !m_channel || m_dead)
        return {};
    if (!m_requestComplete) {
        qCWarning(lcDaemonHttp) << "hijack before the request body was read; refusing";
        exchange->respond(HttpResponse::error(500, QStringLiteral("cannot hijack before the request is complete")));
        return {};
    }
    Common::HttpHeaders headers;
    headers.set("Content-Type", contentType);
    int status = 200;
    if (m_requestUpgrade) {
        status = 101;
        headers.set("Connection", "Upgrade");
        headers.set("Upgrade", "tcp");
    }
    Common::HttpHeaders full = headers;
    HttpResponse::addStandardHeaders(full);
    m_channel->write(HttpResponse::statusLine(status) + full.serialize() + "\r\n");

    exchange->m_responded = true;
    exchange->m_state = HttpExchange::State::Hijacked;
    m_exchange = nullptr;
    m_requestTimer.stop();
    m_idleTimer.stop();

    // Everything read past the request is the start of the raw stream.
    m_channel->disconnect(this);
    m_channel->unread(std::exchange(m_in, QByteArray()));
    m_channel->setReadingEnabled(true);
    std::unique_ptr<SocketChannel> channel = std::move(m_channel);
    m_dead = true;
    emit hijacked(channel.get());
    emit exchange->finished();
    exchange->deleteLater();
    emit closed(this);
    return channel;
}

void HttpConnection::exchangeFinished(HttpExchange *exchange)
{
    if (exchange != m_exchange)
        return;
    const bool close = finishAfterReply();
    m_exchange = nullptr;
    exchange->m_state = HttpExchange::State::Finished;
    emit exchange->finished();
    exchange->deleteLater();
    if (close) {
        closeGracefully();
        return;
    }
    m_parser.resume();
    if (m_pumping)
        return; // the pump loop carries on with the next request
    schedulePump();
    updateTimers();
}

void HttpConnection::detachExchange()
{
    if (!m_exchange)
        return;
    HttpExchange *exchange = m_exchange;
    m_exchange = nullptr;
    exchange->m_connection = nullptr;
    if (!exchange->isFinished()) {
        exchange->markClientGone();
        exchange->m_state = HttpExchange::State::Finished;
        emit exchange->finished();
    }
    exchange->deleteLater();
}

void HttpConnection::onReadFinished()
{
    m_peerEof = true;
    if (m_exchange && (m_requestComplete || m_exchange->hasResponded())) {
        // The client stopped sending while we answer: for a stream or a
        // long-poll that means it went away.
        QPointer<HttpExchange> exchange(m_exchange);
        exchange->markClientGone();
        if (exchange && exchange == m_exchange && exchange->isStreaming())
            exchange->endStream();
        return;
    }
    pump();
}

void HttpConnection::onChannelClosed()
{
    if (m_dead)
        return;
    m_dead = true;
    m_requestTimer.stop();
    m_idleTimer.stop();
    detachExchange();
    emit closed(this);
}

void HttpConnection::onRequestTimeout()
{
    if (m_dead)
        return;
    qCDebug(lcDaemonHttp) << "request timed out";
    if (m_exchange && m_exchange->hasResponded()) {
        abort();
        return;
    }
    failConnection(HttpResponse::error(408, QStringLiteral("timed out waiting for the request")));
}

void HttpConnection::updateTimers()
{
    if (m_dead || m_closing || !m_channel) {
        m_requestTimer.stop();
        m_idleTimer.stop();
        return;
    }
    if (m_exchange && (m_requestComplete || m_exchange->isBodyPaused())) {
        // The handler (or a busy body consumer) has the turn: streams,
        // long-polls and uploads are exempt from both timeouts.
        m_requestTimer.stop();
        m_idleTimer.stop();
        return;
    }
    if (m_exchange || m_parser.isMidMessage() || !m_in.isEmpty() || m_channel->bytesAvailable() > 0) {
        m_idleTimer.stop();
        if (!m_requestTimer.isActive())
            m_requestTimer.start();
        return;
    }
    m_requestTimer.stop();
    if (!m_idleTimer.isActive())
        m_idleTimer.start();
}

void HttpConnection::failConnection(const HttpResponse &response)
{
    if (m_dead)
        return;
    m_closeAfterReply = true;
    if (!m_exchange || !m_exchange->hasResponded()) {
        Common::HttpHeaders headers = response.headers;
        headers.set("Content-Length", QByteArray::number(response.body.size()));
        QByteArray out = serializeHead(response.status, headers, true);
        if (!m_requestIsHead || !m_exchange)
            out += response.body;
        if (m_exchange)
            m_exchange->m_responded = true;
        m_channel->write(out);
    }
    detachExchange();
    closeGracefully();
}

void HttpConnection::closeGracefully()
{
    if (m_dead || m_closing)
        return;
    m_closing = true;
    m_requestTimer.stop();
    m_idleTimer.stop();
    detachExchange();
    m_channel->closeAfterWrite(kLingerMs);
}

void HttpConnection::shutdown()
{
    if (m_dead)
        return;
    if (m_exchange) {
        QPointer<HttpExchange> exchange(m_exchange);
        exchange->markClientGone();
        if (exchange && exchange == m_exchange && exchange->isStreaming())
            exchange->endStream();
    }
    m_closeAfterReply = true;
    closeGracefully();
}

void HttpConnection::abort()
{
    if (m_dead || !m_channel)
        return;
    m_channel->abort(); // emits closed() -> onChannelClosed()
}

} // namespace Berth::Daemon
