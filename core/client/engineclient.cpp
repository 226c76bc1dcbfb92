#include "engineclient.h"

#include "clientlogging.h"
#include "connection.h"
#include "eventstream_p.h"
#include "hijackedstream_p.h"
#include "job.h"
#include "responsestream_p.h"

#include <common/apiversion.h>
#include <common/errors.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QPromise>
#include <QUrl>

#include <vector>

namespace Berth::Client {

using Internal::Connection;
using Internal::Job;
using Internal::JobPtr;

bool isHelperUnreachable(const Error &error)
{
    // Connection errors carry the errno of connect(); engine replies never do.
    return error.sysErrno() != 0
           && (error.code() == ErrorCode::Unavailable || error.code() == ErrorCode::PermissionDenied
               || error.code() == ErrorCode::Timeout);
}

void registerMetaTypes()
{
    qRegisterMetaType<Berth::Status>("Berth::Status");
    qRegisterMetaType<Berth::Common::Event>("Berth::Common::Event");
}

namespace {

constexpr int kDefaultTimeoutMs = 30000;

// min(server, 1.41); an engine that sends no Api-Version is taken as 1.24 (moby's rule).
QString negotiatedVersion(const QByteArray &serverVersion)
{
    const QByteArray trimmed = serverVersion.trimmed();
    if (trimmed.isEmpty())
        return QString::fromLatin1(Common::kMinApiVersion);
    const QList<QByteArray> parts = trimmed.split('.');
    bool okMajor = false;
    bool okMinor = false;
    const int major = parts.value(0).toInt(&okMajor);
    const int minor = parts.value(1).toInt(&okMinor);
    if (!okMajor || !okMinor || parts.size() != 2)
        return QString::fromLatin1(Common::kMinApiVersion);
    if (major > Common::kApiMajor || (major == Common::kApiMajor && minor >= Common::kApiMaxMinor))
        return QString::fromLatin1(Common::kApiVersion);
    return QStringLiteral("%1.%2").arg(major).arg(minor);
}

QByteArray encodedQuery(const QUrlQuery &query)
{
    QByteArray out;
    const auto items = query.queryItems(QUrl::FullyDecoded);
    for (const auto &item : items) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(item.first) + '=' + QUrl::toPercentEncoding(item.second);
    }
    return out;
}

bool isConnectionLoss(const Error &e)
{
    return e.code() == ErrorCode::Unavailable || e.code() == ErrorCode::PermissionDenied
           || e.code() == ErrorCode::Io || e.code() == ErrorCode::Protocol;
}

} // namespace

// An error reply (4xx/5xx) as an Error carrying the engine's message.
static Error errorFromReply(int status, const QByteArray &body, const Request &request)
{
    QString message = Common::messageFromErrorBody(body);
    if (message.isEmpty()) {
        message = QStringLiteral("request returned %1 %2 for API route %3, check if the server supports the requested API version")
                      .arg(status)
                      .arg(QString::fromLatin1(Common::reasonPhrase(status)), request.path);
    }
    return Error(Common::errorCodeForStatus(status), message.toStdString());
}

struct EngineClient::Private
{
    EngineClient *q = nullptr;
    Endpoint endpoint;
    int timeoutMs = kDefaultTimeoutMs;
    QString apiVersion;
    bool negotiating = false;
    QList<JobPtr> waiting;                   // for the API version
    QList<QPointer<Connection>> idle;        // keep-alive connections
    int openConnections = 0;
    std::vector<std::weak_ptr<Job>> live;    // to fail them on destruction

    void submit(const JobPtr &job)
    {
        live.erase(std::remove_if(live.begin(), live.end(), [](const auto &w) { return w.expired(); }), live.end());
        live.push_back(job);
        // Always from the event loop, so callers can connect to streams first.
        QMetaObject::invokeMethod(q, [this, job] { dispatch(job); }, Qt::QueuedConnection);
    }

    void dispatch(const JobPtr &job)
    {
        if (job->cancelled)
            return;
        if (job->versioned && apiVersion.isEmpty()) {
            waiting.append(job);
            negotiate();
            return;
        }
        run(job);
    }

    Connection *takeIdle()
    {
        while (!idle.isEmpty()) {
            QPointer<Connection> c = idle.takeLast();
            if (c && c->isConnected() && !c->isBusy())
                return c;
        }
        return nullptr;
    }

    Connection *newConnection()
    {
        auto *c = new Connection(endpoint, q);
        ++openConnections;
        QObject::connect(c, &Connection::reusable, q, [this, c] {
            if (!idle.contains(c))
                idle.append(c);
        });
        QObject::connect(c, &Connection::closed, q, [this, c] {
            idle.removeAll(c);
            c->deleteLater();
            // A connection handed to a hijacked stream did not fail: the
            // version stays (docker's CLI pings once per process too).
            if (--openConnections == 0 && !negotiating && !c->wasHandedOver()) {
                // The next request reconnects, maybe to a restarted helper of
                // another version: negotiate again then.
                apiVersion.clear();
            }
        });
        return c;
    }

