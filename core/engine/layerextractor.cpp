#include "layerextractor.h"

#include "archivehandle.h"
#include "enginelogging.h"
#include "fsutil.h"
#include "sha256hasher.h"

#include <base/uniquefd.h>

#include <QList>

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

namespace {

constexpr size_t kStageBufferSize = 128 * 1024;
const QByteArray kWhiteoutPrefix = QByteArrayLiteral(".wh.");
const QByteArray kWhiteoutMetaPrefix = QByteArrayLiteral(".wh..wh.");
const QByteArray kOpaqueMarker = QByteArrayLiteral(".wh..wh..opq");

bool isRoot()
{
    return ::geteuid() == 0;
}

// xattrs we restore; everything else (trusted.*, security.selinux, the
// overlay's own trusted.overlay.*) is dropped (security-checklist.md 4.A.8).
bool isAllowedXattr(const char *name)
{
    return qstrncmp(name, "user.", 5) == 0 || qstrcmp(name, "security.capability") == 0;
}

struct DeferredDir
{
    QList<QByteArray> components;
    mode_t mode;
    struct timespec mtime;
};

} // namespace

class LayerExtractor::Private
{
public:
    explicit Private(ExtractLimits limits) : m_limits(limits) {}

    // stage A: decompression (raw format) feeding stage B (tar) through these
    static la_ssize_t readUncompressed(struct archive *, void *self, const void **buffer);

    Result<LayerDiff> apply(int tarFd, const QString &targetDir);
    Status handleEntry(struct archive_entry *entry);
    Result<QList<QByteArray>> normalize(const char *raw, const QString &entryName, bool allowRoot) const;
    Result<UniqueFd> openParent(const QList<QByteArray> &components, qsizetype count, bool create,
                                const QString &entryName) const;
    Status clearExisting(int parentFd, const QByteArray &name, bool keepDirectory, bool *isDirectory,
                         const QString &entryName) const;
    Status writeRegular(int fd, struct archive_entry *entry, const QString &entryName);
    Status applyMetadata(int fd, struct archive_entry *entry, bool setTimes, const QString &entryName) const;
    Status applyXattrs(int fd, struct archive_entry *entry, const QString &entryName) const;
    Status finishDirectories();
    std::unexpected<Error> refuse(const QString &entryName, const QString &why) const
    {
        return failWith(ErrorCode::InvalidArgument,
                        QStringLiteral("layer entry \"%1\": %2").arg(entryName, why));
    }

    ExtractLimits m_limits;
    struct archive *m_stageA = nullptr;
    struct archive *m_stageB = nullptr;
    Sha256Hasher m_hasher;
    quint64 m_tarBytes = 0;
    bool m_stageAEof = false;
    const std::atomic<bool> *m_cancel = nullptr;
    QByteArray m_buffer;
    UniqueFd m_rootFd;
    QString m_targetDir;
    QList<DeferredDir> m_deferred;
    LayerDiff m_result;
    bool m_root = isRoot();
};

la_ssize_t LayerExtractor::Private::readUncompressed(struct archive *, void *self, const void **buffer)
{
    auto *d = static_cast<Private *>(self);
    if (d->m_stageAEof)
        return 0;
    if (d->m_cancel && d->m_cancel->load(std::memory_order_relaxed)) {
        archive_set_error(d->m_stageB, ECANCELED, "extraction cancelled");
        return -1;
    }
    const la_ssize_t n = archive_read_data(d->m_stageA, d->m_buffer.data(), size_t(d->m_buffer.size()));
    if (n < 0) {
        archive_set_error(d->m_stageB, archive_errno(d->m_stageA), "%s",
                          archive_error_string(d->m_stageA) ? archive_error_string(d->m_stageA)
                                                            : "decompression failed");
        return -1;
    }
    if (n == 0) {
        d->m_stageAEof = true;
        return 0;
    }
    d->m_hasher.addData(d->m_buffer.constData(), size_t(n));
    d->m_tarBytes += quint64(n);
    if (d->m_limits.maxUncompressedBytes && d->m_tarBytes > d->m_limits.maxUncompressedBytes) {
        archive_set_error(d->m_stageB, EFBIG, "uncompressed layer is larger than %llu bytes",
                          static_cast<unsigned long long>(d->m_limits.maxUncompressedBytes));
        return -1;
    }
    *buffer = d->m_buffer.constData();
    return n;
}

