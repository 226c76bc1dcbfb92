#include "volumestore.h"

#include "atomicfile.h"
#include "enginelogging.h"
#include "fsutil.h"

#include <QDir>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

namespace {

constexpr char kRecordFile[] = "volume.json";
constexpr char kDataDir[] = "_data";

QJsonObject mapToJson(const QMap<QString, QString> &map)
{
    QJsonObject out;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

QMap<QString, QString> mapFromJson(const QJsonObject &object)
{
    QMap<QString, QString> out;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

QString randomVolumeName()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(bytes.data()),
                                         reinterpret_cast<quint32 *>(bytes.data() + bytes.size()));
    return QString::fromLatin1(bytes.toHex());
}

QByteArray recordToFile(const VolumeRecord &r)
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), r.name);
    o.insert(QStringLiteral("driver"), r.driver);
    o.insert(QStringLiteral("created"), r.createdAt.toUTC().toString(Qt::ISODateWithMs));
    o.insert(QStringLiteral("labels"), mapToJson(r.labels));
    o.insert(QStringLiteral("options"), mapToJson(r.options));
    o.insert(QStringLiteral("anonymous"), r.anonymous);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

quint64 usageAt(int dirFd, int depth)
{
    if (depth > 4096)
        return 0;
    const int dupFd = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
    if (dupFd < 0)
        return 0;
    DIR *dir = ::fdopendir(dupFd);
    if (!dir) {
        ::close(dupFd);
        return 0;
    }
    quint64 total = 0;
    while (struct dirent *ent = ::readdir(dir)) {
        if (qstrcmp(ent->d_name, ".") == 0 || qstrcmp(ent->d_name, "..") == 0)
            continue;
        struct stat st;
        if (::fstatat(dirFd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            const int child = ::openat(dirFd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child >= 0) {
                UniqueFd guard(child);
                total += usageAt(child, depth + 1);
            }
        } else if (S_ISREG(st.st_mode)) {
            total += quint64(st.st_size);
        }
    }
    ::closedir(dir);
    return total;
}

} // namespace

QJsonObject VolumeRecord::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("Name"), name);
    o.insert(QStringLiteral("Driver"), driver);
    o.insert(QStringLiteral("Mountpoint"), mountpoint);
    o.insert(QStringLiteral("CreatedAt"), createdAt.toUTC().toString(Qt::ISODate));
    // dockerd reports null maps for volumes made implicitly by containers
    // and the (possibly empty) maps it was given otherwise.
    o.insert(QStringLiteral("Labels"), anonymous && labels.isEmpty() ? QJsonValue() : QJsonValue(mapToJson(labels)));
    o.insert(QStringLiteral("Options"), anonymous && options.isEmpty() ? QJsonValue() : QJsonValue(mapToJson(options)));
    o.insert(QStringLiteral("Scope"), QStringLiteral("local"));
    return o;
}

VolumeStore::VolumeStore(const QString &dir)
    : m_dir(dir)
{
}

VolumeStore::~VolumeStore() = default;

Result<std::unique_ptr<VolumeStore>> VolumeStore::open(const QString &volumesDir)
{
    if (auto st = makeDirs(volumesDir, 0700); !st)
        return fail(st.error().wrap("open volume store"));
    std::unique_ptr<VolumeStore> store(new VolumeStore(QDir::cleanPath(volumesDir)));
    if (auto st = store->load(); !st)
        return fail(st.error().wrap("open volume store"));
    return store;
}

