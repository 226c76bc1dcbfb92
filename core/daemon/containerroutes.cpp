#include "containerroutes.h"

#include "containerconfig.h"
#include "containersupervisor.h"
#include "daemonlogging.h"
#include "engineworker.h"
#include "filters.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"
#include "mountconfig.h"
#include "socketchannel.h"

#include <common/reference.h>
#include <engine/containerlogreader.h>
#include <engine/containerstore.h>
#include <engine/imagestore.h>

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QRegularExpression>

#include <csignal>
#include <sys/stat.h>

namespace Berth::Daemon {

using Engine::ContainerRecord;
using Engine::ContainerStatus;

namespace {

const QString kZeroTime = QStringLiteral("0001-01-01T00:00:00Z");

QString timeOrZero(const QString &t)
{
    return t.isEmpty() ? kZeroTime : t;
}

qint64 unixSeconds(const QString &rfc3339)
{
    const QDateTime t = QDateTime::fromString(rfc3339, Qt::ISODateWithMs);
    return t.isValid() ? t.toSecsSinceEpoch() : 0;
}

QString statusText(const ContainerRecord &r)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    switch (r.state.status) {
    case ContainerStatus::Created:
        return QStringLiteral("Created");
    case ContainerStatus::Running:
        return QStringLiteral("Up ") + ContainerConfig::humanDuration(now - unixSeconds(r.state.startedAt));
    case ContainerStatus::Paused:
        return QStringLiteral("Up ") + ContainerConfig::humanDuration(now - unixSeconds(r.state.startedAt))
            + QStringLiteral(" (Paused)");
    case ContainerStatus::Restarting:
        return QStringLiteral("Restarting (%1) %2 ago")
            .arg(r.state.exitCode)
            .arg(ContainerConfig::humanDuration(now - unixSeconds(r.state.finishedAt)));
    case ContainerStatus::Removing:
        return QStringLiteral("Removal In Progress");
    case ContainerStatus::Exited:
        if (r.state.finishedAt.isEmpty())
            return QStringLiteral("Created");
        return QStringLiteral("Exited (%1) %2 ago")
            .arg(r.state.exitCode)
            .arg(ContainerConfig::humanDuration(now - unixSeconds(r.state.finishedAt)));
    case ContainerStatus::Dead:
        return QStringLiteral("Dead");
    }
    return {};
}

QJsonObject portsMap(const ContainerRecord &r)
{
    QJsonObject ports;
    const QJsonObject exposed = r.config.value(QStringLiteral("ExposedPorts")).toObject();
    for (auto it = exposed.begin(); it != exposed.end(); ++it)
        ports.insert(it.key(), QJsonValue());
    if (!r.isRunning())
        return ports;
    for (const Engine::ContainerPort &p : r.network.ports) {
        const QString key = QStringLiteral("%1/%2").arg(p.containerPort).arg(p.protocol);
        QJsonArray list = ports.value(key).toArray();
        list.append(QJsonObject{{QStringLiteral("HostIp"), p.hostIp},
                                {QStringLiteral("HostPort"), QString::number(p.hostPort)}});
        ports.insert(key, list);
    }
    return ports;
}

// NetworkSettings.Networks.<name> (docker 28's EndpointSettings): the
// addresses only while the container runs on the bridge; docker clears them
// (and the endpoint) when it stops but keeps the NetworkID.
QJsonObject endpointJson(const ContainerRecord &r, const QString &networkId)
{
    const bool has = !r.network.ipAddress.isEmpty() && r.isRunning();
    return QJsonObject{{QStringLiteral("IPAMConfig"), QJsonValue()},
                       {QStringLiteral("Links"), QJsonValue()},
                       {QStringLiteral("Aliases"), QJsonValue()},
                       {QStringLiteral("MacAddress"), has ? r.network.macAddress : QString()},
                       {QStringLiteral("DriverOpts"), QJsonValue()},
                       {QStringLiteral("NetworkID"), networkId},
                       {QStringLiteral("EndpointID"), r.isRunning() ? r.network.endpointId : QString()},
                       {QStringLiteral("Gateway"), has ? r.network.gateway : QString()},
                       {QStringLiteral("IPAddress"), has ? r.network.ipAddress : QString()},
                       {QStringLiteral("IPPrefixLen"), has ? r.network.prefixLength : 0},
                       {QStringLiteral("IPv6Gateway"), QString()},
                       {QStringLiteral("GlobalIPv6Address"), QString()},
                       {QStringLiteral("GlobalIPv6PrefixLen"), 0},
                       {QStringLiteral("DNSNames"), QJsonValue()}};
}

QString networkName(const ContainerRecord &r)
{
    const QString mode = r.hostConfig.value(QStringLiteral("NetworkMode")).toString();
    return mode.isEmpty() || mode == QLatin1String("default") ? QStringLiteral("bridge") : mode;
}

QJsonObject summaryJson(const ContainerRecord &r, const QString &networkId)
{
    QJsonArray ports;
    const QJsonObject exposed = r.config.value(QStringLiteral("ExposedPorts")).toObject();
    QSet<QString> published;
    if (r.isRunning()) {
        for (const Engine::ContainerPort &p : r.network.ports) {
            published.insert(QStringLiteral("%1/%2").arg(p.containerPort).arg(p.protocol));
            ports.append(QJsonObject{{QStringLiteral("IP"), p.hostIp},
                                     {QStringLiteral("PrivatePort"), p.containerPort},
                                     {QStringLiteral("PublicPort"), p.hostPort},
                                     {QStringLiteral("Type"), p.protocol}});
        }
    }
    for (auto it = exposed.begin(); it != exposed.end(); ++it) {
        if (published.contains(it.key()))
            continue;
        const QStringList parts = it.key().split(u'/');
        ports.append(QJsonObject{{QStringLiteral("PrivatePort"), parts.at(0).toInt()},
                                 {QStringLiteral("Type"), parts.value(1, QStringLiteral("tcp"))}});
    }
    const QString net = networkName(r);
    return QJsonObject{
        {QStringLiteral("Id"), r.id},
        {QStringLiteral("Names"), QJsonArray{QString(u'/' + r.name)}},
        {QStringLiteral("Image"), r.image},
        {QStringLiteral("ImageID"), r.imageId.toString()},
        {QStringLiteral("Command"), ContainerConfig::commandLine(r)},
        {QStringLiteral("Created"), unixSeconds(r.created)},
        {QStringLiteral("Ports"), ports},
        {QStringLiteral("Labels"), r.config.value(QStringLiteral("Labels")).toObject()},
        {QStringLiteral("State"), Engine::containerStatusName(r.state.status)},
        {QStringLiteral("Status"), statusText(r)},
        {QStringLiteral("HostConfig"), QJsonObject{{QStringLiteral("NetworkMode"), r.hostConfig.value(QStringLiteral("NetworkMode")).toString()}}},
        {QStringLiteral("NetworkSettings"), QJsonObject{{QStringLiteral("Networks"), QJsonObject{{net, endpointJson(r, networkId)}}}}},
        {QStringLiteral("Mounts"), r.mounts},
    };
}

QJsonObject inspectJson(const ContainerRecord &r, const QString &bundle, const QString &layersDir,
                        const QString &networkId)
{
    const bool running = r.state.status == ContainerStatus::Running || r.state.status == ContainerStatus::Paused;
    const QJsonObject state{
        {QStringLiteral("Status"), Engine::containerStatusName(r.state.status)},
        {QStringLiteral("Running"), r.isRunning()},
        {QStringLiteral("Paused"), r.state.status == ContainerStatus::Paused},
        {QStringLiteral("Restarting"), r.state.status == ContainerStatus::Restarting},
        {QStringLiteral("OOMKilled"), r.state.oomKilled},
        {QStringLiteral("Dead"), r.state.status == ContainerStatus::Dead},
        {QStringLiteral("Pid"), running ? r.state.pid : 0},
        {QStringLiteral("ExitCode"), r.state.exitCode},
        {QStringLiteral("Error"), r.state.error},
        {QStringLiteral("StartedAt"), timeOrZero(r.state.startedAt)},
        {QStringLiteral("FinishedAt"), timeOrZero(r.state.finishedAt)},
    };
    QStringList lower;
    for (const QString &l : r.lowerDirs)
        lower.append(layersDir + u'/' + l);
    const QJsonObject graph{{QStringLiteral("Name"), QStringLiteral("overlay2")},
                            {QStringLiteral("Data"), QJsonObject{{QStringLiteral("LowerDir"), lower.join(u':')},
                                                                 {QStringLiteral("MergedDir"), QString(bundle + QStringLiteral("/rootfs"))},
                                                                 {QStringLiteral("UpperDir"), QString(bundle + QStringLiteral("/upper"))},
                                                                 {QStringLiteral("WorkDir"), QString(bundle + QStringLiteral("/work"))}}}};
    const QString net = networkName(r);
    const bool hasAddress = r.isRunning() && !r.network.ipAddress.isEmpty();
    const QJsonObject networkSettings{
        {QStringLiteral("Bridge"), QString()},
        {QStringLiteral("SandboxID"), r.isRunning() ? r.network.endpointId : QString()},
        {QStringLiteral("HairpinMode"), false},
        {QStringLiteral("LinkLocalIPv6Address"), QString()},
        {QStringLiteral("LinkLocalIPv6PrefixLen"), 0},
        {QStringLiteral("Ports"), portsMap(r)},
        {QStringLiteral("SandboxKey"), r.isRunning() && r.state.pid > 0 ? QStringLiteral("/proc/%1/ns/net").arg(r.state.pid) : QString()},
        {QStringLiteral("SecondaryIPAddresses"), QJsonValue()},
        {QStringLiteral("SecondaryIPv6Addresses"), QJsonValue()},
        {QStringLiteral("EndpointID"), hasAddress ? r.network.endpointId : QString()},
        {QStringLiteral("Gateway"), hasAddress ? r.network.gateway : QString()},
        {QStringLiteral("GlobalIPv6Address"), QString()},
        {QStringLiteral("GlobalIPv6PrefixLen"), 0},
        {QStringLiteral("IPAddress"), hasAddress ? r.network.ipAddress : QString()},
        {QStringLiteral("IPPrefixLen"), hasAddress ? r.network.prefixLength : 0},
        {QStringLiteral("IPv6Gateway"), QString()},
        {QStringLiteral("MacAddress"), hasAddress ? r.network.macAddress : QString()},
        {QStringLiteral("Networks"), QJsonObject{{net, endpointJson(r, networkId)}}},
    };
    QJsonArray execIds;
    for (const QString &e : r.execIds)
        execIds.append(e);
    return QJsonObject{
        {QStringLiteral("Id"), r.id},
        {QStringLiteral("Created"), r.created},
        {QStringLiteral("Path"), r.path},
        {QStringLiteral("Args"), QJsonArray::fromStringList(r.args)},
        {QStringLiteral("State"), state},
        {QStringLiteral("Image"), r.imageId.toString()},
        {QStringLiteral("ResolvConfPath"), QString(bundle + QStringLiteral("/resolv.conf"))},
        {QStringLiteral("HostnamePath"), QString(bundle + QStringLiteral("/hostname"))},
        {QStringLiteral("HostsPath"), QString(bundle + QStringLiteral("/hosts"))},
        {QStringLiteral("LogPath"), QString(bundle + QStringLiteral("/container.log"))},
        {QStringLiteral("Name"), QString(u'/' + r.name)},
        {QStringLiteral("RestartCount"), r.state.restartCount},
        {QStringLiteral("Driver"), QStringLiteral("overlay2")},
        {QStringLiteral("Platform"), QStringLiteral("linux")},
        {QStringLiteral("MountLabel"), QString()},
        {QStringLiteral("ProcessLabel"), QString()},
        {QStringLiteral("AppArmorProfile"), QString()},
        {QStringLiteral("ExecIDs"), execIds.isEmpty() ? QJsonValue() : QJsonValue(execIds)},
        {QStringLiteral("HostConfig"), r.hostConfig},
        {QStringLiteral("GraphDriver"), graph},
        {QStringLiteral("Mounts"), r.mounts},
        {QStringLiteral("Config"), r.config},
        {QStringLiteral("NetworkSettings"), networkSettings},
    };
}

// Filters for GET /containers/json (moby's container list filters).
bool matches(const ContainerRecord &r, const Filters &f, const std::optional<QString> &beforeCreated,
             const std::optional<QString> &sinceCreated)
{
    if (f.contains(QStringLiteral("id"))) {
        const QStringList ids = f.values(QStringLiteral("id"));
        if (std::none_of(ids.begin(), ids.end(), [&](const QString &v) { return r.id.startsWith(v); }))
            return false;
    }
    if (f.contains(QStringLiteral("name"))) {
        bool any = false;
        for (const QString &v : f.values(QStringLiteral("name"))) {
            const QRegularExpression re(v.startsWith(u'/') ? v : QString(QStringLiteral("/?") + v));
            if (re.isValid() && re.match(QString(u'/' + r.name)).hasMatch())
                any = true;
        }
        if (!any)
            return false;
    }
    if (f.contains(QStringLiteral("status"))
        && !f.values(QStringLiteral("status")).contains(Engine::containerStatusName(r.state.status)))
        return false;
    if (f.contains(QStringLiteral("exited"))) {
        if (r.state.status != ContainerStatus::Exited)
            return false;
        if (!f.values(QStringLiteral("exited")).contains(QString::number(r.state.exitCode)))
            return false;
    }
    if (f.contains(QStringLiteral("label"))) {
        QMap<QString, QString> labels;
        const QJsonObject l = r.config.value(QStringLiteral("Labels")).toObject();
        for (auto it = l.begin(); it != l.end(); ++it)
            labels.insert(it.key(), it.value().toString());
        if (!f.matchKeyValues(QStringLiteral("label"), labels))
            return false;
    }
    if (f.contains(QStringLiteral("ancestor"))) {
        bool any = false;
        for (const QString &v : f.values(QStringLiteral("ancestor"))) {
            if (v == r.image || r.imageId.toString() == v || r.imageId.hex().startsWith(v)
                || (v.startsWith(QLatin1String("sha256:")) && r.imageId.toString().startsWith(v)))
                any = true;
            if (auto ref = Common::Reference::parseNormalizedWithDefaultTag(v)) {
                if (auto mine = Common::Reference::parseNormalizedWithDefaultTag(r.image); mine && mine->toString() == ref->toString())
                    any = true;
            }
        }
        if (!any)
            return false;
    }
    if (f.contains(QStringLiteral("network"))
        && !f.values(QStringLiteral("network")).contains(networkName(r)))
        return false;
    if (f.contains(QStringLiteral("volume"))) {
        // dockerd: a mount's volume name (a bind's source) or destination.
        const QStringList wanted = f.values(QStringLiteral("volume"));
        const bool any = std::any_of(r.mounts.begin(), r.mounts.end(), [&wanted](const QJsonValue &v) {
            const QJsonObject m = v.toObject();
            const QString name = m.value(QStringLiteral("Name")).toString();
            return wanted.contains(name.isEmpty() ? m.value(QStringLiteral("Source")).toString() : name)
                || wanted.contains(m.value(QStringLiteral("Destination")).toString());
        });
        if (!any)
            return false;
    }
    if (beforeCreated && r.created >= *beforeCreated)
        return false;
    if (sinceCreated && r.created <= *sinceCreated)
        return false;
    return true;
}

std::optional<qint64> parseUntil(const QString &value)
{
    bool ok = false;
    const double seconds = value.toDouble(&ok);
    if (ok)
        return qint64(seconds);
    const QDateTime t = QDateTime::fromString(value, Qt::ISODateWithMs);
    if (t.isValid())
        return t.toSecsSinceEpoch();
    static const QRegularExpression duration(QStringLiteral("^(\\d+)(h|m|s)$"));
    const QRegularExpressionMatch m = duration.match(value);
    if (m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QString unit = m.captured(2);
        const qint64 factor = unit == QLatin1String("h") ? 3600 : unit == QLatin1String("m") ? 60 : 1;
        return QDateTime::currentSecsSinceEpoch() - n * factor;
    }
    return std::nullopt;
}

// Bytes in a directory tree (regular files, lstat sizes, no symlink followed):
// the container's writable layer (SizeRw).
qint64 treeSize(const QString &dir)
{
    qint64 total = 0;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        struct stat st {};
        if (::lstat(QFile::encodeName(path).constData(), &st) == 0 && S_ISREG(st.st_mode))
            total += st.st_size;
    }
    return total;
}