Result<LayerDiff> LayerExtractor::Private::apply(int tarFd, const QString &targetDir)
{
    m_targetDir = targetDir;
    auto root = openDirectory(targetDir);
    if (!root)
        return std::unexpected(root.error());
    m_rootFd = std::move(*root);
    m_buffer.resize(kStageBufferSize);

    ArchiveReadPtr a(archive_read_new());
    ArchiveReadPtr b(archive_read_new());
    if (!a || !b)
        return fail(ErrorCode::Internal, "archive_read_new failed");
    // Only built-in gzip and zstd: ARCHIVE_WARN would mean an external program.
    if (archive_read_support_filter_gzip(a.get()) != ARCHIVE_OK
        || archive_read_support_filter_zstd(a.get()) != ARCHIVE_OK
        || archive_read_support_filter_none(a.get()) != ARCHIVE_OK
        || archive_read_support_format_raw(a.get()) != ARCHIVE_OK)
        return fail(ErrorCode::Internal, "libarchive lacks built-in gzip/zstd support");
    if (archive_read_open_fd(a.get(), tarFd, 64 * 1024) != ARCHIVE_OK)
        return failWith(ErrorCode::InvalidArgument,
                        QStringLiteral("open layer stream: %1").arg(QString::fromUtf8(archive_error_string(a.get()))));
    struct archive_entry *rawEntry = nullptr;
    const int ra = archive_read_next_header(a.get(), &rawEntry);
    if (ra == ARCHIVE_EOF) {
        m_stageAEof = true;
    } else if (ra != ARCHIVE_OK) {
        return failWith(ErrorCode::InvalidArgument,
                        QStringLiteral("read layer stream: %1").arg(QString::fromUtf8(archive_error_string(a.get()))));
    }
    m_stageA = a.get();

    archive_read_support_filter_none(b.get());
    archive_read_support_format_tar(b.get());
    m_stageB = b.get();
    if (archive_read_open2(b.get(), this, nullptr, &Private::readUncompressed, nullptr, nullptr) != ARCHIVE_OK) {
        // an empty stream is an empty layer
        if (m_tarBytes == 0 && m_stageAEof) {
            m_result.diffId = m_hasher.finish();
            return m_result;
        }
        return failWith(ErrorCode::InvalidArgument,
                        QStringLiteral("read layer tar: %1").arg(QString::fromUtf8(archive_error_string(b.get()))));
    }

    for (;;) {
        struct archive_entry *entry = nullptr;
        const int r = archive_read_next_header(b.get(), &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            const char *name = entry ? archive_entry_pathname(entry) : nullptr;
            return failWith(ErrorCode::InvalidArgument,
                            QStringLiteral("read layer tar%1: %2")
                                .arg(name ? QStringLiteral(" at entry \"%1\"").arg(QString::fromUtf8(name)) : QString(),
                                     QString::fromUtf8(archive_error_string(b.get()))));
        }
        if (++m_result.entries > m_limits.maxEntries)
            return failWith(ErrorCode::TooLarge, QStringLiteral("layer has more than %1 entries").arg(m_limits.maxEntries));
        if (auto st = handleEntry(entry); !st)
            return std::unexpected(st.error());
    }
    // hash the rest of the uncompressed stream (tar padding after the end marker)
    const void *ignored = nullptr;
    while (readUncompressed(nullptr, this, &ignored) > 0) {
    }
    if (archive_errno(b.get()) != 0 && archive_error_string(b.get()) && !m_stageAEof)
        return failWith(ErrorCode::InvalidArgument,
                        QStringLiteral("read layer tar: %1").arg(QString::fromUtf8(archive_error_string(b.get()))));
    if (auto st = finishDirectories(); !st)
        return std::unexpected(st.error());
    m_result.diffId = m_hasher.finish();
    m_result.tarSize = m_tarBytes;
    return m_result;
}

