#pragma once

#include "argparser.h"
#include "envfile.h"

#include <base/result.h>

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Berth::Cli {

// The options `run` and `create` share (docker's containerOptions), and
// those only `run` has (-d, --rm is shared, --sig-proxy, --detach-keys).
QList<OptionSpec> containerCreateOptions(bool forRun);

// What `run`/`create` send: the POST /containers/create body and query.
struct CreateSpec
{
    QJsonObject body;   // Config fields at top level, HostConfig, NetworkingConfig
    QString name;       // ?name=
    QString platform;   // ?platform=
    QString image;      // as typed
    enum class Pull { Missing, Never, Always } pull = Pull::Missing;
    bool detach = false;
    bool tty = false;
    bool interactive = false;
    bool autoRemove = false;
    bool sigProxy = true;
    bool quiet = false;
    QString detachKeys;
    bool attachStdin = false;
    bool attachStdout = false;
    bool attachStderr = false;
};

// Why the options do not make a container. `usage` errors are bad flag
// values (docker prints them with the usage line, exit 125); the others are
// printed as "docker: <message>" (here "berth: ..."), exit 125 as well.
struct OptionError
{
    QString message;
    bool usage = false;
};

// Builds the create request from parsed run/create arguments (positionals:
// IMAGE [COMMAND] [ARG...]). `consoleSize` is [rows, cols] of the local
// terminal, or nullopt. `lookup` resolves bare -e NAME values.
std::expected<CreateSpec, OptionError> buildCreateSpec(const ParsedArgs &args, bool forRun, const EnvLookup &lookup,
                                                       std::optional<std::pair<int, int>> consoleSize = std::nullopt);

// go-units RAMInBytes: "512m", "1.5g", "100KiB", "42" (bytes).
Result<qint64> parseRamSize(const QString &text);
// --cpus as nano-CPUs ("1.5" -> 1500000000); docker's rational parse.
Result<qint64> parseNanoCpus(const QString &text);
// --restart: {"Name":..., "MaximumRetryCount":n}; the engine checks the name.
Result<QJsonObject> parseRestartPolicy(const QString &text);

// One -v/--volume value (docker's loader.ParseVolume for Linux):
// [SOURCE:]TARGET[:OPTIONS]. A source starting with '/', '.' or '~' is a
// bind mount, another one a named volume; no source is an anonymous volume.
struct VolumeSpec
{
    QString source;
    QString target;
    QString mode; // "ro", "rw,z", ...
    bool bind = false;
};
Result<VolumeSpec> parseVolumeSpec(const QString &spec);

// One --mount value (docker's opts.MountOpt): CSV key=value fields (type,
// source|src, target|dst|destination, readonly|ro, bind-propagation,
// bind-nonrecursive, volume-nocopy, volume-label, volume-driver, volume-opt,
// volume-subpath, tmpfs-size, tmpfs-mode, consistency) as a
// HostConfig.Mounts entry. The error is docker's text (shown after
// 'invalid argument "..." for "--mount" flag: ').
Result<QJsonObject> parseMountSpec(const QString &spec);

} // namespace Berth::Cli
