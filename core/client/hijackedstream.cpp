#include "hijackedstream.h"

#include "clientlogging.h"
#include "hijackedstream_p.h"

#include <sys/socket.h>

#include <cerrno>

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
    if (::shutdown(int(d->socket->socketDescriptor()), SHUT_WR) != 0)
        qCWarning(lcClient) << "shutdown(SHUT_WR) of a hijacked stream failed, errno" << errno;
}

void HijackedStream::adopt(QLocalSocket *socket, const QByteArray &leftover)
{
    d->job.reset();
    if (!socket) {
        finish(fail(ErrorCode::Internal, "hijacked stream lost its socket"));
        return;
    }
    d->socket.reset(socket);
    d->established = true;
    connect(socket, &QLocalSocket::readyRead, this, [this] {
        const QByteArray bytes = d->socket->readAll();
        if (!bytes.isEmpty() && !d->finished)
            emit data(bytes);
    });
    connect(socket, &QLocalSocket::bytesWritten, this, [this] {
        if (d->writeClosed)
            shutdownWriteWhenFlushed();
    });
    connect(socket, &QLocalSocket::disconnected, this, [this] {
        const QByteArray rest = d->socket->readAll();
        if (!rest.isEmpty() && !d->finished)
            emit data(rest);
        finish(Status());
    });
    connect(socket, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError error) {
        if (error == QLocalSocket::PeerClosedError)
            return; // disconnected() ends the stream
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
    if (d->socket->state() != QLocalSocket::ConnectedState)
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
