#include "fsutil.h"

#include <QFile>
#include <QRandomGenerator>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine::Internal {

Error sysError(const QString &operation, int sysErrno)
{
    return Error::fromErrno(operation.toStdString(), sysErrno);
}

std::unexpected<Error> sysFail(const QString &operation, int sysErrno)
{
    return std::unexpected<Error>(sysError(operation, sysErrno));
}

std::unexpected<Error> failWith(ErrorCode code, const QString &message)
{
    return fail(code, message.toStdString());
}

QByteArray encodePath(const QString &path)
{
    return QFile::encodeName(path);
}

Status makeDirs(const QString &path, unsigned mode)
{
    const QByteArray p = encodePath(path);
    if (::mkdir(p.constData(), mode) == 0)
        return {};
    if (errno == EEXIST) {
        struct stat st;
        if (::stat(p.constData(), &st) == 0 && S_ISDIR(st.st_mode))
            return {};
        return sysFail(QStringLiteral("mkdir ") + path, ENOTDIR);
    }
    if (errno != ENOENT)
        return sysFail(QStringLiteral("mkdir ") + path, errno);
    const qsizetype slash = path.lastIndexOf(u'/');
    if (slash <= 0)
        return sysFail(QStringLiteral("mkdir ") + path, ENOENT);
    if (auto st = makeDirs(path.left(slash), mode); !st)
        return st;
    if (::mkdir(p.constData(), mode) != 0 && errno != EEXIST)
        return sysFail(QStringLiteral("mkdir ") + path, errno);
    return {};
}

Result<UniqueFd> openDirectory(const QString &path)
{
    const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sysFail(QStringLiteral("open directory ") + path, errno);
    return UniqueFd(fd);
}

Status syncDirectory(int dirFd, const QString &pathForErrors)
{
    if (::fsync(dirFd) != 0 && errno != EINVAL)
        return sysFail(QStringLiteral("fsync directory ") + pathForErrors, errno);
    return {};
}

Status syncDirectory(const QString &path)
{
    auto fd = openDirectory(path);
    if (!fd)
        return std::unexpected(fd.error());
    return syncDirectory(fd->get(), path);
}

static Status removeChildren(int dirFd, const QString &pathForErrors)
{
    const int dupFd = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
    if (dupFd < 0)
        return sysFail(QStringLiteral("dup ") + pathForErrors, errno);
    DIR *dir = ::fdopendir(dupFd);
    if (!dir) {
        const int err = errno;
        ::close(dupFd);
        return sysFail(QStringLiteral("opendir ") + pathForErrors, err);
    }
    Status result;
    while (struct dirent *ent = ::readdir(dir)) {
        const QByteArray name(ent->d_name);
        if (name == "." || name == "..")
            continue;
        auto st = removeTreeAt(dirFd, name, pathForErrors + u'/' + QFile::decodeName(name));
        if (!st) {
            result = st;
            break;
        }
    }
    ::closedir(dir);
    return result;
}

Status removeTreeAt(int parentFd, const QByteArray &name, const QString &pathForErrors)
{
    struct stat st;
    if (::fstatat(parentFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return {};
        return sysFail(QStringLiteral("stat ") + pathForErrors, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parentFd, name.constData(), 0) != 0 && errno != ENOENT)
            return sysFail(QStringLiteral("unlink ") + pathForErrors, errno);
        return {};
    }
    int fd = ::openat(parentFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) {
        // a directory extracted with mode 0000: make it ours again first
        ::fchmodat(parentFd, name.constData(), 0700, 0);
        fd = ::openat(parentFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return sysFail(QStringLiteral("open directory ") + pathForErrors, errno);
    UniqueFd dirFd(fd);
    if ((st.st_mode & 0700) != 0700)
        ::fchmod(dirFd.get(), (st.st_mode & 07777) | 0700);
    if (auto r = removeChildren(dirFd.get(), pathForErrors); !r)
        return r;
    if (::unlinkat(parentFd, name.constData(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return sysFail(QStringLiteral("rmdir ") + pathForErrors, errno);
    return {};
}

Status removeTree(const QString &path)
{
    QString clean = path;
    while (clean.size() > 1 && clean.endsWith(u'/'))
        clean.chop(1);
    const qsizetype slash = clean.lastIndexOf(u'/');
    const QString parent = slash < 0 ? QStringLiteral(".") : (slash == 0 ? QStringLiteral("/") : clean.left(slash));
    const QString name = slash < 0 ? clean : clean.mid(slash + 1);
    const int fd = ::open(encodePath(parent).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return {};
        return sysFail(QStringLiteral("open directory ") + parent, errno);
    }
    UniqueFd parentFd(fd);
    return removeTreeAt(parentFd.get(), encodePath(name), clean);
}

Status writeAll(int fd, const char *data, size_t size, const QString &pathForErrors)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sysFail(QStringLiteral("write ") + pathForErrors, errno);
        }
        data += n;
        size -= size_t(n);
    }
    return {};
}

QString randomToken()
{
    const quint64 v = QRandomGenerator::system()->generate64();
    return QString::number(v, 16).rightJustified(16, u'0');
}

} // namespace Berth::Engine::Internal