Status VolumeStore::load()
{
    if (auto st = AtomicFile::removeLeftovers(m_dir); !st)
        return st;
    QDir dir(m_dir);
    const QStringList names = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QString &name : names) {
        const QString recordPath = m_dir + u'/' + name + u'/' + QLatin1String(kRecordFile);
        auto data = AtomicFile::read(recordPath, 1024 * 1024);
        if (!data) {
            qCWarning(lcEngine) << "volume store: skipping" << name << ":"
                                   << QString::fromStdString(data.error().toString());
            continue;
        }
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(*data, &parseError);
        if (!doc.isObject() || doc.object().value(QStringLiteral("name")).toString() != name) {
            qCWarning(lcEngine) << "volume store: skipping" << name << ": unreadable" << recordPath;
            continue;
        }
        const QJsonObject o = doc.object();
        VolumeRecord r;
        r.name = name;
        r.driver = o.value(QStringLiteral("driver")).toString(QStringLiteral("local"));
        r.mountpoint = dataPath(name);
        r.createdAt = QDateTime::fromString(o.value(QStringLiteral("created")).toString(), Qt::ISODateWithMs).toUTC();
        r.labels = mapFromJson(o.value(QStringLiteral("labels")).toObject());
        r.options = mapFromJson(o.value(QStringLiteral("options")).toObject());
        r.anonymous = o.value(QStringLiteral("anonymous")).toBool();
        m_volumes.insert(name, r);
    }
    return {};
}

Status VolumeStore::validateName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"));
    if (!pattern.match(name).hasMatch() || name.size() > 255) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("create %1: \"%1\" includes invalid characters for a local volume name, only "
                                   "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                                   "directory, use absolute path")
                        .arg(name)
                        .toStdString());
    }
    return {};
}

QString VolumeStore::dataPath(const QString &name) const
{
    return m_dir + u'/' + name + u'/' + QLatin1String(kDataDir);
}

Result<VolumeRecord> VolumeStore::create(const VolumeCreateOptions &options)
{
    const QString driver = options.driver.isEmpty() ? QStringLiteral("local") : options.driver;
    if (driver != QLatin1String("local")) {
        return fail(ErrorCode::NotFound,
                    QStringLiteral("create %1: error looking up volume plugin %2: plugin \"%2\" not found")
                        .arg(options.name, driver)
                        .toStdString());
    }
    const QString name = options.name.isEmpty() ? randomVolumeName() : options.name;
    if (auto st = validateName(name); !st)
        return fail(st.error());
    for (auto it = options.options.cbegin(); it != options.options.cend(); ++it) {
        static const QStringList known = {QStringLiteral("type"), QStringLiteral("device"), QStringLiteral("o"),
                                          QStringLiteral("size")};
        if (!known.contains(it.key()))
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("create %1: invalid option key: \"%2\"").arg(name, it.key()).toStdString());
    }
    if (!options.options.isEmpty()) {
        // Mounting a device or a tmpfs per volume would need mount(2) in berthd
        // (style.md D5 forbids it); say so instead of ignoring the options.
        return fail(ErrorCode::NotImplemented,
                    QStringLiteral("create %1: local volume options (type, device, o, size) are not supported by "
                                   "this engine")
                        .arg(name)
                        .toStdString());
    }

    QMutexLocker locker(&m_lock);
    if (auto it = m_volumes.constFind(name); it != m_volumes.cend())
        return *it; // docker returns the existing volume

    VolumeRecord record;
    record.name = name;
    record.driver = driver;
    record.mountpoint = dataPath(name);
    record.createdAt = QDateTime::currentDateTimeUtc();
    record.labels = options.labels;
    record.options = options.options;
    record.anonymous = options.anonymous || options.name.isEmpty();

    // Build the whole directory under a temp name, then rename it into place.
    const QString tempName = QLatin1String(AtomicFile::tempPrefix()) + randomToken();
    const QString tempPath = m_dir + u'/' + tempName;
    const QString context = QStringLiteral("create volume %1").arg(name);
    auto cleanup = [&] { (void)removeTree(tempPath); };
    if (::mkdir(encodePath(tempPath).constData(), 0755) != 0)
        return fail(sysError(QStringLiteral("mkdir ") + tempPath, errno).wrap(context.toStdString()));
    // _data is what containers see: root-owned 0755 like dockerd's.
    if (::mkdir(encodePath(tempPath + u'/' + QLatin1String(kDataDir)).constData(), 0755) != 0) {
        const int err = errno;
        cleanup();
        return fail(sysError(QStringLiteral("mkdir ") + tempPath + u"/_data", err).wrap(context.toStdString()));
    }
    if (auto st = AtomicFile::write(tempPath + u'/' + QLatin1String(kRecordFile), recordToFile(record), 0600); !st) {
        cleanup();
        return fail(st.error().wrap(context.toStdString()));
    }
    const QString finalPath = m_dir + u'/' + name;
    if (::renameat2(AT_FDCWD, encodePath(tempPath).constData(), AT_FDCWD, encodePath(finalPath).constData(),
                    RENAME_NOREPLACE)
        != 0) {
        const int err = errno;
        cleanup();
        return fail(sysError(QStringLiteral("rename %1 to %2").arg(tempPath, finalPath), err)
                        .wrap(context.toStdString()));
    }
    if (auto st = syncDirectory(m_dir); !st)
        qCWarning(lcEngine) << QString::fromStdString(st.error().toString());
    m_volumes.insert(name, record);
    return record;
}

