#include "mountconfig.h"

#include <QDir>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace Berth::Daemon::MountConfig {

namespace {

std::unexpected<Error> invalid(const QString &message)
{
    return fail(ErrorCode::InvalidArgument, message.toStdString());
}

// moby's errMountConfig.
std::unexpected<Error> mountError(const QString &type, const QString &why)
{
    return invalid(QStringLiteral("invalid mount config for type \"%1\": %2").arg(type, why));
}

QString kindName(Kind kind)
{
    switch (kind) {
    case Kind::Bind:
        return QStringLiteral("bind");
    case Kind::Volume:
        return QStringLiteral("volume");
    case Kind::Tmpfs:
        return QStringLiteral("tmpfs");
    }
    return {};
}

bool validVolumeName(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"));
    return re.match(name).hasMatch();
}

std::unexpected<Error> badVolumeName(const QString &name)
{
    return invalid(QStringLiteral("create %1: \"%1\" includes invalid characters for a local volume name, only "
                                  "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                                  "directory, use absolute path")
                       .arg(name));
}

bool isUnder(const QString &path, const QString &root)
{
    return !root.isEmpty() && (path == root || path.startsWith(root + u'/'));
}

// Checks shared by every kind: the destination (absolute, not "/", not in /proc).
Status checkDestination(const QString &type, const QString &spec, const QString &destination)
{
    Q_UNUSED(spec)
    if (destination == QLatin1String("/proc") || destination.startsWith(QLatin1String("/proc/")))
        return mountError(type, QStringLiteral("%1 cannot be mounted because it is inside /proc").arg(destination));
    return {};
}

Status checkBindSource(const QString &type, const QString &source, const Checks &checks)
{
    if (isUnder(source, checks.engineRoot))
        return mountError(type, QStringLiteral("bind source path %1 is inside the engine's root %2 and cannot be mounted")
                                    .arg(source, checks.engineRoot));
    return {};
}

QString sizeOption(qint64 bytes)
{
    // moby's ConvertTmpfsOptions: the largest exact binary unit.
    constexpr qint64 k = 1024, m = k * 1024, g = m * 1024;
    if (bytes % g == 0)
        return QStringLiteral("size=%1g").arg(bytes / g);
    if (bytes % m == 0)
        return QStringLiteral("size=%1m").arg(bytes / m);
    if (bytes % k == 0)
        return QStringLiteral("size=%1k").arg(bytes / k);
    return QStringLiteral("size=%1").arg(bytes);
}

// One -v value: SRC:DST[:MODE] or DST (handled as a Config.Volumes entry by
// the CLI; an API client may also send it in Binds).
Result<MountPlan> parseBind(const QString &spec, const Checks &checks)
{
    const QStringList parts = spec.split(u':');
    auto bad = [&] { return invalid(QStringLiteral("invalid volume specification: '%1'").arg(spec)); };
    if (parts.isEmpty() || parts.size() > 3 || spec.isEmpty())
        return bad();
    for (const QString &p : parts) {
        if (p.isEmpty())
            return bad();
    }
    MountPlan m;
    QString destination;
    if (parts.size() == 1) {
        m.kind = Kind::Volume;
        destination = parts.at(0);
    } else {
        m.source = parts.at(0);
        destination = parts.at(1);
        m.kind = m.source.startsWith(u'/') ? Kind::Bind : Kind::Volume;
    }
    const QString type = kindName(m.kind);
    if (!destination.startsWith(u'/'))
        return invalid(QStringLiteral("invalid volume specification: '%1': invalid mount config for type \"%2\": "
                                      "invalid mount path: '%3' mount path must be absolute")
                           .arg(spec, type, destination));
    m.destination = QDir::cleanPath(destination);
    if (m.destination == QLatin1String("/"))
        return invalid(QStringLiteral("invalid volume specification: '%1': invalid mount config for type \"%2\": "
                                      "invalid specification: destination can't be '/'")
                           .arg(spec, type));
    if (parts.size() == 3) {
        m.mode = parts.at(2);
        int propagations = 0, rw = 0, copies = 0;
        for (const QString &opt : m.mode.split(u',')) {
            if (opt == QLatin1String("ro") || opt == QLatin1String("rw")) {
                m.readOnly = opt == QLatin1String("ro");
                ++rw;
            } else if (opt == QLatin1String("z") || opt == QLatin1String("Z")) {
                continue;
            } else if (opt == QLatin1String("private") || opt == QLatin1String("rprivate")
                       || opt == QLatin1String("shared") || opt == QLatin1String("rshared")
                       || opt == QLatin1String("slave") || opt == QLatin1String("rslave")) {
                m.propagation = opt;
                ++propagations;
            } else if (opt == QLatin1String("nocopy") || opt == QLatin1String("copy")) {
                m.noCopy = opt == QLatin1String("nocopy");
                ++copies;
            } else {
                return invalid(QStringLiteral("invalid mode: %1").arg(m.mode));
            }
        }
        if (rw > 1 || propagations > 1 || copies > 1 || (m.kind == Kind::Volume && propagations > 0)
            || (m.kind == Kind::Bind && copies > 0))
            return invalid(QStringLiteral("invalid mode: %1").arg(m.mode));
    }
    if (m.kind == Kind::Volume) {
        if (!m.source.isEmpty() && !validVolumeName(m.source))
            return badVolumeName(m.source);
        // dockerd shows "z" for a named -v volume without options.
        if (!m.source.isEmpty() && m.mode.isEmpty())
            m.mode = QStringLiteral("z");
    } else {
        m.source = QDir::cleanPath(m.source);
        if (m.propagation.isEmpty())
            m.propagation = QStringLiteral("rprivate");
        m.createSource = true;
        if (auto st = checkBindSource(QStringLiteral("bind"), m.source, checks); !st)
            return fail(st.error());
    }
    if (auto st = checkDestination(type, spec, m.destination); !st)
        return fail(st.error());
    return m;
}

// One HostConfig.Mounts entry (moby's validateMountConfigImpl + parseMountSpec).
Result<MountPlan> parseMount(const QJsonObject &o, const Checks &checks)
{
    const QString type = o.value(QStringLiteral("Type")).toString();
    const QString source = o.value(QStringLiteral("Source")).toString();
    const QString target = o.value(QStringLiteral("Target")).toString();
    const bool hasBind = o.value(QStringLiteral("BindOptions")).isObject();
    const bool hasVolume = o.value(QStringLiteral("VolumeOptions")).isObject();
    const bool hasTmpfs = o.value(QStringLiteral("TmpfsOptions")).isObject();
    MountPlan m;
    m.fromMountsField = true;
    if (type == QLatin1String("bind"))
        m.kind = Kind::Bind;
    else if (type == QLatin1String("volume"))
        m.kind = Kind::Volume;
    else if (type == QLatin1String("tmpfs"))
        m.kind = Kind::Tmpfs;
    else
        return mountError(type, QStringLiteral("mount type unknown"));
    if (target.isEmpty())
        return mountError(type, QStringLiteral("field Target must not be empty"));
    if (!target.startsWith(u'/'))
        return mountError(type, QStringLiteral("invalid mount path: '%1' mount path must be absolute").arg(target));
    m.destination = QDir::cleanPath(target);
    if (m.destination == QLatin1String("/"))
        return mountError(type, QStringLiteral("invalid specification: destination can't be '/'"));
    m.readOnly = o.value(QStringLiteral("ReadOnly")).toBool();
    switch (m.kind) {
    case Kind::Bind: {
        if (hasVolume)
            return mountError(type, QStringLiteral("field VolumeOptions must not be specified"));
        if (hasTmpfs)
            return mountError(type, QStringLiteral("field TmpfsOptions must not be specified"));
        if (source.isEmpty())
            return mountError(type, QStringLiteral("field Source must not be empty"));
        if (!source.startsWith(u'/'))
            return mountError(type, QStringLiteral("invalid mount path: '%1' mount path must be absolute").arg(source));
        m.source = QDir::cleanPath(source);
        const QJsonObject bind = o.value(QStringLiteral("BindOptions")).toObject();
        m.propagation = bind.value(QStringLiteral("Propagation")).toString();
        static const QStringList propagations{QStringLiteral("private"), QStringLiteral("rprivate"),
                                              QStringLiteral("shared"),  QStringLiteral("rshared"),
                                              QStringLiteral("slave"),   QStringLiteral("rslave")};
        if (!m.propagation.isEmpty() && !propagations.contains(m.propagation))
            return mountError(type, QStringLiteral("invalid propagation mode: %1").arg(m.propagation));
        if (m.propagation.isEmpty())
            m.propagation = QStringLiteral("rprivate");
        if (auto st = checkBindSource(type, m.source, checks); !st)
            return fail(st.error());
        if (checks.pathExists && !checks.pathExists(m.source))
            return mountError(type, QStringLiteral("bind source path does not exist: %1").arg(m.source));
        break;
    }
    case Kind::Volume: {
        if (hasBind)
            return mountError(type, QStringLiteral("field BindOptions must not be specified"));
        if (hasTmpfs)
            return mountError(type, QStringLiteral("field TmpfsOptions must not be specified"));
        if (!source.isEmpty() && !validVolumeName(source))
            return badVolumeName(source);
        m.source = source;
        const QJsonObject vol = o.value(QStringLiteral("VolumeOptions")).toObject();
        m.noCopy = vol.value(QStringLiteral("NoCopy")).toBool();
        if (!vol.value(QStringLiteral("Subpath")).toString().isEmpty())
            return mountError(type, QStringLiteral("volume subpaths are not supported by this engine"));
        const QJsonObject labels = vol.value(QStringLiteral("Labels")).toObject();
        for (auto it = labels.begin(); it != labels.end(); ++it)
            m.volumeLabels.insert(it.key(), it.value().toString());
        const QJsonObject driver = vol.value(QStringLiteral("DriverConfig")).toObject();
        m.volumeDriver = driver.value(QStringLiteral("Name")).toString();
        const QJsonObject opts = driver.value(QStringLiteral("Options")).toObject();
        for (auto it = opts.begin(); it != opts.end(); ++it)
            m.volumeOptions.insert(it.key(), it.value().toString());
        break;
    }
    case Kind::Tmpfs: {
        if (!source.isEmpty())
            return mountError(type, QStringLiteral("field Source must not be specified"));
        if (hasBind)
            return mountError(type, QStringLiteral("field BindOptions must not be specified"));
        if (hasVolume)
            return mountError(type, QStringLiteral("field VolumeOptions must not be specified"));
        const QJsonObject tmpfs = o.value(QStringLiteral("TmpfsOptions")).toObject();
        const qint64 size = tmpfs.value(QStringLiteral("SizeBytes")).toInteger();
        if (size < 0)
            return mountError(type, QStringLiteral("invalid tmpfs size: %1").arg(size));
        if (size > 0)
            m.tmpfsOptions.append(sizeOption(size));
        const qint64 mode = tmpfs.value(QStringLiteral("Mode")).toInteger();
        if (mode < 0 || mode > 07777)
            return mountError(type, QStringLiteral("invalid tmpfs mode: %1").arg(mode));
        if (mode > 0)
            m.tmpfsOptions.append(QStringLiteral("mode=%1").arg(mode, 0, 8));
        break;
    }
    }
    if (auto st = checkDestination(type, QString(), m.destination); !st)
        return fail(st.error());
    return m;
}

} // namespace

int depth(const QString &path)
{
    return int(path.count(u'/')) - (path.endsWith(u'/') ? 1 : 0);
}

Status applyTmpfsOptions(const QString &destination, const QString &options, MountPlan &m)
{
    for (const QString &opt : options.split(u',', Qt::SkipEmptyParts)) {
        const qsizetype eq = opt.indexOf(u'=');
        const QString key = eq < 0 ? opt : opt.left(eq);
        const QString value = eq < 0 ? QString() : opt.mid(eq + 1);
        static const QRegularExpression number(QStringLiteral("^[0-9]+[kKmMgG%]?$"));
        if (eq < 0) {
            if (opt == QLatin1String("ro") || opt == QLatin1String("rw"))
                m.readOnly = opt == QLatin1String("ro");
            else if (opt == QLatin1String("exec") || opt == QLatin1String("noexec"))
                m.noexec = opt == QLatin1String("noexec");
            else if (opt == QLatin1String("suid") || opt == QLatin1String("nosuid"))
                m.nosuid = opt == QLatin1String("nosuid");
            else if (opt == QLatin1String("dev") || opt == QLatin1String("nodev"))
                m.nodev = opt == QLatin1String("nodev");
            else if (opt != QLatin1String("relatime") && opt != QLatin1String("norelatime")
                     && opt != QLatin1String("strictatime") && opt != QLatin1String("atime")
                     && opt != QLatin1String("noatime") && opt != QLatin1String("async")
                     && opt != QLatin1String("sync") && opt != QLatin1String("private")
                     && opt != QLatin1String("rprivate"))
                return invalid(QStringLiteral("invalid tmpfs option [\"%1\"] for %2").arg(opt, destination));
            continue;
        }
        static const QStringList keys{QStringLiteral("size"), QStringLiteral("mode"), QStringLiteral("uid"),
                                      QStringLiteral("gid"), QStringLiteral("nr_inodes"), QStringLiteral("nr_blocks")};
        if (!keys.contains(key) || !number.match(value).hasMatch())
            return invalid(QStringLiteral("invalid tmpfs option [\"%1\"] for %2").arg(opt, destination));
        // A later value replaces an earlier one (mount.MergeTmpfsOptions).
        m.tmpfsOptions.erase(std::remove_if(m.tmpfsOptions.begin(), m.tmpfsOptions.end(),
                                            [&](const QString &o) { return o.startsWith(key + u'='); }),
                             m.tmpfsOptions.end());
        m.tmpfsOptions.append(opt);
    }
    return {};
}

Result<QList<MountPlan>> plan(const QJsonObject &host, const QJsonObject &configVolumes, const Checks &checks)
{
    QList<MountPlan> out;
    QSet<QString> destinations;
    auto add = [&](MountPlan m) -> Status {
        if (destinations.contains(m.destination))
            return invalid(QStringLiteral("Duplicate mount point: %1").arg(m.destination));
        destinations.insert(m.destination);
        out.append(std::move(m));
        return {};
    };
    for (const QJsonValue &v : host.value(QStringLiteral("Binds")).toArray()) {
        auto m = parseBind(v.toString(), checks);
        if (!m)
            return fail(m.error());
        if (auto st = add(std::move(*m)); !st)
            return fail(st.error());
    }
    for (const QJsonValue &v : host.value(QStringLiteral("Mounts")).toArray()) {
        auto m = parseMount(v.toObject(), checks);
        if (!m)
            return fail(m.error());
        if (auto st = add(std::move(*m)); !st)
            return fail(st.error());
    }
    const QJsonObject tmpfs = host.value(QStringLiteral("Tmpfs")).toObject();
    for (auto it = tmpfs.begin(); it != tmpfs.end(); ++it) {
        MountPlan m;
        m.kind = Kind::Tmpfs;
        m.inspected = false;
        if (!it.key().startsWith(u'/'))
            return invalid(QStringLiteral("invalid mount path: '%1' mount path must be absolute").arg(it.key()));
        m.destination = QDir::cleanPath(it.key());
        if (m.destination == QLatin1String("/"))
            return invalid(QStringLiteral("invalid specification: destination can't be '/'"));
        if (auto st = checkDestination(QStringLiteral("tmpfs"), QString(), m.destination); !st)
            return fail(st.error());
        if (auto st = applyTmpfsOptions(m.destination, it.value().toString(), m); !st)
            return fail(st.error());
        if (auto st = add(std::move(m)); !st)
            return fail(st.error());
    }
    // Config.Volumes: an anonymous volume for each path no mount covers.
    QStringList anonymous = configVolumes.keys();
    std::sort(anonymous.begin(), anonymous.end());
    for (const QString &path : std::as_const(anonymous)) {
        if (!path.startsWith(u'/'))
            return invalid(QStringLiteral("invalid volume specification: '%1': invalid mount config for type "
                                          "\"volume\": invalid mount path: '%1' mount path must be absolute")
                               .arg(path));
        const QString destination = QDir::cleanPath(path);
        if (destination == QLatin1String("/"))
            return invalid(QStringLiteral("invalid volume specification: '%1': invalid mount config for type "
                                          "\"volume\": invalid specification: destination can't be '/'")
                               .arg(path));
        if (destinations.contains(destination))
            continue;
        if (auto st = checkDestination(QStringLiteral("volume"), path, destination); !st)
            return fail(st.error());
        MountPlan m;
        m.kind = Kind::Volume;
        m.destination = destination;
        m.fromConfigVolumes = true;
        destinations.insert(destination);
        out.append(std::move(m));
    }
    // Parents before children (moby's sortMounts), stable otherwise.
    std::stable_sort(out.begin(), out.end(),
                     [](const MountPlan &a, const MountPlan &b) { return depth(a.destination) < depth(b.destination); });
    return out;
}

QJsonObject inspectEntry(const MountPlan &m, const QString &volumeName, const QString &volumeMountpoint)
{
    switch (m.kind) {
    case Kind::Bind:
        return QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                           {QStringLiteral("Source"), m.source},
                           {QStringLiteral("Destination"), m.destination},
                           {QStringLiteral("Mode"), m.fromMountsField ? QString() : m.mode},
                           {QStringLiteral("RW"), !m.readOnly},
                           {QStringLiteral("Propagation"), m.propagation}};
    case Kind::Volume:
        return QJsonObject{{QStringLiteral("Type"), QStringLiteral("volume")},
                           {QStringLiteral("Name"), volumeName},
                           {QStringLiteral("Source"), volumeMountpoint},
                           {QStringLiteral("Destination"), m.destination},
                           {QStringLiteral("Driver"), QStringLiteral("local")},
                           {QStringLiteral("Mode"), m.fromMountsField ? QString() : m.mode},
                           {QStringLiteral("RW"), !m.readOnly},
                           {QStringLiteral("Propagation"), QString()}};
    case Kind::Tmpfs:
        return QJsonObject{{QStringLiteral("Type"), QStringLiteral("tmpfs")},
                           {QStringLiteral("Source"), QString()},
                           {QStringLiteral("Destination"), m.destination},
                           {QStringLiteral("Mode"), QString()},
                           {QStringLiteral("RW"), !m.readOnly},
                           {QStringLiteral("Propagation"), QString()}};
    }
    return {};
}

