#pragma once

#include "filters.h"

#include <base/result.h>
#include <common/httpparser.h>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>

namespace Berth::Daemon {

// One request as a route sees it: the head, the path with the optional
// /vN.M prefix stripped and percent-decoded, the decoded query, the captures
// of the matched route pattern, and the body (buffered routes only).
class HttpRequest
{
public:
    HttpRequest() = default;

    // Splits the target into path and query, strips and checks the version
    // prefix (400 when too new or too old), percent-decodes the path.
    static Result<HttpRequest> fromHead(const Common::HttpMessageHead &head);

    const QByteArray &method() const { return m_method; }
    const QByteArray &target() const { return m_target; }
    // The decoded path without the version prefix ("/containers/x/json").
    const QString &path() const { return m_path; }
    // "1.41" when the path carried /v1.41, else empty.
    const QString &apiVersion() const { return m_apiVersion; }
    const Common::HttpHeaders &headers() const { return m_headers; }
    QByteArray header(const QByteArray &name) const { return m_headers.value(name); }
    bool isHead() const { return m_method == "HEAD"; }
    bool keepAlive() const { return m_keepAlive; }
    bool isUpgrade() const { return m_upgrade; }
    bool isHttp11() const { return m_versionMajor == 1 && m_versionMinor >= 1; }
    bool expectsContinue() const;

    // Query parameters, decoded ('+' is a space, as Go sends it).
    bool hasQuery(const QString &name) const;
    QString query(const QString &name, const QString &defaultValue = {}) const;
    QStringList queryValues(const QString &name) const;
    // 1/true/True are true; 0/false/False/empty are false; absent gives the
    // default; anything else is a 400.
    Result<bool> queryBool(const QString &name, bool defaultValue = false) const;
    // The `filters` parameter, checked against the keys the route accepts.
    Result<Filters> filters(const QStringList &acceptedKeys) const;

    // Captures of the route pattern ({id}, {name*}).
    QString capture(const QString &name) const { return m_captures.value(name); }
    void setCaptures(QMap<QString, QString> captures) { m_captures = std::move(captures); }

    const QByteArray &body() const { return m_body; }
    void appendBody(const char *data, qsizetype size) { m_body.append(data, size); }
    void setBody(QByteArray body) { m_body = std::move(body); }

private:
    QByteArray m_method;
    QByteArray m_target;
    QString m_path;
    QString m_apiVersion;
    Common::HttpHeaders m_headers;
    QList<QPair<QString, QString>> m_query;
    QMap<QString, QString> m_captures;
    QByteArray m_body;
    int m_versionMajor = 1;
    int m_versionMinor = 1;
    bool m_keepAlive = true;
    bool m_upgrade = false;
};

} // namespace Berth::Daemon
