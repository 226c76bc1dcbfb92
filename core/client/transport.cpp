#include "transport.h"

#include <QPointer>
#include <QSocketNotifier>
#include <QTimer>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace Berth::Client::Internal {

namespace {
// connect() on a Unix socket whose backlog is full says EAGAIN; it is tried
// again this often (the exchange's own timeout bounds the wait).
constexpr int kConnectRetryMs = 5;
// One readable event reads at most this much, so a fast peer cannot starve
// the rest of the event loop; the level-triggered notifier comes back.
constexpr qsizetype kReadChunk = 64 * 1024;
constexpr int kReadChunksPerEvent = 16;

// strerror() as Go words it: lower case ("connection refused").
std::string reasonFor(int err)
{
    std::string text = std::strerror(err);
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
        text[0] = char(text[0] - 'A' + 'a');
    return text;
}
} // namespace

UnixTransport::UnixTransport(const Endpoint &endpoint, QObject *parent)
    : Transport(parent)
    , m_endpoint(endpoint)
{}

UnixTransport::~UnixTransport()
{
    releaseSocket();
}

void UnixTransport::connectToEngine()
{
    if (state() != State::Unconnected)
        return;
    setLastError({});
    m_readBuffer.clear();
    m_readPos = 0;
    m_writeBuffer.clear();
    m_peerClosed = false;
    const QByteArray path = m_endpoint.socketPath().toLocal8Bit();
    sockaddr_un address{};
    if (path.isEmpty() || size_t(path.size()) >= sizeof(address.sun_path)) {
        setState(State::Connecting);
        fail("connect", ENAMETOOLONG);
        return;
    }
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        setState(State::Connecting);
        fail("socket", errno);
        return;
    }
    setState(State::Connecting);
    tryConnect();
}

void UnixTransport::tryConnect()
{
    const QByteArray path = m_endpoint.socketPath().toLocal8Bit();
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
    const auto length = socklen_t(offsetof(sockaddr_un, sun_path) + size_t(path.size()) + 1);
    int rc;
    do {
        rc = ::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), length);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0 && errno != EISCONN) {
        if (errno == EAGAIN || errno == EINPROGRESS) {
            if (!m_retryTimer) {
                m_retryTimer = new QTimer(this);
                m_retryTimer->setSingleShot(true);
                connect(m_retryTimer, &QTimer::timeout, this, &UnixTransport::tryConnect);
            }
            m_retryTimer->start(kConnectRetryMs);
            return;
        }
        fail("connect", errno);
        return;
    }
    if (m_retryTimer)
        m_retryTimer->stop();

    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &UnixTransport::onReadable);
    m_writeNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &UnixTransport::onWritable);
    QIODevice::open(QIODevice::ReadWrite | QIODevice::Unbuffered);
    setState(State::Connected);
    emit connected();
}

void UnixTransport::fail(const std::string &what, int err)
{
    const bool wasConnected = state() == State::Connected;
    setLastError(std::unexpected<Error>(Error(Error::fromErrno(what, err).code(), reasonFor(err), err)));
    setErrorString(QString::fromStdString(what + ": " + reasonFor(err)));
    releaseSocket();
    if (isOpen())
        QIODevice::close();
    setState(State::Unconnected);
    emit errorOccurred();
    if (wasConnected)
        emit disconnected();
}

void UnixTransport::onReadable()
{
    if (m_fd < 0)
        return;
    // Compact what was read already before appending more.
    if (m_readPos > 0) {
        m_readBuffer.remove(0, m_readPos);
        m_readPos = 0;
    }
    QPointer<UnixTransport> self(this); // a slot may delete or abort us
    qint64 got = 0;
    bool eof = false;
    for (int i = 0; i < kReadChunksPerEvent; ++i) {
        const qsizetype old = m_readBuffer.size();
        m_readBuffer.resize(old + kReadChunk);
        ssize_t n;
        do {
            n = ::read(m_fd, m_readBuffer.data() + old, size_t(kReadChunk));
        } while (n < 0 && errno == EINTR);
        m_readBuffer.resize(old + (n > 0 ? n : 0));
        if (n > 0) {
            got += n;
            if (n < kReadChunk)
                break; // drained
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EAGAIN)
            break;
        const int err = errno;
        if (got > 0)
            emit readyRead(); // what came before the error is still data
        if (self && m_fd >= 0)
            fail("read", err);
        return;
    }
    if (eof && m_readNotifier)
        m_readNotifier->setEnabled(false);
    if (got > 0)
        emit readyRead();
    if (self && eof && m_fd >= 0) {
        m_peerClosed = true;
        finishDisconnected();
    }
}

