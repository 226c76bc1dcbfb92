#include "registryapi.h"

#include "credentialstore.h"
#include "engineclient.h"
#include "responsestream.h"

#include <common/reference.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QPromise>

#include <cerrno>

namespace Berth::Client {

namespace {

// Final per-layer states of docker's pull and push progress.
bool isFinalStatus(const QString &status)
{
    return status == QLatin1String("Pull complete") || status == QLatin1String("Already exists")
        || status == QLatin1String("Pushed") || status == QLatin1String("Layer already exists")
        || status.startsWith(QLatin1String("Mounted from"));
}

} // namespace

RegistryTransfer::RegistryTransfer(Kind kind, QObject *parent)
    : QObject(parent)
    , m_kind(kind)
{
}

RegistryTransfer::~RegistryTransfer()
{
    if (m_stream)
        m_stream->cancel();
}

RegistryTransfer *RegistryTransfer::pull(EngineClient *client, const QString &reference, const QString &platform,
                                         const CredentialStore &credentials, QObject *parent)
{
    auto *transfer = new RegistryTransfer(Kind::Pull, parent);
    transfer->start(client, reference, platform, credentials);
    return transfer;
}

RegistryTransfer *RegistryTransfer::push(EngineClient *client, const QString &reference,
                                         const CredentialStore &credentials, QObject *parent)
{
    auto *transfer = new RegistryTransfer(Kind::Push, parent);
    transfer->start(client, reference, {}, credentials);
    return transfer;
}

void RegistryTransfer::start(EngineClient *client, const QString &text, const QString &platform,
                             const CredentialStore &credentials)
{
    const char *operation = m_kind == Kind::Pull ? "pull " : "push ";
    auto parsed = Common::Reference::parseNormalized(text.trimmed(), Common::Reference::Dialect::DockerCli);
    if (!parsed) {
        m_reference = text.trimmed();
        finishLater(Error(ErrorCode::InvalidArgument, parsed.error().message()).wrap(operation + text.toStdString()));
        return;
    }
    Common::Reference reference = *parsed;
    if (m_kind == Kind::Push && reference.hasDigest()) {
        m_reference = reference.toString();
        finishLater(Error(ErrorCode::InvalidArgument, "cannot push a digest reference").wrap(operation + text.toStdString()));
        return;
    }
    if (reference.isNameOnly())
        reference = reference.withTag(QStringLiteral("latest"));
    m_reference = reference.toString();
    m_registry = reference.domain();
    if (!client) {
        finishLater(Error(ErrorCode::Unavailable, std::string(operation) + m_reference.toStdString()
                                                      + ": not connected to the engine"));
        return;
    }
    Request request;
    request.method = "POST";
    if (m_kind == Kind::Pull) {
        request.path = QStringLiteral("/images/create");
        request.query.addQueryItem(QStringLiteral("fromImage"), reference.name());
        request.query.addQueryItem(QStringLiteral("tag"), reference.hasDigest() ? reference.digest() : reference.tag());
        if (!platform.trimmed().isEmpty())
            request.query.addQueryItem(QStringLiteral("platform"), platform.trimmed().toLower());
    } else {
        request.path = QStringLiteral("/images/%1/push").arg(reference.name());
        request.query.addQueryItem(QStringLiteral("tag"), reference.tag());
    }
    request.headers.set("X-Registry-Auth", credentials.registryAuthHeader(reference.domain()));
    m_stream = client->openStream(request, this);
    connect(m_stream, &ResponseStream::data, this, &RegistryTransfer::onData);
    connect(m_stream, &ResponseStream::finished, this, &RegistryTransfer::finish);
}

void RegistryTransfer::onData(const QByteArray &bytes)
{
    if (m_finished)
        return;
    m_splitter.append(bytes);
    while (true) {
        auto next = m_splitter.next();
        if (!next) {
            const Error error = next.error();
            if (m_stream)
                m_stream->cancel();
            finish(fail(Error(error).wrap(std::string(m_kind == Kind::Pull ? "pull " : "push ") + m_reference.toStdString())));
            return;
        }
        if (!*next)
            return;
        handleMessage(**next);
    }
}

void RegistryTransfer::handleMessage(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    if (o.contains(QLatin1String("errorDetail")) || o.contains(QLatin1String("error"))) {
        QString message = o.value(QLatin1String("errorDetail")).toObject().value(QLatin1String("message")).toString();
        if (message.isEmpty())
            message = o.value(QLatin1String("error")).toString();
        m_engineError = Error(ErrorCode::Internal, message.toStdString());
        return;
    }
    const QString status = o.value(QLatin1String("status")).toString();
    const QString id = o.value(QLatin1String("id")).toString();
    const QJsonObject detail = o.value(QLatin1String("progressDetail")).toObject();
    const bool isLayer = !id.isEmpty() && o.contains(QLatin1String("progressDetail"))
                         && !status.startsWith(QLatin1String("Pulling from"));
    if (!isLayer) {
        // "Pulling from library/busybox" carries the tag as its id; the
        // push's tag line ("1: digest: sha256:... size: 527") has none.
        QString line = status;
        if (!id.isEmpty() && status.startsWith(QLatin1String("Pulling from")))
            line = id + QStringLiteral(": ") + status;
        if (line.isEmpty())
            return;
        m_statusLines.append(line);
        emit statusLine(line);
        return;
    }
    qsizetype index = -1;
    for (qsizetype i = 0; i < m_layers.size(); ++i) {
        if (m_layers.at(i).id == id) {
            index = i;
            break;
        }
    }
    const bool added = index < 0;
    if (added) {
        m_layers.append(LayerProgress{id, {}, -1, -1, false});
        index = m_layers.size() - 1;
    }
    LayerProgress &layer = m_layers[index];
    layer.status = status;
    if (detail.contains(QLatin1String("current"))) {
        layer.current = qint64(detail.value(QLatin1String("current")).toDouble());
        layer.total = detail.contains(QLatin1String("total")) ? qint64(detail.value(QLatin1String("total")).toDouble()) : -1;
    } else if (status == QLatin1String("Download complete") || status == QLatin1String("Verifying Checksum")) {
        if (layer.total > 0)
            layer.current = layer.total;
    } else {
        layer.current = -1;
        layer.total = -1;
    }
    layer.done = isFinalStatus(status);
    if (added)
        emit layerAdded(int(index));
    else
        emit layerChanged(int(index));
}

void RegistryTransfer::cancel()
{
    if (m_finished)
        return;
    // Finish first: cancelling the stream must not report its own error.
    finish(fail(ErrorCode::Io, std::string(m_kind == Kind::Pull ? "pull " : "push ") + m_reference.toStdString() + ": cancelled",
                ECANCELED));
    if (m_stream)
        m_stream->cancel();
}

bool RegistryTransfer::isAuthenticationError(const Error &error)
{
    if (error.code() == ErrorCode::Unauthorized)
        return true;
    const QString text = QString::fromStdString(error.toString()).toLower();
    return text.contains(QLatin1String("unauthorized")) || text.contains(QLatin1String("authentication required"))
        || text.contains(QLatin1String("access denied")) || text.contains(QLatin1String("denied:"))
        || text.contains(QLatin1String("no basic auth credentials"));
}

void RegistryTransfer::finishLater(const Error &error)
{
    QMetaObject::invokeMethod(this, [this, error] { finish(fail(error)); }, Qt::QueuedConnection);
}

void RegistryTransfer::finish(const Status &result)
{
    if (m_finished)
        return;
    Status outcome = result;
    if (outcome && m_engineError)
        outcome = fail(*m_engineError);
    m_finished = true;
    emit finished(outcome);
}

RegistryApi::RegistryApi(EngineClient *client)
    : m_client(client)
{
}

QFuture<Result<QString>> RegistryApi::login(const QString &server, const QString &username, const QString &password) const
{
    if (!m_client) {
        QPromise<Result<QString>> promise;
        promise.start();
        promise.addResult(Result<QString>(std::unexpected(Error(ErrorCode::Unavailable, "POST /auth: the engine client is gone"))));
        promise.finish();
        return promise.future();
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/auth");
    request.contentType = "application/json";
    request.body = QJsonDocument(QJsonObject{{QStringLiteral("username"), username},
                                             {QStringLiteral("password"), password},
                                             {QStringLiteral("serveraddress"), CredentialStore::serverKey(server)}})
                       .toJson(QJsonDocument::Compact);
    return m_client->send(request).then([](const Result<Response> &reply) -> Result<QString> {
        if (!reply)
            return fail(reply.error());
        const QString status = QJsonDocument::fromJson(reply->body).object().value(QLatin1String("Status")).toString();
        return status.isEmpty() ? QStringLiteral("Login Succeeded") : status;
    });
}

} // namespace Berth::Client
