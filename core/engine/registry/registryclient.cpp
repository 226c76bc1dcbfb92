#include "registryclient.h"

#include <engine/blobwriter.h>
#include <engine/contentstore.h>
#include <engine/enginelogging.h>

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cerrno>

namespace Berth::Engine {

namespace {

constexpr int kMaxRedirects = 10;
constexpr qint64 kDefaultBodyCap = 1024 * 1024;
constexpr qint64 kErrorBodyCap = 64 * 1024;

constexpr int kCancelPollMs = 50;

std::unexpected<Error> failText(ErrorCode code, const QString &text)
{
    return fail(code, text.toStdString());
}

QByteArray acceptManifests()
{
    return QByteArray(MediaType::OciIndex) + ", " + MediaType::DockerManifestList + ", " + MediaType::OciManifest
           + ", " + MediaType::DockerManifest + ", " + MediaType::DockerSchema1Signed + ", "
           + MediaType::DockerSchema1;
}

// WWW-Authenticate: Bearer realm="...",service="...",scope="..."
struct Challenge
{
    QString scheme; // lowercased: "basic", "bearer"
    QMap<QString, QString> params;
};

QList<Challenge> parseChallenges(const QByteArray &header)
{
    QList<Challenge> out;
    const QString text = QString::fromLatin1(header);
    qsizetype i = 0;
    const qsizetype n = text.size();
    auto skipSpaces = [&] {
        while (i < n && (text[i] == u' ' || text[i] == u'\t' || text[i] == u','))
            ++i;
    };
    while (i < n) {
        skipSpaces();
        qsizetype start = i;
        while (i < n && text[i] != u' ' && text[i] != u',')
            ++i;
        if (start == i)
            break;
        Challenge c;
        c.scheme = text.mid(start, i - start).toLower();
        // params: name=value or name="quoted", separated by commas
        while (i < n) {
            skipSpaces();
            const qsizetype nameStart = i;
            while (i < n && text[i] != u'=' && text[i] != u' ' && text[i] != u',')
                ++i;
            if (i >= n || text[i] != u'=') {
                i = nameStart; // the next challenge's scheme
                break;
            }
            const QString name = text.mid(nameStart, i - nameStart).toLower();
            ++i;
            QString value;
            if (i < n && text[i] == u'"') {
                ++i;
                while (i < n && text[i] != u'"') {
                    if (text[i] == u'\\' && i + 1 < n)
                        ++i;
                    value += text[i++];
                }
                ++i;
            } else {
                const qsizetype vs = i;
                while (i < n && text[i] != u',' && text[i] != u' ')
                    ++i;
                value = text.mid(vs, i - vs);
            }
            c.params.insert(name, value);
        }
        out.append(c);
    }
    return out;
}

// The registry's own words: {"errors":[{"code":"...","message":"...","detail":...}]}
QString registryErrorText(const QByteArray &body)
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    const QJsonArray errors = doc.object().value(QLatin1String("errors")).toArray();
    QStringList parts;
    for (const QJsonValue &v : errors) {
        const QJsonObject e = v.toObject();
        QString code = e.value(QLatin1String("code")).toString().toLower().replace(u'_', u' ');
        const QString message = e.value(QLatin1String("message")).toString();
        parts << (message.isEmpty() ? code
                  : code.isEmpty() || code == message.toLower() ? message
                                                                : code + QStringLiteral(": ") + message);
    }
    if (!parts.isEmpty())
        return parts.join(QStringLiteral(", "));
    const QJsonObject o = doc.object();
    for (const char *key : {"details", "error", "message"}) {
        if (o.value(QLatin1String(key)).isString())
            return o.value(QLatin1String(key)).toString();
    }
    return {};
}

QString tlsErrorText(const QList<QSslError> &errors, const QString &host)
{
    for (const QSslError &e : errors) {
        switch (e.error()) {
        case QSslError::HostNameMismatch:
            return QStringLiteral("tls: failed to verify certificate: x509: certificate is not valid for %1")
                .arg(RegistryConfig::hostWithoutPort(host));
        case QSslError::CertificateExpired:
            return QStringLiteral("tls: failed to verify certificate: x509: certificate has expired");
        case QSslError::CertificateNotYetValid:
            return QStringLiteral("tls: failed to verify certificate: x509: certificate is not yet valid");
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::CertificateUntrusted:
            return QStringLiteral("tls: failed to verify certificate: x509: certificate signed by unknown authority");
        default:
            break;
        }
    }
    return errors.isEmpty() ? QString()
                            : QStringLiteral("tls: failed to verify certificate: ") + errors.first().errorString();
}

bool sameHost(const QUrl &a, const QUrl &b)
{
    return a.host().compare(b.host(), Qt::CaseInsensitive) == 0 && a.port(a.scheme() == QLatin1String("https") ? 443 : 80)
                                                                       == b.port(b.scheme() == QLatin1String("https") ? 443 : 80);
}

} // namespace

class RegistryClient::Private
{
public:
    struct Request
    {
        QByteArray verb = "GET";
        QUrl url;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        QIODevice *bodyDevice = nullptr; // not re-sendable: no 401 retry
        std::function<void(qint64 sent, qint64 total)> uploadProgress;
        QString scope;                   // "repository:x:pull"
        qint64 maxBody = kDefaultBodyCap;
    };

