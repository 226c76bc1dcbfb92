#include "systemroutes.h"

#include "daemonlogging.h"
#include "eventbus.h"

#include <buildinfo.h>
#include "hostinfo.h"
#include "httpexchange.h"

#include <common/apiversion.h>
#include <common/errors.h>
#include <common/systeminfo.h>
#include <common/versioninfo.h>

#include <QPointer>
#include <QTimer>

#include <memory>


namespace Berth::Daemon {

SystemRoutes::SystemRoutes(Context context)
    : m_context(std::move(context))
{
}

void SystemRoutes::registerRoutes(Router &router)
{
    router.addReplyRoute("GET", QStringLiteral("/_ping"), [this](const HttpRequest &r) { return ping(r); });
    router.addReplyRoute("HEAD", QStringLiteral("/_ping"), [this](const HttpRequest &r) { return ping(r); });
    router.addReplyRoute("GET", QStringLiteral("/version"), [this](const HttpRequest &r) { return version(r); });
    router.addReplyRoute("GET", QStringLiteral("/info"), [this](const HttpRequest &r) { return info(r); });
    router.addRoute("GET", QStringLiteral("/events"), [this](HttpExchange &ex) { events(ex); });
}

HttpResponse SystemRoutes::ping(const HttpRequest &request) const
{
    HttpResponse r = HttpResponse::text(200, request.isHead() ? QByteArray() : QByteArrayLiteral("OK"));
    r.headers.set("Cache-Control", "no-cache, no-store, must-revalidate");
    r.headers.set("Pragma", "no-cache");
    r.headers.set("Swarm", "inactive");
    return r;
}

HttpResponse SystemRoutes::version(const HttpRequest &) const
{
    Common::VersionInfo v;
    v.platformName = QStringLiteral("Berth Engine");
    v.version = QStringLiteral(BERTH_VERSION "-berth");
    v.apiVersion = QString::fromLatin1(Common::kApiVersion);
    v.minApiVersion = QString::fromLatin1(Common::kMinApiVersion);
    v.gitCommit = QStringLiteral(BERTH_GIT_COMMIT);
    v.goVersion = HostInfo::compilerVersion();
    v.os = QStringLiteral("linux");
    v.arch = HostInfo::goArch();
    v.kernelVersion = HostInfo::kernelVersion();
    v.buildTime = HostInfo::buildTime();
    v.experimental = false;
    return HttpResponse::json(200, v.toJson());
}

HttpResponse SystemRoutes::info(const HttpRequest &) const
{
    Common::SystemInfo s;
    s.id = m_context.engineId;
    s.name = HostInfo::hostName();
    s.serverVersion = QStringLiteral(BERTH_VERSION "-berth");
    s.rootDir = m_context.config.root;
    s.kernelVersion = HostInfo::kernelVersion();
    s.operatingSystem = HostInfo::osPrettyName();
    s.osVersion = HostInfo::osVersionId();
    s.architecture = HostInfo::machine();
    s.ncpu = HostInfo::cpuCount();
    s.memTotal = HostInfo::memTotalBytes();
    s.cgroupVersion = HostInfo::cgroupVersion();
    s.systemTime = HostInfo::rfc3339Nano();
    s.eventListeners = m_context.events ? m_context.events->subscriberCount() : 0;
    s.openFds = HostInfo::openFdCount();
    s.threads = HostInfo::threadCount();
    s.runtimePath = m_context.config.runtimePath;
    s.images = m_context.imageCount ? m_context.imageCount() : 0;
    if (m_context.containerCounts)
        m_context.containerCounts(s);
    s.debug = m_context.config.debug;
    QJsonObject o = s.toJson();
    // Fields dockerd 20.10 sends that SystemInfo does not model; the CLI
    // prints some of them ("containerd version", ...).
    const QJsonObject noCommit{{QStringLiteral("ID"), QString()}, {QStringLiteral("Expected"), QString()}};
    const std::pair<const char *, QJsonValue> extra[] = {
        {"KernelMemory", false},
        {"KernelMemoryTCP", false},
        {"OomKillDisable", s.cgroupVersion == QLatin1String("1")},
        {"BridgeNfIptables", false},
        {"BridgeNfIp6tables", false},
        {"ContainerdCommit", noCommit},
        {"RuncCommit", noCommit},
        {"InitCommit", noCommit},
    };
    for (const auto &[key, value] : extra) {
        if (!o.contains(QLatin1String(key)))
            o.insert(QLatin1String(key), value);
    }
    return HttpResponse::json(200, o);
}

// "1700000000" or "1700000000.123456789" (moby's timetypes) to nanoseconds.
static Result<qint64> parseTimestamp(const QString &value, const char *name)
{
    const QString v = value.trimmed();
    const qsizetype dot = v.indexOf(QLatin1Char('.'));
    bool ok = false;
    const qint64 secs = (dot < 0 ? v : v.left(dot)).toLongLong(&ok);
    if (!ok)
        return fail(ErrorCode::InvalidArgument, std::string("invalid value for ") + name + ": " + v.toStdString());
    qint64 nanos = 0;
    if (dot >= 0) {
        QString frac = v.mid(dot + 1).left(9);
        bool fracOk = false;
        frac = frac.leftJustified(9, QLatin1Char('0'));
        nanos = frac.toLongLong(&fracOk);
        if (!fracOk)
            return fail(ErrorCode::InvalidArgument, std::string("invalid value for ") + name + ": " + v.toStdString());
    }
    return secs * 1000000000 + nanos;
}

void SystemRoutes::events(HttpExchange &exchange) const
{
    const HttpRequest &r = exchange.request();
    EventBus *bus = m_context.events;
    if (!bus) {
        exchange.respondError(501, QStringLiteral("events are not available"));
        return;
    }
    // since=0 is a real time (the epoch: replay everything), as in moby;
    // only an absent `since` means "from now on".
    qint64 since = -1;
    qint64 until = 0;
    if (const QString s = r.query(QStringLiteral("since")); !s.isEmpty()) {
        auto t = parseTimestamp(s, "since");
        if (!t)
            return exchange.respondError(t.error());
        since = *t;
    }
    if (const QString u = r.query(QStringLiteral("until")); !u.isEmpty()) {
        auto t = parseTimestamp(u, "until");
        if (!t)
            return exchange.respondError(t.error());
        until = *t;
    }
    if (since >= 0 && until > 0 && until < since)
        return exchange.respondError(400, QStringLiteral("`since` time is after `until` time"));
    auto filters = r.filters(EventFilter::acceptedKeys());
    if (!filters)
        return exchange.respondError(filters.error());
    const EventFilter filter(std::move(*filters));

    // Subscribe before replaying so nothing published in between is lost.
    std::shared_ptr<EventSubscription> subscription = bus->subscribe(filter);
    exchange.beginStream(200, kJsonContentType);
    if (since >= 0) {
        const QList<Common::Event> replay = bus->history(filter, since, until);
        for (const Common::Event &e : replay)
            exchange.writeJson(e.toJson());
    }
    const qint64 now = EventBus::nowNano();
    if (until > 0 && until <= now) {
        exchange.endStream();
        return;
    }

    QPointer<HttpExchange> ex(&exchange);
    QObject::connect(subscription.get(), &EventSubscription::eventPublished, &exchange,
                     [ex, until](const Common::Event &e) {
                         if (!ex)
                             return;
                         if (until > 0 && e.timeNano > until)
                             return;
                         ex->writeJson(e.toJson());
                     });
    if (until > 0) {
        const qint64 ms = (until - now) / 1000000 + 1;
        QTimer::singleShot(std::chrono::milliseconds(ms), &exchange, [ex] {
            if (ex)
                ex->endStream();
        });
    }
    // The subscription lives as long as the stream.
    QObject::connect(&exchange, &HttpExchange::finished, &exchange, [subscription]() mutable {
        subscription.reset();
    });
    QObject::connect(&exchange, &HttpExchange::clientGone, &exchange, [ex] {
        if (ex)
            ex->endStream();
    });
}

void MissingObjectRoutes::registerRoutes(Router &router)
{
    router.addReplyRoute("GET", QStringLiteral("/networks/{id}"), [](const HttpRequest &r) {
        return HttpResponse::error(404, QStringLiteral("network %1 not found").arg(r.capture(QStringLiteral("id"))));
    });
    router.addReplyRoute("GET", QStringLiteral("/plugins/{name*}/json"), [](const HttpRequest &r) {
        return HttpResponse::error(404, QStringLiteral("plugin \"%1\" not found").arg(r.capture(QStringLiteral("name"))));
    });
}

} // namespace Berth::Daemon