QJsonObject shimEntry(const MountPlan &m, const QString &source)
{
    if (m.kind == Kind::Tmpfs) {
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("tmpfs")},
                           {QStringLiteral("destination"), m.destination},
                           {QStringLiteral("readonly"), m.readOnly},
                           {QStringLiteral("options"), QJsonArray::fromStringList(m.tmpfsOptions)},
                           {QStringLiteral("noexec"), m.noexec},
                           {QStringLiteral("nosuid"), m.nosuid},
                           {QStringLiteral("nodev"), m.nodev}};
    }
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("bind")},
                  {QStringLiteral("source"), source},
                  {QStringLiteral("destination"), m.destination},
                  {QStringLiteral("readonly"), m.readOnly}};
    if (m.kind == Kind::Bind && m.propagation != QLatin1String("rprivate"))
        o.insert(QStringLiteral("propagation"), m.propagation);
    if (m.kind == Kind::Volume && !m.noCopy)
        o.insert(QStringLiteral("copyUp"), true);
    return o;
}

QStringList anonymousVolumes(const QJsonArray &mounts, const QJsonObject &hostConfig)
{
    // A volume named in Binds or in a Mounts entry with a Source is the
    // user's; every other volume mount was made for this container
    // (moby's removeMountPoints: Spec.Source == "").
    QSet<QString> named;
    for (const QJsonValue &v : hostConfig.value(QStringLiteral("Binds")).toArray()) {
        const QStringList parts = v.toString().split(u':');
        if (parts.size() >= 2 && !parts.at(0).startsWith(u'/'))
            named.insert(QDir::cleanPath(parts.at(1)));
    }
    for (const QJsonValue &v : hostConfig.value(QStringLiteral("Mounts")).toArray()) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("Type")).toString() == QLatin1String("volume")
            && !o.value(QStringLiteral("Source")).toString().isEmpty())
            named.insert(QDir::cleanPath(o.value(QStringLiteral("Target")).toString()));
    }
    QStringList out;
    for (const QJsonValue &v : mounts) {
        const QJsonObject m = v.toObject();
        if (m.value(QStringLiteral("Type")).toString() != QLatin1String("volume"))
            continue;
        if (!named.contains(m.value(QStringLiteral("Destination")).toString()))
            out.append(m.value(QStringLiteral("Name")).toString());
    }
    return out;
}

} // namespace Berth::Daemon::MountConfig
