#pragma once

#include <base/result.h>

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace Berth::Client {

// Registry credentials of the user running berth, in docker's config.json
// shape ({"auths":{"SERVER":{"auth":"base64(user:password)"}}}):
//   berth's own file  $BERTH_CONFIG/config.json, else
//                     $XDG_CONFIG_HOME/berth/config.json (~/.config/berth/),
//                     written with mode 0600 in a 0700 directory;
//   docker's file     $DOCKER_CONFIG/config.json, else ~/.docker/config.json,
//                     read when berth's has no entry (never written).
// Server keys follow docker: "https://index.docker.io/v1/" for Docker Hub,
// HOST[:PORT] for the others. Credential helpers (credsStore) are not used.
class CredentialStore
{
public:
    struct Entry
    {
        QString username;
        QString password;
        QString identityToken;
        QString serverAddress;
    };

    CredentialStore(); // the paths above
    CredentialStore(QString berthConfig, QString dockerConfig);

    // "docker.io", "https://index.docker.io/v1/", "http://h:5000/v2/" -> the config key
    static QString serverKey(const QString &serverOrDomain);

    std::optional<Entry> lookup(const QString &serverOrDomain) const;
    Status store(const QString &serverOrDomain, const QString &username, const QString &password);
    // True when berth's file had an entry for the server.
    Result<bool> erase(const QString &serverOrDomain);

    // X-Registry-Auth for a reference's domain: base64url JSON; "e30=" ({})
    // when there are no credentials, as docker sends.
    QByteArray registryAuthHeader(const QString &domain) const;

    // Every stored credential as docker's X-Registry-Config sends them (the
    // docker CLI's build): config key -> {username, password, identitytoken,
    // serveraddress}; berth's file wins over docker's for the same server.
    QJsonObject allAuthConfigs() const;

    const QString &berthConfigPath() const { return m_berthConfig; }

private:
    QString m_berthConfig;
    QString m_dockerConfig;
};

} // namespace Berth::Client
