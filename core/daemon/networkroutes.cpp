#include "networkroutes.h"

#include "filters.h"
#include "httprequest.h"
#include "httpresponse.h"
#include "ipam.h"

#include <engine/atomicfile.h>
#include <engine/containerstore.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace Berth::Daemon {

namespace {

const QString kStateFile = QStringLiteral("/networks.json");

QString randomId()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 8);
    return QString::fromLatin1(bytes.toHex());
}

QString nowRfc3339Nano()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Qt keeps milliseconds; the nanosecond digits stay zero.
    return now.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) + QStringLiteral("000000Z");
}

bool isHexId(const QString &id)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(id).hasMatch();
}

QString driverOf(const QString &name)
{
    if (name == u"none")
        return QStringLiteral("null");
    return name;
}

// moby's filters.Args.Match: a value equal to the source, or a regular
// expression found in it.
bool matchAny(const Filters &filters, const QString &key, const QString &source)
{
    if (!filters.contains(key))
        return true;
    for (const QString &v : filters.values(key)) {
        if (v == source)
            return true;
        const QRegularExpression re(v);
        if (re.isValid() && re.match(source).hasMatch())
            return true;
    }
    return false;
}

} // namespace

NetworkRoutes::NetworkRoutes(Context context, QList<BuiltinNetwork> networks)
    : m_context(std::move(context))
    , m_networks(std::move(networks))
{
}

Result<std::unique_ptr<NetworkRoutes>> NetworkRoutes::open(Context context)
{
    const QString path = context.stateDir + kStateFile;
    QJsonObject stored;
    if (QFile::exists(path)) {
        auto data = Engine::AtomicFile::read(path, 1024 * 1024);
        if (!data)
            return fail(Error(data.error()).wrap("read the built-in networks from " + path.toStdString()));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(*data, &error);
        if (!doc.isObject())
            return fail(ErrorCode::Io, "read the built-in networks from " + path.toStdString() + ": "
                                           + error.errorString().toStdString());
        stored = doc.object();
    }
    QList<BuiltinNetwork> networks;
    bool changed = false;
    // dockerd lists them in this order (none, host, then bridge when it has one).
    for (const QString &name : {QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")}) {
        const QJsonObject o = stored.value(name).toObject();
        BuiltinNetwork n{name, o.value(QStringLiteral("Id")).toString(), o.value(QStringLiteral("Created")).toString(),
                         driverOf(name)};
        if (!isHexId(n.id)) {
            n.id = randomId();
            changed = true;
        }
        if (n.created.isEmpty()) {
            n.created = nowRfc3339Nano();
            changed = true;
        }
        networks.append(n);
    }
    if (changed) {
        QJsonObject out;
        for (const BuiltinNetwork &n : std::as_const(networks))
            out.insert(n.name, QJsonObject{{QStringLiteral("Id"), n.id}, {QStringLiteral("Created"), n.created}});
        if (auto ok = Engine::AtomicFile::write(path, QJsonDocument(out).toJson(QJsonDocument::Indented), 0600); !ok)
            return fail(Error(ok.error()).wrap("save the built-in networks"));
    }
    return std::unique_ptr<NetworkRoutes>(new NetworkRoutes(std::move(context), std::move(networks)));
}

void NetworkRoutes::registerRoutes(Router &router)
{
    router.addReplyRoute("GET", QStringLiteral("/networks"), [this](const HttpRequest &r) { return list(r); });
    router.addReplyRoute("POST", QStringLiteral("/networks/create"), [this](const HttpRequest &r) { return create(r); });
    router.addReplyRoute("POST", QStringLiteral("/networks/prune"), [this](const HttpRequest &r) { return prune(r); });
    router.addReplyRoute("GET", QStringLiteral("/networks/{id}"), [this](const HttpRequest &r) { return inspect(r); });
    router.addReplyRoute("DELETE", QStringLiteral("/networks/{id}"), [this](const HttpRequest &r) { return remove(r); });
    router.addReplyRoute("POST", QStringLiteral("/networks/{id}/connect"),
                         [this](const HttpRequest &r) { return connect(r, true); });
    router.addReplyRoute("POST", QStringLiteral("/networks/{id}/disconnect"),
                         [this](const HttpRequest &r) { return connect(r, false); });
}

QString NetworkRoutes::idOf(const QString &name) const
{
    for (const BuiltinNetwork &n : m_networks) {
        if (n.name == name)
            return n.id;
    }
    return {};
}

Result<BuiltinNetwork> NetworkRoutes::find(const QString &term) const
{
    if (term.isEmpty())
        return fail(ErrorCode::NotFound, "network  not found");
    for (const BuiltinNetwork &n : m_networks) {
        if (n.id == term)
            return n;
    }
    for (const BuiltinNetwork &n : m_networks) {
        if (n.name == term)
            return n;
    }
    QList<BuiltinNetwork> byPrefix;
    for (const BuiltinNetwork &n : m_networks) {
        if (n.id.startsWith(term))
            byPrefix.append(n);
    }
    if (byPrefix.size() == 1)
        return byPrefix.first();
    if (byPrefix.size() > 1)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("network %1 is ambiguous (%2 matches found based on ID prefix)")
                                                    .arg(term)
                                                    .arg(byPrefix.size())
                                                    .toStdString());
    return fail(ErrorCode::NotFound, QStringLiteral("network %1 not found").arg(term).toStdString());
}

