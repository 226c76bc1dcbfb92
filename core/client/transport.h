#pragma once

#include "endpoint.h"

#include <base/result.h>

#include <QByteArray>
#include <QIODevice>

#include <memory>

class QSocketNotifier;
class QTimer;

namespace Berth::Client::Internal {

// The byte stream one HTTP connection to the engine runs on, as a
// sequential QIODevice driven by the caller's event loop. Connection and
// HijackedStream only see this interface: the local Unix socket is one
// implementation (UnixTransport); a TCP or TLS transport for remote engines
// (design.md) is another subclass made by makeTransport().
//
// Signals: connected() once connectToEngine() succeeded; errorOccurred()
// when connecting or the stream failed (error() tells why), followed by
// disconnected() if it was connected; disconnected() alone when the peer
// closed its side and everything it sent was read; readyRead() and
// bytesWritten() as QIODevice defines them, always from the event loop.
class Transport : public QIODevice
{
    Q_OBJECT
public:
    enum class State { Unconnected, Connecting, Connected };

    using QIODevice::QIODevice;

    State state() const { return m_state; }
    // Why the last connect or stream operation failed (ok when none did).
    const Status &lastError() const { return m_error; }

    bool isSequential() const override { return true; }

    // Starts connecting; connected() or errorOccurred() follows.
    virtual void connectToEngine() = 0;
    // Closes at once: queued writes are dropped, no signal follows.
    virtual void abort() = 0;
    // Half-close: the engine sees the end of input once everything queued
    // went out; reading goes on. Returns false when it failed.
    virtual bool shutdownWrite() = 0;
    // Sends what it can without blocking; true when something went out.
    virtual bool flush() = 0;

signals:
    void connected();
    void disconnected();
    void errorOccurred();

protected:
    void setState(State state) { m_state = state; }
    void setLastError(Status error) { m_error = std::move(error); }

private:
    State m_state = State::Unconnected;
    Status m_error;
};

// A non-blocking AF_UNIX stream socket watched by QSocketNotifiers (no
// QtNetwork: the CLI starts faster without it). Writes go to the kernel at
// once when it takes them; the rest waits for the socket to be writable.
class UnixTransport final : public Transport
{
    Q_OBJECT
public:
    UnixTransport(const Endpoint &endpoint, QObject *parent = nullptr);
    ~UnixTransport() override;

    void connectToEngine() override;
    void abort() override;
    bool shutdownWrite() override;

    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override;
    bool canReadLine() const override;
    void close() override;
    bool atEnd() const override;
    bool flush() override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 maxSize) override;

private:
    void tryConnect();
    void onReadable();
    void onWritable();
    // Sends queued bytes; false after a fatal error (already reported).
    bool sendQueued();
    void scheduleBytesWritten(qint64 n);
    void fail(const std::string &what, int err);
    void finishDisconnected();
    void releaseSocket();

    Endpoint m_endpoint;
    int m_fd = -1;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QTimer *m_retryTimer = nullptr; // connect() said EAGAIN: the backlog is full
    QByteArray m_readBuffer;
    qsizetype m_readPos = 0;
    QByteArray m_writeBuffer;
    qint64 m_pendingWritten = 0; // reported by the next bytesWritten()
    bool m_bytesWrittenQueued = false;
    bool m_peerClosed = false;
};

// The transport for an endpoint (Unix sockets only today).
std::unique_ptr<Transport> makeTransport(const Endpoint &endpoint);

} // namespace Berth::Client::Internal
