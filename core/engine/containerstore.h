#pragma once

#include "digest.h"
#include "imagestore.h"

#include <base/result.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace Berth::Engine {

// docker's container states (State.Status).
enum class ContainerStatus { Created, Running, Paused, Restarting, Removing, Exited, Dead };

QString containerStatusName(ContainerStatus status);
std::optional<ContainerStatus> containerStatusFromName(const QString &name);

// One published port: what was asked (HostConfig.PortBindings) resolved to
// what the shim bound.
struct ContainerPort
{
    QString protocol = QStringLiteral("tcp");
    int containerPort = 0;
    QString hostIp;   // "0.0.0.0" for all addresses
    int hostPort = 0; // 0: exposed only, not published

    friend bool operator==(const ContainerPort &, const ContainerPort &) = default;
};

// The container's network endpoint while it has one (bridge mode: an
// address from the IPAM, released on stop and rm).
struct ContainerNetwork
{
    QString mode;        // "bridge", "host", "none"
    QString bridge;      // host bridge name in bridge mode
    QString ipAddress;   // empty when none is assigned
    QString gateway;
    int prefixLength = 0;
    QString macAddress;
    QString endpointId;  // 64 hex, new per start
    QList<ContainerPort> ports; // bound ports while running

    friend bool operator==(const ContainerNetwork &, const ContainerNetwork &) = default;
};

// What happens to the container's process now (State in inspect).
struct ContainerState
{
    ContainerStatus status = ContainerStatus::Created;
    qint64 pid = 0;        // init pid in the host pid namespace while running
    qint64 shimPid = 0;
    int exitCode = 0;
    QString error;
    bool oomKilled = false;
    QString startedAt;     // RFC 3339 nano; empty = never ("0001-01-01T00:00:00Z" in inspect)
    QString finishedAt;
    // docker's bookkeeping for restart policies.
    int restartCount = 0;
    bool manuallyStopped = false;   // stop/kill by a user: unless-stopped and always stay down
    bool hasBeenStarted = false;
};

// A container as berthd records it in <root>/containers/<id>/config.v2.json
// (hostconfig.json holds HostConfig alone, as dockerd does).
struct ContainerRecord
{
    QString id;       // 64 hex
    QString name;     // without the leading "/"
    QString created;  // RFC 3339 nano
    QString image;    // as the client gave it (Config.Image)
    Digest imageId;
    QString path;     // Path: the first word of Entrypoint + Cmd
    QStringList args; // Args: the rest
    QJsonObject config;      // Config as inspect shows it (image defaults merged)
    QJsonObject hostConfig;  // HostConfig with docker's defaults filled
    QJsonObject networkingConfig;
    QJsonArray mounts;       // Mounts as inspect shows it
    ContainerState state;
    ContainerNetwork network;
    QStringList execIds;     // exec instances ("io" keeps them current)
    // The image's layer dirs as overlay lower dirs, top first, relative to
    // <root>/layers ("<chain hex>/diff"); fixed at create.
    QStringList lowerDirs;

    bool isRunning() const
    {
        return state.status == ContainerStatus::Running || state.status == ContainerStatus::Paused
            || state.status == ContainerStatus::Restarting;
    }
    QString shortId() const { return id.left(12); }
    QJsonObject toJson() const;
    static Result<ContainerRecord> fromJson(const QJsonObject &json);
};

// The container store under ROOT/containers: one directory per container
// (the runtime bundle) holding the record, written atomically
// (AtomicFile) on every change, so a berthd killed at any instant restarts
// into the last written state.
//
// Thread-safe: every call takes an internal lock; records are returned by
// value. Routes read it on the HTTP thread; writes are short.
class ContainerStore
{
public:
    static Result<std::unique_ptr<ContainerStore>> open(const QString &root);
    ~ContainerStore();

    const QString &root() const { return m_root; }
    QString containersDir() const;
    // <root>/containers/<id>: the bundle handed to berth-shim.
    QString bundlePath(const QString &id) const;

    // A fresh random 64-hex id that no container has.
    QString newId() const;
    // A free docker-style "adjective_surname" name.
    QString newName() const;
    // docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading "/" is dropped).
    static Status validateName(const QString &name);

    // engine-api.md 5.1: full id, name (with or without "/"), unique id
    // prefix. 400 for an empty reference or an ambiguous prefix, 404
    // "No such container: <ref>" otherwise. Returns the full id.
    Result<QString> resolve(const QString &ref) const;
    Result<ContainerRecord> find(const QString &ref) const;
    std::optional<ContainerRecord> get(const QString &id) const;
    QList<ContainerRecord> list() const; // newest first
    int count() const;

    // Makes the bundle directory and writes the record. 409 with docker's
    // message when the name is taken. On failure nothing is left.
    Status add(const ContainerRecord &record);
    // Rewrites the record of an existing container.
    Status save(const ContainerRecord &record);
    // Applies `change` to the current record and saves it; returns the
    // new record. 404 when the container is gone. A change of the run
    // state alone (state, network, exec ids: what adoption rebuilds from
    // the runtime) is renamed into place at once and fsync'ed by a
    // background flusher moments later, off the caller's thread; an
    // unchanged record is not written at all; anything else is durable
    // before update returns. With Write::Later a change of the run state
    // alone is written by the flusher instead (the last of several once),
    // off the caller's thread: for changes a berthd killed before the write
    // may lose because adoption rebuilds them (an exit: the shim's exit
    // file; an address: the next write of the record carries it), never for
    // the ones adoption reads (a pid, Running).
    enum class Write { Now, Later };
    Result<ContainerRecord> update(const QString &id, const std::function<void(ContainerRecord &)> &change,
                                   Write write = Write::Now);
    // Replaces a runtime input file in the bundle (etc files, shim.json):
    // atomically, not fsync'ed (they are rewritten before every start; a
    // crash of berthd alone loses nothing of them).
    Status writeBundleFile(const QString &id, const QString &name, QByteArrayView data, unsigned mode = 0644);
    // 409 with docker's message when taken; 400 for an invalid name.
    Status rename(const QString &id, const QString &newName);
    // Renames the bundle, record and all, out of containers/ (so the
    // container is gone at once, also after a crash); its files are deleted
    // on a background thread (on open() too, for what a stop left).
    Status remove(const QString &id);

    // For ImageStore::remove and prune: a container using the image
    // (a running one preferred).
    std::optional<ImageUsage> imageUsage(const Digest &imageId) const;

private:
    explicit ContainerStore(const QString &root);
    Status load();
    Status writeRecord(const ContainerRecord &record) const;
    class Flusher;
    std::optional<QString> idOfNameLocked(const QString &name) const;

    // Removed containers' directories wait here for the flusher to delete them.
    QString trashDir() const;

    QString m_root;
    mutable QMutex m_mutex;
    QMap<QString, ContainerRecord> m_containers; // by id
    std::unique_ptr<Flusher> m_flusher;            // last: drained first on destruction
};

} // namespace Berth::Engine
