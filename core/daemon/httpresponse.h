#pragma once

#include <base/error.h>
#include <common/httpheaders.h>

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace Berth::Daemon {

// A complete reply: status, the route's own header fields and the body.
// The connection adds the fields every reply carries (Api-Version, Ostype,
// Docker-Experimental, Server, Date) and the framing (Content-Length).
struct HttpResponse
{
    int status = 200;
    Common::HttpHeaders headers;
    QByteArray body;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse json(int status, const QJsonArray &array);
    // Docker's error shape {"message":...}, Content-Type application/json.
    static HttpResponse error(int status, const QString &message);
    // The status derived from the error code (errors.h).
    static HttpResponse error(const Error &error);
    static HttpResponse text(int status, const QByteArray &body,
                             const QByteArray &contentType = "text/plain; charset=utf-8");
    static HttpResponse empty(int status = 204);

    // The status line and header fields common to every reply berthd sends.
    static QByteArray statusLine(int status);
    static void addStandardHeaders(Common::HttpHeaders &headers);
    // "Server: Docker/<version>-berth (linux)".
    static QByteArray serverHeader();
};

// JSON bodies use Content-Type exactly this (engine-api.md rule 2).
inline constexpr char kJsonContentType[] = "application/json";

} // namespace Berth::Daemon
