#include "credentialstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QUrl>

#include <sys/stat.h>

namespace Berth::Client {

namespace {

constexpr char kHubKey[] = "https://index.docker.io/v1/";

QString envPath(const char *name)
{
    return QString::fromLocal8Bit(qgetenv(name));
}

QJsonObject readConfig(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.read(4 * 1024 * 1024)).object();
}

std::optional<CredentialStore::Entry> entryIn(const QJsonObject &config, const QString &key)
{
    const QJsonObject auths = config.value(QLatin1String("auths")).toObject();
    QJsonObject found;
    for (auto it = auths.begin(); it != auths.end(); ++it) {
        if (CredentialStore::serverKey(it.key()) == key) {
            found = it.value().toObject();
            break;
        }
    }
    if (found.isEmpty())
        return std::nullopt;
    CredentialStore::Entry e;
    e.serverAddress = key;
    e.username = found.value(QLatin1String("username")).toString();
    e.password = found.value(QLatin1String("password")).toString();
    e.identityToken = found.value(QLatin1String("identitytoken")).toString();
    const QByteArray decoded = QByteArray::fromBase64(found.value(QLatin1String("auth")).toString().toLatin1());
    if (const qsizetype colon = decoded.indexOf(':'); colon >= 0) {
        e.username = QString::fromUtf8(decoded.left(colon));
        e.password = QString::fromUtf8(decoded.mid(colon + 1));
    }
    if (e.username.isEmpty() && e.password.isEmpty() && e.identityToken.isEmpty())
        return std::nullopt;
    return e;
}

} // namespace

CredentialStore::CredentialStore()
{
    QString berthDir = envPath("BERTH_CONFIG");
    if (berthDir.isEmpty()) {
        QString xdg = envPath("XDG_CONFIG_HOME");
        if (xdg.isEmpty())
            xdg = QDir::homePath() + QStringLiteral("/.config");
        berthDir = xdg + QStringLiteral("/berth");
    }
    m_berthConfig = berthDir + QStringLiteral("/config.json");
    QString dockerDir = envPath("DOCKER_CONFIG");
    if (dockerDir.isEmpty())
        dockerDir = QDir::homePath() + QStringLiteral("/.docker");
    m_dockerConfig = dockerDir + QStringLiteral("/config.json");
}

CredentialStore::CredentialStore(QString berthConfig, QString dockerConfig)
    : m_berthConfig(std::move(berthConfig))
    , m_dockerConfig(std::move(dockerConfig))
{
}

QString CredentialStore::serverKey(const QString &serverOrDomain)
{
    QString s = serverOrDomain.trimmed();
    if (s.contains(QLatin1String("://")))
        s = QUrl(s).authority();
    s = s.section(u'/', 0, 0).toLower();
    if (s.isEmpty() || s == QLatin1String("docker.io") || s == QLatin1String("index.docker.io")
        || s == QLatin1String("registry-1.docker.io"))
        return QLatin1String(kHubKey);
    return s;
}

std::optional<CredentialStore::Entry> CredentialStore::lookup(const QString &serverOrDomain) const
{
    const QString key = serverKey(serverOrDomain);
    if (auto e = entryIn(readConfig(m_berthConfig), key))
        return e;
    return entryIn(readConfig(m_dockerConfig), key);
}

Status CredentialStore::store(const QString &serverOrDomain, const QString &username, const QString &password)
{
    const QString key = serverKey(serverOrDomain);
    QJsonObject config = readConfig(m_berthConfig);
    QJsonObject auths = config.value(QLatin1String("auths")).toObject();
    auths.insert(key, QJsonObject{{QStringLiteral("auth"), QString::fromLatin1((username + u':' + password).toUtf8().toBase64())}});
    config.insert(QStringLiteral("auths"), auths);

    const QString dir = QFileInfo(m_berthConfig).path();
    if (!QDir().mkpath(dir))
        return fail(ErrorCode::Io, "create " + dir.toStdString());
    ::chmod(QFile::encodeName(dir).constData(), 0700);
    QSaveFile f(m_berthConfig);
    if (!f.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Io, "write " + m_berthConfig.toStdString() + ": " + f.errorString().toStdString());
    if (::fchmod(f.handle(), 0600) != 0)
        return failErrno("chmod 0600 " + m_berthConfig.toStdString());
    f.write(QJsonDocument(config).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return fail(ErrorCode::Io, "write " + m_berthConfig.toStdString() + ": " + f.errorString().toStdString());
    return {};
}

Result<bool> CredentialStore::erase(const QString &serverOrDomain)
{
    const QString key = serverKey(serverOrDomain);
    QJsonObject config = readConfig(m_berthConfig);
    QJsonObject auths = config.value(QLatin1String("auths")).toObject();
    bool found = false;
    for (const QString &k : auths.keys()) {
        if (serverKey(k) == key) {
            auths.remove(k);
            found = true;
        }
    }
    if (!found)
        return false;
    config.insert(QStringLiteral("auths"), auths);
    QSaveFile f(m_berthConfig);
    if (!f.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Io, "write " + m_berthConfig.toStdString() + ": " + f.errorString().toStdString());
    if (::fchmod(f.handle(), 0600) != 0)
        return failErrno("chmod 0600 " + m_berthConfig.toStdString());
    f.write(QJsonDocument(config).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return fail(ErrorCode::Io, "write " + m_berthConfig.toStdString() + ": " + f.errorString().toStdString());
    return true;
}

namespace {

QJsonObject authConfig(const CredentialStore::Entry &e, const QString &serverAddress)
{
    QJsonObject o;
    if (!e.username.isEmpty())
        o.insert(QStringLiteral("username"), e.username);
    if (!e.password.isEmpty())
        o.insert(QStringLiteral("password"), e.password);
    if (!e.identityToken.isEmpty())
        o.insert(QStringLiteral("identitytoken"), e.identityToken);
    o.insert(QStringLiteral("serveraddress"), serverAddress);
    return o;
}

} // namespace

QByteArray CredentialStore::registryAuthHeader(const QString &domain) const
{
    const auto e = lookup(domain);
    if (!e)
        return "e30=";
    return QJsonDocument(authConfig(*e, serverKey(domain))).toJson(QJsonDocument::Compact).toBase64(QByteArray::Base64UrlEncoding);
}

QJsonObject CredentialStore::allAuthConfigs() const
{
    QJsonObject out;
    for (const QString &path : {m_dockerConfig, m_berthConfig}) {
        const QJsonObject config = readConfig(path);
        const QJsonObject auths = config.value(QLatin1String("auths")).toObject();
        for (auto it = auths.begin(); it != auths.end(); ++it) {
            const QString key = serverKey(it.key());
            if (auto e = entryIn(config, key))
                out.insert(key, authConfig(*e, key));
        }
    }
    return out;
}

} // namespace Berth::Client
