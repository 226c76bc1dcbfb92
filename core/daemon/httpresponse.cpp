#include "httpresponse.h"

#include <common/apiversion.h>
#include <common/errors.h>

#include <QDateTime>
#include <QJsonDocument>
#include <QLocale>

namespace Berth::Daemon {

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    HttpResponse r;
    r.status = status;
    r.headers.set("Content-Type", kJsonContentType);
    r.body = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    return r;
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    HttpResponse r;
    r.status = status;
    r.headers.set("Content-Type", kJsonContentType);
    r.body = QJsonDocument(array).toJson(QJsonDocument::Compact) + '\n';
    return r;
}

HttpResponse HttpResponse::error(int status, const QString &message)
{
    HttpResponse r;
    r.status = status;
    r.headers.set("Content-Type", kJsonContentType);
    r.body = Common::errorBody(message) + '\n';
    return r;
}

HttpResponse HttpResponse::error(const Error &error)
{
    // The client shows the message as is; keep the context chain in it.
    return HttpResponse::error(Common::httpStatusFor(error.code()), Common::toQString(error));
}

HttpResponse HttpResponse::text(int status, const QByteArray &body, const QByteArray &contentType)
{
    HttpResponse r;
    r.status = status;
    r.headers.set("Content-Type", contentType);
    r.body = body;
    return r;
}

HttpResponse HttpResponse::empty(int status)
{
    HttpResponse r;
    r.status = status;
    return r;
}

QByteArray HttpResponse::statusLine(int status)
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + Common::reasonPhrase(status) + "\r\n";
}

QByteArray HttpResponse::serverHeader()
{
    return QByteArrayLiteral("Docker/" BERTH_VERSION "-berth (linux)");
}

void HttpResponse::addStandardHeaders(Common::HttpHeaders &headers)
{
    headers.set("Api-Version", Common::kApiVersion);
    headers.set("Docker-Experimental", "false");
    headers.set("Ostype", "linux");
    headers.set("Server", serverHeader());
    const QString date = QLocale::c().toString(QDateTime::currentDateTimeUtc(),
                                               QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    headers.set("Date", date.toLatin1());
}

} // namespace Berth::Daemon
