#pragma once

#include "router.h"

#include <base/result.h>

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace Berth::Engine {
class ContainerStore;
struct ContainerRecord;
} // namespace Berth::Engine

namespace Berth::Daemon {

class Ipam;

// One of the networks every berthd has: "bridge" (the Berth bridge and its
// IPAM subnet), "host" and "none". Their IDs (64 hex) and creation times
// are made once and kept in <root>/network/networks.json, so they stay the
// same across restarts, as dockerd's do.
struct BuiltinNetwork
{
    QString name;    // "bridge", "host", "none"
    QString id;      // 64 lowercase hex
    QString created; // RFC 3339 with nanoseconds
    QString driver;  // "bridge", "host", "null"
};

// The network API (engine-api.md 10; dockerd 20.10 answers at API 1.41)
// for the built-in networks only:
//   GET    /networks                 filters dangling, driver, id, label, name, scope, type
//   GET    /networks/{id}            by full ID, name or unique ID prefix; 404 "network X not found"
//   POST   /networks/create          403 for a built-in name; user-defined networks: 501
//   DELETE /networks/{id}            403 "X is a pre-defined network and cannot be removed"
//   POST   /networks/prune           nothing to prune (no user-defined networks)
//   POST   /networks/{id}/connect|disconnect   501
class NetworkRoutes : public ApiRoutes
{
public:
    struct Context
    {
        const Engine::ContainerStore *containers = nullptr;
        const Ipam *ipam = nullptr;
        QString bridge = QStringLiteral("berth0"); // the host bridge's name
        int mtu = 1500;
        QString stateDir; // <root>/network: networks.json lives here
    };

    // Loads the built-in networks' IDs, making and saving them the first time.
    static Result<std::unique_ptr<NetworkRoutes>> open(Context context);

    void registerRoutes(Router &router) override;

    const QList<BuiltinNetwork> &networks() const { return m_networks; }
    // The ID of a built-in network by name; empty for another name.
    QString idOf(const QString &name) const;
    // moby's findNetwork: full ID, exact name, then a unique ID prefix.
    // 404 "network X not found"; 400 when a prefix matches several.
    Result<BuiltinNetwork> find(const QString &term) const;

    // The network a container's HostConfig.NetworkMode names ("default" is
    // the bridge).
    static QString networkOf(const Engine::ContainerRecord &record);

    // GET /networks/{id}: with `withContainers`, the running containers
    // attached to it (GET /networks leaves them out, as dockerd does since
    // API 1.28).
    QJsonObject networkJson(const BuiltinNetwork &network, bool withContainers) const;

private:
    explicit NetworkRoutes(Context context, QList<BuiltinNetwork> networks);

    HttpResponse list(const HttpRequest &request) const;
    HttpResponse inspect(const HttpRequest &request) const;
    HttpResponse create(const HttpRequest &request) const;
    HttpResponse remove(const HttpRequest &request) const;
    HttpResponse prune(const HttpRequest &request) const;
    HttpResponse connect(const HttpRequest &request, bool connect) const;

    Context m_context;
    QList<BuiltinNetwork> m_networks;
};

} // namespace Berth::Daemon
