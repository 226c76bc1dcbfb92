#include "containerarchive.h"

#include "archivehandle.h"
#include "containerlogreader.h"
#include "fsutil.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

namespace {

constexpr qsizetype kBlock = 64 * 1024;

struct PathParts
{
    QString parent;    // absolute, in the container
    QByteArray base;   // last component; empty for "/"
    bool contentOnly = false; // "dir/." : the directory's content
    bool trailingSlash = false;
};

// Splits a container path the way docker's archive code does.
Result<PathParts> splitPath(const QString &raw)
{
    if (raw.isEmpty())
        return fail(ErrorCode::InvalidArgument, "path cannot be empty");
    QString path = raw.startsWith(u'/') ? raw : u'/' + raw;
    PathParts parts;
    parts.contentOnly = path.endsWith(u"/.") || path == u"/.";
    parts.trailingSlash = path.endsWith(u'/');
    QStringList comps;
    for (const QString &c : path.split(u'/', Qt::SkipEmptyParts)) {
        if (c == u".")
            continue;
        if (c == u"..") {
            if (!comps.isEmpty())
                comps.removeLast();
            continue;
        }
        comps.append(c);
    }
    if (comps.isEmpty()) {
        parts.parent = QStringLiteral("/");
        return parts;
    }
    parts.base = encodePath(comps.takeLast());
    parts.parent = u'/' + comps.join(u'/');
    return parts;
}

Error resolveError(const QString &operation, const QString &path, int err)
{
    if (err == ENOENT)
        return Error(ErrorCode::NotFound, QStringLiteral("%1 %2: no such file or directory").arg(operation, path).toStdString(), err);
    if (err == ENOTDIR)
        return Error(ErrorCode::InvalidArgument, QStringLiteral("%1 %2: not a directory").arg(operation, path).toStdString(), err);
    if (err == EROFS || err == EACCES || err == EPERM)
        return Error(ErrorCode::PermissionDenied, sysError(operation + u' ' + path, err).message(), err);
    return sysError(operation + u' ' + path, err);
}

ContainerPathStat makeStat(const QByteArray &name, const struct stat &st, const QByteArray &linkTarget)
{
    ContainerPathStat s;
    s.name = name.isEmpty() ? QStringLiteral("/") : QString::fromUtf8(name);
    s.size = st.st_size;
    s.mode = ContainerPathStat::goFileMode(st.st_mode);
    s.mtimeNs = qint64(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
    s.linkTarget = QString::fromUtf8(linkTarget);
    return s;
}

Result<QByteArray> readLinkAt(int dirFd, const QByteArray &name, const QString &pathForErrors)
{
    QByteArray buf(4096, Qt::Uninitialized);
    const ssize_t n = ::readlinkat(dirFd, name.constData(), buf.data(), size_t(buf.size()));
    if (n < 0)
        return sysFail(QStringLiteral("readlink ") + pathForErrors, errno);
    buf.truncate(n);
    return buf;
}

} // namespace

quint32 ContainerPathStat::goFileMode(unsigned m)
{
    quint32 mode = m & 0777;
    switch (m & S_IFMT) {
    case S_IFDIR: mode |= kGoModeDir; break;
    case S_IFLNK: mode |= kGoModeSymlink; break;
    case S_IFBLK: mode |= kGoModeDevice; break;
    case S_IFCHR: mode |= kGoModeDevice | kGoModeCharDevice; break;
    case S_IFIFO: mode |= kGoModeNamedPipe; break;
    case S_IFSOCK: mode |= kGoModeSocket; break;
    default: break;
    }
    if (m & S_ISUID)
        mode |= kGoModeSetuid;
    if (m & S_ISGID)
        mode |= kGoModeSetgid;
    if (m & S_ISVTX)
        mode |= kGoModeSticky;
    return mode;
}

QByteArray ContainerPathStat::toHeaderValue() const
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("size"), size);
    o.insert(QStringLiteral("mode"), qint64(mode));
    QByteArray mtime = ContainerLogReader::formatRfc3339Nano(mtimeNs);
    // Go's RFC3339Nano drops trailing zeros of the fraction
    const qsizetype dot = mtime.indexOf('.');
    qsizetype end = mtime.size() - 1; // the 'Z'
    qsizetype last = end - 1;
    while (last > dot && mtime[last] == '0')
        --last;
    mtime = mtime.left(last == dot ? dot : last + 1) + 'Z';
    o.insert(QStringLiteral("mtime"), QString::fromLatin1(mtime));
    o.insert(QStringLiteral("linkTarget"), linkTarget);
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toBase64();
}