    RegistryConfig config;
    QString host; // API host, with port
    AuthConfig auth;
    RegistryEndpoint endpoint;
    QNetworkAccessManager nam;
    QSslConfiguration ssl;
    QString scheme; // decided by ping()
    QString authScheme; // "", "basic", "bearer"
    QMap<QString, QString> bearer; // realm, service
    QHash<QString, QByteArray> tokens; // scope -> Authorization value
    CancelFlag cancel;

    bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }

    QUrl base() const
    {
        QUrl u;
        u.setScheme(scheme.isEmpty() ? QStringLiteral("https") : scheme);
        const QString bare = RegistryConfig::hostWithoutPort(host);
        u.setHost(bare);
        const qsizetype colon = host.lastIndexOf(u':');
        if (colon > 0 && !host.endsWith(u']') && bare != host)
            u.setPort(host.mid(colon + 1).toInt());
        return u;
    }
    QUrl apiUrl(const QString &path, const QUrlQuery &query = {}) const
    {
        QUrl u = base();
        u.setPath(path);
        if (!query.isEmpty())
            u.setQuery(query);
        return u;
    }
    bool isRegistryHost(const QUrl &url) const { return sameHost(url, base()); }

    // Credentials may go to the registry itself, and to a token realm on the
    // same host name, or Docker Hub's own realm for Docker Hub.
    bool credentialsAllowedFor(const QUrl &realm) const
    {
        if (realm.host().compare(base().host(), Qt::CaseInsensitive) == 0)
            return true;
        return base().host() == QLatin1String("registry-1.docker.io") && realm.host() == QLatin1String("auth.docker.io")
               && realm.scheme() == QLatin1String("https");
    }

    QNetworkReply *start(const Request &r, const QUrl &url, const QByteArray &authorization)
    {
        QNetworkRequest req(url);
        req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
        req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
        req.setTransferTimeout(config.transferTimeoutMs);
        req.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("berth/" BERTH_VERSION));
        if (url.scheme() == QLatin1String("https"))
            req.setSslConfiguration(ssl);
        for (const auto &h : r.headers)
            req.setRawHeader(h.first, h.second);
        if (!authorization.isEmpty())
            req.setRawHeader("Authorization", authorization);
        QNetworkReply *reply = nullptr;
        if (r.bodyDevice)
            reply = nam.sendCustomRequest(req, r.verb, r.bodyDevice);
        else if (r.verb == "GET")
            reply = nam.get(req);
        else if (r.verb == "HEAD")
            reply = nam.head(req);
        else
            reply = nam.sendCustomRequest(req, r.verb, r.body);
        if (endpoint.skipVerify)
            reply->ignoreSslErrors();
        return reply;
    }

    struct Finished
    {
        RegistryReply reply;
        QNetworkReply::NetworkError error = QNetworkReply::NoError;
        QString errorText;
        QList<QSslError> sslErrors;
        bool tooLarge = false;
        bool cancelled = false;
    };

    Finished wait(QNetworkReply *reply, qint64 maxBody, const std::function<void(qint64, qint64)> &uploadProgress = {})
    {
        Finished f;
        QEventLoop loop;
        if (uploadProgress)
            QObject::connect(reply, &QNetworkReply::uploadProgress, &loop, [&](qint64 sent, qint64 total) { uploadProgress(sent, total); });
        QObject::connect(reply, &QNetworkReply::sslErrors, &loop, [&f](const QList<QSslError> &errors) { f.sslErrors += errors; });
        QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
            if (f.tooLarge)
                return;
            f.reply.body += reply->readAll();
            if (f.reply.body.size() > maxBody) {
                f.tooLarge = true;
                reply->abort();
            }
        });
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer poll;
        if (cancel) {
            QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
                if (cancelled() && !f.cancelled) {
                    f.cancelled = true;
                    reply->abort();
                }
            });
            poll.start(kCancelPollMs);
        }
        if (!reply->isFinished())
            loop.exec(QEventLoop::ExcludeUserInputEvents);
        poll.stop();
        if (!f.tooLarge && reply->isOpen())
            f.reply.body += reply->readAll();
        f.reply.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        f.reply.url = reply->url();
        for (const auto &pair : reply->rawHeaderPairs())
            f.reply.headers.insert(pair.first.toLower(), pair.second);
        f.error = reply->error();
        f.errorText = reply->errorString();
        reply->deleteLater();
        return f;
    }

    // A transport failure (no HTTP status) as an error naming the request.
    Error transportError(const QByteArray &verb, const QUrl &url, const Finished &f) const
    {
        if (f.cancelled || cancelled())
            return cancelledError(QStringLiteral("%1 %2").arg(QString::fromLatin1(verb), url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery)).toStdString());
        QString why;
        if (!f.sslErrors.isEmpty() && !endpoint.skipVerify)
            why = tlsErrorText(f.sslErrors, host);
        else if (f.error == QNetworkReply::OperationCanceledError || f.error == QNetworkReply::TimeoutError)
            why = QStringLiteral("timeout: no data for %1 s").arg(config.transferTimeoutMs / 1000);
        else
            why = f.errorText;
        const ErrorCode code = f.error == QNetworkReply::TimeoutError || f.error == QNetworkReply::OperationCanceledError
                                   ? ErrorCode::Timeout
                                   : ErrorCode::Unavailable;
        return Error(code, QStringLiteral("%1 \"%2\": %3")
                               .arg(QString::fromLatin1(verb.left(1) + verb.mid(1).toLower()),
                                    url.toString(QUrl::RemoveUserInfo), why)
                               .toStdString());
    }

    Result<QByteArray> authorizationFor(const QString &scope)
    {
        if (authScheme == QLatin1String("basic")) {
            if (!auth.hasBasicCredentials())
                return QByteArray();
            return "Basic " + (auth.effectiveUsername() + u':' + auth.effectivePassword()).toUtf8().toBase64();
        }
        if (authScheme != QLatin1String("bearer"))
            return QByteArray();
        if (!auth.registryToken.isEmpty())
            return "Bearer " + auth.registryToken.toUtf8();
        if (auto it = tokens.constFind(scope); it != tokens.constEnd())
            return *it;
        auto token = fetchToken(scope);
        if (!token)
            return std::unexpected(token.error());
        tokens.insert(scope, *token);
        return *token;
    }

    Result<QByteArray> fetchToken(const QString &scope)
    {
        QUrl realm(bearer.value(QStringLiteral("realm")), QUrl::StrictMode);
        if (!realm.isValid() || realm.host().isEmpty())
            return failText(ErrorCode::Protocol, QStringLiteral("registry %1 sent an invalid token realm").arg(host));
        const bool https = realm.scheme() == QLatin1String("https");
        const bool loopbackHttp = realm.scheme() == QLatin1String("http") && RegistryConfig::isLoopbackHost(realm.host())
                                  && (scheme == QLatin1String("http") || RegistryConfig::isLoopbackHost(base().host()));
        if (!https && !loopbackHttp)
            return failText(ErrorCode::PermissionDenied,
                            QStringLiteral("refusing token realm %1: a realm must be https (or http on loopback)")
                                .arg(realm.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery)));
        QUrlQuery query(realm);
        if (bearer.contains(QStringLiteral("service")))
            query.addQueryItem(QStringLiteral("service"), bearer.value(QStringLiteral("service")));
        if (!scope.isEmpty())
            query.addQueryItem(QStringLiteral("scope"), scope);
        const bool sendCredentials = credentialsAllowedFor(realm);
        Request r;
        QByteArray authorization;
        if (sendCredentials && !auth.identityToken.isEmpty()) {
            r.verb = "POST";
            QUrlQuery form;
            form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("refresh_token"));
            form.addQueryItem(QStringLiteral("refresh_token"), auth.identityToken);
            form.addQueryItem(QStringLiteral("service"), bearer.value(QStringLiteral("service")));
            form.addQueryItem(QStringLiteral("scope"), scope);
            form.addQueryItem(QStringLiteral("client_id"), QStringLiteral("berth"));
            r.body = form.toString(QUrl::FullyEncoded).toUtf8();
            r.headers.emplaceBack("Content-Type", "application/x-www-form-urlencoded");
        } else if (sendCredentials && auth.hasBasicCredentials()) {
            query.addQueryItem(QStringLiteral("account"), auth.effectiveUsername());
            authorization = "Basic " + (auth.effectiveUsername() + u':' + auth.effectivePassword()).toUtf8().toBase64();
        }
        if (r.verb == "GET")
            realm.setQuery(query);
        QUrl url = realm;
        for (int hop = 0;; ++hop) {
            Finished f = wait(start(r, url, authorization), kDefaultBodyCap);
            if (f.reply.status == 0)
                return fail(transportError(r.verb, url, f).wrap("fetch a token"));
            if (f.reply.status >= 300 && f.reply.status < 400 && hop < kMaxRedirects) {
                const QUrl next = url.resolved(QUrl::fromEncoded(f.reply.header("location")));
                if (url.scheme() == QLatin1String("https") && next.scheme() != QLatin1String("https"))
                    return failText(ErrorCode::PermissionDenied, QStringLiteral("refusing a token redirect from https to %1").arg(next.scheme()));
                if (!sameHost(next, url))
                    authorization.clear();
                url = next;
                continue;
            }
            if (f.reply.status == 401 || f.reply.status == 403) {
                const QString text = registryErrorText(f.reply.body);
                return failText(ErrorCode::Unauthorized,
                                auth.isEmpty() ? QStringLiteral("unauthorized: authentication required")
                                               : QStringLiteral("unauthorized: incorrect username or password")
                                                     + (text.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(text)));
            }
            if (f.reply.status != 200)
                return failText(ErrorCode::Protocol, QStringLiteral("token service %1 answered %2")
                                                         .arg(realm.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo))
                                                         .arg(f.reply.status));
            const QJsonObject o = QJsonDocument::fromJson(f.reply.body).object();
            QString token = o.value(QLatin1String("token")).toString();
            if (token.isEmpty())
                token = o.value(QLatin1String("access_token")).toString();
            if (token.isEmpty())
                return failText(ErrorCode::Protocol, QStringLiteral("token service %1 sent no token")
                                                         .arg(realm.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo)));
            return "Bearer " + token.toUtf8();
        }
    }

    void learnChallenge(const QByteArray &header)
    {
        for (const Challenge &c : parseChallenges(header)) {
            if (c.scheme == QLatin1String("bearer")) {
                authScheme = c.scheme;
                bearer = c.params;
                return;
            }
            if (c.scheme == QLatin1String("basic"))
                authScheme = c.scheme;
        }
    }

    Status ensurePinged()
    {
        if (!scheme.isEmpty())
            return {};
        QStringList schemes{QStringLiteral("https")};
        if (endpoint.allowHttp)
            schemes << QStringLiteral("http");
        std::optional<Error> firstError;
        for (const QString &s : schemes) {
            scheme = s;
            const QUrl url = apiUrl(QStringLiteral("/v2/"));
            Finished f = wait(start(Request{}, url, {}), kErrorBodyCap);
            if (f.reply.status == 0) {
                if (!firstError)
                    firstError = transportError("GET", url, f);
                // a certificate that fails verification never falls back to http
                if (!f.sslErrors.isEmpty() && !endpoint.skipVerify)
                    break;
                continue;
            }
            if (f.reply.status == 401)
                learnChallenge(f.reply.header("www-authenticate"));
            else if (f.reply.status != 200)
                return failText(ErrorCode::Protocol, QStringLiteral("registry %1 answered %2 to GET %3: not a registry")
                                                         .arg(host).arg(f.reply.status).arg(url.toString()));
            return {};
        }
        scheme.clear();
        return fail(*firstError);
    }

    // Sends a request to the registry: authorization for `scope`, one retry
    // after a 401 (with the scope the challenge names), redirects followed
    // by hand (Authorization dropped off-host, no https->http).
    Result<RegistryReply> send(Request r)
    {
        if (auto st = ensurePinged(); !st)
            return std::unexpected(st.error());
        // URLs built before the ping know the host, not yet the scheme
        if (r.url.host() == base().host() && r.url.port() == base().port())
            r.url.setScheme(scheme);
        bool retried = false;
        for (;;) {
            if (cancelled())
                return fail(cancelledError(r.verb.toStdString() + " " + r.url.toString(QUrl::RemoveQuery).toStdString()));
            auto authorization = authorizationFor(r.scope);
            if (!authorization)
                return std::unexpected(authorization.error());
            QUrl url = r.url;
            QByteArray sentAuth = *authorization;
            Finished f;
            for (int hop = 0;; ++hop) {
                f = wait(start(r, url, isRegistryHost(url) ? sentAuth : QByteArray()), r.maxBody, r.uploadProgress);
                if (f.tooLarge)
                    return failText(ErrorCode::TooLarge, QStringLiteral("%1 %2: reply is larger than %3 bytes")
                                                             .arg(QString::fromLatin1(r.verb), url.toString(QUrl::RemoveQuery))
                                                             .arg(r.maxBody));
                if (f.reply.status == 0)
                    return fail(transportError(r.verb, url, f));
                const bool redirect = f.reply.status == 301 || f.reply.status == 302 || f.reply.status == 303
                                      || f.reply.status == 307 || f.reply.status == 308;
                if (!redirect || r.bodyDevice)
                    break;
                if (hop >= kMaxRedirects)
                    return failText(ErrorCode::Protocol, QStringLiteral("%1 %2: stopped after %3 redirects")
                                                             .arg(QString::fromLatin1(r.verb), r.url.toString()).arg(kMaxRedirects));
                const QUrl next = url.resolved(QUrl::fromEncoded(f.reply.header("location")));
                if (url.scheme() == QLatin1String("https") && next.scheme() != QLatin1String("https"))
                    return failText(ErrorCode::PermissionDenied, QStringLiteral("refusing a redirect from %1 to %2")
                                                                     .arg(url.toString(QUrl::RemoveQuery), next.toString(QUrl::RemoveQuery)));
                if (!sameHost(next, url))
                    sentAuth.clear();
                url = next;
            }
            if (f.reply.status == 401 && !retried && !r.bodyDevice) {
                retried = true;
                const QString before = authScheme;
                learnChallenge(f.reply.header("www-authenticate"));
                for (const Challenge &c : parseChallenges(f.reply.header("www-authenticate"))) {
                    if (c.scheme == QLatin1String("bearer") && c.params.contains(QStringLiteral("scope"))
                        && c.params.value(QStringLiteral("scope")) != r.scope) {
                        // the registry names the scope it wants; ask for both
                        tokens.remove(r.scope);
                    }
                }
                tokens.remove(r.scope);
                if (!authorization->isEmpty() || authScheme != before || authScheme == QLatin1String("bearer")) {
                    if (authScheme == QLatin1String("basic") && !auth.hasBasicCredentials())
                        return failText(ErrorCode::Unauthorized, QStringLiteral("no basic auth credentials"));
                    if (authScheme == QLatin1String("basic") && !authorization->isEmpty())
                        return failText(ErrorCode::Unauthorized, QStringLiteral("unauthorized: incorrect username or password"));
                    continue;
                }
            }
            if (f.reply.status == 401) {
                if (authScheme == QLatin1String("basic") && !auth.hasBasicCredentials())
                    return failText(ErrorCode::Unauthorized, QStringLiteral("no basic auth credentials"));
                const QString text = registryErrorText(f.reply.body);
                return failText(ErrorCode::Unauthorized, text.isEmpty() ? QStringLiteral("unauthorized: authentication required") : text);
            }
            return f.reply;
        }
    }

    Status fetchBlobs(const QString &repository, const QList<BlobFetch> &blobs, const ContentStore &content, int concurrency);
};

