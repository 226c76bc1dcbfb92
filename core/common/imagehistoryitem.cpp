#include "imagehistoryitem.h"

#include <QJsonArray>

namespace Berth::Common {

QJsonObject ImageHistoryItem::toJson() const
{
    return QJsonObject{{QStringLiteral("Id"), id},
                       {QStringLiteral("Created"), created},
                       {QStringLiteral("CreatedBy"), createdBy},
                       {QStringLiteral("Tags"), tags.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                               : QJsonValue(QJsonArray::fromStringList(tags))},
                       {QStringLiteral("Size"), size},
                       {QStringLiteral("Comment"), comment}};
}

Result<ImageHistoryItem> ImageHistoryItem::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("Id")).isString())
        return fail(ErrorCode::Protocol, "history item without Id");
    ImageHistoryItem h;
    h.id = o.value(QStringLiteral("Id")).toString();
    h.created = o.value(QStringLiteral("Created")).toInteger();
    h.createdBy = o.value(QStringLiteral("CreatedBy")).toString();
    const QJsonArray tags = o.value(QStringLiteral("Tags")).toArray();
    for (const QJsonValue &t : tags)
        h.tags.append(t.toString());
    h.size = o.value(QStringLiteral("Size")).toInteger();
    h.comment = o.value(QStringLiteral("Comment")).toString();
    return h;
}

} // namespace Berth::Common
