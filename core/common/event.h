#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QMap>
#include <QString>

namespace Berth::Common {

// One engine event as GET /events streams it (engine-api.md 8.10).
struct Event
{
    QString type;   // "container", "image", "volume", "network", "daemon"
    QString action; // "create", "start", "die", "tag", "reload", ...
    QString actorId;
    QMap<QString, QString> attributes;
    QString scope = QStringLiteral("local");
    qint64 timeNano = 0; // nanoseconds since the epoch

    qint64 time() const { return timeNano / 1000000000; }

    QJsonObject toJson() const;
    static Result<Event> fromJson(const QJsonObject &o);
};

} // namespace Berth::Common