RegistryClient::RegistryClient(RegistryConfig config, const QString &referenceDomain, AuthConfig auth)
    : d(std::make_unique<Private>())
{
    d->config = std::move(config);
    d->host = RegistryConfig::apiHost(referenceDomain);
    d->auth = std::move(auth);
    d->endpoint = d->config.endpointFor(d->host);
    d->nam.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    d->nam.setAutoDeleteReplies(false);
    d->ssl = QSslConfiguration::defaultConfiguration();
    d->ssl.setProtocol(QSsl::TlsV1_2OrLater);
    if (!d->endpoint.extraCaCertificates.isEmpty())
        d->ssl.addCaCertificates(d->endpoint.extraCaCertificates);
    d->ssl.setPeerVerifyMode(d->endpoint.skipVerify ? QSslSocket::VerifyNone : QSslSocket::VerifyPeer);
}

RegistryClient::~RegistryClient() = default;

Error cancelledError(const std::string &what)
{
    return Error(ErrorCode::Unavailable, what, ECANCELED);
}

void RegistryClient::setCancelFlag(CancelFlag cancel)
{
    d->cancel = std::move(cancel);
}

const QString &RegistryClient::host() const
{
    return d->host;
}

Status RegistryClient::ping()
{
    return d->ensurePinged();
}