Result<QList<QByteArray>> LayerExtractor::Private::normalize(const char *raw, const QString &entryName,
                                                             bool allowRoot) const
{
    if (!raw || !*raw)
        return refuse(entryName, QStringLiteral("empty path"));
    const QByteArray path(raw);
    if (path.size() > m_limits.maxPathBytes)
        return refuse(entryName.left(64) + QStringLiteral("..."),
                      QStringLiteral("path is longer than %1 bytes").arg(m_limits.maxPathBytes));
    if (path.startsWith('/'))
        return refuse(entryName, QStringLiteral("absolute path"));
    QList<QByteArray> out;
    for (const QByteArray &comp : path.split('/')) {
        if (comp.isEmpty() || comp == ".")
            continue;
        if (comp == "..")
            return refuse(entryName, QStringLiteral("path contains a \"..\" component"));
        if (comp.size() > m_limits.maxNameBytes)
            return refuse(entryName, QStringLiteral("a path component is longer than %1 bytes").arg(m_limits.maxNameBytes));
        out.append(comp);
    }
    if (out.size() > m_limits.maxDepth)
        return refuse(entryName, QStringLiteral("path is deeper than %1 levels").arg(m_limits.maxDepth));
    if (out.isEmpty() && !allowRoot)
        return refuse(entryName, QStringLiteral("names the layer root"));
    return out;
}

Result<UniqueFd> LayerExtractor::Private::openParent(const QList<QByteArray> &components, qsizetype count,
                                                     bool create, const QString &entryName) const
{
    int dupFd = ::fcntl(m_rootFd.get(), F_DUPFD_CLOEXEC, 0);
    if (dupFd < 0)
        return sysFail(QStringLiteral("dup layer root"), errno);
    UniqueFd current(dupFd);
    for (qsizetype i = 0; i < count; ++i) {
        const QByteArray &comp = components[i];
        int fd = ::openat(current.get(), comp.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            if (::mkdirat(current.get(), comp.constData(), 0755) != 0 && errno != EEXIST)
                return sysFail(QStringLiteral("layer entry \"%1\": mkdir parent").arg(entryName), errno);
            fd = ::openat(current.get(), comp.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            const int err = errno;
            const QString prefix = QString::fromUtf8(components.mid(0, i + 1).join('/'));
            if (err == ELOOP || err == ENOTDIR)
                return refuse(entryName, QStringLiteral("parent \"%1\" is a symlink or not a directory").arg(prefix));
            if (err == ENOENT)
                return refuse(entryName, QStringLiteral("\"%1\" does not exist in the layer").arg(prefix));
            return sysFail(QStringLiteral("layer entry \"%1\": open parent \"%2\"").arg(entryName, prefix), err);
        }
        current = UniqueFd(fd);
    }
    return current;
}

Status LayerExtractor::Private::clearExisting(int parentFd, const QByteArray &name, bool keepDirectory,
                                              bool *isDirectory, const QString &entryName) const
{
    *isDirectory = false;
    struct stat st;
    if (::fstatat(parentFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return {};
        return sysFail(QStringLiteral("layer entry \"%1\": stat").arg(entryName), errno);
    }
    if (S_ISDIR(st.st_mode) && keepDirectory) {
        *isDirectory = true;
        return {};
    }
    return removeTreeAt(parentFd, name, m_targetDir + u'/' + entryName);
}

Status LayerExtractor::Private::applyXattrs(int fd, struct archive_entry *entry, const QString &entryName) const
{
    if (archive_entry_xattr_reset(entry) == 0)
        return {};
    const char *name = nullptr;
    const void *value = nullptr;
    size_t size = 0;
    quint64 total = 0;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
        total += size;
        if (total > m_limits.maxXattrBytes)
            return refuse(entryName, QStringLiteral("extended attributes are larger than %1 bytes").arg(m_limits.maxXattrBytes));
        if (!name || !isAllowedXattr(name)) {
            qCDebug(lcEngine) << "dropping xattr" << name << "on" << entryName;
            continue;
        }
        if (::fsetxattr(fd, name, value, size, 0) != 0) {
            const int err = errno;
            if (err == ENOTSUP || err == EPERM) {
                qCWarning(lcEngine) << "cannot set xattr" << name << "on" << entryName << ":" << strerror(err);
                continue;
            }
            return sysFail(QStringLiteral("layer entry \"%1\": set xattr %2").arg(entryName, QString::fromUtf8(name)), err);
        }
    }
    return {};
}

Status LayerExtractor::Private::applyMetadata(int fd, struct archive_entry *entry, bool setTimes,
                                              const QString &entryName) const
{
    if (m_root) {
        if (::fchown(fd, uid_t(archive_entry_uid(entry)), gid_t(archive_entry_gid(entry))) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chown").arg(entryName), errno);
    }
    if (auto st = applyXattrs(fd, entry, entryName); !st)
        return st;
    if (::fchmod(fd, archive_entry_perm(entry) & 07777) != 0)
        return sysFail(QStringLiteral("layer entry \"%1\": chmod").arg(entryName), errno);
    if (setTimes) {
        struct timespec times[2];
        times[1].tv_sec = archive_entry_mtime(entry);
        times[1].tv_nsec = archive_entry_mtime_nsec(entry);
        if (archive_entry_atime_is_set(entry)) {
            times[0].tv_sec = archive_entry_atime(entry);
            times[0].tv_nsec = archive_entry_atime_nsec(entry);
        } else {
            times[0] = times[1];
        }
        if (::futimens(fd, times) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": set times").arg(entryName), errno);
    }
    return {};
}

Status LayerExtractor::Private::writeRegular(int fd, struct archive_entry *entry, const QString &entryName)
{
    const void *buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
        const int r = archive_read_data_block(m_stageB, &buf, &size, &offset);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return failWith(ErrorCode::InvalidArgument,
                            QStringLiteral("layer entry \"%1\": read data: %2")
                                .arg(entryName, QString::fromUtf8(archive_error_string(m_stageB))));
        const char *p = static_cast<const char *>(buf);
        while (size > 0) {
            const ssize_t n = ::pwrite(fd, p, size, off_t(offset));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return sysFail(QStringLiteral("layer entry \"%1\": write").arg(entryName), errno);
            }
            p += n;
            size -= size_t(n);
            offset += n;
        }
    }
    // sparse files: holes at the end exist only as the declared size
    if (::ftruncate(fd, off_t(archive_entry_size(entry))) != 0)
        return sysFail(QStringLiteral("layer entry \"%1\": truncate").arg(entryName), errno);
    return {};
}

