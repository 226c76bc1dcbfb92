#include "buildcontext.h"

#include "fsutil.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Berth::Engine {

using Internal::encodePath;
using Internal::sysFail;

namespace {

int openat2InRoot(int rootFd, const QByteArray &path, int flags)
{
    open_how how{};
    how.flags = quint64(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    const QByteArray rel = path.isEmpty() ? QByteArray(".") : path;
    int fd;
    do {
        fd = int(::syscall(SYS_openat2, rootFd, rel.constData(), &how, sizeof(how)));
    } while (fd < 0 && errno == EINTR);
    return fd;
}

} // namespace

Result<BuildContext> BuildContext::extract(int tarFd, const QString &dir, ExtractLimits limits)
{
    LayerExtractor extractor(limits);
    auto diff = extractor.apply(tarFd, dir);
    if (!diff) {
        Error e = diff.error();
        // Whatever the extractor refused, the client sent it: a bad request.
        if (e.code() == ErrorCode::Internal || e.code() == ErrorCode::Protocol || e.code() == ErrorCode::Io)
            e = Error(e.sysErrno() == 0 || e.code() == ErrorCode::Protocol ? ErrorCode::InvalidArgument : e.code(),
                      e.toString());
        return fail(std::move(e).wrap("read build context"));
    }
    auto ctx = openDirectory(dir);
    if (!ctx)
        return ctx;
    ctx->m_bytes = diff->tarSize;
    return ctx;
}

Result<BuildContext> BuildContext::openDirectory(const QString &dir)
{
    auto fd = Internal::openDirectory(dir);
    if (!fd)
        return fail(fd.error());
    BuildContext ctx;
    ctx.m_root = dir;
    ctx.m_rootFd = std::move(*fd);
    return ctx;
}

Result<UniqueFd> BuildContext::openInContext(const QString &path, int flags) const
{
    QString rel = path;
    while (rel.startsWith(u'/'))
        rel.remove(0, 1);
    const int fd = openat2InRoot(m_rootFd.get(), encodePath(rel), flags);
    if (fd < 0)
        return sysFail(QStringLiteral("open ") + path + QStringLiteral(" in the build context"), errno);
    return UniqueFd(fd);
}

Result<QByteArray> BuildContext::readDockerfile(const QString &relativePath, qint64 maxSize) const
{
    auto fd = openInContext(relativePath, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!fd) {
        if (fd.error().sysErrno() == ENOENT || fd.error().sysErrno() == ENOTDIR)
            return fail(ErrorCode::NotFound, "Cannot locate specified Dockerfile: " + relativePath.toStdString());
        return fail(fd.error());
    }
    struct stat st{};
    if (::fstat(fd->get(), &st) != 0)
        return sysFail(QStringLiteral("stat ") + relativePath, errno);
    if (!S_ISREG(st.st_mode))
        return fail(ErrorCode::InvalidArgument, "Cannot locate specified Dockerfile: " + relativePath.toStdString());
    if (st.st_size > maxSize)
        return fail(ErrorCode::TooLarge, "Dockerfile " + relativePath.toStdString() + " is larger than "
                                             + std::to_string(maxSize) + " bytes");
    QByteArray data;
    data.resize(qsizetype(st.st_size));
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::read(fd->get(), data.data() + done, size_t(data.size() - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sysFail(QStringLiteral("read ") + relativePath, errno);
        }
        if (n == 0)
            break;
        done += n;
    }
    data.truncate(done);
    return data;
}

QByteArray BuildContext::readDockerIgnore() const
{
    auto data = readDockerfile(QStringLiteral(".dockerignore"), 1024 * 1024);
    return data ? *data : QByteArray();
}

} // namespace Berth::Engine