Result<UniqueFd> ContainerArchive::openInRoot(int rootFd, const QString &path, int flags)
{
    struct open_how how = {};
    how.flags = quint64(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    QByteArray p = encodePath(path);
    while (p.startsWith('/'))
        p.remove(0, 1);
    if (p.isEmpty())
        p = ".";
    for (;;) {
        const long fd = ::syscall(SYS_openat2, rootFd, p.constData(), &how, sizeof how);
        if (fd >= 0)
            return UniqueFd(int(fd));
        if (errno == EINTR || errno == EAGAIN)
            continue;
        return fail(resolveError(QStringLiteral("open"), path, errno));
    }
}

Result<ContainerPathStat> ContainerArchive::stat(int rootFd, const QString &path)
{
    auto parts = splitPath(path);
    if (!parts)
        return fail(parts.error());
    auto parent = openInRoot(rootFd, parts->parent, O_PATH | O_DIRECTORY);
    if (!parent)
        return fail(parent.error());
    struct stat st;
    const QByteArray name = parts->base.isEmpty() ? QByteArray(".") : parts->base;
    if (::fstatat(parent->get(), name.constData(), &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0)
        return fail(resolveError(QStringLiteral("lstat"), path, errno));
    if (parts->trailingSlash && !S_ISDIR(st.st_mode)) {
        // "file/" : docker follows a symlink here, else the path is not a dir
        if (!S_ISLNK(st.st_mode))
            return fail(resolveError(QStringLiteral("lstat"), path, ENOTDIR));
        struct stat target;
        auto fd = openInRoot(rootFd, path, O_PATH | O_DIRECTORY);
        if (!fd)
            return fail(fd.error());
        if (::fstat(fd->get(), &target) != 0)
            return sysFail(QStringLiteral("stat ") + path, errno);
        return makeStat(parts->base, target, {});
    }
    QByteArray link;
    if (S_ISLNK(st.st_mode)) {
        auto l = readLinkAt(parent->get(), name, path);
        if (!l)
            return fail(l.error());
        link = *l;
    }
    return makeStat(parts->base, st, link);
}

// ---------------------------------------------------------------------------
// GET: the tar producer

class ContainerArchive::Private
{
public:
    struct Dir
    {
        UniqueFd fd;
        DIR *dir = nullptr;
        QByteArray prefix; // entry name prefix, "tmp/"
        ~Dir()
        {
            if (dir)
                ::closedir(dir); // owns a dup of fd
        }
    };

    static la_ssize_t writeCallback(struct archive *, void *self, const void *buffer, size_t length)
    {
        static_cast<Private *>(self)->out.append(static_cast<const char *>(buffer), qsizetype(length));
        return la_ssize_t(length);
    }

    Status start(int parentFd, const QByteArray &name, const QByteArray &entryName, bool contentOnly);
    Status step();
    Status addEntry(int dirFd, const QByteArray &name, const QByteArray &entryName);
    Status pushDir(int fd, const QByteArray &prefix);
    Error archiveError(const QString &operation) const
    {
        return Error(ErrorCode::Io, QString(operation + QStringLiteral(": ") + QString::fromUtf8(archive_error_string(writer.get()))).toStdString());
    }

    ArchiveWritePtr writer;
    QByteArray out;
    QList<std::shared_ptr<Dir>> stack;
    UniqueFd file; // regular file being copied
    qint64 fileRemaining = 0;
    QString fileName;
    QHash<QPair<quint64, quint64>, QByteArray> hardlinks;
    bool closed = false;
};

Status ContainerArchive::Private::pushDir(int fd, const QByteArray &prefix)
{
    auto d = std::make_shared<Dir>();
    d->fd = UniqueFd(fd);
    const int dupFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupFd < 0)
        return sysFail(QStringLiteral("dup directory ") + QString::fromUtf8(prefix), errno);
    d->dir = ::fdopendir(dupFd);
    if (!d->dir) {
        const int err = errno;
        ::close(dupFd);
        return sysFail(QStringLiteral("opendir ") + QString::fromUtf8(prefix), err);
    }
    d->prefix = prefix;
    stack.append(d);
    return {};
}

Status ContainerArchive::Private::addEntry(int dirFd, const QByteArray &name, const QByteArray &entryName)
{
    const QString errName = QString::fromUtf8(entryName);
    struct stat st;
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0) {
        if (errno == ENOENT)
            return {}; // vanished while we walked: as docker, skip it
        return sysFail(QStringLiteral("lstat ") + errName, errno);
    }
    if (S_ISSOCK(st.st_mode))
        return {}; // tar cannot hold sockets (docker skips them too)
    ArchiveEntryPtr entry(archive_entry_new());
    archive_entry_set_uid(entry.get(), st.st_uid);
    archive_entry_set_gid(entry.get(), st.st_gid);
    archive_entry_set_mode(entry.get(), st.st_mode);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    UniqueFd content;
    int childDir = -1;
    QByteArray fullName = entryName;
    if (S_ISDIR(st.st_mode)) {
        if (!fullName.endsWith('/'))
            fullName.append('/');
        const int fd = ::openat(dirFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sysFail(QStringLiteral("open directory ") + errName, errno);
        childDir = fd;
        archive_entry_set_size(entry.get(), 0);
    } else if (S_ISLNK(st.st_mode)) {
        auto link = readLinkAt(dirFd, name, errName);
        if (!link)
            return fail(link.error());
        archive_entry_set_symlink(entry.get(), link->constData());
        archive_entry_set_size(entry.get(), 0);
    } else if (S_ISREG(st.st_mode)) {
        const auto key = qMakePair(quint64(st.st_dev), quint64(st.st_ino));
        if (st.st_nlink > 1 && hardlinks.contains(key)) {
            archive_entry_set_hardlink(entry.get(), hardlinks.value(key).constData());
            archive_entry_set_size(entry.get(), 0);
        } else {
            if (st.st_nlink > 1)
                hardlinks.insert(key, entryName);
            const int fd = ::openat(dirFd, name.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
            if (fd < 0)
                return sysFail(QStringLiteral("open ") + errName, errno);
            content = UniqueFd(fd);
            archive_entry_set_size(entry.get(), st.st_size);
        }
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        archive_entry_set_rdevmajor(entry.get(), major(st.st_rdev));
        archive_entry_set_rdevminor(entry.get(), minor(st.st_rdev));
        archive_entry_set_size(entry.get(), 0);
    } else {
        archive_entry_set_size(entry.get(), 0); // fifo
    }
    archive_entry_set_pathname_utf8(entry.get(), fullName.constData());
    if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK) {
        if (childDir >= 0)
            ::close(childDir);
        return fail(archiveError(QStringLiteral("write tar header for ") + errName));
    }
    if (content.isValid()) {
        file = std::move(content);
        fileRemaining = st.st_size;
        fileName = errName;
    }
    if (childDir >= 0)
        return pushDir(childDir, fullName);
    return {};
}

Status ContainerArchive::Private::start(int parentFd, const QByteArray &name, const QByteArray &entryName,
                                        bool contentOnly)
{
    writer.reset(archive_write_new());
    if (archive_write_set_format_pax_restricted(writer.get()) != ARCHIVE_OK
        || archive_write_set_bytes_per_block(writer.get(), 0) != ARCHIVE_OK
        || archive_write_open(writer.get(), this, nullptr, &Private::writeCallback, nullptr) != ARCHIVE_OK)
        return fail(archiveError(QStringLiteral("start tar stream")));
    if (contentOnly) {
        const int fd = ::openat(parentFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sysFail(QStringLiteral("open directory ") + QString::fromUtf8(name), errno);
        // "./" first, as docker's rebase of "." does
        struct stat st;
        if (::fstat(fd, &st) != 0) {
            ::close(fd);
            return sysFail(QStringLiteral("stat ") + QString::fromUtf8(name), errno);
        }
        ArchiveEntryPtr entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), "./");
        archive_entry_set_mode(entry.get(), st.st_mode);
        archive_entry_set_uid(entry.get(), st.st_uid);
        archive_entry_set_gid(entry.get(), st.st_gid);
        archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK) {
            ::close(fd);
            return fail(archiveError(QStringLiteral("write tar header")));
        }
        return pushDir(fd, QByteArrayLiteral("./"));
    }
    return addEntry(parentFd, name, entryName);
}

