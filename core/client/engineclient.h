#pragma once

#include "clientmetatypes.h"
#include "endpoint.h"
#include "eventstream.h"
#include "hijackedstream.h"
#include "responsestream.h"

#include <base/result.h>
#include <common/event.h>
#include <common/httpheaders.h>
#include <common/systeminfo.h>
#include <common/versioninfo.h>

#include <QByteArray>
#include <QFuture>
#include <QJsonDocument>
#include <QObject>
#include <QUrlQuery>

class QIODevice;

#include <memory>

namespace Berth::Client {

// A complete (non-streamed) HTTP reply from the engine.
struct Response
{
    int status = 0;
    Common::HttpHeaders headers;
    QByteArray body;
};

// What HEAD /_ping tells about the engine.
struct PingInfo
{
    QString apiVersion;
    QString osType;
    bool experimental = false;
};

// One request to send. `path` is unversioned ("/containers/json"); the client
// adds the negotiated /v1.NN prefix.
struct Request
{
    QByteArray method = "GET";
    QString path;
    QUrlQuery query;
    QByteArray body;
    QByteArray contentType;       // set when body or bodyDevice is given
    Common::HttpHeaders headers;  // extra headers (X-Registry-Auth, ...)
    // A body streamed from a device instead of `body` (imports, loads,
    // build contexts): sent with Transfer-Encoding: chunked, read piece by
    // piece as the socket drains, never held whole in memory. Read until
    // read() returns 0 at atEnd() (a blocking QFile read of 0 bytes counts
    // as the end too); an asynchronous device is waited on (readyRead).
    // Not owned: it must outlive the reply. Such a request is never re-sent
    // on a fresh connection, since its bytes are gone.
    QIODevice *bodyDevice = nullptr;
};

// The only engine API the GUI and the CLI see (design.md, style.md D1/D4).
// Lives in one thread (the one it was created in) and never blocks it:
// every call returns at once with a QFuture or a stream object; results are
// delivered from that thread's event loop. Engine errors come back as
// Error values carrying the engine's own message and an ErrorCode derived
// from the HTTP status; an unreachable helper is ErrorCode::Unavailable with
// a message naming the socket.
class EngineClient : public QObject
{
    Q_OBJECT
public:
    explicit EngineClient(const Endpoint &endpoint, QObject *parent = nullptr);
    ~EngineClient() override;

    Endpoint endpoint() const;

    // The negotiated API version ("1.41"), empty until the first exchange
    // (or after a lost connection: the next request negotiates again).
    QString apiVersion() const;

    // Gives up on a request when no reply byte arrives for this long
    // (ErrorCode::Timeout). 0 disables it. Streams are exempt once their
    // head has arrived. Default 30 s.
    void setTimeout(int milliseconds);

    // Any request whose reply is read whole. 4xx/5xx replies become errors.
    QFuture<Result<Response>> send(const Request &request);

    QFuture<Result<PingInfo>> ping();
    QFuture<Result<Common::VersionInfo>> version();
    QFuture<Result<Common::SystemInfo>> info();

    // A request whose reply body arrives piece by piece (logs, progress).
    // The caller owns the returned object (parent it or hold it).
    ResponseStream *openStream(const Request &request, QObject *parent = nullptr);

    // GET /events as a stream of decoded events. `filters` is the JSON
    // object of Docker's filters ({"type":["container"]}), may be empty.
    EventStream *events(const QJsonObject &filters = {}, QObject *parent = nullptr);
    // The same with --since / --until.
    EventStream *events(const EventsQuery &query, QObject *parent = nullptr);

    // A request answered with 101 and then raw bytes both ways (attach,
    // exec start). The client adds "Connection: Upgrade" and "Upgrade: tcp".
    // The caller owns the returned object.
    HijackedStream *hijack(const Request &request, QObject *parent = nullptr);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

// True when the error says the helper could not be reached at all (no
// socket, nobody listening, no permission to connect), as opposed to an
// error the engine answered.
bool isHelperUnreachable(const Error &error);

// For command-line code: runs a local event loop until the future is ready.
// Never use from the GUI thread.
template<typename T>
T await(QFuture<T> future);

} // namespace Berth::Client

#include "await_impl.h"
