#include "imageapi.h"

#include "engineclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPromise>
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

Error clientGone(const char *operation)
{
    return Error(ErrorCode::Unavailable, std::string(operation) + ": the engine client is gone");
}

Result<QJsonDocument> parseJson(const Response &response, const QString &what)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(response.body, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail(ErrorCode::Protocol, what.toStdString() + ": the reply is not JSON: " + pe.errorString().toStdString());
    return doc;
}

template<typename T>
Result<QList<T>> decodeArray(const Response &response, const QString &what)
{
    auto doc = parseJson(response, what);
    if (!doc)
        return fail(doc.error());
    if (!doc->isArray() && !doc->isNull())
        return fail(ErrorCode::Protocol, what.toStdString() + ": the reply is not a JSON array");
    QList<T> out;
    const QJsonArray array = doc->array();
    out.reserve(array.size());
    for (const QJsonValue &v : array) {
        auto item = T::fromJson(v.toObject());
        if (!item)
            return fail(item.error().wrap(what.toStdString()));
        out.append(std::move(*item));
    }
    return out;
}

QString encoded(const QString &name)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(name, "/:@"));
}

} // namespace

ImageApi::ImageApi(EngineClient *client)
    : m_client(client)
{
}

QFuture<Result<QList<Common::ImageSummary>>> ImageApi::list(bool all) const
{
    using T = QList<Common::ImageSummary>;
    if (!m_client)
        return failedFuture<T>(clientGone("GET /images/json"));
    Request request;
    request.path = QStringLiteral("/images/json");
    if (all)
        request.query.addQueryItem(QStringLiteral("all"), QStringLiteral("1"));
    return m_client->send(request).then([](const Result<Response> &r) -> Result<T> {
        if (!r)
            return fail(r.error());
        return decodeArray<Common::ImageSummary>(*r, QStringLiteral("GET /images/json"));
    });
}

QFuture<Result<QJsonObject>> ImageApi::inspect(const QString &name) const
{
    if (!m_client)
        return failedFuture<QJsonObject>(clientGone("GET /images/{name}/json"));
    Request request;
    request.path = QStringLiteral("/images/%1/json").arg(encoded(name));
    const QString what = QStringLiteral("GET /images/%1/json").arg(name);
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

QFuture<Result<QList<Common::ImageHistoryItem>>> ImageApi::history(const QString &name) const
{
    using T = QList<Common::ImageHistoryItem>;
    if (!m_client)
        return failedFuture<T>(clientGone("GET /images/{name}/history"));
    Request request;
    request.path = QStringLiteral("/images/%1/history").arg(encoded(name));
    const QString what = QStringLiteral("GET /images/%1/history").arg(name);
    return m_client->send(request).then([what](const Result<Response> &r) -> Result<T> {
        if (!r)
            return fail(r.error());
        return decodeArray<Common::ImageHistoryItem>(*r, what);
    });
}

QFuture<Status> ImageApi::tag(const QString &source, const QString &target) const
{
    if (!m_client)
        return failedFuture<void>(clientGone("POST /images/{name}/tag"));
    // "repo:tag" splits at the last colon after the last slash (a registry
    // port is not a tag).
    QString repo = target;
    QString tagName;
    const qsizetype slash = target.lastIndexOf(QLatin1Char('/'));
    const qsizetype colon = target.lastIndexOf(QLatin1Char(':'));
    if (colon > slash) {
        repo = target.left(colon);
        tagName = target.mid(colon + 1);
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/%1/tag").arg(encoded(source));
    request.query.addQueryItem(QStringLiteral("repo"), repo);
    if (!tagName.isEmpty())
        request.query.addQueryItem(QStringLiteral("tag"), tagName);
    return m_client->send(request).then([](const Result<Response> &r) -> Status {
        if (!r)
            return fail(r.error());
        return {};
    });
}

QFuture<Result<QList<Common::ImageDeleteItem>>> ImageApi::remove(const QString &name, bool force, bool noPrune) const
{
    using T = QList<Common::ImageDeleteItem>;
    if (!m_client)
        return failedFuture<T>(clientGone("DELETE /images/{name}"));
    Request request;
    request.method = "DELETE";
    request.path = QStringLiteral("/images/%1").arg(encoded(name));
    if (force)
        request.query.addQueryItem(QStringLiteral("force"), QStringLiteral("1"));
    if (noPrune)
        request.query.addQueryItem(QStringLiteral("noprune"), QStringLiteral("1"));
    const QString what = QStringLiteral("DELETE /images/%1").arg(name);
    return m_client->send(request).then([what](const Result<Response> &r) -> Result<T> {
        if (!r)
            return fail(r.error());
        return decodeArray<Common::ImageDeleteItem>(*r, what);
    });
}

QFuture<Result<Common::ImagePruneReport>> ImageApi::prune(bool all) const
{
    using T = Common::ImagePruneReport;
    if (!m_client)
        return failedFuture<T>(clientGone("POST /images/prune"));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/prune");
    if (all) {
        const QJsonObject filters{{QStringLiteral("dangling"), QJsonObject{{QStringLiteral("false"), true}}}};
        request.query.addQueryItem(QStringLiteral("filters"),
                                   QString::fromUtf8(QJsonDocument(filters).toJson(QJsonDocument::Compact)));
    }
    return m_client->send(request).then([](const Result<Response> &r) -> Result<T> {
        if (!r)
            return fail(r.error());
        auto doc = parseJson(*r, QStringLiteral("POST /images/prune"));
        if (!doc)
            return fail(doc.error());
        return Common::ImagePruneReport::fromJson(doc->object());
    });
}

QFuture<Result<QHash<QString, int>>> ImageApi::imagesInUse() const
{
    using T = QHash<QString, int>;
    if (!m_client)
        return failedFuture<T>(clientGone("GET /containers/json"));
    Request request;
    request.path = QStringLiteral("/containers/json");
    request.query.addQueryItem(QStringLiteral("all"), QStringLiteral("1"));
    return m_client->send(request).then([](const Result<Response> &r) -> Result<T> {
        if (!r)
            return fail(r.error());
        auto doc = parseJson(*r, QStringLiteral("GET /containers/json"));
        if (!doc)
            return fail(doc.error());
        T used;
        for (const QJsonValue &v : doc->array()) {
            const QString id = v.toObject().value(QStringLiteral("ImageID")).toString();
            if (!id.isEmpty())
                ++used[id];
        }
        return used;
    });
}

} // namespace Berth::Client
