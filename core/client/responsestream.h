#pragma once

#include "clientmetatypes.h"

#include <base/result.h>
#include <common/httpheaders.h>

#include <QByteArray>
#include <QObject>

#include <memory>

namespace Berth::Client {

class EngineClient;

// A streamed reply. Emits headReceived once, then data() for every piece of
// the (de-chunked) body, then finished() exactly once: with no error when the
// engine ended the body, with an error when the connection failed or the
// engine answered 4xx/5xx (the error then carries the engine's message; no
// data() is emitted for an error body).
class ResponseStream : public QObject
{
    Q_OBJECT
public:
    ~ResponseStream() override;

    int status() const;
    const Common::HttpHeaders &headers() const;
    bool isFinished() const;

    // Closes the connection; finished() is not emitted after this.
    void cancel();

signals:
    void headReceived(int status);
    void data(const QByteArray &bytes);
    void finished(const Berth::Status &result);

private:
    friend class EngineClient;
    explicit ResponseStream(QObject *parent);
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Client