    QByteArray serialize(const Job &job) const
    {
        const Request &r = job.request;
        QByteArray target;
        if (job.versioned)
            target = "/v" + apiVersion.toLatin1();
        target += QUrl::toPercentEncoding(r.path, "/:@-._~!$&'()*+,;=");
        const QByteArray query = encodedQuery(r.query);
        if (!query.isEmpty())
            target += '?' + query;

        QByteArray out = r.method + ' ' + target + " HTTP/1.1\r\n";
        out += "Host: berth\r\n";
        out += "User-Agent: Berth-Client/" BERTH_VERSION " (linux)\r\n";
        if (job.upgrade)
            out += "Connection: Upgrade\r\nUpgrade: tcp\r\n";
        if (r.bodyDevice) {
            if (!r.contentType.isEmpty())
                out += "Content-Type: " + r.contentType + "\r\n";
            out += "Transfer-Encoding: chunked\r\n";
        } else if (!r.body.isEmpty()) {
            if (!r.contentType.isEmpty())
                out += "Content-Type: " + r.contentType + "\r\n";
            out += "Content-Length: " + QByteArray::number(r.body.size()) + "\r\n";
        } else if (r.method == "POST" || r.method == "PUT") {
            if (job.upgrade && !r.contentType.isEmpty())
                out += "Content-Type: " + r.contentType + "\r\n";
            out += "Content-Length: 0\r\n";
        }
        out += r.headers.serialize();
        out += "\r\n";
        if (!r.bodyDevice)
            out += r.body;
        return out;
    }

    void run(const JobPtr &job)
    {
        if (job->cancelled)
            return;
        job->started = true;
        // A streamed body cannot be sent twice, so it never risks a stale
        // keep-alive connection.
        Connection *c = job->request.bodyDevice ? nullptr : takeIdle();
        if (!c)
            c = newConnection();
        job->connection = c;

        Connection::Exchange ex;
        ex.requestBytes = serialize(*job);
        ex.headRequest = job->request.method == "HEAD";
        ex.upgrade = job->upgrade;
        ex.timeoutStopsAtHead = job->streaming || job->upgrade;
        ex.timeoutMs = timeoutMs;
        ex.bodyDevice = job->request.bodyDevice;
        ex.callbacks.head = [job](const Common::HttpMessageHead &head) {
            job->status = head.status;
            if (!job->cancelled && job->callbacks.head)
                job->callbacks.head(head);
        };
        ex.callbacks.body = [job](const char *data, qsizetype size) {
            if (!job->cancelled && job->callbacks.body)
                job->callbacks.body(data, size);
        };
        QPointer<Connection> guard(c);
        ex.callbacks.done = [this, job, guard](const Status &result, bool retryable) {
            job->connection = nullptr;
            if (job->cancelled)
                return;
            // Only a request that may be repeated (RFC 9110 9.2.2): the
            // helper may have acted on a POST whose reply the closing
            // connection lost, and a second create would make a second
            // container.
            const QByteArray &method = job->request.method;
            const bool idempotent = method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE"
                || method == "OPTIONS";
            if (!result && retryable && idempotent && !job->retried && !job->request.bodyDevice) {
                qCDebug(lcClient) << "stale keep-alive connection; sending again on a new one";
                job->retried = true;
                job->status = 0;
                run(job);
                return;
            }
            if (!result && isConnectionLoss(result.error()) && job->versioned) {
                // The helper may come back as another version: negotiate again.
                apiVersion.clear();
            }
            if (result && job->upgrade && job->status == 101 && guard && job->upgraded) {
                QByteArray leftover;
                std::unique_ptr<Internal::Transport> transport = guard->takeTransport(&leftover);
                auto upgraded = std::move(job->upgraded);
                upgraded(std::move(transport), leftover);
            }
            auto done = std::move(job->callbacks.done);
            job->callbacks = Connection::Callbacks();
            if (done)
                done(result, false);
        };
        c->start(std::move(ex));
    }

    void negotiate()
    {
        if (negotiating)
            return;
        negotiating = true;
        auto job = std::make_shared<Job>();
        job->request.method = "HEAD";
        job->request.path = QStringLiteral("/_ping");
        job->versioned = false;
        auto serverVersion = std::make_shared<QByteArray>();
        job->callbacks.head = [serverVersion](const Common::HttpMessageHead &head) {
            *serverVersion = head.headers.value("Api-Version");
        };
        job->callbacks.done = [this, serverVersion](const Status &result, bool) {
            negotiating = false;
            const QList<JobPtr> jobs = std::exchange(waiting, {});
            if (!result) {
                for (const JobPtr &j : jobs) {
                    if (j->cancelled)
                        continue;
                    auto done = std::move(j->callbacks.done);
                    j->callbacks = Connection::Callbacks();
                    if (done)
                        done(result, false);
                }
                return;
            }
            apiVersion = negotiatedVersion(*serverVersion);
            qCDebug(lcClient) << "negotiated API version" << apiVersion << "(engine:" << *serverVersion << ")";
            for (const JobPtr &j : jobs)
                run(j);
        };
        live.push_back(job);
        run(job);
    }