Result<VolumeRecord> VolumeStore::get(const QString &name) const
{
    QMutexLocker locker(&m_lock);
    auto it = m_volumes.constFind(name);
    if (it == m_volumes.cend())
        return fail(ErrorCode::NotFound, QStringLiteral("get %1: no such volume").arg(name).toStdString());
    return *it;
}

bool VolumeStore::contains(const QString &name) const
{
    QMutexLocker locker(&m_lock);
    return m_volumes.contains(name);
}

QList<VolumeRecord> VolumeStore::list() const
{
    QMutexLocker locker(&m_lock);
    return m_volumes.values();
}

Status VolumeStore::removeLocked(const QString &name)
{
    const QString path = m_dir + u'/' + name;
    const QString doomed = m_dir + u'/' + QLatin1String(AtomicFile::tempPrefix()) + QStringLiteral("rm-")
                           + randomToken();
    // Out of sight first: a crash mid-delete leaves a temp dir open() removes.
    if (::rename(encodePath(path).constData(), encodePath(doomed).constData()) != 0 && errno != ENOENT)
        return sysFail(QStringLiteral("rename %1 to %2").arg(path, doomed), errno);
    m_volumes.remove(name);
    (void)syncDirectory(m_dir);
    if (auto st = removeTree(doomed); !st)
        qCWarning(lcEngine) << "remove volume" << name << ":" << QString::fromStdString(st.error().toString());
    return {};
}

Status VolumeStore::remove(const QString &name, bool force, const VolumeUsageCallback &usage)
{
    QMutexLocker locker(&m_lock);
    if (!m_volumes.contains(name)) {
        if (force)
            return {};
        return fail(ErrorCode::NotFound, QStringLiteral("get %1: no such volume").arg(name).toStdString());
    }
    if (usage) {
        const QStringList users = usage(name);
        if (!users.isEmpty())
            return fail(ErrorCode::Conflict, QStringLiteral("remove %1: volume is in use - [%2]")
                                                 .arg(name, users.join(QStringLiteral(", ")))
                                                 .toStdString());
    }
    if (auto st = removeLocked(name); !st)
        return fail(st.error().wrap(QStringLiteral("remove %1").arg(name).toStdString()));
    return {};
}

Result<VolumePruneReport> VolumeStore::prune(const VolumeUsageCallback &usage,
                                             const std::function<bool(const VolumeRecord &)> &select)
{
    QMutexLocker locker(&m_lock);
    VolumePruneReport report;
    const QList<VolumeRecord> all = m_volumes.values();
    for (const VolumeRecord &r : all) {
        if (usage && !usage(r.name).isEmpty())
            continue;
        if (select && !select(r))
            continue;
        const quint64 size = diskUsage(r.mountpoint);
        if (auto st = removeLocked(r.name); !st) {
            qCWarning(lcEngine) << "prune volume" << r.name << ":" << QString::fromStdString(st.error().toString());
            continue;
        }
        report.deleted.append(r.name);
        report.spaceReclaimed += size;
    }
    return report;
}

quint64 VolumeStore::diskUsage(const QString &path)
{
    const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    UniqueFd guard(fd);
    return usageAt(fd, 0);
}

} // namespace Berth::Engine
