#pragma once

#include <base/result.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>

namespace Berth::Daemon {

// What a container mounts, from its create request: HostConfig.Binds (-v),
// HostConfig.Mounts (--mount), HostConfig.Tmpfs (--tmpfs) and the
// anonymous volumes of Config.Volumes (-v /path and the image's VOLUMEs).
// Pure functions; every rejection carries dockerd's 400 wording
// (moby volume/mounts/linux_parser.go).
namespace MountConfig {

enum class Kind { Bind, Volume, Tmpfs };

struct MountPlan
{
    Kind kind = Kind::Bind;
    QString source;      // bind: cleaned host path; volume: its name ("" = anonymous, named at create)
    QString destination; // cleaned absolute path in the container
    bool readOnly = false;
    QString mode;        // inspect "Mode" ("z" for -v NAME:/x, the -v options, "" otherwise)
    QString propagation; // bind: rprivate (default), private, rshared, shared, rslave, slave
    bool noCopy = false; // volume: no copy-up of the image's content
    bool inspected = true;      // shown in inspect Mounts (HostConfig.Tmpfs is not)
    bool fromMountsField = false; // --mount (HostConfig.Mounts) rather than -v
    bool createSource = false;  // -v bind of a missing host path: dockerd creates it
    bool fromConfigVolumes = false; // an anonymous volume for a Config.Volumes entry
    // tmpfs: fs options (size=, mode=, uid=, gid=, nr_inodes=, nr_blocks=)
    // and the flags (docker's default noexec,nosuid,nodev unless overridden).
    QStringList tmpfsOptions;
    bool noexec = true;
    bool nosuid = true;
    bool nodev = true;
    // volume: what a new volume gets (--mount volume-label=, volume-opt=, volume-driver=).
    QMap<QString, QString> volumeLabels;
    QMap<QString, QString> volumeOptions;
    QString volumeDriver;
};

struct Checks
{
    // berthd's root: a bind of it or of anything below it is refused (the
    // container would see and could change every other container's state).
    QString engineRoot;
    // Existence of a bind source (--mount refuses a missing one).
    std::function<bool(const QString &path)> pathExists;
};

// Parses and checks every mount of a create request. `configVolumes` is
// the merged Config.Volumes (request and image); entries whose destination
// another mount already covers are skipped, as dockerd does. The result is
// sorted as the runtime must mount it (parents before children).
Result<QList<MountPlan>> plan(const QJsonObject &hostConfig, const QJsonObject &configVolumes, const Checks &checks);

// One --tmpfs value's options ("rw,noexec,size=64m,mode=1777") applied to
// `plan` (400 for an option tmpfs does not know).
Status applyTmpfsOptions(const QString &destination, const QString &options, MountPlan &plan);

// The inspect "Mounts" entry of a planned mount (volume: name and
// mountpoint decided at create).
QJsonObject inspectEntry(const MountPlan &plan, const QString &volumeName, const QString &volumeMountpoint);

// The shim spec "mounts" entry (core/runtime/README.md 2). `source` is the
// host path (the volume's mountpoint for volumes).
QJsonObject shimEntry(const MountPlan &plan, const QString &source);

// Names of the volumes a container made for itself (anonymous: -v /path,
// image VOLUMEs, --mount without source): what rm -v and --rm remove.
// `mounts` is the container's inspect Mounts, hostConfig its HostConfig.
QStringList anonymousVolumes(const QJsonArray &mounts, const QJsonObject &hostConfig);

// Path depth for mount ordering ("/a/b" = 2).
int depth(const QString &path);

} // namespace MountConfig

} // namespace Berth::Daemon
