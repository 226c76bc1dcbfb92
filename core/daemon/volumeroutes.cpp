#include "volumeroutes.h"

#include "eventbus.h"
#include "httprequest.h"

#include <common/event.h>
#include <engine/containerstore.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Berth::Daemon {

namespace {

QMap<QString, QString> stringMap(const QJsonValue &value)
{
    QMap<QString, QString> out;
    const QJsonObject o = value.toObject();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

} // namespace

VolumeRoutes::VolumeRoutes(Context context)
    : m_context(std::move(context))
{
}

Engine::VolumeUsageCallback VolumeRoutes::containerUsage(const Engine::ContainerStore *containers)
{
    return [containers](const QString &name) {
        QStringList ids;
        if (!containers)
            return ids;
        for (const Engine::ContainerRecord &c : containers->list()) {
            for (const QJsonValue &m : c.mounts) {
                const QJsonObject mount = m.toObject();
                if (mount.value(QStringLiteral("Type")).toString() == u"volume"
                    && mount.value(QStringLiteral("Name")).toString() == name) {
                    ids.append(c.id);
                    break;
                }
            }
        }
        return ids;
    };
}

QJsonObject VolumeRoutes::volumeJson(const Engine::VolumeRecord &record)
{
    return record.toJson();
}

void VolumeRoutes::registerRoutes(Router &router)
{
    router.addReplyRoute("GET", QStringLiteral("/volumes"), [this](const HttpRequest &r) { return list(r); });
    router.addReplyRoute("POST", QStringLiteral("/volumes/create"), [this](const HttpRequest &r) { return create(r); });
    router.addReplyRoute("POST", QStringLiteral("/volumes/prune"), [this](const HttpRequest &r) { return prune(r); });
    router.addReplyRoute("GET", QStringLiteral("/volumes/{name}"), [this](const HttpRequest &r) { return inspect(r); });
    router.addReplyRoute("DELETE", QStringLiteral("/volumes/{name}"), [this](const HttpRequest &r) { return remove(r); });
}

QStringList VolumeRoutes::usersOf(const QString &name) const
{
    return m_context.usage ? m_context.usage(name) : QStringList();
}

std::function<Result<QString>(const QString &name)> VolumeRoutes::mountpointProvider(Engine::VolumeStore *volumes,
                                                                                     EventBus *events)
{
    return [volumes, events](const QString &name) -> Result<QString> {
        const bool existed = !name.isEmpty() && volumes->contains(name);
        Engine::VolumeCreateOptions options;
        options.name = name;
        options.anonymous = name.isEmpty();
        auto record = volumes->create(options);
        if (!record)
            return fail(record.error());
        if (!existed)
            publish(events, QStringLiteral("create"), *record);
        return record->mountpoint;
    };
}

std::function<Result<ContainerConfig::CreateContext::VolumeGrant>(const ContainerConfig::CreateContext::VolumeRequest &)>
VolumeRoutes::volumeProvider(Engine::VolumeStore *volumes, EventBus *events)
{
    return [volumes, events](const ContainerConfig::CreateContext::VolumeRequest &request)
               -> Result<ContainerConfig::CreateContext::VolumeGrant> {
        const bool existed = !request.name.isEmpty() && volumes->contains(request.name);
        Engine::VolumeCreateOptions options;
        options.name = request.name;
        options.driver = request.driver;
        options.anonymous = request.name.isEmpty();
        if (!existed) {
            options.labels = request.labels;
            options.options = request.options;
        }
        if (options.anonymous)
            options.labels.insert(QLatin1String(kAnonymousLabel), QString());
        auto record = volumes->create(options);
        if (!record)
            return fail(record.error());
        if (!existed)
            publish(events, QStringLiteral("create"), *record);
        return ContainerConfig::CreateContext::VolumeGrant{record->name, record->mountpoint, !existed};
    };
}

void VolumeRoutes::removeVolumes(Engine::VolumeStore *volumes, EventBus *events, const QStringList &names,
                                 const Engine::VolumeUsageCallback &usage, bool anonymousOnly)
{
    for (const QString &name : names) {
        auto record = volumes->get(name);
        if (!record || (anonymousOnly && !record->labels.contains(QLatin1String(kAnonymousLabel))))
            continue;
        if (auto removed = volumes->remove(name, false, usage); !removed)
            continue; // still used by another container: dockerd keeps it quietly
        publish(events, QStringLiteral("destroy"), *record);
    }
}

void VolumeRoutes::publish(EventBus *events, const QString &action, const Engine::VolumeRecord &record)
{
    if (!events)
        return;
    Common::Event e;
    e.type = QStringLiteral("volume");
    e.action = action;
    e.actorId = record.name;
    e.attributes.insert(QStringLiteral("driver"), record.driver);
    events->publish(e);
}

HttpResponse VolumeRoutes::list(const HttpRequest &request) const
{
    auto filters = request.filters({QStringLiteral("dangling"), QStringLiteral("driver"), QStringLiteral("label"),
                                    QStringLiteral("name")});
    if (!filters)
        return HttpResponse::error(filters.error());
    std::optional<bool> dangling;
    for (const QString &v : filters->values(QStringLiteral("dangling"))) {
        if (v == u"true" || v == u"1")
            dangling = true;
        else if (v == u"false" || v == u"0")
            dangling = false;
        else
            return HttpResponse::error(400, QStringLiteral("invalid filter 'dangling=%1'").arg(v));
    }
    QJsonArray volumes;
    for (const Engine::VolumeRecord &r : m_context.volumes->list()) {
        if (dangling && usersOf(r.name).isEmpty() != *dangling)
            continue;
        if (!filters->exactMatch(QStringLiteral("driver"), r.driver))
            continue;
        if (!filters->matchKeyValues(QStringLiteral("label"), r.labels))
            continue;
        if (filters->contains(QStringLiteral("name"))) {
            bool any = false;
            for (const QString &n : filters->values(QStringLiteral("name")))
                any = any || r.name.contains(n); // docker: substring match
            if (!any)
                continue;
        }
        volumes.append(volumeJson(r));
    }
    QJsonObject body;
    body.insert(QStringLiteral("Volumes"), volumes);
    body.insert(QStringLiteral("Warnings"), QJsonValue::Null);
    return HttpResponse::json(200, body);
}

HttpResponse VolumeRoutes::create(const HttpRequest &request) const
{
    Engine::VolumeCreateOptions options;
    if (!request.body().trimmed().isEmpty()) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &error);
        if (!doc.isObject())
            return HttpResponse::error(400, QStringLiteral("invalid JSON: %1").arg(error.errorString()));
        const QJsonObject o = doc.object();
        options.name = o.value(QStringLiteral("Name")).toString();
        options.driver = o.value(QStringLiteral("Driver")).toString();
        options.labels = stringMap(o.value(QStringLiteral("Labels")));
        options.options = stringMap(o.value(QStringLiteral("DriverOpts")));
    }
    const bool existed = !options.name.isEmpty() && m_context.volumes->contains(options.name);
    auto record = m_context.volumes->create(options);
    if (!record)
        return HttpResponse::error(record.error());
    if (!existed)
        publish(m_context.events, QStringLiteral("create"), *record);
    return HttpResponse::json(201, volumeJson(*record));
}