Status RegistryClient::login()
{
    if (auto st = d->ensurePinged(); !st)
        return st;
    if (d->authScheme.isEmpty())
        return {};
    if (d->authScheme == QLatin1String("bearer")) {
        if (!d->auth.registryToken.isEmpty())
            return {};
        auto token = d->fetchToken(QString());
        if (!token)
            return std::unexpected(token.error());
        return {};
    }
    if (!d->auth.hasBasicCredentials())
        return failText(ErrorCode::Unauthorized, QStringLiteral("no basic auth credentials"));
    Private::Request r;
    r.url = d->apiUrl(QStringLiteral("/v2/"));
    Private::Finished f = d->wait(d->start(r, r.url, *d->authorizationFor(QString())), kErrorBodyCap);
    if (f.reply.status == 0)
        return fail(d->transportError("GET", r.url, f));
    if (f.reply.status != 200)
        return failText(ErrorCode::Unauthorized, QStringLiteral("login attempt to %1 failed with status: %2 %3")
                                                     .arg(r.url.toString())
                                                     .arg(f.reply.status)
                                                     .arg(f.reply.status == 401 ? QStringLiteral("Unauthorized") : QString()));
    return {};
}

Result<RegistryReply> RegistryClient::fetchManifest(const QString &repository, const QString &reference, qint64 maxBytes)
{
    Private::Request r;
    r.url = d->apiUrl(QStringLiteral("/v2/%1/manifests/%2").arg(repository, reference));
    r.headers.emplaceBack("Accept", acceptManifests());
    r.scope = QStringLiteral("repository:%1:pull").arg(repository);
    r.maxBody = maxBytes;
    auto reply = d->send(r);
    if (!reply)
        return reply;
    if (reply->status == 404)
        return failText(ErrorCode::NotFound, registryErrorText(reply->body).isEmpty() ? QStringLiteral("manifest unknown")
                                                                                      : registryErrorText(reply->body));
    if (reply->status != 200)
        return failText(ErrorCode::Protocol, QStringLiteral("GET manifest %1:%2 answered %3%4")
                                                 .arg(repository, reference)
                                                 .arg(reply->status)
                                                 .arg(registryErrorText(reply->body).isEmpty()
                                                          ? QString()
                                                          : QStringLiteral(": ") + registryErrorText(reply->body)));
    return reply;
}

