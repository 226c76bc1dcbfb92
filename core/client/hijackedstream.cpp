#include "hijackedstream.h"

#include "clientlogging.h"
#include "hijackedstream_p.h"

namespace Berth::Client {

HijackedStream::HijackedStream(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{}

HijackedStream::~HijackedStream()
{
    if (d->job)
        d->job->cancel();
    if (d->socket) {
        QObject::disconnect(d->socket.get(), nullptr, this, nullptr);
        d->socket->abort();
        // The stream may be deleted from a slot of its transport's signal.
        d->socket.release()->deleteLater();
    }
}

bool HijackedStream::isEstablished() const
{
    return d->established;
}

bool HijackedStream::isFinished() const
{
    return d->finished;
}

int HijackedStream::status() const
{
    return d->status;
}

const Common::HttpHeaders &HijackedStream::headers() const
{
    return d->headers;
}

void HijackedStream::write(const QByteArray &bytes)
{
    if (d->writeClosed || d->finished || bytes.isEmpty())
        return;
    if (!d->socket) {
        d->pendingWrites.append(bytes);
        return;
    }
    d->socket->write(bytes);
}

void HijackedStream::closeWrite()
{
    if (d->writeClosed)
        return;
    d->writeClosed = true;
    if (d->socket)
        shutdownWriteWhenFlushed();
}

void HijackedStream::shutdownWriteWhenFlushed()
{
    if (!d->socket || d->shutdownDone)
        return;
    d->socket->flush();
    if (d->socket->bytesToWrite() > 0)
        return; // bytesWritten() calls again
    d->shutdownDone = true;
    if (!d->socket->shutdownWrite())
        qCWarning(lcClient) << "shutdown(SHUT_WR) of a hijacked stream failed:" << d->socket->errorString();
}

void HijackedStream::adopt(std::unique_ptr<Internal::Transport> transport, const QByteArray &leftover)
{
    using Internal::Transport;
    d->job.reset();
    if (!transport) {
        finish(fail(ErrorCode::Internal, "hijacked stream lost its socket"));
        return;
    }
    d->socket = std::move(transport);
    d->established = true;
    Transport *socket = d->socket.get();
    connect(socket, &Transport::readyRead, this, [this] {
        const QByteArray bytes = d->socket->readAll();
        if (!bytes.isEmpty() && !d->finished)
            emit data(bytes);
    });
    connect(socket, &Transport::bytesWritten, this, [this] {
        if (d->writeClosed)
            shutdownWriteWhenFlushed();
    });
    connect(socket, &Transport::disconnected, this, [this] {
        const QByteArray rest = d->socket->readAll();
        if (!rest.isEmpty() && !d->finished)
            emit data(rest);
        finish(Status());
    });
    connect(socket, &Transport::errorOccurred, this, [this] {
        finish(fail(ErrorCode::Io, "hijacked stream: " + d->socket->errorString().toStdString()));
    });

    emit established();
    if (d->finished)
        return;
    if (!leftover.isEmpty())
        emit data(leftover);
    if (d->finished || !d->socket)
        return;
    if (d->socket->bytesAvailable() > 0)
        emit data(d->socket->readAll());
    if (d->finished || !d->socket)
        return;
    if (!d->pendingWrites.isEmpty())
        d->socket->write(std::exchange(d->pendingWrites, QByteArray()));
    if (d->writeClosed)
        shutdownWriteWhenFlushed();
    if (d->socket->state() != Transport::State::Connected)
        finish(Status());
}

void HijackedStream::finish(const Status &result)
{
    if (d->finished)
        return;
    d->finished = true;
    emit finished(result);
}

void HijackedStream::cancel()
{
    d->finished = true;
    if (d->job)
        d->job->cancel();
    if (d->socket) {
        QObject::disconnect(d->socket.get(), nullptr, this, nullptr);
        d->socket->abort();
    }
}

} // namespace Berth::Client
