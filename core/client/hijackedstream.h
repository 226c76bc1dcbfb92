#pragma once

#include "clientmetatypes.h"

#include <base/result.h>
#include <common/httpheaders.h>

#include <QByteArray>
#include <QObject>

#include <memory>

namespace Berth::Client {

namespace Internal {
class Transport;
}

class EngineClient;

// A hijacked connection (engine-api.md 6.4): the request went out with
// "Connection: Upgrade" / "Upgrade: tcp", the engine answered 101, and the
// socket now carries raw bytes both ways (attach, exec start, the GUI
// terminal). The bytes are passed through untouched: multiplexed frames
// (non-TTY) are for the caller to decode.
//
// Signals: established() once the 101 came, data() for every piece the
// engine sends, finished() exactly once when the engine closes its side
// (no error), or on a connection failure or a non-101 reply (with an error
// carrying the engine's message).
class HijackedStream : public QObject
{
    Q_OBJECT
public:
    ~HijackedStream() override;

    bool isEstablished() const;
    bool isFinished() const;
    // The 101 reply's status and headers (0 / empty before).
    int status() const;
    const Common::HttpHeaders &headers() const;

    // Queues bytes for the engine. Bytes written before established() are
    // sent right after the upgrade. Ignored after closeWrite().
    void write(const QByteArray &bytes);
    // Half-close: once everything queued is sent, shutdown(SHUT_WR), so the
    // engine sees end of input while the output keeps flowing.
    void closeWrite();
    // Closes both ways; finished() is not emitted after this.
    void cancel();

signals:
    void established();
    void data(const QByteArray &bytes);
    void finished(const Berth::Status &result);

private:
    friend class EngineClient;
    explicit HijackedStream(QObject *parent);
    void adopt(std::unique_ptr<Internal::Transport> socket, const QByteArray &leftover);
    void finish(const Status &result);
    void shutdownWriteWhenFlushed();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Client
