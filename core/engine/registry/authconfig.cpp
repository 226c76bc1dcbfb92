#include "authconfig.h"

#include <QJsonDocument>

namespace Berth::Engine {

namespace {

QPair<QString, QString> splitAuth(const QString &auth)
{
    if (auth.isEmpty())
        return {};
    const QByteArray decoded = QByteArray::fromBase64(auth.toLatin1());
    const qsizetype colon = decoded.indexOf(':');
    if (colon < 0)
        return {};
    return {QString::fromUtf8(decoded.left(colon)), QString::fromUtf8(decoded.mid(colon + 1))};
}

} // namespace

QString AuthConfig::effectiveUsername() const
{
    return username.isEmpty() ? splitAuth(auth).first : username;
}

QString AuthConfig::effectivePassword() const
{
    return password.isEmpty() ? splitAuth(auth).second : password;
}

AuthConfig AuthConfig::fromJson(const QJsonObject &o)
{
    AuthConfig a;
    a.username = o.value(QLatin1String("username")).toString();
    a.password = o.value(QLatin1String("password")).toString();
    a.auth = o.value(QLatin1String("auth")).toString();
    a.identityToken = o.value(QLatin1String("identitytoken")).toString();
    a.registryToken = o.value(QLatin1String("registrytoken")).toString();
    a.serverAddress = o.value(QLatin1String("serveraddress")).toString();
    return a;
}

QJsonObject AuthConfig::toJson() const
{
    QJsonObject o;
    if (!username.isEmpty())
        o.insert(QLatin1String("username"), username);
    if (!password.isEmpty())
        o.insert(QLatin1String("password"), password);
    if (!auth.isEmpty())
        o.insert(QLatin1String("auth"), auth);
    if (!identityToken.isEmpty())
        o.insert(QLatin1String("identitytoken"), identityToken);
    if (!registryToken.isEmpty())
        o.insert(QLatin1String("registrytoken"), registryToken);
    if (!serverAddress.isEmpty())
        o.insert(QLatin1String("serveraddress"), serverAddress);
    return o;
}

Result<AuthConfig> AuthConfig::fromRegistryAuthHeader(const QByteArray &header)
{
    const QByteArray trimmed = header.trimmed();
    if (trimmed.isEmpty())
        return AuthConfig{};
    // strict decoding, so that the wrong alphabet fails instead of dropping characters
    auto decoded = QByteArray::fromBase64Encoding(trimmed, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        decoded = QByteArray::fromBase64Encoding(trimmed, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return fail(ErrorCode::InvalidArgument, "invalid X-Registry-Auth header: not base64");
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*decoded, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return fail(ErrorCode::InvalidArgument, "invalid X-Registry-Auth header: not a JSON object");
    return fromJson(doc.object());
}

QByteArray AuthConfig::toRegistryAuthHeader() const
{
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact).toBase64(QByteArray::Base64UrlEncoding);
}

} // namespace Berth::Engine
