#include "socketchannel.h"

#include "daemonlogging.h"

#include <QPointer>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Berth::Daemon {

static constexpr qsizetype kReadChunk = 64 * 1024;

SocketChannel::SocketChannel(UniqueFd fd, QObject *parent)
    : QObject(parent)
    , m_fd(std::move(fd))
{
    if (!m_fd.isValid())
        return;
    const int flags = ::fcntl(m_fd.get(), F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(m_fd.get(), F_SETFL, flags | O_NONBLOCK);
    m_readNotifier = new QSocketNotifier(m_fd.get(), QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &SocketChannel::onReadable);
    m_writeNotifier = new QSocketNotifier(m_fd.get(), QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &SocketChannel::onWritable);
}

SocketChannel::~SocketChannel()
{
    // Notifiers must go before the descriptor they watch.
    delete m_readNotifier;
    delete m_writeNotifier;
}

QByteArray SocketChannel::readAll()
{
    QByteArray out = std::exchange(m_in, QByteArray());
    updateReadNotifier();
    return out;
}

void SocketChannel::unread(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return;
    m_in.prepend(bytes);
    updateReadNotifier();
}

void SocketChannel::setReadingEnabled(bool enabled)
{
    m_readingEnabled = enabled;
    updateReadNotifier();
}

void SocketChannel::setReadBufferLimit(qsizetype limit)
{
    m_readLimit = qMax<qsizetype>(limit, 1);
    updateReadNotifier();
}

void SocketChannel::updateReadNotifier()
{
    if (!m_readNotifier)
        return;
    m_readNotifier->setEnabled(m_readingEnabled && !m_readEof && m_in.size() < m_readLimit);
}

void SocketChannel::onReadable()
{
    if (!m_fd.isValid())
        return;
    bool gotData = false;
    bool gotEof = false;
    int error = 0;
    while (m_in.size() < m_readLimit) {
        const qsizetype want = qMin(kReadChunk, m_readLimit - m_in.size());
        const qsizetype old = m_in.size();
        m_in.resize(old + want);
        const ssize_t n = ::recv(m_fd.get(), m_in.data() + old, size_t(want), MSG_DONTWAIT);
        if (n > 0) {
            m_in.resize(old + qsizetype(n));
            gotData = true;
            if (n < want)
                break;
            continue;
        }
        m_in.resize(old);
        if (n == 0) {
            gotEof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            error = errno;
        break;
    }
    if (gotEof || error) {
        if (error && error != ECONNRESET)
            qCDebug(lcDaemonHttp) << "read from socket failed:" << ::strerror(error);
        m_readEof = true;
    }
    if (m_lingering) {
        m_in.clear(); // a closing connection: what the peer sends is dropped
        if (m_readEof)
            QMetaObject::invokeMethod(this, &SocketChannel::abort, Qt::QueuedConnection);
        updateReadNotifier();
        return;
    }
    updateReadNotifier();
    QPointer<SocketChannel> self(this);
    if (gotData)
        emit readyRead();
    if (self && (gotEof || error))
        emit readFinished();
}

void SocketChannel::write(const QByteArray &data)
{
    if (!m_fd.isValid() || m_writeFailed || m_writeShut || data.isEmpty())
        return;
    m_out.append(data);
    flush();
}

void SocketChannel::flush()
{
    while (!m_out.isEmpty() && m_fd.isValid()) {
        const ssize_t n = ::send(m_fd.get(), m_out.constData(), size_t(m_out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            m_out.remove(0, qsizetype(n));
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            m_writeNotifier->setEnabled(true);
            return;
        }
        failLater(errno);
        return;
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(false);
    if (m_out.isEmpty() && m_fd.isValid()) {
        if (m_closePending && m_lingerMs > 0 && !m_readEof && !m_lingering) {
            ::shutdown(m_fd.get(), SHUT_WR);
            m_writeShut = true;
            m_lingering = true;
            m_in.clear();
            m_readingEnabled = true;
            updateReadNotifier();
            QTimer::singleShot(m_lingerMs, this, &SocketChannel::abort);
        } else if (m_closePending && !m_lingering) {
            QMetaObject::invokeMethod(this, &SocketChannel::abort, Qt::QueuedConnection);
        } else if (m_shutdownPending && !m_writeShut) {
            ::shutdown(m_fd.get(), SHUT_WR);
            m_writeShut = true;
        }
    }
}

void SocketChannel::onWritable()
{
    const bool hadData = !m_out.isEmpty();
    flush();
    if (hadData && m_out.isEmpty() && m_fd.isValid())
        emit writeQueueDrained();
}

void SocketChannel::failLater(int sysErrno)
{
    if (sysErrno != EPIPE && sysErrno != ECONNRESET)
        qCDebug(lcDaemonHttp) << "write to socket failed:" << ::strerror(sysErrno);
    m_writeFailed = true;
    m_out.clear();
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(false);
    // Never close from inside a caller's write(): the caller may still be
    // using this object.
    QMetaObject::invokeMethod(this, &SocketChannel::abort, Qt::QueuedConnection);
}

void SocketChannel::shutdownWrite()
{
    m_shutdownPending = true;
    if (m_out.isEmpty())
        flush();
}

void SocketChannel::closeAfterWrite(int lingerMs)
{
    if (m_closePending)
        return;
    m_closePending = true;
    m_lingerMs = lingerMs;
    if (m_out.isEmpty())
        flush();
}

void SocketChannel::abort()
{
    if (!m_fd.isValid())
        return;
    delete m_readNotifier;
    m_readNotifier = nullptr;
    delete m_writeNotifier;
    m_writeNotifier = nullptr;
    m_fd.reset();
    m_out.clear();
    m_readEof = true;
    emit closed();
}

} // namespace Berth::Daemon
