#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QMap>
#include <QStringList>

namespace Berth::Common {

// One GET /images/json item (engine-api.md 8.5).
struct ImageSummary
{
    QString id;       // "sha256:<64hex>"
    QString parentId; // "" when none
    QStringList repoTags;    // familiar "name:tag"; ["<none>:<none>"] when dangling
    QStringList repoDigests; // "name@sha256:..."; ["<none>@<none>"] when dangling
    qint64 created = 0;      // unix seconds
    qint64 size = 0;
    qint64 sharedSize = -1;
    qint64 containers = -1;
    QMap<QString, QString> labels;

    QJsonObject toJson() const;
    static Result<ImageSummary> fromJson(const QJsonObject &o);
};

} // namespace Berth::Common
