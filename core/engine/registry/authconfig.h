#pragma once

#include <base/result.h>

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace Berth::Engine {

// Registry credentials as docker's API carries them (types.AuthConfig):
// the X-Registry-Auth header of pull and push, and the body of POST /auth.
// Never logged (style.md C14).
struct AuthConfig
{
    QString username;
    QString password;
    QString auth;          // base64("user:password"), an alternative to the two above
    QString identityToken; // an OAuth refresh token
    QString registryToken; // a bearer token used as it is
    QString serverAddress;

    bool isEmpty() const
    {
        return username.isEmpty() && password.isEmpty() && auth.isEmpty() && identityToken.isEmpty()
               && registryToken.isEmpty();
    }
    // username/password, from `auth` when the two are not given.
    bool hasBasicCredentials() const { return !effectiveUsername().isEmpty() || !effectivePassword().isEmpty(); }
    QString effectiveUsername() const;
    QString effectivePassword() const;

    static AuthConfig fromJson(const QJsonObject &object);
    QJsonObject toJson() const;

    // X-Registry-Auth: base64url (or standard) JSON, padding optional
    // (engine-api.md 7.17). An empty header is "no credentials"; anything
    // that is not base64 of a JSON object is an InvalidArgument error.
    static Result<AuthConfig> fromRegistryAuthHeader(const QByteArray &header);
    QByteArray toRegistryAuthHeader() const;
};

} // namespace Berth::Engine
