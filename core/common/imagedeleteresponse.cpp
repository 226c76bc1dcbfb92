#include "imagedeleteresponse.h"

namespace Berth::Common {

QJsonObject ImageDeleteItem::toJson() const
{
    if (!untagged.isEmpty())
        return QJsonObject{{QStringLiteral("Untagged"), untagged}};
    return QJsonObject{{QStringLiteral("Deleted"), deleted}};
}

Result<ImageDeleteItem> ImageDeleteItem::fromJson(const QJsonObject &o)
{
    ImageDeleteItem item;
    item.untagged = o.value(QStringLiteral("Untagged")).toString();
    item.deleted = o.value(QStringLiteral("Deleted")).toString();
    if (item.untagged.isEmpty() == item.deleted.isEmpty())
        return fail(ErrorCode::Protocol, "image delete record needs exactly one of Untagged or Deleted");
    return item;
}

QJsonArray imageDeleteItemsToJson(const QList<ImageDeleteItem> &items)
{
    QJsonArray arr;
    for (const ImageDeleteItem &i : items)
        arr.append(i.toJson());
    return arr;
}

QJsonObject ImagePruneReport::toJson() const
{
    return QJsonObject{{QStringLiteral("ImagesDeleted"), imagesDeleted.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                                                 : QJsonValue(imageDeleteItemsToJson(imagesDeleted))},
                       {QStringLiteral("SpaceReclaimed"), spaceReclaimed}};
}

Result<ImagePruneReport> ImagePruneReport::fromJson(const QJsonObject &o)
{
    ImagePruneReport r;
    const QJsonArray arr = o.value(QStringLiteral("ImagesDeleted")).toArray();
    for (const QJsonValue &v : arr) {
        auto item = ImageDeleteItem::fromJson(v.toObject());
        if (!item)
            return std::unexpected(item.error());
        r.imagesDeleted.append(*item);
    }
    r.spaceReclaimed = o.value(QStringLiteral("SpaceReclaimed")).toInteger();
    return r;
}

} // namespace Berth::Common
