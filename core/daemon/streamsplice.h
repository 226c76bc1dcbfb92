#pragma once

#include "socketchannel.h"

#include <QObject>

#include <memory>

namespace Berth::Daemon {

// Moves bytes both ways between a hijacked client connection and a
// runtime stream (an attach socket of berth-shim), with backpressure: a
// side stops reading while the other has more than a megabyte queued.
// The client's half-close becomes a half-close towards the runtime (the
// shim applies docker's stdinOnce rule); the runtime's end of output
// flushes and closes the client; the client going away closes the runtime
// stream (a detach: the container keeps running). Deletes itself after
// both sides are closed; finished() comes first.
class StreamSplice : public QObject
{
    Q_OBJECT
public:
    StreamSplice(std::unique_ptr<SocketChannel> client, std::unique_ptr<SocketChannel> runtime,
                 QObject *parent = nullptr);
    ~StreamSplice() override;

    // Bytes to send to the client before anything the runtime produces.
    void writeToClient(const QByteArray &bytes);

signals:
    void finished();

private:
    void pump(SocketChannel *from, SocketChannel *to);
    void finish();

    std::unique_ptr<SocketChannel> m_client;
    std::unique_ptr<SocketChannel> m_runtime;
    bool m_finished = false;
};

} // namespace Berth::Daemon