Result<RegistryReply> RegistryClient::fetchBlob(const QString &repository, const Digest &digest, qint64 maxBytes)
{
    Private::Request r;
    r.url = d->apiUrl(QStringLiteral("/v2/%1/blobs/%2").arg(repository, digest.toString()));
    r.scope = QStringLiteral("repository:%1:pull").arg(repository);
    r.maxBody = maxBytes;
    auto reply = d->send(r);
    if (!reply)
        return reply;
    if (reply->status == 404)
        return failText(ErrorCode::NotFound, QStringLiteral("blob unknown: %1").arg(digest.toString()));
    if (reply->status != 200)
        return failText(ErrorCode::Protocol, QStringLiteral("GET blob %1 answered %2").arg(digest.toString()).arg(reply->status));
    if (Digest::ofData(reply->body) != digest)
        return failText(ErrorCode::InvalidArgument, QStringLiteral("digest mismatch for blob %1: got %2")
                                                        .arg(digest.toString(), Digest::ofData(reply->body).toString()));
    return reply;
}

Result<bool> RegistryClient::blobExists(const QString &repository, const Digest &digest)
{
    Private::Request r;
    r.verb = "HEAD";
    r.url = d->apiUrl(QStringLiteral("/v2/%1/blobs/%2").arg(repository, digest.toString()));
    r.scope = QStringLiteral("repository:%1:pull,push").arg(repository);
    auto reply = d->send(r);
    if (!reply)
        return std::unexpected(reply.error());
    if (reply->status == 200)
        return true;
    if (reply->status == 404)
        return false;
    return failText(ErrorCode::Protocol, QStringLiteral("HEAD blob %1 answered %2").arg(digest.toString()).arg(reply->status));
}

Result<UploadStart> RegistryClient::startUpload(const QString &repository, const Digest &mount, const QString &fromRepository)
{
    Private::Request r;
    r.verb = "POST";
    QUrlQuery q;
    if (mount.isValid() && !fromRepository.isEmpty()) {
        q.addQueryItem(QStringLiteral("mount"), mount.toString());
        q.addQueryItem(QStringLiteral("from"), fromRepository);
        r.scope = QStringLiteral("repository:%1:pull,push").arg(repository);
    } else {
        r.scope = QStringLiteral("repository:%1:pull,push").arg(repository);
    }
    r.url = d->apiUrl(QStringLiteral("/v2/%1/blobs/uploads/").arg(repository), q);
    r.headers.emplaceBack("Content-Length", "0");
    auto reply = d->send(r);
    if (!reply)
        return std::unexpected(reply.error());
    if (reply->status != 201 && reply->status != 202) {
        const QString text = registryErrorText(reply->body);
        return failText(reply->status == 403 ? ErrorCode::PermissionDenied : ErrorCode::Protocol,
                        QStringLiteral("start an upload to %1 answered %2%3")
                            .arg(repository).arg(reply->status)
                            .arg(text.isEmpty() ? QString() : QStringLiteral(": ") + text));
    }
    UploadStart s;
    s.mounted = reply->status == 201;
    if (!s.mounted) {
        s.location = reply->url.resolved(QUrl::fromEncoded(reply->header("location")));
        if (!d->isRegistryHost(s.location))
            return failText(ErrorCode::Protocol, QStringLiteral("upload location %1 is not on registry %2")
                                                     .arg(s.location.toString(QUrl::RemoveQuery), d->host));
    }
    return s;
}