Status LayerExtractor::Private::handleEntry(struct archive_entry *entry)
{
    const char *rawPath = archive_entry_pathname(entry);
    const QString entryName = rawPath ? QString::fromUtf8(rawPath) : QStringLiteral("<unnamed>");
    auto comps = normalize(rawPath, entryName, true);
    if (!comps)
        return std::unexpected(comps.error());
    const mode_t type = archive_entry_filetype(entry);
    const char *hardlink = archive_entry_hardlink(entry);

    if (comps->isEmpty()) {
        // "./": the layer root itself; only a directory may name it
        if (hardlink || type != AE_IFDIR)
            return refuse(entryName, QStringLiteral("the layer root must be a directory"));
        if (m_root && ::fchown(m_rootFd.get(), uid_t(archive_entry_uid(entry)), gid_t(archive_entry_gid(entry))) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chown").arg(entryName), errno);
        m_deferred.append({{}, mode_t(archive_entry_perm(entry)), {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}});
        return {};
    }

    const QByteArray name = comps->last();
    auto parent = openParent(*comps, comps->size() - 1, true, entryName);
    if (!parent)
        return std::unexpected(parent.error());
    const int pfd = parent->get();

    // whiteouts
    if (name == kOpaqueMarker) {
        const QByteArray attr = opaqueXattrName();
        if (::fsetxattr(pfd, attr.constData(), "y", 1, 0) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": set %2").arg(entryName, QString::fromLatin1(attr)), errno);
        return {};
    }
    if (name.startsWith(kWhiteoutMetaPrefix)) {
        qCDebug(lcEngine) << "skipping aufs metadata entry" << entryName;
        return {};
    }
    if (name.startsWith(kWhiteoutPrefix)) {
        const QByteArray target = name.mid(kWhiteoutPrefix.size());
        if (target.isEmpty() || target == "." || target == "..")
            return refuse(entryName, QStringLiteral("invalid whiteout name"));
        bool wasDir = false;
        if (m_root) {
            if (auto st = clearExisting(pfd, target, false, &wasDir, entryName); !st)
                return st;
            if (::mknodat(pfd, target.constData(), S_IFCHR | 0, makedev(0, 0)) != 0)
                return sysFail(QStringLiteral("layer entry \"%1\": create whiteout device").arg(entryName), errno);
        } else {
            if (auto st = clearExisting(pfd, name, false, &wasDir, entryName); !st)
                return st;
            const int fd = ::openat(pfd, name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0)
                return sysFail(QStringLiteral("layer entry \"%1\": create whiteout file").arg(entryName), errno);
            ::close(fd);
        }
        return {};
    }

    if (hardlink) {
        auto targetComps = normalize(hardlink, entryName, false);
        if (!targetComps) {
            return refuse(entryName, QStringLiteral("hardlink target \"%1\" is not inside the layer")
                                         .arg(QString::fromUtf8(hardlink)));
        }
        if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0)
            return refuse(entryName, QStringLiteral("hardlink carries data"));
        auto targetParent = openParent(*targetComps, targetComps->size() - 1, false, entryName);
        if (!targetParent)
            return std::unexpected(targetParent.error());
        struct stat st;
        if (::fstatat(targetParent->get(), targetComps->last().constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return refuse(entryName, QStringLiteral("hardlink target \"%1\" does not exist in the layer")
                                         .arg(QString::fromUtf8(hardlink)));
        if (S_ISDIR(st.st_mode))
            return refuse(entryName, QStringLiteral("hardlink target \"%1\" is a directory").arg(QString::fromUtf8(hardlink)));
        bool wasDir = false;
        if (auto r = clearExisting(pfd, name, false, &wasDir, entryName); !r)
            return r;
        if (::linkat(targetParent->get(), targetComps->last().constData(), pfd, name.constData(), 0) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": link").arg(entryName), errno);
        return {};
    }

    switch (type) {
    case AE_IFDIR: {
        bool exists = false;
        if (auto r = clearExisting(pfd, name, true, &exists, entryName); !r)
            return r;
        if (!exists && ::mkdirat(pfd, name.constData(), 0700) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": mkdir").arg(entryName), errno);
        const int fd = ::openat(pfd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sysFail(QStringLiteral("layer entry \"%1\": open directory").arg(entryName), errno);
        UniqueFd dir(fd);
        if (m_root && ::fchown(fd, uid_t(archive_entry_uid(entry)), gid_t(archive_entry_gid(entry))) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chown").arg(entryName), errno);
        if (auto r = applyXattrs(fd, entry, entryName); !r)
            return r;
        // keep the directory writable until the end; mode and times come last
        if (::fchmod(fd, 0700) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chmod").arg(entryName), errno);
        m_deferred.append({*comps, mode_t(archive_entry_perm(entry)), {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}});
        return {};
    }
    case AE_IFREG: {
        bool wasDir = false;
        if (auto r = clearExisting(pfd, name, false, &wasDir, entryName); !r)
            return r;
        const int fd = ::openat(pfd, name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return sysFail(QStringLiteral("layer entry \"%1\": create").arg(entryName), errno);
        UniqueFd file(fd);
        if (auto r = writeRegular(fd, entry, entryName); !r)
            return r;
        m_result.contentSize += quint64(archive_entry_size(entry));
        return applyMetadata(fd, entry, true, entryName);
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(entry);
        if (!target || !*target)
            return refuse(entryName, QStringLiteral("symlink without a target"));
        const QByteArray t(target);
        if (t.size() > m_limits.maxPathBytes)
            return refuse(entryName, QStringLiteral("symlink target is longer than %1 bytes").arg(m_limits.maxPathBytes));
        // Any target is kept as it is, "../../x" and "/etc/x" alike: inside the
        // container ".." stops at its root, and extraction itself never
        // follows a symlink (every parent is opened with O_NOFOLLOW), so a
        // target cannot lead a write out of the layer. Docker accepts them too.
        bool wasDir = false;
        if (auto r = clearExisting(pfd, name, false, &wasDir, entryName); !r)
            return r;
        if (::symlinkat(target, pfd, name.constData()) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": symlink").arg(entryName), errno);
        if (m_root && ::fchownat(pfd, name.constData(), uid_t(archive_entry_uid(entry)),
                                 gid_t(archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": lchown").arg(entryName), errno);
        struct timespec times[2];
        times[1] = {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
        times[0] = times[1];
        if (::utimensat(pfd, name.constData(), times, AT_SYMLINK_NOFOLLOW) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": set symlink times").arg(entryName), errno);
        return {};
    }
    case AE_IFIFO: {
        bool wasDir = false;
        if (auto r = clearExisting(pfd, name, false, &wasDir, entryName); !r)
            return r;
        if (::mkfifoat(pfd, name.constData(), 0600) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": mkfifo").arg(entryName), errno);
        const int fd = ::openat(pfd, name.constData(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sysFail(QStringLiteral("layer entry \"%1\": open fifo").arg(entryName), errno);
        UniqueFd fifo(fd);
        // O_PATH fds take no fchmod; go through the fd's /proc link, which
        // names exactly this inode
        const QByteArray procPath = "/proc/self/fd/" + QByteArray::number(fd);
        if (::chmod(procPath.constData(), archive_entry_perm(entry) & 07777) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chmod fifo").arg(entryName), errno);
        if (m_root && ::fchownat(pfd, name.constData(), uid_t(archive_entry_uid(entry)),
                                 gid_t(archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chown fifo").arg(entryName), errno);
        return {};
    }
    case AE_IFCHR:
    case AE_IFBLK:
        return refuse(entryName, QStringLiteral("device nodes are not allowed in layers"));
    case AE_IFSOCK:
        return refuse(entryName, QStringLiteral("sockets are not allowed in layers"));
    default:
        return refuse(entryName, QStringLiteral("unsupported entry type %1").arg(type, 0, 8));
    }
}

Status LayerExtractor::Private::finishDirectories()
{
    // innermost first, so that fixing a parent's mode cannot block a child
    for (qsizetype i = m_deferred.size() - 1; i >= 0; --i) {
        const DeferredDir &dd = m_deferred[i];
        const QString entryName = QString::fromUtf8(dd.components.join('/'));
        UniqueFd fd;
        if (dd.components.isEmpty()) {
            fd = UniqueFd(::fcntl(m_rootFd.get(), F_DUPFD_CLOEXEC, 0));
        } else {
            auto parent = openParent(dd.components, dd.components.size() - 1, false, entryName);
            if (!parent)
                return std::unexpected(parent.error());
            fd = UniqueFd(::openat(parent->get(), dd.components.last().constData(),
                                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        }
        if (!fd) {
            // replaced by a later entry of another type: nothing to finish
            if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT)
                continue;
            return sysFail(QStringLiteral("layer entry \"%1\": reopen directory").arg(entryName), errno);
        }
        if (::fchmod(fd.get(), dd.mode & 07777) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": chmod").arg(entryName), errno);
        const struct timespec times[2] = {dd.mtime, dd.mtime};
        if (::futimens(fd.get(), times) != 0)
            return sysFail(QStringLiteral("layer entry \"%1\": set times").arg(entryName), errno);
    }
    return {};
}

LayerExtractor::LayerExtractor(ExtractLimits limits)
    : d(std::make_unique<Private>(limits))
{}

LayerExtractor::~LayerExtractor() = default;

void LayerExtractor::setCancelFlag(const std::atomic<bool> *cancel)
{
    d->m_cancel = cancel;
}

Result<LayerDiff> LayerExtractor::apply(int tarFd, const QString &targetDir)
{
    const std::atomic<bool> *cancel = d->m_cancel;
    d = std::make_unique<Private>(d->m_limits);
    d->m_cancel = cancel;
    return d->apply(tarFd, targetDir);
}

QByteArray LayerExtractor::opaqueXattrName()
{
    return isRoot() ? QByteArrayLiteral("trusted.overlay.opaque") : QByteArrayLiteral("user.overlay.opaque");
}

} // namespace Berth::Engine
