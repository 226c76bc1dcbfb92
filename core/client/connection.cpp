#include "connection.h"

#include "clientlogging.h"
#include "transport.h"

#include <QFileDevice>

#include <cerrno>

namespace Berth::Client::Internal {

namespace {
// A streamed request body is read in pieces of this size while less than
// kBodyQueue bytes wait in the socket's write buffer.
constexpr qint64 kBodyPiece = 64 * 1024;
constexpr qint64 kBodyQueue = 256 * 1024;
} // namespace

Connection::Connection(const Endpoint &endpoint, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_socket(makeTransport(endpoint))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
    Transport *t = m_socket.get();
    connect(t, &Transport::connected, this, &Connection::onConnected);
    connect(t, &Transport::readyRead, this, &Connection::onReadyRead);
    connect(t, &Transport::errorOccurred, this, &Connection::onSocketError);
    connect(t, &Transport::disconnected, this, &Connection::onDisconnected);
    connect(t, &Transport::bytesWritten, this, [this] {
        if (!m_sendingBody)
            return;
        if (m_exchange.timeoutMs > 0 && m_timer.isActive())
            m_timer.start(m_exchange.timeoutMs); // an upload in progress is not a silent helper
        pumpBody();
    });
}

Connection::~Connection()
{
    if (m_socket) {
        QObject::disconnect(m_socket.get(), nullptr, this, nullptr);
        m_socket->abort();
        // It may be inside one of its own signals (a callback deleted us).
        m_socket.release()->deleteLater();
    }
}

bool Connection::isConnected() const
{
    return m_socket && m_socket->state() == Transport::State::Connected;
}

void Connection::start(Exchange exchange)
{
    m_exchange = std::move(exchange);
    m_busy = true;
    m_gotReplyBytes = false;
    m_headSeen = false;
    m_keepAlive = true;
    m_upgraded = false;
    m_sendingBody = false;
    m_bodyIncomplete = false;

    m_parser = std::make_unique<Common::HttpParser>(Common::HttpParser::Kind::Response);
    m_parser->onHead = [this](const Common::HttpMessageHead &head) {
        if (head.status >= 100 && head.status < 200 && head.status != 101)
            return Common::HttpParser::HeadAction::Continue; // interim reply; http-parser skips it
        m_headSeen = true;
        m_keepAlive = head.keepAlive;
        if (m_exchange.timeoutStopsAtHead || head.status == 101)
            m_timer.stop();
        if (head.status == 101 && m_exchange.upgrade)
            m_upgraded = true;
        if (m_exchange.callbacks.head)
            m_exchange.callbacks.head(head);
        return m_exchange.headRequest ? Common::HttpParser::HeadAction::SkipBody
                                      : Common::HttpParser::HeadAction::Continue;
    };
    m_parser->onBody = [this](const char *data, qsizetype size) {
        if (m_busy && m_exchange.callbacks.body)
            m_exchange.callbacks.body(data, size);
    };
    m_parser->onMessageComplete = [] { return true; }; // one reply at a time

    if (m_exchange.timeoutMs > 0)
        m_timer.start(m_exchange.timeoutMs);

    if (isConnected()) {
        writeRequest();
        return;
    }
    if (!m_connecting) {
        m_connecting = true;
        qCDebug(lcClient) << "connecting to" << m_endpoint.url();
        m_socket->connectToEngine();
    }
}

void Connection::onConnected()
{
    m_connecting = false;
    if (!m_busy)
        return;
    writeRequest();
}

void Connection::writeRequest()
{
    ++m_exchanges;
    m_socket->write(m_exchange.requestBytes);
    QIODevice *device = m_exchange.bodyDevice;
    if (!device)
        return;
    m_sendingBody = true;
    connect(device, &QIODevice::readyRead, this, &Connection::pumpBody);
    connect(device, &QIODevice::readChannelFinished, this, &Connection::pumpBody);
    pumpBody();
}

void Connection::pumpBody()
{
    QIODevice *device = m_exchange.bodyDevice;
    while (m_sendingBody && m_socket && device && m_socket->bytesToWrite() < kBodyQueue) {
        QByteArray piece(kBodyPiece, Qt::Uninitialized);
        const qint64 n = device->read(piece.data(), kBodyPiece);
        if (n < 0) {
            const std::string why = device->errorString().toStdString();
            stopBody();
            finishExchange(fail(ErrorCode::Io, "read the request body for the Berth helper at "
                                                   + m_endpoint.url().toStdString() + ": " + why));
            abort();
            return;
        }
        if (n == 0) {
            // A blocking file read of nothing is the end (stdin, a pipe);
            // other sequential devices say more is coming with readyRead.
            if (device->atEnd() || qobject_cast<QFileDevice *>(device)) {
                m_socket->write("0\r\n\r\n");
                stopBody();
            }
            return;
        }
        m_socket->write(QByteArray::number(n, 16) + "\r\n");
        m_socket->write(piece.constData(), n);
        m_socket->write("\r\n");
    }
}

void Connection::stopBody()
{
    m_sendingBody = false;
    if (QIODevice *device = m_exchange.bodyDevice)
        QObject::disconnect(device, nullptr, this, nullptr);
}

void Connection::onReadyRead()
{
    if (!m_socket)
        return;
    const QByteArray bytes = m_socket->readAll();
    if (bytes.isEmpty())
        return;
    if (!m_busy) {
        qCDebug(lcClient) << "unexpected bytes on an idle connection; closing it";
        abort();
        return;
    }
    feed(bytes.constData(), bytes.size());
}

void Connection::feed(const char *data, qsizetype size)
{
    m_gotReplyBytes = true;
    if (m_exchange.timeoutMs > 0 && m_timer.isActive())
        m_timer.start(m_exchange.timeoutMs);
    auto consumed = m_parser->feed(data, size);
    if (!m_busy)
        return; // cancelled from inside a callback
    if (!consumed) {
        Error e = consumed.error();
        finishExchange(fail(std::move(e).wrap("reply from the Berth helper at " + m_endpoint.url().toStdString())));
        abort();
        return;
    }
    const bool complete = m_parser->isPaused() || m_parser->isUpgrade();
    if (!complete)
        return;
    if (m_upgraded || m_parser->isUpgrade()) {
        m_leftover = QByteArray(data + *consumed, size - *consumed);
        finishExchange({});
        // The done callback took the socket; the connection is spent either way.
        abort();
        return;
    }
    const bool extraBytes = *consumed < size;
    // The helper answered before the body ended (an early error): the rest
    // of the body is not sent, so the connection cannot carry another request.
    m_bodyIncomplete = m_sendingBody;
    stopBody();
    const bool reuse = m_keepAlive && !extraBytes && isConnected() && !m_bodyIncomplete;
    if (reuse) {
        // Offer the connection first, so a request started from the
        // callback (the one waiting for version negotiation) can take it.
        m_busy = false;
        m_timer.stop();
        Callbacks callbacks = std::move(m_exchange.callbacks);
        m_exchange = Exchange();
        emit reusable();
        if (callbacks.done)
            callbacks.done(Status(), false);
        return;
    }
    finishExchange({});
    abort();
}

void Connection::finishExchange(const Status &result, bool retryable)
{
    if (!m_busy)
        return;
    stopBody();
    m_busy = false;
    m_timer.stop();
    Callbacks callbacks = std::move(m_exchange.callbacks);
    m_exchange = Exchange();
    if (callbacks.done)
        callbacks.done(result, retryable);
}

Error Connection::connectError() const
{
    const Status &why = m_socket->lastError();
    const int err = why ? EIO : why.error().sysErrno();
    const std::string reason = why ? std::string("unknown error") : why.error().message();
    ErrorCode code = ErrorCode::Unavailable;
    if (err == EACCES || err == EPERM)
        code = ErrorCode::PermissionDenied;
    else if (err == ETIMEDOUT)
        code = ErrorCode::Timeout;
    return Error(code, "cannot connect to the Berth helper at " + m_endpoint.url().toStdString() + ": " + reason, err);
}

void Connection::onSocketError()
{
    if (!m_socket)
        return;
    if (m_connecting) {
        m_connecting = false;
        const Error e = connectError();
        qCDebug(lcClient) << "connect failed:" << QString::fromStdString(e.message());
        finishExchange(fail(e));
        abort();
        return;
    }
    if (m_busy) {
        finishExchange(fail(ErrorCode::Io,
                            "connection to the Berth helper at " + m_endpoint.url().toStdString()
                                + " failed: " + m_socket->errorString().toStdString()),
                       !m_gotReplyBytes && m_exchanges > 1);
    }
    abort();
}

void Connection::onDisconnected()
{
    if (!m_socket)
        return;
    if (m_busy) {
        const QByteArray rest = m_socket->readAll();
        if (!rest.isEmpty())
            feed(rest.constData(), rest.size());
    }
    if (m_busy && m_parser) {
        // A body delimited by the end of the connection ends here.
        const bool hadBytes = m_gotReplyBytes;
        const Status finished = m_parser->finish();
        if (m_busy && finished && m_parser->isPaused() && hadBytes) {
            finishExchange({});
        } else if (m_busy) {
            const std::string what = hadBytes ? "closed the connection before the reply was complete"
                                              : "closed the connection without replying";
            finishExchange(fail(ErrorCode::Protocol,
                                "the Berth helper at " + m_endpoint.url().toStdString() + " " + what),
                           !hadBytes && m_exchanges > 1);
        }
    }
    abort();
}

void Connection::onTimeout()
{
    if (!m_busy)
        return;
    const int ms = m_exchange.timeoutMs;
    finishExchange(fail(ErrorCode::Timeout,
                        "no reply from the Berth helper at " + m_endpoint.url().toStdString() + " within "
                            + std::to_string(ms) + " ms"));
    abort();
}

void Connection::abort()
{
    stopBody();
    m_busy = false;
    m_timer.stop();
    m_exchange = Exchange();
    if (m_socket) {
        QObject::disconnect(m_socket.get(), nullptr, this, nullptr);
        m_socket->abort();
        m_socket.release()->deleteLater(); // maybe inside its own signal
    }
    if (!m_closed) {
        m_closed = true;
        emit closed();
    }
}

std::unique_ptr<Transport> Connection::takeTransport(QByteArray *leftover)
{
    if (!m_socket)
        return nullptr;
    QObject::disconnect(m_socket.get(), nullptr, this, nullptr);
    m_handedOver = true;
    if (leftover)
        *leftover = std::exchange(m_leftover, QByteArray());
    return std::move(m_socket);
}

} // namespace Berth::Client::Internal