Status ContainerArchive::Private::step()
{
    if (file.isValid()) {
        QByteArray buf(kBlock, Qt::Uninitialized);
        const qsizetype want = qsizetype(qMin<qint64>(kBlock, fileRemaining));
        ssize_t n = 0;
        if (want > 0) {
            n = ::read(file.get(), buf.data(), size_t(want));
            if (n < 0) {
                if (errno == EINTR)
                    return {};
                return sysFail(QStringLiteral("read ") + fileName, errno);
            }
        }
        if (n == 0 && fileRemaining > 0) {
            // the file shrank while we copied it: pad to the size in the header
            buf.fill('\0', want);
            n = want;
        }
        if (n > 0) {
            if (archive_write_data(writer.get(), buf.constData(), size_t(n)) < 0)
                return fail(archiveError(QStringLiteral("write tar data for ") + fileName));
            fileRemaining -= n;
        }
        if (fileRemaining <= 0)
            file.reset();
        return {};
    }
    if (stack.isEmpty()) {
        if (!closed) {
            closed = true;
            if (archive_write_close(writer.get()) != ARCHIVE_OK)
                return fail(archiveError(QStringLiteral("finish tar stream")));
        }
        return {};
    }
    auto top = stack.last();
    errno = 0;
    struct dirent *ent = ::readdir(top->dir);
    if (!ent) {
        if (errno != 0)
            return sysFail(QStringLiteral("readdir ") + QString::fromUtf8(top->prefix), errno);
        stack.removeLast();
        return {};
    }
    const QByteArray name(ent->d_name);
    if (name == "." || name == "..")
        return {};
    return addEntry(top->fd.get(), name, top->prefix + name);
}