struct Sizes
{
    qint64 rw = 0;
    qint64 rootFs = 0;
};

// SizeRw and SizeRootFs of containers, computed on the engine thread (it
// walks the upper dirs and reads the image store).
void computeSizes(EngineWorker *worker, Engine::ImageStore *images, QList<QPair<QString, Engine::Digest>> containers,
                  std::function<QString(const QString &)> bundleOf, std::function<void(QHash<QString, Sizes>)> done)
{
    worker->run<QHash<QString, Sizes>>(
        [images, containers, bundleOf] {
            QHash<QString, Sizes> out;
            for (const auto &[id, imageId] : containers) {
                Sizes s;
                s.rw = treeSize(bundleOf(id) + QStringLiteral("/upper"));
                auto image = images->image(imageId);
                s.rootFs = s.rw + (image ? image->size : 0);
                out.insert(id, s);
            }
            return out;
        },
        std::move(done));
}

void replyStatus(QPointer<HttpExchange> guard, const Status &ok, int successStatus = 204)
{
    if (!guard || guard->isFinished())
        return;
    if (!ok) {
        if (ok.error().code() == ErrorCode::NotModified)
            return guard->respond(HttpResponse::empty(304));
        return guard->respondError(ok.error());
    }
    guard->respond(HttpResponse::empty(successStatus));
}

