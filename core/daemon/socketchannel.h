#pragma once

#include <base/uniquefd.h>

#include <QByteArray>
#include <QObject>

class QSocketNotifier;

namespace Berth::Daemon {

// A non-blocking stream socket driven by the event loop: buffered reads with
// a cap (when the buffer is full the channel stops reading, so the kernel
// pushes back on the peer), a write queue flushed as the socket drains, and
// half-close in both directions. HttpConnection speaks HTTP over it; after a
// hijack (attach, exec start) the route owns it and moves raw bytes.
//
// Signals may be emitted from inside the channel's own notifier; a receiver
// that wants to destroy the channel must use deleteLater().
class SocketChannel : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype kDefaultReadLimit = 256 * 1024;

    explicit SocketChannel(UniqueFd fd, QObject *parent = nullptr);
    ~SocketChannel() override;

    int fd() const { return m_fd.get(); }
    bool isOpen() const { return m_fd.isValid(); }

    // Reading. Bytes the peer sent, in order; readAll() takes them.
    qsizetype bytesAvailable() const { return m_in.size(); }
    QByteArray readAll();
    // Puts bytes back in front of the buffer (bytes read past an HTTP
    // request before a hijack).
    void unread(const QByteArray &bytes);
    // Backpressure: while disabled nothing more is read from the kernel.
    void setReadingEnabled(bool enabled);
    bool isReadingEnabled() const { return m_readingEnabled; }
    void setReadBufferLimit(qsizetype limit);
    // True once the peer shut down its sending side (or closed): no more
    // bytes will come beyond those buffered.
    bool isReadFinished() const { return m_readEof; }

    // Writing. Queued and flushed as soon as the socket takes them.
    void write(const QByteArray &data);
    qsizetype bytesToWrite() const { return m_out.size(); }
    // Half-close: shutdown(SHUT_WR) once the queue has drained.
    void shutdownWrite();
    // Closes once the queue has drained. With lingerMs > 0 the channel first
    // half-closes and discards what the peer still sends, for at most that
    // long, so a client still writing a refused request reads the reply
    // instead of a connection reset.
    void closeAfterWrite(int lingerMs = 0);
    // Closes now, dropping anything unsent; emits closed().
    void abort();

signals:
    void readyRead();
    // The peer shut down its sending side or closed the connection.
    void readFinished();
    // The write queue became empty after having to wait for the socket.
    void writeQueueDrained();
    // The descriptor is closed (by abort(), after closeAfterWrite() or on an error).
    void closed();

private:
    void onReadable();
    void onWritable();
    void flush();
    void updateReadNotifier();
    void failLater(int sysErrno);

    UniqueFd m_fd;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QByteArray m_in;
    QByteArray m_out;
    qsizetype m_readLimit = kDefaultReadLimit;
    bool m_readingEnabled = true;
    bool m_readEof = false;
    bool m_writeFailed = false;
    bool m_shutdownPending = false;
    bool m_writeShut = false;
    bool m_closePending = false;
    bool m_lingering = false;
    int m_lingerMs = 0;
};

} // namespace Berth::Daemon