void UnixTransport::finishDisconnected()
{
    // The peer closed: what is buffered stays readable; the socket goes.
    releaseSocket();
    setState(State::Unconnected);
    emit disconnected();
}

void UnixTransport::onWritable()
{
    if (!sendQueued())
        return;
    if (m_writeBuffer.isEmpty() && m_writeNotifier)
        m_writeNotifier->setEnabled(false);
}

bool UnixTransport::sendQueued()
{
    qint64 sent = 0;
    while (!m_writeBuffer.isEmpty() && m_fd >= 0) {
        const ssize_t n = ::send(m_fd, m_writeBuffer.constData(), size_t(m_writeBuffer.size()), MSG_NOSIGNAL);
        if (n > 0) {
            m_writeBuffer.remove(0, n);
            sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (m_writeNotifier)
                m_writeNotifier->setEnabled(true);
            break;
        }
        fail("write", n < 0 ? errno : EPIPE);
        return false;
    }
    if (sent > 0)
        scheduleBytesWritten(sent);
    return true;
}

void UnixTransport::scheduleBytesWritten(qint64 n)
{
    m_pendingWritten += n;
    if (m_bytesWrittenQueued)
        return;
    m_bytesWrittenQueued = true;
    // Never from inside write(): a bytesWritten() slot that writes again
    // would recurse (QIODevice's contract: the signal comes from the loop).
    QMetaObject::invokeMethod(this, [this] {
        m_bytesWrittenQueued = false;
        const qint64 n = std::exchange(m_pendingWritten, 0);
        if (n > 0)
            emit bytesWritten(n);
    }, Qt::QueuedConnection);
}

qint64 UnixTransport::writeData(const char *data, qint64 maxSize)
{
    if (m_fd < 0 || state() != State::Connected)
        return -1;
    const bool wasEmpty = m_writeBuffer.isEmpty();
    m_writeBuffer.append(data, maxSize);
    // Straight to the kernel when nothing waits before it: a request goes
    // out in the same turn of the event loop that made it.
    if (wasEmpty && !sendQueued())
        return -1;
    return maxSize;
}

qint64 UnixTransport::readData(char *data, qint64 maxSize)
{
    const qint64 available = m_readBuffer.size() - m_readPos;
    if (available <= 0) {
        return m_fd < 0 ? -1 : 0; // -1: the stream ended
    }
    const qint64 n = qMin(available, maxSize);
    std::memcpy(data, m_readBuffer.constData() + m_readPos, size_t(n));
    m_readPos += n;
    if (m_readPos == m_readBuffer.size()) {
        m_readBuffer.clear();
        m_readPos = 0;
    }
    return n;
}

qint64 UnixTransport::bytesAvailable() const
{
    return (m_readBuffer.size() - m_readPos) + QIODevice::bytesAvailable();
}

qint64 UnixTransport::bytesToWrite() const
{
    return m_writeBuffer.size();
}

bool UnixTransport::canReadLine() const
{
    return m_readBuffer.indexOf('\n', m_readPos) >= 0 || QIODevice::canReadLine();
}

bool UnixTransport::atEnd() const
{
    return m_fd < 0 && bytesAvailable() == 0;
}

bool UnixTransport::flush()
{
    const qint64 before = m_writeBuffer.size();
    if (before == 0)
        return false;
    sendQueued();
    return m_writeBuffer.size() < before;
}

bool UnixTransport::shutdownWrite()
{
    if (m_fd < 0)
        return false;
    if (::shutdown(m_fd, SHUT_WR) != 0) {
        setErrorString(QString::fromStdString("shutdown: " + reasonFor(errno)));
        return false;
    }
    return true;
}

void UnixTransport::close()
{
    abort();
}

void UnixTransport::abort()
{
    releaseSocket();
    m_writeBuffer.clear();
    m_readBuffer.clear();
    m_readPos = 0;
    if (isOpen())
        QIODevice::close();
    setState(State::Unconnected);
}

void UnixTransport::releaseSocket()
{
    if (m_retryTimer)
        m_retryTimer->stop();
    // deleteLater: this may run inside a notifier's own activated().
    for (QSocketNotifier **n : {&m_readNotifier, &m_writeNotifier}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->deleteLater();
            *n = nullptr;
        }
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

std::unique_ptr<Transport> makeTransport(const Endpoint &endpoint)
{
    return std::make_unique<UnixTransport>(endpoint);
}

} // namespace Berth::Client::Internal
