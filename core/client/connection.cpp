#include "connection.h"

#include "clientlogging.h"

#include <QFileDevice>
#include <QLocalSocket>

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
    , m_socket(new QLocalSocket(this))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
    connect(m_socket, &QLocalSocket::connected, this, &Connection::onConnected);
    connect(m_socket, &QLocalSocket::readyRead, this, &Connection::onReadyRead);
    connect(m_socket, &QLocalSocket::errorOccurred, this, &Connection::onSocketError);
    connect(m_socket, &QLocalSocket::disconnected, this, &Connection::onDisconnected);
    connect(m_socket, &QLocalSocket::bytesWritten, this, [this] {
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
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
    }
}

bool Connection::isConnected() const
{
    return m_socket && m_socket->state() == QLocalSocket::ConnectedState;
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
        m_socket->connectToServer(m_endpoint.socketPath());
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
    int err = 0;
    std::string reason;
    ErrorCode code = ErrorCode::Unavailable;
    switch (m_socket->error()) {
    case QLocalSocket::ServerNotFoundError:
        err = ENOENT;
        reason = "no such file or directory";
        break;
    case QLocalSocket::ConnectionRefusedError:
        err = ECONNREFUSED;
        reason = "connection refused";
        break;
    case QLocalSocket::SocketAccessError:
        err = EACCES;
        reason = "permission denied";
        code = ErrorCode::PermissionDenied;
        break;
    case QLocalSocket::SocketTimeoutError:
        err = ETIMEDOUT;
        reason = "timed out";
        code = ErrorCode::Timeout;
        break;
    default:
        err = EIO;
        reason = m_socket->errorString().toStdString();
        break;
    }
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
    if (m_socket->error() == QLocalSocket::PeerClosedError)
        return; // disconnected() follows and ends the reply
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
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (!m_closed) {
        m_closed = true;
        emit closed();
    }
}

QLocalSocket *Connection::takeSocket(QByteArray *leftover)
{
    QLocalSocket *socket = m_socket;
    if (!socket)
        return nullptr;
    QObject::disconnect(socket, nullptr, this, nullptr);
    socket->setParent(nullptr);
    m_socket = nullptr;
    if (leftover)
        *leftover = std::exchange(m_leftover, QByteArray());
    return socket;
}

} // namespace Berth::Client::Internal