// The stop timeout query (?t=): absent -> -1 (the container's own).
Result<int> timeoutParam(const HttpRequest &request)
{
    const QString t = request.query(QStringLiteral("t"));
    if (t.isEmpty())
        return -1;
    bool ok = false;
    const int v = t.toInt(&ok);
    if (!ok)
        return fail(ErrorCode::InvalidArgument, "invalid value for t: " + t.toStdString());
    return v;
}

// docker's detach key syntax: "ctrl-p,ctrl-q", "a", "ctrl-@"...
Result<QByteArray> parseDetachKeys(const QString &text)
{
    QByteArray out;
    if (text.isEmpty())
        return out;
    for (const QString &key : text.split(u',')) {
        if (key.size() == 1) {
            out.append(key.at(0).toLatin1());
            continue;
        }
        if (key.startsWith(QLatin1String("ctrl-")) && key.size() == 6) {
            const QChar c = key.at(5).toLower();
            if (c >= u'a' && c <= u'z') {
                out.append(char(c.unicode() - 'a' + 1));
                continue;
            }
            const QString special = QStringLiteral("@[\\]^_");
            if (special.contains(key.at(5))) {
                out.append(char(special.indexOf(key.at(5)) == 0 ? 0 : 27 + special.indexOf(key.at(5)) - 1));
                continue;
            }
        }
        return fail(ErrorCode::InvalidArgument, "Invalid escape keys (" + text.toStdString() + ") provided");
    }
    return out;
}

} // namespace