ContainerArchive::ContainerArchive()
    : d(std::make_unique<Private>())
{
}

ContainerArchive::~ContainerArchive() = default;

Result<std::unique_ptr<ContainerArchive>> ContainerArchive::open(int rootFd, const QString &path)
{
    auto st = stat(rootFd, path);
    if (!st)
        return fail(st.error());
    auto parts = splitPath(path);
    if (!parts)
        return fail(parts.error());
    std::unique_ptr<ContainerArchive> archive(new ContainerArchive());
    archive->m_stat = *st;
    UniqueFd parent;
    QByteArray name = parts->base;
    if (parts->base.isEmpty() || (parts->trailingSlash && st->isDir())) {
        // "/" or "dir/" (possibly through a symlink): open the directory itself
        auto fd = openInRoot(rootFd, path, O_PATH | O_DIRECTORY);
        if (!fd)
            return fail(fd.error());
        parent = std::move(*fd);
        name = ".";
    } else {
        auto fd = openInRoot(rootFd, parts->parent, O_PATH | O_DIRECTORY);
        if (!fd)
            return fail(fd.error());
        parent = std::move(*fd);
    }
    QByteArray entryName = parts->base.isEmpty() ? QByteArray(".") : parts->base;
    if (auto s = archive->d->start(parent.get(), name, entryName, parts->contentOnly || parts->base.isEmpty()); !s)
        return fail(s.error().wrap(QStringLiteral("archive %1").arg(path).toStdString()));
    return archive;
}

