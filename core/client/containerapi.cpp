#include "containerapi.h"

#include "engineclient.h"

#include <QJsonDocument>
#include <QPromise>
#include <QRegularExpression>
#include <QUrl>

namespace Berth::Client {

namespace {

template<typename T>
QFuture<Result<T>> failedFuture(Error error)
{
    QPromise<Result<T>> promise;
    promise.start();
    promise.addResult(Result<T>(std::unexpected(std::move(error))));
    promise.finish();
    return promise.future();
}

Error notConnected(const QString &what)
{
    return Error(ErrorCode::Unavailable, what.toStdString() + ": not connected to the engine");
}

QString encoded(const QString &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

Result<QJsonDocument> parseJson(const Response &response, const QString &what)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(response.body, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail(ErrorCode::Protocol, what.toStdString() + ": the reply is not JSON: " + pe.errorString().toStdString());
    return doc;
}

} // namespace

QString ContainerSummary::name() const
{
    if (names.isEmpty())
        return id.left(12);
    QString n = names.constFirst();
    if (n.startsWith(QLatin1Char('/')))
        n.remove(0, 1);
    return n;
}

int ContainerSummary::exitCode() const
{
    static const QRegularExpression code(QStringLiteral("^(?:Exited|Restarting) \\((-?\\d+)\\)"));
    const QRegularExpressionMatch m = code.match(status);
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

Result<ContainerSummary> ContainerSummary::fromJson(const QJsonObject &o)
{
    ContainerSummary c;
    c.id = o.value(QStringLiteral("Id")).toString();
    if (c.id.isEmpty())
        return fail(ErrorCode::Protocol, "container list item without an Id");
    for (const QJsonValue &n : o.value(QStringLiteral("Names")).toArray())
        c.names.append(n.toString());
    c.image = o.value(QStringLiteral("Image")).toString();
    c.imageId = o.value(QStringLiteral("ImageID")).toString();
    c.command = o.value(QStringLiteral("Command")).toString();
    c.created = o.value(QStringLiteral("Created")).toInteger();
    c.state = o.value(QStringLiteral("State")).toString();
    c.status = o.value(QStringLiteral("Status")).toString();
    for (const QJsonValue &v : o.value(QStringLiteral("Ports")).toArray()) {
        const QJsonObject p = v.toObject();
        ContainerPort port;
        port.ip = p.value(QStringLiteral("IP")).toString();
        port.privatePort = p.value(QStringLiteral("PrivatePort")).toInt();
        port.publicPort = p.value(QStringLiteral("PublicPort")).toInt();
        port.type = p.value(QStringLiteral("Type")).toString(QStringLiteral("tcp"));
        c.ports.append(port);
    }
    const QJsonObject labels = o.value(QStringLiteral("Labels")).toObject();
    for (auto it = labels.begin(); it != labels.end(); ++it)
        c.labels.insert(it.key(), it.value().toString());
    c.mounts = o.value(QStringLiteral("Mounts")).toArray();
    return c;
}

ContainerApi::ContainerApi(EngineClient *client)
    : m_client(client)
{
}

QFuture<Result<QList<ContainerSummary>>> ContainerApi::list(bool all, const QJsonObject &filters) const
{
    using T = QList<ContainerSummary>;
    const QString what = QStringLiteral("GET /containers/json");
    if (!m_client)
        return failedFuture<T>(notConnected(what));
    Request request;
    request.path = QStringLiteral("/containers/json");
    if (all)
        request.query.addQueryItem(QStringLiteral("all"), QStringLiteral("1"));
    if (!filters.isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"),
                                   QString::fromUtf8(QJsonDocument(filters).toJson(QJsonDocument::Compact)));
    return m_client->send(request).then([what](const Result<Response> &r) -> Result<T> {
        if (!r)
            return fail(r.error());
        auto doc = parseJson(*r, what);
        if (!doc)
            return fail(doc.error());
        if (!doc->isArray() && !doc->isNull())
            return fail(ErrorCode::Protocol, what.toStdString() + ": the reply is not a JSON array");
        T out;
        for (const QJsonValue &v : doc->array()) {
            auto item = ContainerSummary::fromJson(v.toObject());
            if (!item)
                return fail(item.error().wrap(what.toStdString()));
            out.append(std::move(*item));
        }
        return out;
    });
}

QFuture<Result<QJsonObject>> ContainerApi::inspect(const QString &id) const
{
    const QString what = QStringLiteral("GET /containers/%1/json").arg(id);
    if (!m_client)
        return failedFuture<QJsonObject>(notConnected(what));
    Request request;
    request.path = QStringLiteral("/containers/%1/json").arg(encoded(id));
    return m_client->send(request).then([what](const Result<Response> &r) -> Result<QJsonObject> {
        if (!r)
            return fail(r.error());
        auto doc = parseJson(*r, what);
        if (!doc)
            return fail(doc.error());
        if (!doc->isObject())
            return fail(ErrorCode::Protocol, what.toStdString() + ": the reply is not a JSON object");
        return doc->object();
    });
}

QFuture<Result<QString>> ContainerApi::create(const QJsonObject &body, const QString &name) const
{
    const QString what = QStringLiteral("POST /containers/create");
    if (!m_client)
        return failedFuture<QString>(notConnected(what));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/create");
    if (!name.isEmpty())
        request.query.addQueryItem(QStringLiteral("name"), name);
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.contentType = "application/json";
    return m_client->send(request).then([what](const Result<Response> &r) -> Result<QString> {
        if (!r)
            return fail(r.error());
        auto doc = parseJson(*r, what);
        if (!doc)
            return fail(doc.error());
        const QString id = doc->object().value(QStringLiteral("Id")).toString();
        if (id.isEmpty())
            return fail(ErrorCode::Protocol, what.toStdString() + ": the reply has no Id");
        return id;
    });
}

QFuture<Status> ContainerApi::post(const QString &id, const QString &verb,
                                   const QList<std::pair<QString, QString>> &query) const
{
    const QString what = QStringLiteral("POST /containers/%1/%2").arg(id, verb);
    if (!m_client)
        return failedFuture<void>(notConnected(what));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/%1/%2").arg(encoded(id), verb);
    for (const auto &[key, value] : query)
        request.query.addQueryItem(key, value);
    return m_client->send(request).then([](const Result<Response> &r) -> Status {
        if (!r) {
            // 304 (already started / already stopped) is not a failure.
            if (r.error().code() == ErrorCode::NotModified)
                return {};
            return fail(r.error());
        }
        return {};
    });
}

QFuture<Status> ContainerApi::start(const QString &id) const
{
    return post(id, QStringLiteral("start"), {});
}

QFuture<Status> ContainerApi::stop(const QString &id, int timeout) const
{
    if (timeout >= 0)
        return post(id, QStringLiteral("stop"), {{QStringLiteral("t"), QString::number(timeout)}});
    return post(id, QStringLiteral("stop"), {});
}

QFuture<Status> ContainerApi::restart(const QString &id, int timeout) const
{
    if (timeout >= 0)
        return post(id, QStringLiteral("restart"), {{QStringLiteral("t"), QString::number(timeout)}});
    return post(id, QStringLiteral("restart"), {});
}

QFuture<Status> ContainerApi::kill(const QString &id, const QString &signal) const
{
    if (!signal.isEmpty())
        return post(id, QStringLiteral("kill"), {{QStringLiteral("signal"), signal}});
    return post(id, QStringLiteral("kill"), {});
}

QFuture<Status> ContainerApi::pause(const QString &id) const
{
    return post(id, QStringLiteral("pause"), {});
}

QFuture<Status> ContainerApi::unpause(const QString &id) const
{
    return post(id, QStringLiteral("unpause"), {});
}

QFuture<Status> ContainerApi::rename(const QString &id, const QString &name) const
{
    return post(id, QStringLiteral("rename"), {{QStringLiteral("name"), name}});
}

QFuture<Status> ContainerApi::remove(const QString &id, bool force, bool volumes) const
{
    const QString what = QStringLiteral("DELETE /containers/%1").arg(id);
    if (!m_client)
        return failedFuture<void>(notConnected(what));
    Request request;
    request.method = "DELETE";
    request.path = QStringLiteral("/containers/%1").arg(encoded(id));
    if (force)
        request.query.addQueryItem(QStringLiteral("force"), QStringLiteral("1"));
    if (volumes)
        request.query.addQueryItem(QStringLiteral("v"), QStringLiteral("1"));
    return m_client->send(request).then([](const Result<Response> &r) -> Status {
        if (!r)
            return fail(r.error());
        return {};
    });
}

} // namespace Berth::Client
