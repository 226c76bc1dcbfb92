#include "streamsplice.h"

namespace Berth::Daemon {

namespace {
constexpr qsizetype kHighWater = 1024 * 1024;
}

StreamSplice::StreamSplice(std::unique_ptr<SocketChannel> client, std::unique_ptr<SocketChannel> runtime,
                           QObject *parent)
    : QObject(parent)
    , m_client(std::move(client))
    , m_runtime(std::move(runtime))
{
    SocketChannel *c = m_client.get();
    SocketChannel *r = m_runtime.get();
    connect(c, &SocketChannel::readyRead, this, [this, c, r] { pump(c, r); });
    connect(r, &SocketChannel::readyRead, this, [this, c, r] { pump(r, c); });
    connect(r, &SocketChannel::writeQueueDrained, this, [c] { c->setReadingEnabled(true); });
    connect(c, &SocketChannel::writeQueueDrained, this, [r] { r->setReadingEnabled(true); });
    connect(c, &SocketChannel::readFinished, this, [this, c, r] {
        pump(c, r);
        if (r->isOpen())
            r->shutdownWrite();
    });
    connect(r, &SocketChannel::readFinished, this, [this, c, r] {
        pump(r, c);
        c->closeAfterWrite();
        r->abort();
    });
    // The client left (or detached): the runtime stream ends with it.
    connect(c, &SocketChannel::closed, this, [this, r] {
        if (r->isOpen())
            r->abort();
        finish();
    });
    connect(r, &SocketChannel::closed, this, [c] {
        if (c->isOpen())
            c->closeAfterWrite();
    });
    // Bytes that came with the hijacked request (stdin sent before start).
    if (c->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, [this, c, r] { pump(c, r); }, Qt::QueuedConnection);
    if (c->isReadFinished())
        QMetaObject::invokeMethod(this, [c, r] { if (r->isOpen()) r->shutdownWrite(); }, Qt::QueuedConnection);
}

StreamSplice::~StreamSplice() = default;

void StreamSplice::writeToClient(const QByteArray &bytes)
{
    m_client->write(bytes);
}

void StreamSplice::pump(SocketChannel *from, SocketChannel *to)
{
    if (from->bytesAvailable() == 0)
        return;
    const QByteArray bytes = from->readAll();
    if (to->isOpen())
        to->write(bytes);
    if (to->bytesToWrite() > kHighWater)
        from->setReadingEnabled(false);
}

void StreamSplice::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    emit finished();
    deleteLater();
}

} // namespace Berth::Daemon