bool ContainerArchive::atEnd() const
{
    return d->closed && d->out.isEmpty();
}

Result<QByteArray> ContainerArchive::read(qsizetype wanted)
{
    while (d->out.size() < wanted && !d->closed) {
        if (auto s = d->step(); !s)
            return fail(s.error());
    }
    QByteArray chunk;
    if (d->out.size() <= wanted) {
        chunk.swap(d->out);
    } else {
        chunk = d->out.left(wanted);
        d->out.remove(0, wanted);
    }
    return chunk;
}

// ---------------------------------------------------------------------------
// PUT: extraction

namespace {

struct Extractor
{
    int rootFd;
    QString destDir;
    ContainerExtractOptions options;
    bool asRoot = ::geteuid() == 0;
    struct PendingDir
    {
        QString path;
        mode_t mode;
        struct timespec mtime;
    };
    QList<PendingDir> dirs;

    // Entry name -> components below destDir; ".." refused.
    Result<QStringList> components(const char *raw)
    {
        const QString name = QString::fromUtf8(raw ? raw : "");
        QStringList comps;
        for (const QString &c : name.split(u'/', Qt::SkipEmptyParts)) {
            if (c == u".")
                continue;
            if (c == u"..")
                return fail(ErrorCode::InvalidArgument,
                            QStringLiteral("invalid tar entry \"%1\": it would be extracted outside %2")
                                .arg(name, destDir)
                                .toStdString());
            comps.append(c);
        }
        return comps;
    }

    QString containerPath(const QStringList &comps) const
    {
        QString p = destDir;
        if (!p.endsWith(u'/'))
            p.append(u'/');
        return p + comps.join(u'/');
    }