QString NetworkRoutes::networkOf(const Engine::ContainerRecord &record)
{
    const QString mode = record.hostConfig.value(QStringLiteral("NetworkMode")).toString();
    if (mode.isEmpty() || mode == u"default")
        return QStringLiteral("bridge");
    return mode;
}

QJsonObject NetworkRoutes::networkJson(const BuiltinNetwork &network, bool withContainers) const
{
    QJsonArray ipamConfig;
    QJsonObject options;
    if (network.name == u"bridge" && m_context.ipam) {
        ipamConfig.append(QJsonObject{{QStringLiteral("Subnet"), m_context.ipam->subnet()},
                                      {QStringLiteral("Gateway"), m_context.ipam->gateway()}});
        options = QJsonObject{
            {QStringLiteral("com.docker.network.bridge.default_bridge"), QStringLiteral("true")},
            {QStringLiteral("com.docker.network.bridge.enable_icc"), QStringLiteral("true")},
            {QStringLiteral("com.docker.network.bridge.enable_ip_masquerade"), QStringLiteral("true")},
            {QStringLiteral("com.docker.network.bridge.host_binding_ipv4"), QStringLiteral("0.0.0.0")},
            {QStringLiteral("com.docker.network.bridge.name"), m_context.bridge},
            {QStringLiteral("com.docker.network.driver.mtu"), QString::number(m_context.mtu)},
        };
    }
    QJsonObject containers;
    if (withContainers && m_context.containers) {
        for (const Engine::ContainerRecord &r : m_context.containers->list()) {
            if (!r.isRunning() || networkOf(r) != network.name)
                continue;
            const bool addressed = network.name == u"bridge" && !r.network.ipAddress.isEmpty();
            containers.insert(
                r.id, QJsonObject{{QStringLiteral("Name"), r.name},
                                  {QStringLiteral("EndpointID"), r.network.endpointId},
                                  {QStringLiteral("MacAddress"), addressed ? r.network.macAddress : QString()},
                                  {QStringLiteral("IPv4Address"),
                                   addressed ? QStringLiteral("%1/%2").arg(r.network.ipAddress).arg(r.network.prefixLength)
                                             : QString()},
                                  {QStringLiteral("IPv6Address"), QString()}});
        }
    }
    return QJsonObject{
        {QStringLiteral("Name"), network.name},
        {QStringLiteral("Id"), network.id},
        {QStringLiteral("Created"), network.created},
        {QStringLiteral("Scope"), QStringLiteral("local")},
        {QStringLiteral("Driver"), network.driver},
        {QStringLiteral("EnableIPv6"), false},
        {QStringLiteral("IPAM"), QJsonObject{{QStringLiteral("Driver"), QStringLiteral("default")},
                                             {QStringLiteral("Options"), QJsonValue()},
                                             {QStringLiteral("Config"), ipamConfig}}},
        {QStringLiteral("Internal"), false},
        {QStringLiteral("Attachable"), false},
        {QStringLiteral("Ingress"), false},
        {QStringLiteral("ConfigFrom"), QJsonObject{{QStringLiteral("Network"), QString()}}},
        {QStringLiteral("ConfigOnly"), false},
        {QStringLiteral("Containers"), containers},
        {QStringLiteral("Options"), options},
        {QStringLiteral("Labels"), QJsonObject()},
    };
}

