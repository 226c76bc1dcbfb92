#include "imagesummary.h"

#include <QJsonArray>

namespace Berth::Common {

static QJsonValue stringsOrNull(const QStringList &list)
{
    return list.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(QJsonArray::fromStringList(list));
}

static QStringList toStrings(const QJsonValue &v)
{
    QStringList out;
    const QJsonArray arr = v.toArray();
    for (const QJsonValue &x : arr)
        out.append(x.toString());
    return out;
}

QJsonObject ImageSummary::toJson() const
{
    QJsonValue labelsValue(QJsonValue::Null);
    if (!labels.isEmpty()) {
        QJsonObject l;
        for (auto it = labels.cbegin(); it != labels.cend(); ++it)
            l.insert(it.key(), it.value());
        labelsValue = l;
    }
    return QJsonObject{{QStringLiteral("Id"), id},
                       {QStringLiteral("ParentId"), parentId},
                       {QStringLiteral("RepoTags"), stringsOrNull(repoTags)},
                       {QStringLiteral("RepoDigests"), stringsOrNull(repoDigests)},
                       {QStringLiteral("Created"), created},
                       {QStringLiteral("Size"), size},
                       {QStringLiteral("VirtualSize"), size},
                       {QStringLiteral("SharedSize"), sharedSize},
                       {QStringLiteral("Containers"), containers},
                       {QStringLiteral("Labels"), labelsValue}};
}

Result<ImageSummary> ImageSummary::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("Id")).isString())
        return fail(ErrorCode::Protocol, "image summary without Id");
    ImageSummary s;
    s.id = o.value(QStringLiteral("Id")).toString();
    s.parentId = o.value(QStringLiteral("ParentId")).toString();
    s.repoTags = toStrings(o.value(QStringLiteral("RepoTags")));
    s.repoDigests = toStrings(o.value(QStringLiteral("RepoDigests")));
    s.created = o.value(QStringLiteral("Created")).toInteger();
    s.size = o.value(QStringLiteral("Size")).toInteger();
    s.sharedSize = o.value(QStringLiteral("SharedSize")).toInteger(-1);
    s.containers = o.value(QStringLiteral("Containers")).toInteger(-1);
    const QJsonObject l = o.value(QStringLiteral("Labels")).toObject();
    for (auto it = l.constBegin(); it != l.constEnd(); ++it)
        s.labels.insert(it.key(), it.value().toString());
    return s;
}

} // namespace Berth::Common