Status RegistryClient::uploadBlob(const QString &repository, const QUrl &startLocation, QIODevice *device, qint64 size,
                                  const Digest &digest, const std::function<void(qint64, qint64)> &progress)
{
    const QString scope = QStringLiteral("repository:%1:pull,push").arg(repository);
    QUrl location = startLocation;
    auto check = [&](const RegistryReply &reply, std::initializer_list<int> ok, const char *what) -> Status {
        if (std::find(ok.begin(), ok.end(), reply.status) == ok.end()) {
            const QString text = registryErrorText(reply.body);
            return failText(ErrorCode::Protocol, QStringLiteral("%1 blob %2 answered %3%4")
                                                     .arg(QLatin1String(what), digest.toString())
                                                     .arg(reply.status)
                                                     .arg(text.isEmpty() ? QString() : QStringLiteral(": ") + text));
        }
        return {};
    };
    auto nextLocation = [&](const RegistryReply &reply) -> Status {
        const QByteArray header = reply.header("location");
        if (header.isEmpty())
            return {};
        const QUrl next = reply.url.resolved(QUrl::fromEncoded(header));
        if (!d->isRegistryHost(next))
            return failText(ErrorCode::Protocol, QStringLiteral("upload location %1 is not on registry %2")
                                                     .arg(next.toString(QUrl::RemoveQuery), d->host));
        if (next == location)
            return failText(ErrorCode::Protocol, QStringLiteral("registry %1 reused the upload location %2")
                                                     .arg(d->host, next.toString(QUrl::RemoveQuery)));
        location = next;
        return {};
    };
    auto withDigest = [&](QUrl url) {
        QUrlQuery q(url);
        q.addQueryItem(QStringLiteral("digest"), digest.toString());
        url.setQuery(q);
        return url;
    };

    qint64 sent = 0;
    if (device->isSequential() && size > d->config.chunkSize) {
        while (sent < size) {
            const QByteArray chunk = device->read(std::min(d->config.chunkSize, size - sent));
            if (chunk.isEmpty())
                return failText(ErrorCode::Io, QStringLiteral("read blob %1 at %2: %3").arg(digest.toString()).arg(sent).arg(device->errorString()));
            Private::Request r;
            r.verb = "PATCH";
            r.url = location;
            r.scope = scope;
            r.body = chunk;
            r.headers.emplaceBack("Content-Type", "application/octet-stream");
            r.headers.emplaceBack("Content-Range", QByteArray::number(sent) + '-' + QByteArray::number(sent + chunk.size() - 1));
            auto reply = d->send(r);
            if (!reply)
                return std::unexpected(reply.error());
            if (auto st = check(*reply, {202, 204}, "PATCH"); !st)
                return st;
            sent += chunk.size();
            if (auto st = nextLocation(*reply); !st)
                return st;
            if (progress)
                progress(sent, size);
        }
        Private::Request r;
        r.verb = "PUT";
        r.url = withDigest(location);
        r.scope = scope;
        r.headers.emplaceBack("Content-Type", "application/octet-stream");
        auto reply = d->send(r);
        if (!reply)
            return std::unexpected(reply.error());
        return check(*reply, {201, 204}, "PUT");
    }
    // monolithic: the whole blob in the closing PUT, streamed from the device
    Private::Request r;
    r.verb = "PUT";
    r.url = withDigest(location);
    r.scope = scope;
    r.bodyDevice = device;
    r.headers.emplaceBack("Content-Type", "application/octet-stream");
    r.headers.emplaceBack("Content-Length", QByteArray::number(size));
    if (progress) {
        // every 1/50 of the blob at most, as docker's bars move
        qint64 last = -1;
        r.uploadProgress = [&progress, &last, size](qint64 sentBytes, qint64) {
            if (sentBytes < size && last >= 0 && sentBytes - last < std::max<qint64>(size / 50, 1))
                return;
            last = sentBytes;
            progress(std::min(sentBytes, size), size);
        };
    }
    auto reply = d->send(r);
    if (!reply)
        return std::unexpected(reply.error());
    if (auto st = check(*reply, {201, 204}, "PUT"); !st)
        return st;
    if (progress)
        progress(size, size);
    return {};
}

