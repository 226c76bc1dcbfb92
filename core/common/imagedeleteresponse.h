#pragma once

#include <base/result.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace Berth::Common {

// One record of DELETE /images/{name} and of prune (engine-api.md 8.8):
// exactly one of untagged / deleted is set.
struct ImageDeleteItem
{
    QString untagged;
    QString deleted;

    QJsonObject toJson() const;
    static Result<ImageDeleteItem> fromJson(const QJsonObject &o);
};

QJsonArray imageDeleteItemsToJson(const QList<ImageDeleteItem> &items);

// POST /images/prune: {"ImagesDeleted":[...]|null,"SpaceReclaimed":n}
struct ImagePruneReport
{
    QList<ImageDeleteItem> imagesDeleted;
    qint64 spaceReclaimed = 0;

    QJsonObject toJson() const;
    static Result<ImagePruneReport> fromJson(const QJsonObject &o);
};

} // namespace Berth::Common