    // A job whose reply is read whole into a Response.
    JobPtr wholeJob(const Request &request, bool versioned,
                    std::function<void(Result<Response>)> deliver)
    {
        auto job = std::make_shared<Job>();
        job->request = request;
        job->versioned = versioned;
        auto response = std::make_shared<Response>();
        job->callbacks.head = [response](const Common::HttpMessageHead &head) {
            response->status = head.status;
            response->headers = head.headers;
        };
        job->callbacks.body = [response](const char *data, qsizetype size) { response->body.append(data, size); };
        job->callbacks.done = [response, request, deliver = std::move(deliver)](const Status &result, bool) {
            if (!result) {
                deliver(fail(result.error()));
                return;
            }
            if (response->status >= 400) {
                deliver(fail(errorFromReply(response->status, response->body, request)));
                return;
            }
            deliver(std::move(*response));
        };
        return job;
    }

    template<typename T>
    QFuture<Result<T>> sendDecoded(const Request &request, bool versioned,
                                   std::function<Result<T>(const Response &)> decode)
    {
        auto promise = std::make_shared<QPromise<Result<T>>>();
        promise->start();
        QFuture<Result<T>> future = promise->future();
        submit(wholeJob(request, versioned, [promise, decode = std::move(decode)](Result<Response> r) {
            if (!r)
                promise->addResult(Result<T>(std::unexpected(r.error())));
            else
                promise->addResult(decode(*r));
            promise->finish();
        }));
        return future;
    }
};

EngineClient::EngineClient(const Endpoint &endpoint, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    registerMetaTypes();
    d->q = this;
    d->endpoint = endpoint;
}

EngineClient::~EngineClient()
{
    // Nothing may wait forever on a future of a client that is gone.
    const Error gone(ErrorCode::Unavailable, "the engine client was destroyed before the reply came");
    for (const auto &weak : d->live) {
        if (JobPtr job = weak.lock()) {
            if (job->cancelled)
                continue;
            auto done = std::move(job->callbacks.done);
            job->cancel();
            if (done)
                done(fail(gone), false);
        }
    }
}

Endpoint EngineClient::endpoint() const
{
    return d->endpoint;
}

QString EngineClient::apiVersion() const
{
    return d->apiVersion;
}

void EngineClient::setTimeout(int milliseconds)
{
    d->timeoutMs = qMax(0, milliseconds);
}

QFuture<Result<Response>> EngineClient::send(const Request &request)
{
    return d->sendDecoded<Response>(request, true, [](const Response &r) -> Result<Response> { return r; });
}

QFuture<Result<PingInfo>> EngineClient::ping()
{
    Request request;
    request.method = "HEAD";
    request.path = QStringLiteral("/_ping");
    return d->sendDecoded<PingInfo>(request, false, [this](const Response &r) -> Result<PingInfo> {
        PingInfo info;
        info.apiVersion = QString::fromLatin1(r.headers.value("Api-Version"));
        info.osType = QString::fromLatin1(r.headers.value("Ostype"));
        info.experimental = r.headers.value("Docker-Experimental") == "true";
        d->apiVersion = negotiatedVersion(r.headers.value("Api-Version"));
        return info;
    });
}

static Result<QJsonObject> jsonObject(const Response &r, const char *what)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(r.body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return fail(ErrorCode::Protocol, std::string(what) + " reply is not a JSON object: "
                                             + pe.errorString().toStdString());
    return doc.object();
}

QFuture<Result<Common::VersionInfo>> EngineClient::version()
{
    Request request;
    request.path = QStringLiteral("/version");
    return d->sendDecoded<Common::VersionInfo>(request, true, [](const Response &r) -> Result<Common::VersionInfo> {
        auto o = jsonObject(r, "GET /version");
        if (!o)
            return fail(o.error());
        return Common::VersionInfo::fromJson(*o);
    });
}

QFuture<Result<Common::SystemInfo>> EngineClient::info()
{
    Request request;
    request.path = QStringLiteral("/info");
    return d->sendDecoded<Common::SystemInfo>(request, true, [](const Response &r) -> Result<Common::SystemInfo> {
        auto o = jsonObject(r, "GET /info");
        if (!o)
            return fail(o.error());
        return Common::SystemInfo::fromJson(*o);
    });
}