HttpResponse NetworkRoutes::list(const HttpRequest &request) const
{
    auto parsed = Filters::fromJson(request.query(QStringLiteral("filters")));
    if (!parsed)
        return HttpResponse::error(parsed.error());
    const Filters &f = *parsed;
    static const QStringList accepted{QStringLiteral("dangling"), QStringLiteral("driver"), QStringLiteral("id"),
                                      QStringLiteral("label"),    QStringLiteral("name"),   QStringLiteral("scope"),
                                      QStringLiteral("type")};
    for (const QString &key : f.keys()) {
        if (!accepted.contains(key))
            return HttpResponse::error(400, QStringLiteral("Invalid filter '%1'").arg(key)); // dockerd's capital I
    }
    // Every network here is built in: type=custom and dangling=true match
    // none of them (dockerd never calls a predefined network dangling).
    for (const QString &t : f.values(QStringLiteral("type"))) {
        if (t != u"custom" && t != u"builtin")
            return HttpResponse::error(400, QStringLiteral("invalid filter: 'type'='%1'").arg(t));
    }
    std::optional<bool> dangling;
    for (const QString &v : f.values(QStringLiteral("dangling"))) {
        if (v == u"true" || v == u"1")
            dangling = true;
        else if (v == u"false" || v == u"0")
            dangling = false;
        else
            return HttpResponse::error(400, QStringLiteral("invalid filter: 'dangling'='%1'").arg(v));
    }
    QJsonArray out;
    for (const BuiltinNetwork &n : m_networks) {
        if (f.contains(QStringLiteral("type")) && !f.values(QStringLiteral("type")).contains(QStringLiteral("builtin")))
            continue;
        if (dangling && *dangling)
            continue;
        if (!f.exactMatch(QStringLiteral("driver"), n.driver) || !f.exactMatch(QStringLiteral("scope"), QStringLiteral("local")))
            continue;
        if (!matchAny(f, QStringLiteral("name"), n.name) || !matchAny(f, QStringLiteral("id"), n.id))
            continue;
        if (!f.matchKeyValues(QStringLiteral("label"), {}))
            continue;
        out.append(networkJson(n, false));
    }
    return HttpResponse::json(200, out);
}

HttpResponse NetworkRoutes::inspect(const HttpRequest &request) const
{
    const QString scope = request.query(QStringLiteral("scope"));
    if (!scope.isEmpty() && scope != u"local" && scope != u"swarm" && scope != u"global")
        return HttpResponse::error(400, QStringLiteral("invalid scope value: %1").arg(scope));
    auto network = find(request.capture(QStringLiteral("id")));
    if (!network)
        return HttpResponse::error(network.error());
    if (scope == u"swarm" || scope == u"global")
        return HttpResponse::error(404, QStringLiteral("network %1 not found").arg(request.capture(QStringLiteral("id"))));
    return HttpResponse::json(200, networkJson(*network, true));
}

HttpResponse NetworkRoutes::create(const HttpRequest &request) const
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &error);
    if (!doc.isObject())
        return HttpResponse::error(400, QStringLiteral("invalid JSON: %1").arg(error.errorString()));
    const QString name = doc.object().value(QStringLiteral("Name")).toString();
    if (name.isEmpty())
        return HttpResponse::error(400, QStringLiteral("invalid name: name is empty"));
    if (!idOf(name).isEmpty())
        // dockerd's words, trailing space included.
        return HttpResponse::error(403, QStringLiteral("operation is not permitted on predefined %1 network ").arg(name));
    return HttpResponse::error(501, QStringLiteral("network create %1: user-defined networks are not supported by "
                                                   "berthd; use the built-in bridge, host or none network")
                                        .arg(name));
}

HttpResponse NetworkRoutes::remove(const HttpRequest &request) const
{
    auto network = find(request.capture(QStringLiteral("id")));
    if (!network)
        return HttpResponse::error(network.error());
    return HttpResponse::error(403, QStringLiteral("%1 is a pre-defined network and cannot be removed").arg(network->name));
}

HttpResponse NetworkRoutes::prune(const HttpRequest &request) const
{
    auto filters = request.filters({QStringLiteral("label"), QStringLiteral("label!"), QStringLiteral("until")});
    if (!filters)
        return HttpResponse::error(filters.error());
    // Prune removes unused user-defined networks; berthd has only the
    // built-in ones, which are never pruned.
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("NetworksDeleted"), QJsonValue()}});
}

HttpResponse NetworkRoutes::connect(const HttpRequest &request, bool connect) const
{
    auto network = find(request.capture(QStringLiteral("id")));
    if (!network)
        return HttpResponse::error(network.error());
    return HttpResponse::error(501, QStringLiteral("network %1 %2: connecting and disconnecting containers is not "
                                                   "supported by berthd; choose the network at create (--network)")
                                        .arg(connect ? QStringLiteral("connect") : QStringLiteral("disconnect"),
                                             network->name));
}

} // namespace Berth::Daemon