HttpResponse VolumeRoutes::inspect(const HttpRequest &request) const
{
    auto record = m_context.volumes->get(request.capture(QStringLiteral("name")));
    if (!record)
        return HttpResponse::error(record.error());
    return HttpResponse::json(200, volumeJson(*record));
}

HttpResponse VolumeRoutes::remove(const HttpRequest &request) const
{
    auto force = request.queryBool(QStringLiteral("force"));
    if (!force)
        return HttpResponse::error(force.error());
    const QString name = request.capture(QStringLiteral("name"));
    auto record = m_context.volumes->get(name);
    auto removed = m_context.volumes->remove(name, *force, [this](const QString &n) { return usersOf(n); });
    if (!removed)
        return HttpResponse::error(removed.error());
    if (record)
        publish(m_context.events, QStringLiteral("destroy"), *record);
    return HttpResponse::empty(204);
}

HttpResponse VolumeRoutes::prune(const HttpRequest &request) const
{
    // docker 23+ (API 1.42): only anonymous volumes unless all=true; below
    // 1.42 every unused volume goes (dockerd's pre-1.42 behaviour).
    auto filters = request.filters({QStringLiteral("label"), QStringLiteral("label!"), QStringLiteral("all")});
    if (!filters)
        return HttpResponse::error(filters.error());
    const Filters f = *filters;
    // No version prefix: dockerd's own (newest) behaviour.
    bool all = false;
    if (const QString version = request.apiVersion(); !version.isEmpty()) {
        const QStringList parts = version.split(u'.');
        all = parts.value(0).toInt() < 1 || (parts.value(0).toInt() == 1 && parts.value(1).toInt() < 42);
    }
    if (f.contains(QStringLiteral("all")))
        all = false; // the client said which
    for (const QString &v : f.values(QStringLiteral("all"))) {
        if (v == u"true" || v == u"1")
            all = true;
        else if (v == u"false" || v == u"0")
            continue;
        else
            return HttpResponse::error(400, QStringLiteral("invalid filter 'all=%1'").arg(v));
    }
    QList<Engine::VolumeRecord> doomed;
    auto report = m_context.volumes->prune([this](const QString &n) { return usersOf(n); },
                                           [&f, &doomed, all](const Engine::VolumeRecord &r) {
                                               if (!all && !r.labels.contains(QLatin1String(kAnonymousLabel)))
                                                   return false;
                                               if (!f.matchKeyValues(QStringLiteral("label"), r.labels))
                                                   return false;
                                               if (f.contains(QStringLiteral("label!"))) {
                                                   // label!=k or k=v: drop volumes that do carry it
                                                   for (const QString &kv : f.values(QStringLiteral("label!"))) {
                                                       const qsizetype eq = kv.indexOf(u'=');
                                                       const QString k = eq < 0 ? kv : kv.left(eq);
                                                       if (r.labels.contains(k)
                                                           && (eq < 0 || r.labels.value(k) == kv.mid(eq + 1)))
                                                           return false;
                                                   }
                                               }
                                               doomed.append(r);
                                               return true;
                                           });
    if (!report)
        return HttpResponse::error(report.error());
    QJsonArray deleted;
    for (const QString &n : report->deleted) {
        deleted.append(n);
        for (const auto &r : std::as_const(doomed)) {
            if (r.name == n)
                publish(m_context.events, QStringLiteral("destroy"), r);
        }
    }
    QJsonObject body;
    body.insert(QStringLiteral("VolumesDeleted"), deleted.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(deleted));
    body.insert(QStringLiteral("SpaceReclaimed"), qint64(report->spaceReclaimed));
    return HttpResponse::json(200, body);
}

} // namespace Berth::Daemon
