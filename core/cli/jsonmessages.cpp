#include "jsonmessages.h"

#include <client/jsonsplitter.h>

#include <QJsonDocument>
#include <QJsonObject>

namespace Berth::Cli {

JsonMessagesOutput displayJsonMessages(const QByteArray &stream)
{
    JsonMessagesOutput out;
    Client::JsonSplitter splitter;
    splitter.append(stream);
    for (;;) {
        auto next = splitter.next();
        if (!next) {
            out.error = QString::fromStdString(next.error().message());
            return out;
        }
        if (!next->has_value())
            break;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(**next, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            out.error = pe.errorString();
            return out;
        }
        const QJsonObject m = doc.object();
        const QJsonObject detail = m.value(QStringLiteral("errorDetail")).toObject();
        if (!detail.isEmpty() || m.contains(QStringLiteral("error"))) {
            const QString message = detail.value(QStringLiteral("message")).toString();
            out.error = message.isEmpty() ? m.value(QStringLiteral("error")).toString() : message;
            return out;
        }
        const QJsonObject progress = m.value(QStringLiteral("progressDetail")).toObject();
        if (!progress.isEmpty())
            continue; // bars are for terminals
        if (m.contains(QStringLiteral("stream"))) {
            out.text += m.value(QStringLiteral("stream")).toString();
            continue;
        }
        if (m.contains(QStringLiteral("status"))) {
            const QString id = m.value(QStringLiteral("id")).toString();
            if (!id.isEmpty())
                out.text += id + QStringLiteral(": ");
            out.text += m.value(QStringLiteral("status")).toString() + QLatin1Char('\n');
        }
    }
    return out;
}

} // namespace Berth::Cli