Result<Digest> RegistryClient::putManifest(const QString &repository, const QString &reference, const QByteArray &body,
                                           const QByteArray &mediaType)
{
    Private::Request r;
    r.verb = "PUT";
    r.url = d->apiUrl(QStringLiteral("/v2/%1/manifests/%2").arg(repository, reference));
    r.scope = QStringLiteral("repository:%1:pull,push").arg(repository);
    r.body = body;
    r.headers.emplaceBack("Content-Type", mediaType);
    auto reply = d->send(r);
    if (!reply)
        return std::unexpected(reply.error());
    if (reply->status != 201 && reply->status != 200 && reply->status != 202) {
        const QString text = registryErrorText(reply->body);
        return failText(ErrorCode::Protocol, QStringLiteral("PUT manifest %1:%2 answered %3%4")
                                                 .arg(repository, reference)
                                                 .arg(reply->status)
                                                 .arg(text.isEmpty() ? QString() : QStringLiteral(": ") + text));
    }
    const Digest digest = Digest::ofData(body);
    if (const QByteArray sent = reply->header("docker-content-digest"); !sent.isEmpty()
        && QString::fromLatin1(sent) != digest.toString())
        return failText(ErrorCode::Protocol, QStringLiteral("registry stored manifest %1 as %2")
                                                 .arg(digest.toString(), QString::fromLatin1(sent)));
    return digest;
}

// --- parallel, resumable blob downloads ---------------------------------

Status RegistryClient::fetchBlobs(const QString &repository, const QList<BlobFetch> &blobs, const ContentStore &content,
                                  int concurrency)
{
    if (blobs.isEmpty())
        return {};
    if (auto st = d->ensurePinged(); !st)
        return st;
    return d->fetchBlobs(repository, blobs, content, std::max(1, concurrency));
}

