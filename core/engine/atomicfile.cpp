#include "atomicfile.h"

#include "fsutil.h"

#include <base/uniquefd.h>

#include <QList>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

Status AtomicFile::write(const QString &path, QByteArrayView data, unsigned mode)
{
    const qsizetype slash = path.lastIndexOf(u'/');
    const QString dir = slash <= 0 ? (slash == 0 ? QStringLiteral("/") : QStringLiteral(".")) : path.left(slash);
    const QString tmpPath = dir + u'/' + QLatin1String(tempPrefix()) + path.mid(slash + 1) + u'-' + randomToken();
    const QByteArray tmpName = encodePath(tmpPath);
    const int fd = ::open(tmpName.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return sysFail(QStringLiteral("create ") + tmpPath, errno);
    UniqueFd file(fd);
    auto cleanup = [&] { ::unlink(tmpName.constData()); };
    if (auto st = writeAll(file.get(), data.data(), size_t(data.size()), tmpPath); !st) {
        cleanup();
        return st;
    }
    if (::fchmod(file.get(), mode) != 0 || ::fsync(file.get()) != 0) {
        const int err = errno;
        cleanup();
        return sysFail(QStringLiteral("fsync ") + tmpPath, err);
    }
    file.reset();
    if (::rename(tmpName.constData(), encodePath(path).constData()) != 0) {
        const int err = errno;
        cleanup();
        return sysFail(QStringLiteral("rename ") + tmpPath + QStringLiteral(" to ") + path, err);
    }
    return syncDirectory(dir);
}

Result<QByteArray> AtomicFile::read(const QString &path, qint64 maxSize)
{
    const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sysFail(QStringLiteral("open ") + path, errno);
    UniqueFd file(fd);
    struct stat st;
    if (::fstat(file.get(), &st) != 0)
        return sysFail(QStringLiteral("stat ") + path, errno);
    if (st.st_size > maxSize)
        return failWith(ErrorCode::TooLarge, QStringLiteral("read %1: file is larger than %2 bytes").arg(path).arg(maxSize));
    QByteArray out;
    out.resize(qsizetype(st.st_size));
    qsizetype done = 0;
    while (done < out.size()) {
        const ssize_t n = ::read(file.get(), out.data() + done, size_t(out.size() - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sysFail(QStringLiteral("read ") + path, errno);
        }
        if (n == 0)
            break;
        done += n;
    }
    out.truncate(done);
    return out;
}

Status AtomicFile::removeLeftovers(const QString &dir)
{
    auto dirFd = openDirectory(dir);
    if (!dirFd)
        return std::unexpected(dirFd.error());
    const int dupFd = ::fcntl(dirFd->get(), F_DUPFD_CLOEXEC, 0);
    DIR *d = dupFd >= 0 ? ::fdopendir(dupFd) : nullptr;
    if (!d) {
        const int err = errno;
        if (dupFd >= 0)
            ::close(dupFd);
        return sysFail(QStringLiteral("opendir ") + dir, err);
    }
    QList<QByteArray> stale;
    while (struct dirent *ent = ::readdir(d)) {
        if (qstrncmp(ent->d_name, tempPrefix(), qstrlen(tempPrefix())) == 0)
            stale.append(QByteArray(ent->d_name));
    }
    ::closedir(d);
    for (const QByteArray &name : stale) {
        if (auto st = removeTreeAt(dirFd->get(), name, dir + u'/' + QString::fromUtf8(name)); !st)
            return st;
    }
    return {};
}

} // namespace Berth::Engine