    // The directory holding the entry, resolved in the container root;
    // missing directories are made (as docker's untar does).
    Result<UniqueFd> parentDir(const QStringList &comps)
    {
        QStringList parent = comps.mid(0, comps.size() - 1);
        auto fd = ContainerArchive::openInRoot(rootFd, containerPath(parent), O_RDONLY | O_DIRECTORY);
        if (fd || fd.error().code() != ErrorCode::NotFound)
            return fd;
        // make the missing ones one at a time, each *at the previous one
        auto current = ContainerArchive::openInRoot(rootFd, destDir, O_RDONLY | O_DIRECTORY);
        if (!current)
            return current;
        UniqueFd cur = std::move(*current);
        for (const QString &c : parent) {
            const QByteArray n = encodePath(c);
            int next = ::openat(cur.get(), n.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0 && errno == ENOENT) {
                if (::mkdirat(cur.get(), n.constData(), 0755) != 0 && errno != EEXIST)
                    return fail(resolveError(QStringLiteral("mkdir"), containerPath(parent), errno));
                next = ::openat(cur.get(), n.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            if (next < 0)
                return fail(resolveError(QStringLiteral("open"), containerPath(parent), errno));
            cur = UniqueFd(next);
        }
        return cur;
    }

    Status setOwner(int parentFd, const QByteArray &name, struct archive_entry *e, const QString &path)
    {
        const uid_t uid = options.copyUidGid ? uid_t(archive_entry_uid(e)) : 0;
        const gid_t gid = options.copyUidGid ? gid_t(archive_entry_gid(e)) : 0;
        if (::fchownat(parentFd, name.constData(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
            if (!asRoot && errno == EPERM)
                return {}; // unit tests as a normal user: files stay ours
            return fail(resolveError(QStringLiteral("chown"), path, errno));
        }
        return {};
    }

    Status handle(struct archive *reader, struct archive_entry *e)
    {
        auto comps = components(archive_entry_pathname(e));
        if (!comps)
            return fail(comps.error());
        const mode_t type = archive_entry_filetype(e);
        const bool hardlink = archive_entry_hardlink(e) != nullptr;
        if (comps->isEmpty()) {
            if (type == AE_IFDIR)
                return {}; // "./": the destination itself stays as it is
            return fail(ErrorCode::InvalidArgument, "invalid tar entry: a non-directory named \".\"");
        }
        const QString path = containerPath(*comps);
        auto parent = parentDir(*comps);
        if (!parent)
            return fail(parent.error());
        const int pfd = parent->get();
        const QByteArray name = encodePath(comps->last());

        struct stat existing;
        const bool exists = ::fstatat(pfd, name.constData(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
        const bool isDirEntry = type == AE_IFDIR && !hardlink;
        const bool keepDir = exists && S_ISDIR(existing.st_mode) && isDirEntry;
        if (exists) {
            const bool existingDir = S_ISDIR(existing.st_mode);
            if (options.noOverwriteDirNonDir && existingDir && !isDirEntry)
                return fail(ErrorCode::InvalidArgument,
                            QStringLiteral("cannot overwrite directory \"%1\" with non-directory \"%1\"").arg(path).toStdString());
            if (options.noOverwriteDirNonDir && !existingDir && isDirEntry)
                return fail(ErrorCode::InvalidArgument,
                            QStringLiteral("cannot overwrite non-directory \"%1\" with directory \"%1\"").arg(path).toStdString());
            if (!(existingDir && isDirEntry)) {
                if (existingDir) {
                    if (auto s = removeTreeAt(pfd, name, path); !s)
                        return s;
                } else if (::unlinkat(pfd, name.constData(), 0) != 0 && errno != ENOENT) {
                    return fail(resolveError(QStringLiteral("unlink"), path, errno));
                }
            }
        }
        const mode_t perm = archive_entry_perm(e) & 07777;
        const struct timespec mtime = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};

        if (hardlink) {
            auto target = components(archive_entry_hardlink(e));
            if (!target)
                return fail(target.error());
            if (target->isEmpty())
                return fail(ErrorCode::InvalidArgument, "invalid hard link target \".\"");
            auto tparent = ContainerArchive::openInRoot(rootFd, containerPath(target->mid(0, target->size() - 1)),
                                                        O_PATH | O_DIRECTORY);
            if (!tparent)
                return fail(tparent.error());
            if (::linkat(tparent->get(), encodePath(target->last()).constData(), pfd, name.constData(), 0) != 0)
                return fail(resolveError(QStringLiteral("link"), path, errno));
            return {};
        }
        switch (type) {
        case AE_IFDIR: {
            if (!keepDir && ::mkdirat(pfd, name.constData(), 0700) != 0)
                return fail(resolveError(QStringLiteral("mkdir"), path, errno));
            if (auto s = setOwner(pfd, name, e, path); !s)
                return s;
            dirs.append({path, perm, mtime}); // mode and time after the content
            return {};
        }
        case AE_IFREG: {
            const int fd = ::openat(pfd, name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0)
                return fail(resolveError(QStringLiteral("create"), path, errno));
            UniqueFd out(fd);
            const void *buf;
            size_t size;
            la_int64_t offset;
            for (;;) {
                const int r = archive_read_data_block(reader, &buf, &size, &offset);
                if (r == ARCHIVE_EOF)
                    break;
                if (r != ARCHIVE_OK)
                    return fail(ErrorCode::InvalidArgument,
                                QStringLiteral("Error processing tar file: %1")
                                    .arg(QString::fromUtf8(archive_error_string(reader)))
                                    .toStdString());
                if (::lseek(out.get(), offset, SEEK_SET) < 0)
                    return fail(resolveError(QStringLiteral("seek"), path, errno));
                if (auto s = writeAll(out.get(), static_cast<const char *>(buf), size, path); !s)
                    return fail(resolveError(QStringLiteral("write"), path, s.error().sysErrno()));
            }
            const la_int64_t total = archive_entry_size(e);
            if (::ftruncate(out.get(), total) != 0)
                return fail(resolveError(QStringLiteral("truncate"), path, errno));
            if (auto s = setOwner(pfd, name, e, path); !s)
                return s;
            if (::fchmod(out.get(), perm) != 0)
                return fail(resolveError(QStringLiteral("chmod"), path, errno));
            const struct timespec times[2] = {mtime, mtime};
            ::futimens(out.get(), times);
            return {};
        }
        case AE_IFLNK: {
            const char *target = archive_entry_symlink(e);
            // Stored as is: nothing here or later follows it outside the root,
            // every lookup goes through openat2(RESOLVE_IN_ROOT).
            if (::symlinkat(target ? target : "", pfd, name.constData()) != 0)
                return fail(resolveError(QStringLiteral("symlink"), path, errno));
            if (auto s = setOwner(pfd, name, e, path); !s)
                return s;
            const struct timespec times[2] = {mtime, mtime};
            ::utimensat(pfd, name.constData(), times, AT_SYMLINK_NOFOLLOW);
            return {};
        }
        case AE_IFIFO:
        case AE_IFCHR:
        case AE_IFBLK: {
            const mode_t kind = type == AE_IFIFO ? S_IFIFO : (type == AE_IFCHR ? S_IFCHR : S_IFBLK);
            const dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
            if (::mknodat(pfd, name.constData(), kind | perm, dev) != 0)
                return fail(resolveError(QStringLiteral("mknod"), path, errno));
            if (auto s = setOwner(pfd, name, e, path); !s)
                return s;
            return {};
        }
        default:
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("unsupported tar entry type for \"%1\"").arg(path).toStdString());
        }
    }

    Status finishDirectories()
    {
        for (auto it = dirs.crbegin(); it != dirs.crend(); ++it) {
            auto fd = ContainerArchive::openInRoot(rootFd, it->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (!fd)
                continue; // replaced by a later entry
            if (::fchmod(fd->get(), it->mode) != 0)
                return fail(resolveError(QStringLiteral("chmod"), it->path, errno));
            const struct timespec times[2] = {it->mtime, it->mtime};
            ::futimens(fd->get(), times);
        }
        return {};
    }
};

} // namespace

Status ContainerArchive::extract(int rootFd, const QString &destDir, int tarFd, const ContainerExtractOptions &options)
{
    auto dest = openInRoot(rootFd, destDir, O_PATH);
    if (!dest)
        return fail(dest.error());
    struct stat st;
    if (::fstat(dest->get(), &st) != 0)
        return sysFail(QStringLiteral("stat ") + destDir, errno);
    if (!S_ISDIR(st.st_mode))
        return fail(ErrorCode::InvalidArgument, "extraction point is not a directory");

    ArchiveReadPtr reader(archive_read_new());
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_empty(reader.get());
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_zstd(reader.get());
    if (archive_read_open_fd(reader.get(), tarFd, kBlock) != ARCHIVE_OK)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("Error processing tar file: %1")
                                                    .arg(QString::fromUtf8(archive_error_string(reader.get())))
                                                    .toStdString());
    Extractor x{rootFd, destDir, options, ::geteuid() == 0, {}};
    for (;;) {
        struct archive_entry *entry = nullptr;
        const int r = archive_read_next_header(reader.get(), &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return fail(ErrorCode::InvalidArgument, QStringLiteral("Error processing tar file: %1")
                                                        .arg(QString::fromUtf8(archive_error_string(reader.get())))
                                                        .toStdString());
        if (auto s = x.handle(reader.get(), entry); !s)
            return s;
    }
    return x.finishDirectories();
}

} // namespace Berth::Engine