ContainerRoutes::ContainerRoutes(Context context)
    : m_context(std::move(context))
{}

ContainerRoutes::~ContainerRoutes() = default;

Result<QByteArray> ContainerRoutes::detachKeys(const QString &text)
{
    return parseDetachKeys(text);
}

QString ContainerRoutes::networkIdOf(const QString &name) const
{
    return m_context.networkId ? m_context.networkId(name) : QString();
}

void ContainerRoutes::registerRoutes(Router &router)
{
    router.addRoute("POST", QStringLiteral("/containers/create"), [this](HttpExchange &e) { create(e); });
    router.addRoute("GET", QStringLiteral("/containers/json"), [this](HttpExchange &e) { list(e); });
    router.addRoute("POST", QStringLiteral("/containers/prune"), [this](HttpExchange &e) { prune(e); });
    router.addRoute("GET", QStringLiteral("/containers/{id}/json"), [this](HttpExchange &e) { inspect(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/start"), [this](HttpExchange &e) { start(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/stop"), [this](HttpExchange &e) { stop(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/restart"), [this](HttpExchange &e) { restart(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/kill"), [this](HttpExchange &e) { kill(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/pause"), [this](HttpExchange &e) { pause(e, true); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/unpause"), [this](HttpExchange &e) { pause(e, false); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/wait"), [this](HttpExchange &e) { wait(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/rename"), [this](HttpExchange &e) { rename(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/attach"), [this](HttpExchange &e) { attach(e); });
    router.addRoute("POST", QStringLiteral("/containers/{id}/resize"), [this](HttpExchange &e) { resize(e); });
    router.addRoute("DELETE", QStringLiteral("/containers/{id}"), [this](HttpExchange &e) { remove(e); });
}

void ContainerRoutes::create(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &parseError);
    if (!request.body().isEmpty() && !doc.isObject())
        return exchange.respondError(400, QStringLiteral("invalid JSON: ") + parseError.errorString());
    const QJsonObject body = doc.object();
    const QString imageRef = body.value(QStringLiteral("Image")).toString();
    if (imageRef.isEmpty())
        return exchange.respondError(400, QStringLiteral("Config cannot be empty in order to create a container"));
    QString name = request.query(QStringLiteral("name"));
    if (!name.isEmpty()) {
        if (auto ok = Engine::ContainerStore::validateName(name); !ok)
            return exchange.respondError(ok.error());
        if (name.startsWith(u'/'))
            name = name.mid(1);
    }
    const QString platform = request.query(QStringLiteral("platform"));
    if (!platform.isEmpty() && platform != QLatin1String("linux") && !platform.startsWith(QLatin1String("linux/")))
        return exchange.respondError(400, QStringLiteral("\"%1\": unknown operating system or architecture: invalid argument").arg(platform));

    // The image lives on the engine thread; its record (config, layers)
    // comes back here.
    struct ImageInfo
    {
        Engine::ImageRecord record;
        QStringList lowerDirs;
    };
    Engine::ImageStore *images = m_context.images;
    QPointer<HttpExchange> guard(&exchange);
    m_context.worker->run<Result<ImageInfo>>(
        [images, imageRef]() -> Result<ImageInfo> {
            auto id = images->resolve(imageRef);
            if (!id) {
                if (id.error().code() == ErrorCode::NotFound) {
                    QString shown = imageRef;
                    if (auto ref = Common::Reference::parseNormalizedWithDefaultTag(imageRef))
                        shown = ref->familiarString();
                    return fail(ErrorCode::NotFound, "No such image: " + shown.toStdString());
                }
                return fail(id.error());
            }
            auto record = images->image(*id);
            if (!record)
                return fail(record.error());
            ImageInfo info;
            info.record = *record;
            for (auto it = record->chainIds.crbegin(); it != record->chainIds.crend(); ++it)
                info.lowerDirs.append(it->hex() + QStringLiteral("/diff"));
            return info;
        },
        [this, guard, body, imageRef, name](Result<ImageInfo> image) {
            if (!guard || guard->isFinished())
                return;
            if (!image)
                return guard->respondError(image.error());
            Engine::ContainerStore &store = m_context.supervisor->store();
            ContainerConfig::CreateContext ctx;
            ctx.id = store.newId();
            ctx.name = name.isEmpty() ? store.newName() : name;
            ctx.created = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
            ctx.image = image->record;
            ctx.imageRef = imageRef;
            ctx.hostCpus = m_context.hostCpus;
            ctx.volumeMountpoint = m_context.volumeMountpoint;
            ctx.provideVolume = m_context.supervisor->context().provideVolume;
            ctx.dropVolume = [remove = m_context.supervisor->context().removeVolumes](const QString &volume) {
                if (remove)
                    remove(QStringList{volume}, false);
            };
            ctx.engineRoot = m_context.supervisor->context().engineRoot;
            ctx.findContainer = [&store](const QString &ref) { return store.find(ref); };
            ctx.createHostDirectory = [](const QString &path) -> Status {
                if (!QDir().mkpath(path))
                    return fail(ErrorCode::Io, "mkdir " + path.toStdString() + ": cannot create the directory");
                return {};
            };
            auto record = ContainerConfig::buildRecord(body, ctx);
            if (!record)
                return guard->respondError(record.error());
            record->lowerDirs = image->lowerDirs;
            if (image->lowerDirs.isEmpty())
                record->lowerDirs = QStringList{};
            if (auto ok = m_context.supervisor->create(*record); !ok) {
                // The volumes this create made go with it.
                if (ctx.dropVolume) {
                    for (const QString &volume : MountConfig::anonymousVolumes(record->mounts, record->hostConfig))
                        ctx.dropVolume(volume);
                }
                return guard->respondError(ok.error());
            }
            QJsonArray warnings;
            guard->respond(HttpResponse::json(201, QJsonObject{{QStringLiteral("Id"), record->id},
                                                                {QStringLiteral("Warnings"), warnings}}));
        });
}

void ContainerRoutes::list(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto all = request.queryBool(QStringLiteral("all"));
    if (!all)
        return exchange.respondError(all.error());
    auto size = request.queryBool(QStringLiteral("size"));
    if (!size)
        return exchange.respondError(size.error());
    auto filters = request.filters({QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("status"),
                                    QStringLiteral("ancestor"), QStringLiteral("label"), QStringLiteral("exited"),
                                    QStringLiteral("before"), QStringLiteral("since"), QStringLiteral("network"),
                                    QStringLiteral("health"), QStringLiteral("isolation"), QStringLiteral("is-task"),
                                    QStringLiteral("publish"), QStringLiteral("expose"), QStringLiteral("volume")});
    if (!filters)
        return exchange.respondError(filters.error());
    int limit = -1;
    if (const QString l = request.query(QStringLiteral("limit")); !l.isEmpty()) {
        bool ok = false;
        limit = l.toInt(&ok);
        if (!ok)
            return exchange.respondError(400, QStringLiteral("invalid limit: ") + l);
    }
    for (const QString &s : filters->values(QStringLiteral("status"))) {
        if (!Engine::containerStatusFromName(s))
            return exchange.respondError(400, QStringLiteral("invalid filter 'status=%1'").arg(s));
    }
    for (const QString &e : filters->values(QStringLiteral("exited"))) {
        bool ok = false;
        e.toInt(&ok);
        if (!ok)
            return exchange.respondError(400, QStringLiteral("invalid filter 'exited=%1'").arg(e));
    }
    Engine::ContainerStore &store = m_context.supervisor->store();
    std::optional<QString> before, since;
    if (filters->contains(QStringLiteral("before"))) {
        auto r = store.find(filters->values(QStringLiteral("before")).first());
        if (!r)
            return exchange.respondError(r.error());
        before = r->created;
    }
    if (filters->contains(QStringLiteral("since"))) {
        auto r = store.find(filters->values(QStringLiteral("since")).first());
        if (!r)
            return exchange.respondError(r.error());
        since = r->created;
    }
    // docker: limit > 0, before, since and exited/status filters imply all.
    const bool showAll = *all || limit > 0 || before || since || filters->contains(QStringLiteral("status"))
        || filters->contains(QStringLiteral("exited"));
    QList<QJsonObject> items;
    QList<QPair<QString, Engine::Digest>> ids;
    for (const ContainerRecord &r : store.list()) {
        if (!showAll && !r.isRunning())
            continue;
        if (!matches(r, *filters, before, since))
            continue;
        items.append(summaryJson(r, networkIdOf(networkName(r))));
        ids.append({r.id, r.imageId});
        if (limit > 0 && items.size() >= limit)
            break;
    }
    if (!*size) {
        QJsonArray out;
        for (const QJsonObject &item : std::as_const(items))
            out.append(item);
        return exchange.respond(HttpResponse::json(200, out));
    }
    QPointer<HttpExchange> guard(&exchange);
    computeSizes(m_context.worker, m_context.images, ids, [&store](const QString &id) { return store.bundlePath(id); },
                 [guard, items](QHash<QString, Sizes> sizes) {
                     if (!guard || guard->isFinished())
                         return;
                     QJsonArray out;
                     for (QJsonObject item : items) {
                         const Sizes s = sizes.value(item.value(QStringLiteral("Id")).toString());
                         item.insert(QStringLiteral("SizeRw"), s.rw);
                         item.insert(QStringLiteral("SizeRootFs"), s.rootFs);
                         out.append(item);
                     }
                     guard->respond(HttpResponse::json(200, out));
                 });
}

void ContainerRoutes::inspect(HttpExchange &exchange)
{
    Engine::ContainerStore &store = m_context.supervisor->store();
    auto record = store.find(exchange.request().capture(QStringLiteral("id")));
    if (!record)
        return exchange.respondError(record.error());
    QJsonObject json = inspectJson(*record, store.bundlePath(record->id), store.root() + QStringLiteral("/layers"),
                                   networkIdOf(networkName(*record)));
    if (!exchange.request().queryBool(QStringLiteral("size")).value_or(false))
        return exchange.respond(HttpResponse::json(200, json));
    QPointer<HttpExchange> guard(&exchange);
    const QString id = record->id;
    computeSizes(m_context.worker, m_context.images, {{record->id, record->imageId}},
                 [&store](const QString &i) { return store.bundlePath(i); },
                 [guard, json, id](QHash<QString, Sizes> sizes) mutable {
                     if (!guard || guard->isFinished())
                         return;
                     json.insert(QStringLiteral("SizeRw"), sizes.value(id).rw);
                     json.insert(QStringLiteral("SizeRootFs"), sizes.value(id).rootFs);
                     guard->respond(HttpResponse::json(200, json));
                 });
}

void ContainerRoutes::start(HttpExchange &exchange)
{
    auto id = m_context.supervisor->store().resolve(exchange.request().capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    QPointer<HttpExchange> guard(&exchange);
    m_context.supervisor->start(*id, [guard](Status ok) { replyStatus(guard, ok); });
}

void ContainerRoutes::stop(HttpExchange &exchange)
{
    auto id = m_context.supervisor->store().resolve(exchange.request().capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    auto timeout = timeoutParam(exchange.request());
    if (!timeout)
        return exchange.respondError(timeout.error());
    QPointer<HttpExchange> guard(&exchange);
    m_context.supervisor->stop(*id, *timeout, [guard](Status ok) { replyStatus(guard, ok); });
}

void ContainerRoutes::restart(HttpExchange &exchange)
{
    auto id = m_context.supervisor->store().resolve(exchange.request().capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    auto timeout = timeoutParam(exchange.request());
    if (!timeout)
        return exchange.respondError(timeout.error());
    QPointer<HttpExchange> guard(&exchange);
    m_context.supervisor->restart(*id, *timeout, [guard](Status ok) { replyStatus(guard, ok); });
}

void ContainerRoutes::kill(HttpExchange &exchange)
{
    const QString ref = exchange.request().capture(QStringLiteral("id"));
    auto id = m_context.supervisor->store().resolve(ref);
    if (!id)
        return exchange.respondError(id.error());
    int signal = SIGKILL;
    if (const QString s = exchange.request().query(QStringLiteral("signal")); !s.isEmpty()) {
        signal = ContainerConfig::parseSignal(s);
        if (signal == 0)
            return exchange.respondError(400, QStringLiteral("Invalid signal: ") + s);
    }
    QPointer<HttpExchange> guard(&exchange);
    m_context.supervisor->kill(*id, ref, signal, [guard](Status ok) { replyStatus(guard, ok); });
}

void ContainerRoutes::pause(HttpExchange &exchange, bool paused)
{
    auto id = m_context.supervisor->store().resolve(exchange.request().capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    QPointer<HttpExchange> guard(&exchange);
    auto reply = [guard](Status ok) { replyStatus(guard, ok); };
    if (paused)
        m_context.supervisor->pause(*id, reply);
    else
        m_context.supervisor->unpause(*id, reply);
}

void ContainerRoutes::wait(HttpExchange &exchange)
{
    auto id = m_context.supervisor->store().resolve(exchange.request().capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    const QString c = exchange.request().query(QStringLiteral("condition"));
    ContainerSupervisor::WaitCondition condition;
    if (c.isEmpty() || c == QLatin1String("not-running"))
        condition = ContainerSupervisor::WaitCondition::NotRunning;
    else if (c == QLatin1String("next-exit"))
        condition = ContainerSupervisor::WaitCondition::NextExit;
    else if (c == QLatin1String("removed"))
        condition = ContainerSupervisor::WaitCondition::Removed;
    else
        return exchange.respondError(400, QStringLiteral("invalid condition: \"%1\"").arg(c));
    // Register before the headers go out: the client starts the container
    // only after it has them (engine-api.md 6.5).
    QPointer<HttpExchange> guard(&exchange);
    const quint64 token = m_context.supervisor->wait(*id, condition, [guard](ContainerSupervisor::WaitResult result) {
        if (!guard || guard->isFinished())
            return;
        QJsonObject body{{QStringLiteral("StatusCode"), result.statusCode}};
        body.insert(QStringLiteral("Error"), result.error.isEmpty()
                                                 ? QJsonValue()
                                                 : QJsonValue(QJsonObject{{QStringLiteral("Message"), result.error}}));
        guard->writeJson(body);
        guard->endStream();
    });
    exchange.beginStream(200);
    QPointer<ContainerSupervisor> supervisor(m_context.supervisor);
    QObject::connect(&exchange, &HttpExchange::clientGone, &exchange, [supervisor, token] {
        if (supervisor)
            supervisor->cancelWait(token);
    });
}

void ContainerRoutes::rename(HttpExchange &exchange)
{
    auto id = m_context.supervisor->store().resolve(exchange.request().capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    const QString name = exchange.request().query(QStringLiteral("name"));
    if (name.isEmpty())
        return exchange.respondError(400, QStringLiteral("Neither old nor new names may be empty"));
    replyStatus(QPointer<HttpExchange>(&exchange), m_context.supervisor->rename(*id, name));
}

void ContainerRoutes::attach(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto record = m_context.supervisor->store().find(request.capture(QStringLiteral("id")));
    if (!record)
        return exchange.respondError(record.error());
    RuntimeAttachOptions options;
    auto flag = [&](const char *name) { return request.queryBool(QString::fromLatin1(name)).value_or(false); };
    options.stdinStream = flag("stdin") && record->config.value(QStringLiteral("OpenStdin")).toBool();
    options.stdoutStream = flag("stdout");
    options.stderrStream = flag("stderr");
    auto keys = parseDetachKeys(request.query(QStringLiteral("detachKeys")));
    if (!keys)
        return exchange.respondError(keys.error());
    options.detachKeys = *keys;
    const bool stream = flag("stream");
    const bool logs = flag("logs");
    if (!stream && !logs)
        return exchange.respondError(400, QStringLiteral("at least one of stream or logs must be set"));
    const QString id = record->id;
    // logs=1: the log so far goes out first (dockerd's containerAttach),
    // in the stream's own framing, the streams asked for only.
    const bool tty = record->config.value(QStringLiteral("Tty")).toBool();
    const QString logPath = m_context.supervisor->store().bundlePath(id) + QStringLiteral("/container.log");
    auto replay = [logs, tty, logPath, options](SocketChannel &channel) {
        if (!logs || (!options.stdoutStream && !options.stderrStream))
            return;
        Engine::LogReadOptions read;
        read.stdoutStream = options.stdoutStream;
        read.stderrStream = options.stderrStream;
        Engine::ContainerLogReader reader(logPath, read);
        if (auto opened = reader.open(); !opened) {
            qCWarning(lcDaemon).noquote() << "attach logs:" << QString::fromStdString(opened.error().toString());
            return;
        }
        QByteArray batch;
        for (;;) {
            auto entry = reader.next();
            if (!entry) {
                qCWarning(lcDaemon).noquote() << "attach logs:" << QString::fromStdString(entry.error().toString());
                break;
            }
            if (!*entry)
                break;
            batch += Engine::ContainerLogReader::format(**entry, tty, false);
            if (batch.size() >= 64 * 1024) {
                channel.write(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty())
            channel.write(batch);
    };
    // isRunning() covers a paused container (docker attaches to it too).
    const bool running = record->isRunning() && record->state.status != ContainerStatus::Restarting;
    if (!stream) {
        // logs only: the replay, then the end of the stream.
        auto channel = exchange.hijack();
        if (channel) {
            replay(*channel);
            SocketChannel *raw = channel.release();
            raw->setParent(m_context.supervisor);
            QObject::connect(raw, &SocketChannel::closed, raw, &QObject::deleteLater);
            raw->closeAfterWrite();
        }
        return;
    }
    if (!running) {
        // docker run / start -a: the attach comes before start.
        auto channel = exchange.hijack();
        if (channel) {
            replay(*channel);
            m_context.supervisor->attach(id, options, std::move(channel));
        }
        return;
    }
    QPointer<HttpExchange> guard(&exchange);
    QPointer<ContainerSupervisor> supervisor(m_context.supervisor);
    m_context.supervisor->connectAttach(id, options, [guard, supervisor, replay](Result<UniqueFd> fd) {
        if (!guard || guard->isFinished() || !supervisor)
            return;
        if (!fd)
            return guard->respondError(fd.error());
        auto channel = guard->hijack();
        if (channel) {
            // Connected to the runtime first: what the container writes
            // from here on is held in the socket until the splice reads it.
            replay(*channel);
            supervisor->spliceAttach(std::move(channel), std::move(*fd));
        }
    });
}

void ContainerRoutes::resize(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto id = m_context.supervisor->store().resolve(request.capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    bool okH = false, okW = false;
    const int h = request.query(QStringLiteral("h")).toInt(&okH);
    const int w = request.query(QStringLiteral("w")).toInt(&okW);
    if (!okH || !okW || h < 0 || w < 0)
        return exchange.respondError(400, QStringLiteral("invalid resize: h=%1 w=%2")
                                              .arg(request.query(QStringLiteral("h")), request.query(QStringLiteral("w"))));
    QPointer<HttpExchange> guard(&exchange);
    m_context.supervisor->resize(*id, h, w, [guard](Status ok) { replyStatus(guard, ok, 200); });
}

void ContainerRoutes::remove(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto id = m_context.supervisor->store().resolve(request.capture(QStringLiteral("id")));
    if (!id)
        return exchange.respondError(id.error());
    auto force = request.queryBool(QStringLiteral("force"));
    if (!force)
        return exchange.respondError(force.error());
    if (request.queryBool(QStringLiteral("link")).value_or(false))
        return exchange.respondError(400, QStringLiteral("Conflict, cannot remove the default link name of the container"));
    auto volumes = request.queryBool(QStringLiteral("v"));
    if (!volumes)
        return exchange.respondError(volumes.error());
    // rm -v: the anonymous volumes the container made (not named ones).
    QStringList anonymous;
    if (*volumes) {
        if (auto record = m_context.supervisor->store().get(*id))
            anonymous = MountConfig::anonymousVolumes(record->mounts, record->hostConfig);
    }
    QPointer<HttpExchange> guard(&exchange);
    m_context.supervisor->remove(*id, *force,
                                 [guard, anonymous, remove = m_context.supervisor->context().removeVolumes](Status ok) {
                                     if (ok && remove && !anonymous.isEmpty())
                                         remove(anonymous, true);
                                     replyStatus(guard, ok);
                                 });
}

void ContainerRoutes::prune(HttpExchange &exchange)
{
    auto filters = exchange.request().filters({QStringLiteral("until"), QStringLiteral("label"), QStringLiteral("label!")});
    if (!filters)
        return exchange.respondError(filters.error());
    std::optional<qint64> until;
    if (filters->contains(QStringLiteral("until"))) {
        until = parseUntil(filters->values(QStringLiteral("until")).first());
        if (!until)
            return exchange.respondError(400, QStringLiteral("invalid filter 'until=%1'").arg(filters->values(QStringLiteral("until")).first()));
    }
    QList<QPair<QString, Engine::Digest>> victims;
    for (const ContainerRecord &r : m_context.supervisor->store().list()) {
        if (r.isRunning() || r.state.status == ContainerStatus::Removing)
            continue;
        if (until && unixSeconds(r.created) >= *until)
            continue;
        QMap<QString, QString> labels;
        const QJsonObject l = r.config.value(QStringLiteral("Labels")).toObject();
        for (auto it = l.begin(); it != l.end(); ++it)
            labels.insert(it.key(), it.value().toString());
        if (!filters->matchKeyValues(QStringLiteral("label"), labels))
            continue;
        if (filters->contains(QStringLiteral("label!"))) {
            bool excluded = false;
            for (const QString &kv : filters->values(QStringLiteral("label!"))) {
                const qsizetype eq = kv.indexOf(u'=');
                const QString key = eq < 0 ? kv : kv.left(eq);
                if (labels.contains(key) && (eq < 0 || labels.value(key) == kv.mid(eq + 1)))
                    excluded = true;
            }
            if (excluded)
                continue;
        }
        victims.append({r.id, r.imageId});
    }
    QPointer<HttpExchange> guard(&exchange);
    QPointer<ContainerSupervisor> supervisor(m_context.supervisor);
    Engine::ContainerStore &store = m_context.supervisor->store();
    // The writable layers' sizes first (SpaceReclaimed), then the removals.
    computeSizes(m_context.worker, m_context.images, victims, [&store](const QString &id) { return store.bundlePath(id); },
                 [guard, supervisor, victims](QHash<QString, Sizes> sizes) {
        if (!supervisor)
            return;
        auto deleted = std::make_shared<QJsonArray>();
        auto reclaimed = std::make_shared<qint64>(0);
        auto remaining = std::make_shared<int>(int(victims.size()) + 1);
        auto finish = [guard, deleted, reclaimed, remaining] {
            if (--*remaining > 0 || !guard || guard->isFinished())
                return;
            guard->respond(HttpResponse::json(200, QJsonObject{{QStringLiteral("ContainersDeleted"),
                                                                deleted->isEmpty() ? QJsonValue() : QJsonValue(*deleted)},
                                                               {QStringLiteral("SpaceReclaimed"), *reclaimed}}));
        };
        for (const auto &victim : victims) {
            const QString id = victim.first;
            const qint64 bytes = sizes.value(id).rw;
            supervisor->remove(id, false, [deleted, reclaimed, id, bytes, finish](Status ok) {
                if (ok) {
                    deleted->append(id);
                    *reclaimed += bytes;
                }
                finish();
            });
        }
        finish();
    });
}

} // namespace Berth::Daemon
