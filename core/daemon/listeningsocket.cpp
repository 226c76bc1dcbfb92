#include "listeningsocket.h"

#include "daemonlogging.h"

#include <QDir>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace Berth::Daemon {

ListeningSocket::~ListeningSocket()
{
    unlink();
}

ListeningSocket::ListeningSocket(ListeningSocket &&other) noexcept
    : m_path(std::move(other.m_path))
    , m_fd(std::move(other.m_fd))
    , m_dev(other.m_dev)
    , m_ino(other.m_ino)
    , m_owned(std::exchange(other.m_owned, false))
{
}

ListeningSocket &ListeningSocket::operator=(ListeningSocket &&other) noexcept
{
    if (this != &other) {
        unlink();
        m_path = std::move(other.m_path);
        m_fd = std::move(other.m_fd);
        m_dev = other.m_dev;
        m_ino = other.m_ino;
        m_owned = std::exchange(other.m_owned, false);
    }
    return *this;
}

void ListeningSocket::unlink()
{
    if (!m_owned)
        return;
    m_owned = false;
    const QByteArray p = QFile::encodeName(m_path);
    struct stat st{};
    // Only remove the file we created, not one a successor put there.
    if (::lstat(p.constData(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == m_dev && st.st_ino == m_ino)
        ::unlink(p.constData());
}

static bool fillAddress(const QByteArray &path, sockaddr_un &addr)
{
    std::memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (path.size() >= qsizetype(sizeof(addr.sun_path)))
        return false;
    std::memcpy(addr.sun_path, path.constData(), size_t(path.size()));
    return true;
}

Result<ListeningSocket> ListeningSocket::create(const QString &path, const QString &group)
{
    const QByteArray p = QFile::encodeName(path);
    sockaddr_un addr{};
    if (!fillAddress(p, addr))
        return fail(ErrorCode::InvalidArgument, "socket path " + p.toStdString() + " is too long");

    const QString parent = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(parent))
        return fail(ErrorCode::Io, "create directory " + parent.toStdString() + " for the socket");

    struct stat st{};
    if (::lstat(p.constData(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(ErrorCode::Conflict, p.toStdString() + " exists and is not a socket; refusing to replace it");
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!probe)
            return failErrno("socket");
        if (::connect(probe.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) == 0 || errno == EAGAIN)
            return fail(ErrorCode::Conflict, "another process is serving on " + p.toStdString()
                                                 + "; refusing to start (stop it or choose another --socket)");
        qCInfo(lcDaemon) << "removing stale socket" << path;
        if (::unlink(p.constData()) != 0 && errno != ENOENT)
            return failErrno("unlink stale socket " + p.toStdString());
    } else if (errno != ENOENT) {
        return failErrno("lstat " + p.toStdString());
    }

    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        return failErrno("socket");
    // No window in which the socket is reachable by everyone.
    const mode_t oldMask = ::umask(0117);
    const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr));
    const int bindErrno = errno;
    ::umask(oldMask);
    if (rc != 0)
        return fail(Error::fromErrno("bind " + p.toStdString(), bindErrno));

    ListeningSocket s;
    s.m_path = path;
    if (::lstat(p.constData(), &st) == 0) {
        s.m_dev = st.st_dev;
        s.m_ino = st.st_ino;
        s.m_owned = true;
    }
    if (::listen(fd.get(), SOMAXCONN) != 0)
        return failErrno("listen " + p.toStdString());
    if (::chmod(p.constData(), 0660) != 0)
        return failErrno("chmod " + p.toStdString());
    if (!group.isEmpty()) {
        const QByteArray name = group.toLocal8Bit();
        if (const struct group *g = ::getgrnam(name.constData())) {
            if (::chown(p.constData(), uid_t(-1), g->gr_gid) != 0)
                qCWarning(lcDaemon).noquote() << "cannot give" << path << "to group" << group << ":"
                                              << ::strerror(errno);
        } else {
            qCInfo(lcDaemon).noquote() << "group" << group << "does not exist; only root and uid"
                                       << ::geteuid() << "may use" << path;
        }
    }
    s.m_fd = std::move(fd);
    return s;
}

} // namespace Berth::Daemon