Status RegistryClient::Private::fetchBlobs(const QString &repository, const QList<BlobFetch> &blobs,
                                           const ContentStore &content, int concurrency)
{
    struct Job
    {
        BlobFetch fetch;
        std::unique_ptr<BlobWriter> writer;
        int attempts = 0;
        int hops = 0;
        bool authRetried = false;
        bool started = false;
        QUrl url;
        QPointer<QNetworkReply> reply;
        QList<QSslError> sslErrors;
        std::optional<Error> writeError;
        bool headChecked = false;
        bool discard = false; // non-2xx body
        QByteArray errorBody;
    };
    const QString scope = QStringLiteral("repository:%1:pull").arg(repository);
    std::vector<std::unique_ptr<Job>> jobs;
    for (const BlobFetch &b : blobs) {
        auto j = std::make_unique<Job>();
        j->fetch = b;
        jobs.push_back(std::move(j));
    }
    QEventLoop loop;
    std::optional<Error> failure;
    size_t next = 0;
    int running = 0;
    int remaining = int(jobs.size());

    std::function<void(Job *)> launch;
    std::function<void(Job *, const Error &, bool)> retryOrFail;

    auto finishAll = [&](const Error &e) {
        if (!failure)
            failure = e;
        for (auto &j : jobs) {
            if (j->reply) {
                QNetworkReply *r = j->reply;
                j->reply.clear();
                r->disconnect();
                r->abort();
                r->deleteLater();
            }
        }
        loop.quit();
    };
    auto startMore = [&] {
        while (!failure && running < concurrency && next < jobs.size()) {
            Job *j = jobs[next++].get();
            ++running;
            launch(j);
        }
    };

    retryOrFail = [&](Job *j, const Error &e, bool retryable) {
        if (failure)
            return;
        if (!retryable || ++j->attempts >= config.maxDownloadAttempts) {
            finishAll(e);
            return;
        }
        qCWarning(lcEngine).noquote() << "blob" << j->fetch.digest.shortHex() << "attempt" << j->attempts
                                      << "failed, resuming:" << QString::fromStdString(e.toString());
        j->url.clear(); // start again at the registry (a redirect target may have expired)
        j->hops = 0;
        QTimer::singleShot(std::min(200 * (1 << j->attempts), 5000), &loop, [&, j] {
            if (!failure)
                launch(j);
        });
    };

    launch = [&](Job *j) {
        if (!j->writer) {
            auto w = content.createWriter(j->fetch.digest, j->fetch.size, j->fetch.size);
            if (!w) {
                finishAll(w.error());
                return;
            }
            j->writer = std::move(*w);
        }
        if (!j->started) {
            j->started = true;
            if (j->fetch.started)
                j->fetch.started();
        }
        if (j->url.isEmpty())
            j->url = apiUrl(QStringLiteral("/v2/%1/blobs/%2").arg(repository, j->fetch.digest.toString()));
        QByteArray authorization;
        if (isRegistryHost(j->url)) {
            auto a = authorizationFor(scope);
            if (!a) {
                finishAll(a.error());
                return;
            }
            authorization = *a;
        }
        Request r;
        const qint64 have = qint64(j->writer->bytesWritten());
        if (have > 0)
            r.headers.emplaceBack("Range", "bytes=" + QByteArray::number(have) + '-');
        QNetworkReply *reply = start(r, j->url, authorization);
        reply->setReadBufferSize(4 * 1024 * 1024);
        j->reply = reply;
        j->sslErrors.clear();
        j->headChecked = false;
        j->discard = false;
        j->errorBody.clear();
        QObject::connect(reply, &QNetworkReply::sslErrors, &loop, [j](const QList<QSslError> &e) { j->sslErrors += e; });
        auto consume = [&, j, reply] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (!j->headChecked) {
                j->headChecked = true;
                if (status == 200 && j->writer->bytesWritten() > 0) {
                    // the registry ignored Range: start over
                    j->writer.reset();
                    auto w = content.createWriter(j->fetch.digest, j->fetch.size, j->fetch.size);
                    if (!w) {
                        finishAll(w.error());
                        return;
                    }
                    j->writer = std::move(*w);
                } else if (status == 206) {
                    const QByteArray range = reply->rawHeader("Content-Range");
                    const QByteArray expected = "bytes " + QByteArray::number(qint64(j->writer->bytesWritten())) + '-';
                    if (!range.startsWith(expected)) {
                        j->writeError = Error(ErrorCode::Protocol, "resume of blob " + j->fetch.digest.toString().toStdString()
                                                                       + " got Content-Range '" + range.toStdString() + "'");
                        reply->abort();
                        return;
                    }
                }
                j->discard = status != 200 && status != 206;
            }
            const QByteArray data = reply->readAll();
            if (j->discard) {
                if (j->errorBody.size() < kErrorBodyCap)
                    j->errorBody += data.left(kErrorBodyCap);
                return;
            }
            if (auto st = j->writer->write(data); !st) {
                j->writeError = Error(st.error()).wrap("blob " + j->fetch.digest.toString().toStdString()
                                                       + " is longer than its declared size " + std::to_string(j->fetch.size));
                reply->abort();
                return;
            }
            if (j->fetch.progress)
                j->fetch.progress(qint64(j->writer->bytesWritten()), j->fetch.size);
        };
        QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&, j, reply, consume] {
            if (j->reply == reply && !j->writeError)
                consume();
        });
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, j, reply, consume] {
            if (j->reply != reply)
                return;
            if (!j->writeError && reply->bytesAvailable() > 0)
                consume();
            j->reply.clear();
            reply->deleteLater();
            if (failure)
                return;
            if (j->writeError) {
                const Error e = *j->writeError;
                j->writeError.reset();
                // more bytes than declared is final; a bad resume starts over
                if (e.code() == ErrorCode::TooLarge) {
                    finishAll(e);
                } else {
                    j->writer.reset();
                    retryOrFail(j, e, true);
                }
                return;
            }
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status == 0 || (reply->error() != QNetworkReply::NoError && (status == 200 || status == 206))) {
                Finished f;
                f.error = reply->error();
                f.errorText = reply->errorString();
                f.sslErrors = j->sslErrors;
                const Error e = transportError("GET", j->url, f);
                retryOrFail(j, e, j->sslErrors.isEmpty());
                return;
            }
            if (status >= 300 && status < 400) {
                const QUrl target = j->url.resolved(QUrl::fromEncoded(reply->rawHeader("Location")));
                if (++j->hops > kMaxRedirects) {
                    finishAll(Error(ErrorCode::Protocol, "GET blob " + j->fetch.digest.toString().toStdString() + ": too many redirects"));
                    return;
                }
                if (j->url.scheme() == QLatin1String("https") && target.scheme() != QLatin1String("https")) {
                    finishAll(Error(ErrorCode::PermissionDenied, "refusing a redirect from https to " + target.scheme().toStdString()));
                    return;
                }
                j->url = target;
                launch(j);
                return;
            }
            if (status == 401 && !j->authRetried) {
                j->authRetried = true;
                learnChallenge(reply->rawHeader("WWW-Authenticate"));
                tokens.remove(scope);
                j->url.clear();
                launch(j);
                return;
            }
            if (status == 404) {
                finishAll(Error(ErrorCode::NotFound, "blob unknown: " + j->fetch.digest.toString().toStdString()));
                return;
            }
            if (status >= 500 && status != 501) {
                retryOrFail(j, Error(ErrorCode::Unavailable, "GET blob " + j->fetch.digest.toString().toStdString()
                                                                 + ": registry answered " + std::to_string(status)),
                            true);
                return;
            }
            if (status != 200 && status != 206) {
                const QString text = registryErrorText(j->errorBody);
                finishAll(Error(status == 401 ? ErrorCode::Unauthorized : ErrorCode::Protocol,
                                "GET blob " + j->fetch.digest.toString().toStdString() + ": registry answered "
                                    + std::to_string(status) + (text.isEmpty() ? std::string() : ": " + text.toStdString())));
                return;
            }
            if (qint64(j->writer->bytesWritten()) < j->fetch.size) {
                // the connection ended early without an error: resume
                retryOrFail(j, Error(ErrorCode::Unavailable, "GET blob " + j->fetch.digest.toString().toStdString()
                                                                 + ": body ended after " + std::to_string(j->writer->bytesWritten())
                                                                 + " of " + std::to_string(j->fetch.size) + " bytes"),
                            true);
                return;
            }
            if (j->fetch.verifying)
                j->fetch.verifying();
            if (j->fetch.received) {
                j->fetch.received(std::move(j->writer));
            } else {
                auto committed = j->writer->commit();
                j->writer.reset();
                if (!committed) {
                    finishAll(Error(committed.error()).wrap("filesystem layer verification failed for digest "
                                                            + j->fetch.digest.toString().toStdString()));
                    return;
                }
                if (j->fetch.completed)
                    j->fetch.completed(*committed);
            }
            --running;
            if (--remaining == 0) {
                loop.quit();
                return;
            }
            startMore();
        });
    };

    QTimer poll;
    if (cancel) {
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (cancelled() && !failure)
                finishAll(cancelledError("fetch blobs of " + repository.toStdString()));
        });
        poll.start(kCancelPollMs);
    }
    startMore();
    if (!failure && remaining > 0 && !cancelled())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    poll.stop();
    if (!failure && cancelled())
        failure = cancelledError("fetch blobs of " + repository.toStdString());
    // drop anything still pending (a failure stopped the loop)
    for (auto &j : jobs) {
        if (j->reply) {
            QNetworkReply *r = j->reply;
            r->disconnect();
            r->abort();
            r->deleteLater();
        }
    }
    if (failure)
        return fail(*failure);
    return {};
}

} // namespace Berth::Engine
