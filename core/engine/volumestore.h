#pragma once

#include <base/result.h>

#include <QDateTime>
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

// One volume as the store keeps it (volumes/<name>/volume.json).
struct VolumeRecord
{
    QString name;
    QString driver = QStringLiteral("local");
    QString mountpoint;  // <root>/volumes/<name>/_data
    QDateTime createdAt; // UTC
    QMap<QString, QString> labels;
    QMap<QString, QString> options;
    bool anonymous = false; // created for an unnamed -v /path or an image VOLUME

    // Docker's Volume object (GET /volumes/{name}, list items):
    // Name, Driver, Mountpoint, CreatedAt (RFC 3339), Labels, Options, Scope.
    QJsonObject toJson() const;
};

struct VolumeCreateOptions
{
    QString name;   // empty: an anonymous volume with a 64-hex name
    QString driver; // empty or "local"
    QMap<QString, QString> labels;
    QMap<QString, QString> options; // driver options (DriverOpts)
    bool anonymous = false;         // set by berthd for volumes it makes for a container
};

// Containers that use a volume (answered by the container store): their IDs.
using VolumeUsageCallback = std::function<QStringList(const QString &volumeName)>;

struct VolumePruneReport
{
    QStringList deleted;
    quint64 spaceReclaimed = 0;
};

// Local volumes under <root>/volumes: each volume is a directory
// volumes/<name>/ holding _data/ (the mount source) and volume.json (the
// record). A volume directory appears whole (built under a temp name and
// renamed into place) and disappears whole (renamed away, then deleted), so
// a crash leaves either the old or the new state; open() deletes leftovers.
//
// Thread-safe: every method takes the store's lock (berthd's container
// routes create volumes for -v while the volume routes list them).
class VolumeStore
{
public:
    // volumesDir is <root>/volumes; created when missing.
    static Result<std::unique_ptr<VolumeStore>> open(const QString &volumesDir);
    ~VolumeStore();

    const QString &directory() const { return m_dir; }

    // docker's names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (400 otherwise, with
    // docker's sentence).
    static Status validateName(const QString &name);

    // POST /volumes/create. A name that exists returns the existing volume
    // unchanged (docker does the same) unless the driver differs (409).
    // Non-local drivers: 404 'plugin "X" not found' as docker.
    // The local driver's mount options (type, device, o) are refused: this
    // engine keeps every volume a plain directory.
    Result<VolumeRecord> create(const VolumeCreateOptions &options);

    // 404 "get <name>: no such volume".
    Result<VolumeRecord> get(const QString &name) const;
    bool contains(const QString &name) const;
    QList<VolumeRecord> list() const;

    // The host directory a container mounts ("<dir>/<name>/_data").
    QString dataPath(const QString &name) const;

    // DELETE /volumes/{name}: 409 "remove <name>: volume is in use - [<ids>]"
    // when usage names containers (also with force, as docker). force makes a
    // missing volume a success.
    Status remove(const QString &name, bool force, const VolumeUsageCallback &usage = {});

    // POST /volumes/prune: every volume no container uses (docker 20.10 at
    // API 1.41: named and anonymous alike) for which select returns true.
    Result<VolumePruneReport> prune(const VolumeUsageCallback &usage = {},
                                    const std::function<bool(const VolumeRecord &)> &select = {});

    // Bytes under a volume's _data (for prune's SpaceReclaimed and df).
    static quint64 diskUsage(const QString &path);

private:
    explicit VolumeStore(const QString &dir);
    Status load();
    Status removeLocked(const QString &name);

    QString m_dir;
    mutable QMutex m_lock;
    QMap<QString, VolumeRecord> m_volumes;
};

} // namespace Berth::Engine
