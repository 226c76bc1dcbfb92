#include "event.h"

namespace Berth::Common {

QJsonObject Event::toJson() const
{
    QJsonObject attrs;
    for (auto it = attributes.cbegin(); it != attributes.cend(); ++it)
        attrs.insert(it.key(), it.value());
    QJsonObject o;
    // The legacy fields (status/id/from) still matter to clients below API 1.22.
    if (type == QLatin1String("container") || type == QLatin1String("image")) {
        o.insert(QStringLiteral("status"), action);
        o.insert(QStringLiteral("id"), actorId);
        if (attributes.contains(QStringLiteral("image")))
            o.insert(QStringLiteral("from"), attributes.value(QStringLiteral("image")));
    }
    o.insert(QStringLiteral("Type"), type);
    o.insert(QStringLiteral("Action"), action);
    o.insert(QStringLiteral("Actor"), QJsonObject{{QStringLiteral("ID"), actorId},
                                                  {QStringLiteral("Attributes"), attrs}});
    o.insert(QStringLiteral("scope"), scope);
    o.insert(QStringLiteral("time"), time());
    o.insert(QStringLiteral("timeNano"), timeNano);
    return o;
}

Result<Event> Event::fromJson(const QJsonObject &o)
{
    Event e;
    e.type = o.value(QStringLiteral("Type")).toString();
    e.action = o.value(QStringLiteral("Action")).toString();
    if (e.type.isEmpty() || e.action.isEmpty())
        return fail(ErrorCode::Protocol, "event lacks Type or Action");
    const QJsonObject actor = o.value(QStringLiteral("Actor")).toObject();
    e.actorId = actor.value(QStringLiteral("ID")).toString();
    const QJsonObject attrs = actor.value(QStringLiteral("Attributes")).toObject();
    for (auto it = attrs.begin(); it != attrs.end(); ++it)
        e.attributes.insert(it.key(), it.value().toString());
    e.scope = o.value(QStringLiteral("scope")).toString(QStringLiteral("local"));
    const QJsonValue tn = o.value(QStringLiteral("timeNano"));
    e.timeNano = tn.isUndefined() ? o.value(QStringLiteral("time")).toInteger() * 1000000000 : tn.toInteger();
    return e;
}

} // namespace Berth::Common