ResponseStream *EngineClient::openStream(const Request &request, QObject *parent)
{
    auto *stream = new ResponseStream(parent);
    auto job = std::make_shared<Job>();
    job->request = request;
    job->streaming = true;
    stream->d->job = job;
    QPointer<ResponseStream> s(stream);
    job->callbacks.head = [s](const Common::HttpMessageHead &head) {
        if (!s)
            return;
        s->d->status = head.status;
        s->d->headers = head.headers;
        emit s->headReceived(head.status);
    };
    job->callbacks.body = [s](const char *data, qsizetype size) {
        if (!s)
            return;
        if (s->d->status >= 400)
            s->d->errorBody.append(data, size);
        else
            emit s->data(QByteArray(data, size));
    };
    job->callbacks.done = [s, request](const Status &result, bool) {
        if (!s || s->d->finished)
            return;
        s->d->finished = true;
        if (!result)
            emit s->finished(result);
        else if (s->d->status >= 400)
            emit s->finished(fail(errorFromReply(s->d->status, s->d->errorBody, request)));
        else
            emit s->finished(Status());
    };
    d->submit(job);
    return stream;
}

EventStream *EngineClient::events(const QJsonObject &filters, QObject *parent)
{
    EventsQuery query;
    query.filters = filters;
    return events(query, parent);
}

EventStream *EngineClient::events(const EventsQuery &query, QObject *parent)
{
    Request request;
    request.path = QStringLiteral("/events");
    if (!query.since.isEmpty())
        request.query.addQueryItem(QStringLiteral("since"), query.since);
    if (!query.until.isEmpty())
        request.query.addQueryItem(QStringLiteral("until"), query.until);
    if (!query.filters.isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"),
                                   QString::fromUtf8(QJsonDocument(query.filters).toJson(QJsonDocument::Compact)));

    auto *events = new EventStream(parent);
    ResponseStream *stream = openStream(request, nullptr);
    events->d->stream.reset(stream);
    EventStream *e = events;
    auto finish = [e](const Status &result) {
        if (e->d->finished)
            return;
        e->d->finished = true;
        e->d->stream->cancel();
        emit e->finished(result);
    };
    connect(stream, &ResponseStream::headReceived, events, [e](int status) {
        if (status < 400)
            emit e->connected();
    });
    connect(stream, &ResponseStream::data, events, [e, finish](const QByteArray &bytes) {
        e->d->splitter.append(bytes);
        while (!e->d->finished) {
            auto next = e->d->splitter.next();
            if (!next) {
                finish(fail(std::move(next.error()).wrap("GET /events")));
                return;
            }
            if (!next->has_value())
                return;
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(**next, &pe);
            if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
                finish(fail(ErrorCode::Protocol, "GET /events: undecodable event: " + pe.errorString().toStdString()));
                return;
            }
            auto event = Common::Event::fromJson(doc.object());
            if (!event) {
                qCWarning(lcClient) << "skipping an event:" << QString::fromStdString(event.error().toString());
                continue;
            }
            emit e->event(*event);
        }
    });
    connect(stream, &ResponseStream::finished, events, [e, finish](const Status &result) {
        if (result && !e->d->splitter.isIdle()) {
            finish(fail(ErrorCode::Protocol, "GET /events: the stream ended inside an event"));
            return;
        }
        finish(result);
    });
    return events;
}

HijackedStream *EngineClient::hijack(const Request &request, QObject *parent)
{
    auto *stream = new HijackedStream(parent);
    auto job = std::make_shared<Job>();
    job->request = request;
    job->upgrade = true;
    stream->d->job = job;
    QPointer<HijackedStream> s(stream);
    job->callbacks.head = [s](const Common::HttpMessageHead &head) {
        if (!s)
            return;
        s->d->status = head.status;
        s->d->headers = head.headers;
    };
    job->callbacks.body = [s](const char *data, qsizetype size) {
        if (s)
            s->d->errorBody.append(data, size);
    };
    job->upgraded = [s](std::unique_ptr<Internal::Transport> transport, const QByteArray &leftover) {
        if (s)
            s->adopt(std::move(transport), leftover);
        else if (transport)
            transport.release()->deleteLater(); // we are inside its readyRead()
    };
    job->callbacks.done = [s, request](const Status &result, bool) {
        if (!s || s->d->established || s->d->finished)
            return;
        if (!result) {
            s->finish(result);
        } else if (s->d->status >= 400) {
            s->finish(fail(errorFromReply(s->d->status, s->d->errorBody, request)));
        } else {
            s->finish(fail(ErrorCode::Protocol, "unable to upgrade to tcp, received "
                                                    + std::to_string(s->d->status)));
        }
    };
    d->submit(job);
    return stream;
}

} // namespace Berth::Client
