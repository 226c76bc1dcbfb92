#include "buildcopy.h"

#include "fsutil.h"
#include "sha256hasher.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using Internal::encodePath;
using Internal::sysFail;

namespace {

constexpr int kMaxDepth = 1024;

QString cleanPath(const QString &path)
{
    QStringList out;
    for (const QString &part : path.split(u'/', Qt::SkipEmptyParts)) {
        if (part == QLatin1String("."))
            continue;
        if (part == QLatin1String("..")) {
            if (!out.isEmpty())
                out.removeLast();
            continue;
        }
        out.append(part);
    }
    return out.join(u'/');
}

bool hasWildcard(const QString &s)
{
    return s.contains(u'*') || s.contains(u'?') || s.contains(u'[');
}

std::unexpected<Error> copyFailed(const CopyRequest &r, ErrorCode code, const QString &message)
{
    return fail(code, QString(r.instruction + QStringLiteral(" failed: ") + message).toStdString());
}

QList<QByteArray> listDir(int dirFd)
{
    QList<QByteArray> names;
    const int dup = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0)
        return names;
    DIR *d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        return names;
    }
    ::rewinddir(d);
    while (dirent *e = ::readdir(d)) {
        const QByteArray n(e->d_name);
        if (n == "." || n == "..")
            continue;
        names.append(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

// Every context path below dir (relative, "a/b"), for wildcard matching.
void walkNames(int dirFd, const QString &prefix, QStringList &out, int depth)
{
    if (depth > kMaxDepth)
        return;
    for (const QByteArray &n : listDir(dirFd)) {
        const QString rel = prefix.isEmpty() ? QString::fromUtf8(n) : prefix + u'/' + QString::fromUtf8(n);
        out.append(rel);
        struct stat st{};
        if (::fstatat(dirFd, n.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
            UniqueFd sub(::openat(dirFd, n.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (sub)
                walkNames(sub.get(), rel, out, depth + 1);
        }
    }
}

// Hashes one entry (and a directory's tree) in a fixed order.
Status hashEntry(int parentFd, const QByteArray &name, const QString &rel, bool follow, Sha256Hasher &h,
                 quint64 &count, int depth)
{
    if (depth > kMaxDepth)
        return fail(ErrorCode::InvalidArgument, "build context nests deeper than 1024 directories");
    // An empty name is parentFd itself (an opened source).
    const bool self = name.isEmpty();
    struct stat st{};
    if (::fstatat(parentFd, name.constData(), &st, self ? AT_EMPTY_PATH : follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
        return sysFail(QStringLiteral("stat ") + rel, errno);
    ++count;
    QByteArray header = rel.toUtf8();
    header += '\0' + QByteArray::number(quint32(st.st_mode), 8) + '\0' + QByteArray::number(qint64(st.st_size)) + '\0';
    if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        const ssize_t n = ::readlinkat(parentFd, name.constData(), buf, sizeof(buf));
        if (n < 0)
            return sysFail(QStringLiteral("readlink ") + rel, errno);
        header += QByteArray(buf, n);
    }
    header += '\0';
    h.addData(header);
    if (S_ISREG(st.st_mode)) {
        UniqueFd fd(self ? ::fcntl(parentFd, F_DUPFD_CLOEXEC, 0)
                         : ::openat(parentFd, name.constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW)));
        if (!fd)
            return sysFail(QStringLiteral("open ") + rel, errno);
        char buf[65536];
        off_t offset = 0;
        for (;;) {
            const ssize_t n = ::pread(fd.get(), buf, sizeof(buf), offset);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return sysFail(QStringLiteral("read ") + rel, errno);
            }
            if (n == 0)
                break;
            offset += n;
            h.addData(buf, size_t(n));
        }
    } else if (S_ISDIR(st.st_mode)) {
        UniqueFd fd(self ? ::fcntl(parentFd, F_DUPFD_CLOEXEC, 0)
                         : ::openat(parentFd, name.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)));
        if (!fd)
            return sysFail(QStringLiteral("open ") + rel, errno);
        for (const QByteArray &child : listDir(fd.get())) {
            if (auto s = hashEntry(fd.get(), child, rel + u'/' + QString::fromUtf8(child), false, h, count, depth + 1); !s)
                return s;
        }
    }
    return {};
}

// The first lower layer entry at an absolute path (lstat), top first; a
// whiteout (0/0 char device) hides the path.
std::optional<struct stat> lowerStat(const QStringList &lowerDirs, const QString &absPath, QString *found = nullptr)
{
    for (const QString &lower : lowerDirs) {
        struct stat st{};
        const QString p = lower + absPath;
        if (::lstat(encodePath(p).constData(), &st) == 0) {
            if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
                return std::nullopt;
            if (found)
                *found = p;
            return st;
        }
    }
    return std::nullopt;
}

struct Writer
{
    const CopyRequest &request;
    uid_t uid = 0;
    gid_t gid = 0;
    std::optional<mode_t> chmod;
    bool root = ::geteuid() == 0;

    Status own(int fd, const QByteArray &name, const QString &rel, uid_t u, gid_t g) const
    {
        if (!root)
            return {};
        if (::fchownat(fd, name.constData(), u, g, AT_SYMLINK_NOFOLLOW) != 0)
            return sysFail(QStringLiteral("chown ") + rel, errno);
        return {};
    }

    // Opens (making it when missing) the directory at absolute path `abs`
    // in the layer, one component at a time, never through a symlink.
    Result<UniqueFd> openLayerDir(int layerFd, const QString &abs) const
    {
        UniqueFd cur(::fcntl(layerFd, F_DUPFD_CLOEXEC, 0));
        if (!cur)
            return sysFail(QStringLiteral("dup layer directory"), errno);
        QString path;
        for (const QString &part : abs.split(u'/', Qt::SkipEmptyParts)) {
            path += u'/' + part;
            const QByteArray n = encodePath(part);
            int fd = ::openat(cur.get(), n.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 && errno == ENOENT) {
                QString lowerPath;
                const auto lower = lowerStat(request.lowerDirs, path, &lowerPath);
                if (lower && S_ISLNK(lower->st_mode))
                    return copyFailed(request, ErrorCode::NotImplemented,
                                      QStringLiteral("destination %1 crosses a symbolic link of the image").arg(path));
                if (lower && !S_ISDIR(lower->st_mode))
                    return copyFailed(request, ErrorCode::InvalidArgument,
                                      QStringLiteral("mkdir %1: not a directory").arg(path));
                const mode_t mode = lower ? (lower->st_mode & 07777) : 0755;
                if (::mkdirat(cur.get(), n.constData(), 0700) != 0)
                    return sysFail(QStringLiteral("mkdir ") + path, errno);
                if (auto s = own(cur.get(), n, path, lower ? lower->st_uid : uid, lower ? lower->st_gid : gid); !s)
                    return fail(s.error());
                if (::fchmodat(cur.get(), n.constData(), mode, 0) != 0)
                    return sysFail(QStringLiteral("chmod ") + path, errno);
                if (lower) {
                    const timespec times[2] = {lower->st_atim, lower->st_mtim};
                    ::utimensat(cur.get(), n.constData(), times, AT_SYMLINK_NOFOLLOW);
                }
                fd = ::openat(cur.get(), n.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            if (fd < 0) {
                if (errno == ELOOP || errno == ENOTDIR)
                    return copyFailed(request, ErrorCode::InvalidArgument,
                                      QStringLiteral("mkdir %1: not a directory").arg(path));
                return sysFail(QStringLiteral("open ") + path, errno);
            }
            cur = UniqueFd(fd);
        }
        return cur;
    }

    Status removeExisting(int dirFd, const QByteArray &name, const QString &rel, bool keepDir) const
    {
        struct stat st{};
        if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return {};
        if (S_ISDIR(st.st_mode)) {
            if (keepDir)
                return {};
            return Internal::removeTreeAt(dirFd, name, rel);
        }
        if (::unlinkat(dirFd, name.constData(), 0) != 0)
            return sysFail(QStringLiteral("remove ") + rel, errno);
        return {};
    }

    Status copyFile(int srcFd, const struct stat &st, int dstDir, const QByteArray &name, const QString &rel) const
    {
        if (auto s = removeExisting(dstDir, name, rel, false); !s)
            return s;
        UniqueFd out(::openat(dstDir, name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out)
            return sysFail(QStringLiteral("create ") + rel, errno);
        off_t remaining = st.st_size;
        while (remaining > 0) {
            const ssize_t n = ::copy_file_range(srcFd, nullptr, out.get(), nullptr, size_t(remaining), 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS)
                    break;
                return sysFail(QStringLiteral("copy ") + rel, errno);
            }
            if (n == 0)
                break;
            remaining -= n;
        }
        if (remaining > 0) {
            char buf[65536];
            for (;;) {
                const ssize_t n = ::read(srcFd, buf, sizeof(buf));
                if (n < 0) {
                    if (errno == EINTR)
                        continue;
                    return sysFail(QStringLiteral("read ") + rel, errno);
                }
                if (n == 0)
                    break;
                if (auto s = Internal::writeAll(out.get(), buf, size_t(n), rel); !s)
                    return s;
            }
        }
        if (root && ::fchown(out.get(), uid, gid) != 0)
            return sysFail(QStringLiteral("chown ") + rel, errno);
        if (::fchmod(out.get(), chmod ? *chmod : (st.st_mode & 07777)) != 0)
            return sysFail(QStringLiteral("chmod ") + rel, errno);
        const timespec times[2] = {st.st_atim, st.st_mtim};
        ::futimens(out.get(), times);
        return {};
    }

    // Copies the entry `name` of srcParent to `dstName` in dstDir.
    Status copyEntry(int srcParent, const QByteArray &name, bool follow, int dstDir, const QByteArray &dstName,
                     const QString &rel, int depth, bool contentsOnly) const
    {
        if (depth > kMaxDepth)
            return fail(ErrorCode::InvalidArgument, "build context nests deeper than 1024 directories");
        struct stat st{};
        if (::fstatat(srcParent, name.constData(), &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
            return sysFail(QStringLiteral("stat ") + rel, errno);
        if (S_ISREG(st.st_mode)) {
            UniqueFd in(::openat(srcParent, name.constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW)));
            if (!in)
                return sysFail(QStringLiteral("open ") + rel, errno);
            return copyFile(in.get(), st, dstDir, dstName, rel);
        }
        if (S_ISLNK(st.st_mode)) {
            char buf[4096];
            const ssize_t n = ::readlinkat(srcParent, name.constData(), buf, sizeof(buf) - 1);
            if (n < 0)
                return sysFail(QStringLiteral("readlink ") + rel, errno);
            buf[n] = 0;
            if (auto s = removeExisting(dstDir, dstName, rel, false); !s)
                return s;
            if (::symlinkat(buf, dstDir, dstName.constData()) != 0)
                return sysFail(QStringLiteral("symlink ") + rel, errno);
            if (auto s = own(dstDir, dstName, rel, uid, gid); !s)
                return s;
            const timespec times[2] = {st.st_atim, st.st_mtim};
            ::utimensat(dstDir, dstName.constData(), times, AT_SYMLINK_NOFOLLOW);
            return {};
        }
        if (!S_ISDIR(st.st_mode))
            return copyFailed(request, ErrorCode::InvalidArgument,
                              QStringLiteral("%1 is not a regular file, directory or symbolic link").arg(rel));
        UniqueFd src(::openat(srcParent, name.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)));
        if (!src)
            return sysFail(QStringLiteral("open ") + rel, errno);
        UniqueFd dst;
        if (contentsOnly) {
            dst = UniqueFd(::fcntl(dstDir, F_DUPFD_CLOEXEC, 0));
        } else {
            if (auto s = removeExisting(dstDir, dstName, rel, true); !s)
                return s;
            if (::mkdirat(dstDir, dstName.constData(), 0700) != 0 && errno != EEXIST)
                return sysFail(QStringLiteral("mkdir ") + rel, errno);
            dst = UniqueFd(::openat(dstDir, dstName.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!dst)
                return sysFail(QStringLiteral("open ") + rel, errno);
            if (root && ::fchown(dst.get(), uid, gid) != 0)
                return sysFail(QStringLiteral("chown ") + rel, errno);
            if (::fchmod(dst.get(), chmod ? *chmod : (st.st_mode & 07777)) != 0)
                return sysFail(QStringLiteral("chmod ") + rel, errno);
        }
        if (!dst)
            return sysFail(QStringLiteral("open ") + rel, errno);
        for (const QByteArray &child : listDir(src.get())) {
            if (auto s = copyEntry(src.get(), child, false, dst.get(), child, rel + u'/' + QString::fromUtf8(child),
                                   depth + 1, false);
                !s)
                return s;
        }
        if (!contentsOnly) {
            const timespec times[2] = {st.st_atim, st.st_mtim};
            ::futimens(dst.get(), times);
        }
        return {};
    }
};

// user or group name/id from an /etc/passwd- or /etc/group-shaped file.
std::optional<quint32> lookupId(const QStringList &lowerDirs, const QString &file, const QString &name)
{
    bool numeric = false;
    const quint32 n = name.toUInt(&numeric);
    if (numeric)
        return n;
    QString path;
    if (!lowerStat(lowerDirs, file, &path))
        return std::nullopt;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    while (!f.atEnd()) {
        const QList<QByteArray> fields = f.readLine(64 * 1024).trimmed().split(':');
        if (fields.size() >= 3 && QString::fromUtf8(fields[0]) == name) {
            bool ok = false;
            const quint32 id = fields[2].toUInt(&ok);
            if (ok)
                return id;
        }
    }
    return std::nullopt;
}

} // namespace

QString BuildCopy::absoluteDestination(const QString &destination, const QString &workingDir)
{
    const bool dirForm = destination.endsWith(u'/') || destination == QLatin1String(".")
        || destination.endsWith(QLatin1String("/."));
    QString abs = destination.startsWith(u'/') ? destination : (workingDir.isEmpty() ? QStringLiteral("/") : workingDir) + u'/' + destination;
    abs = u'/' + cleanPath(abs);
    if (dirForm && abs != QLatin1String("/"))
        abs += u'/';
    return abs;
}

Result<std::pair<uid_t, gid_t>> BuildCopy::resolveOwner(const QString &chown, const QStringList &lowerDirs)
{
    if (chown.isEmpty())
        return std::pair<uid_t, gid_t>{0, 0};
    const QStringList parts = chown.split(u':');
    const QString user = parts.value(0);
    const QString group = parts.size() > 1 ? parts.value(1) : user;
    const std::string prefix = "unable to convert uid/gid chown string to host mapping: ";
    const auto uid = lookupId(lowerDirs, QStringLiteral("/etc/passwd"), user);
    if (!uid)
        return fail(ErrorCode::InvalidArgument, prefix + "can't find uid for user " + user.toStdString()
                                                    + ": no such user: " + user.toStdString());
    const auto gid = lookupId(lowerDirs, QStringLiteral("/etc/group"), group);
    if (!gid)
        return fail(ErrorCode::InvalidArgument, prefix + "can't find gid for group " + group.toStdString()
                                                    + ": no such group: " + group.toStdString());
    return std::pair<uid_t, gid_t>{*uid, *gid};
}

Result<CopySources> BuildCopy::resolve(const BuildContext &context, const CopyRequest &request)
{
    CopySources out;
    QStringList allNames;
    bool walked = false;
    for (const QString &source : request.sources) {
        const QString clean = cleanPath(source);
        if (hasWildcard(clean)) {
            if (!walked) {
                walkNames(context.rootFd(), QString(), allNames, 0);
                walked = true;
            }
            const QByteArray pattern = clean.toUtf8();
            for (const QString &name : std::as_const(allNames)) {
                if (::fnmatch(pattern.constData(), name.toUtf8().constData(), FNM_PATHNAME) == 0)
                    out.paths.append(name);
            }
            continue;
        }
        auto fd = context.openInContext(clean, O_PATH);
        if (!fd)
            return copyFailed(request, ErrorCode::NotFound,
                              QStringLiteral("file not found in build context or excluded by .dockerignore: stat %1: file does not exist")
                                  .arg(source));
        out.paths.append(clean);
    }
    if (out.paths.isEmpty())
        return copyFailed(request, ErrorCode::InvalidArgument, QStringLiteral("no source files were specified"));
    if (out.paths.size() > 1 && !absoluteDestination(request.destination, request.workingDir).endsWith(u'/'))
        return fail(ErrorCode::InvalidArgument,
                    "When using " + request.instruction.toStdString()
                        + " with more than one source file, the destination must be a directory and end with a /");

    Sha256Hasher hasher;
    bool singleDir = false;
    for (const QString &path : std::as_const(out.paths)) {
        auto fd = context.openInContext(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (!fd)
            return fail(fd.error());
        struct stat st{};
        if (::fstat(fd->get(), &st) != 0)
            return sysFail(QStringLiteral("stat ") + path, errno);
        singleDir = S_ISDIR(st.st_mode);
        if (auto s = hashEntry(fd->get(), QByteArray(), path, true, hasher, out.files, 0); !s)
            return fail(s.error());
    }
    const QString hex = hasher.finish().hex();
    out.sourceHash = (out.paths.size() > 1 ? QStringLiteral("multi:") : singleDir ? QStringLiteral("dir:") : QStringLiteral("file:")) + hex;
    return out;
}

Status BuildCopy::apply(const BuildContext &context, const CopyRequest &request, const CopySources &sources,
                        const QString &layerDir)
{
    auto owner = resolveOwner(request.chown, request.lowerDirs);
    if (!owner)
        return fail(owner.error());
    Writer w{request, 0, 0, std::nullopt, ::geteuid() == 0};
    w.uid = owner->first;
    w.gid = owner->second;
    if (!request.chmod.isEmpty()) {
        bool ok = false;
        const uint m = request.chmod.toUInt(&ok, 8);
        if (!ok || m > 07777)
            return fail(ErrorCode::InvalidArgument, "invalid chmod parameter: " + request.chmod.toStdString());
        w.chmod = mode_t(m);
    }
    auto layerFd = Internal::openDirectory(layerDir);
    if (!layerFd)
        return fail(layerFd.error());

    const QString dest = absoluteDestination(request.destination, request.workingDir);
    for (const QString &path : sources.paths) {
        // The parent of the source in the context, and its last component.
        const int slash = path.lastIndexOf(u'/');
        const QString parent = slash < 0 ? QString() : path.left(slash);
        const QByteArray base = encodePath(slash < 0 ? path : path.mid(slash + 1));
        auto parentFd = context.openInContext(parent, O_RDONLY | O_DIRECTORY);
        if (!parentFd)
            return fail(parentFd.error());
        auto src = context.openInContext(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (!src)
            return fail(src.error());
        struct stat st{};
        if (::fstat(src->get(), &st) != 0)
            return sysFail(QStringLiteral("stat ") + path, errno);

        if (S_ISDIR(st.st_mode)) {
            auto dir = w.openLayerDir(layerFd->get(), dest);
            if (!dir)
                return fail(dir.error());
            // contents of the directory (symlinks on the way resolved in the context)
            if (auto s = w.copyEntry(src->get(), QByteArray("."), true, dir->get(), QByteArray("."), path, 0, true); !s)
                return s;
            continue;
        }
        // a file: into the destination directory, or onto the destination path
        QString target = dest;
        if (!dest.endsWith(u'/')) {
            const auto lower = lowerStat(request.lowerDirs, dest);
            struct stat inLayer{};
            const bool layerDirExists = ::fstatat(layerFd->get(), encodePath(dest.mid(1)).constData(), &inLayer,
                                                  AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(inLayer.st_mode);
            if ((lower && S_ISDIR(lower->st_mode)) || layerDirExists)
                target = dest + u'/';
        }
        QString dirPath;
        QByteArray name;
        if (target.endsWith(u'/')) {
            dirPath = target;
            name = base;
        } else {
            const int s = target.lastIndexOf(u'/');
            dirPath = target.left(s + 1);
            name = encodePath(target.mid(s + 1));
        }
        auto dir = w.openLayerDir(layerFd->get(), dirPath);
        if (!dir)
            return fail(dir.error());
        if (S_ISREG(st.st_mode)) {
            if (auto s = w.copyFile(src->get(), st, dir->get(), name, path); !s)
                return s;
        } else {
            return copyFailed(request, ErrorCode::InvalidArgument,
                              QStringLiteral("%1 is not a regular file or directory").arg(path));
        }
    }
    return {};
}

} // namespace Berth::Engine
