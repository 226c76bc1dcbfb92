#include "statedirectory.h"

#include "daemonlogging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUuid>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Daemon {

QStringList StateDirectory::layout()
{
    return {QStringLiteral("blobs"), QStringLiteral("blobs/sha256"), QStringLiteral("layers"),
            QStringLiteral("images"), QStringLiteral("containers"), QStringLiteral("volumes"),
            QStringLiteral("build-cache"), QStringLiteral("tmp")};
}

static Status makeDir(const QString &dir, mode_t mode)
{
    const QByteArray p = QFile::encodeName(dir);
    if (::mkdir(p.constData(), mode) != 0 && errno != EEXIST)
        return failErrno("mkdir " + p.toStdString());
    struct stat st{};
    if (::stat(p.constData(), &st) != 0)
        return failErrno("stat " + p.toStdString());
    if (!S_ISDIR(st.st_mode))
        return fail(ErrorCode::Conflict, p.toStdString() + " exists and is not a directory");
    return {};
}

Result<StateDirectory> StateDirectory::open(const QString &root)
{
    StateDirectory d;
    d.m_root = QDir::cleanPath(QFileInfo(root).absoluteFilePath());
    const QString parent = QFileInfo(d.m_root).absolutePath();
    if (!QDir().mkpath(parent))
        return fail(ErrorCode::Io, "create directory " + parent.toStdString());
    if (auto ok = makeDir(d.m_root, 0711); !ok)
        return fail(ok.error());
    // The root itself is traversable only (0711), whatever the umask said.
    if (::chmod(QFile::encodeName(d.m_root).constData(), 0711) != 0)
        return failErrno("chmod " + d.m_root.toStdString());
    if (auto ok = d.lock(); !ok)
        return fail(ok.error());
    for (const QString &sub : layout()) {
        if (auto ok = makeDir(d.path(sub), 0700); !ok)
            return fail(ok.error());
    }
    if (auto ok = d.loadEngineId(); !ok)
        return fail(ok.error());
    return d;
}

Status StateDirectory::lock()
{
    const QByteArray p = QFile::encodeName(path(QStringLiteral("berthd.lock")));
    UniqueFd fd(::open(p.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        return failErrno("open " + p.toStdString());
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return failErrno("flock " + p.toStdString());
        char buf[32] = {};
        const ssize_t n = ::pread(fd.get(), buf, sizeof(buf) - 1, 0);
        const QByteArray pid = n > 0 ? QByteArray(buf, qsizetype(n)).trimmed() : QByteArray("unknown");
        return fail(ErrorCode::Conflict, "root " + m_root.toStdString() + " is in use by another berthd (pid "
                                             + pid.toStdString() + ", lock " + p.toStdString() + ")");
    }
    const QByteArray pid = QByteArray::number(qint64(::getpid())) + '\n';
    if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.constData(), size_t(pid.size()), 0) != pid.size())
        return failErrno("write pid to " + p.toStdString());
    m_lock = std::move(fd);
    return {};
}

Status StateDirectory::loadEngineId()
{
    const QString file = path(QStringLiteral("engine-id"));
    QFile f(file);
    if (f.open(QIODevice::ReadOnly)) {
        m_engineId = QString::fromUtf8(f.readAll()).trimmed();
        if (!m_engineId.isEmpty())
            return {};
    }
    // Written once: temp file, fsync, rename (design.md: atomic metadata).
    m_engineId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString tmp = file + QStringLiteral(".tmp");
    const QByteArray tp = QFile::encodeName(tmp);
    UniqueFd fd(::open(tp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd)
        return failErrno("open " + tp.toStdString());
    const QByteArray data = m_engineId.toUtf8() + '\n';
    if (::write(fd.get(), data.constData(), size_t(data.size())) != data.size() || ::fsync(fd.get()) != 0)
        return failErrno("write " + tp.toStdString());
    fd.reset();
    if (::rename(tp.constData(), QFile::encodeName(file).constData()) != 0)
        return failErrno("rename " + tp.toStdString());
    qCInfo(lcDaemon).noquote() << "new engine ID" << m_engineId;
    return {};
}

} // namespace Berth::Daemon
