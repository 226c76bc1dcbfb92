#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QStringList>

namespace Berth::Common {

// One GET /images/{name}/history item (engine-api.md 8.7), newest first.
struct ImageHistoryItem
{
    QString id = QStringLiteral("<missing>");
    qint64 created = 0; // unix seconds
    QString createdBy;
    QStringList tags; // null on the wire when empty
    qint64 size = 0;
    QString comment;

    QJsonObject toJson() const;
    static Result<ImageHistoryItem> fromJson(const QJsonObject &o);
};

} // namespace Berth::Common
