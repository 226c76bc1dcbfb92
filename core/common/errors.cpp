#include "errors.h"

#include <base/httpstatus.h>

#include <QJsonDocument>
#include <QJsonObject>

namespace Berth::Common {

int httpStatusFor(ErrorCode code)
{
    return httpStatusForError(code);
}

ErrorCode errorCodeForStatus(int status)
{
    return errorCodeForHttpStatus(status);
}

QByteArray reasonPhrase(int status)
{
    return httpReasonPhrase(status);
}

QByteArray errorBody(const QString &message)
{
    QJsonObject o;
    o.insert(QStringLiteral("message"), message);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray errorBody(const Error &error)
{
    return errorBody(toQString(error));
}

QString messageFromErrorBody(const QByteArray &body)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error == QJsonParseError::NoError && doc.isObject()) {
        const QJsonValue m = doc.object().value(QStringLiteral("message"));
        if (m.isString())
            return m.toString().trimmed();
    }
    return QString::fromUtf8(body).trimmed();
}

} // namespace Berth::Common
