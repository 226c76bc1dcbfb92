#include "peerauthorizer.h"

#include <QFile>

#include <grp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Berth::Daemon {

PeerAuthorizer::PeerAuthorizer()
    : m_ownUid(::geteuid())
{
}

PeerAuthorizer::PeerAuthorizer(const DaemonConfig &config)
    : m_trustRoot(config.trustRoot)
{
    if (config.trustOwnUid)
        m_ownUid = ::geteuid();
    if (!config.group.isEmpty()) {
        m_groupName = config.group;
        const QByteArray name = config.group.toLocal8Bit();
        if (const group *g = ::getgrnam(name.constData()))
            m_gid = g->gr_gid;
    }
}

void PeerAuthorizer::setGroup(std::optional<gid_t> gid, const QString &name)
{
    m_gid = gid;
    m_groupName = name;
}

Result<PeerCredentials> PeerAuthorizer::credentialsOf(int socketFd)
{
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(socketFd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return failErrno("getsockopt SO_PEERCRED");
    return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

Result<QList<gid_t>> PeerAuthorizer::supplementaryGroups(pid_t pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return fail(ErrorCode::Io, "read /proc/" + std::to_string(pid) + "/status: " + f.errorString().toStdString());
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (!line.startsWith("Groups:"))
            continue;
        QList<gid_t> groups;
        const QList<QByteArray> parts = line.mid(7).simplified().split(' ');
        for (const QByteArray &p : parts) {
            bool ok = false;
            const uint g = p.toUInt(&ok);
            if (ok)
                groups.append(gid_t(g));
        }
        return groups;
    }
    return QList<gid_t>();
}

Status PeerAuthorizer::authorize(const PeerCredentials &peer) const
{
    if (m_trustRoot && peer.uid == 0)
        return {};
    if (m_ownUid && peer.uid == *m_ownUid)
        return {};
    if (m_gid) {
        if (peer.gid == *m_gid)
            return {};
        if (peer.pid > 0) {
            const auto groups = supplementaryGroups(peer.pid);
            if (groups && groups->contains(*m_gid))
                return {};
        }
    }
    const std::string group = m_groupName.isEmpty() ? std::string("(none)") : m_groupName.toStdString();
    return fail(ErrorCode::PermissionDenied,
                "permission denied: uid " + std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid)
                    + ") is not root and not a member of group " + group
                    + (m_gid ? std::string() : std::string(", which does not exist")));
}

Status PeerAuthorizer::authorizeSocket(int socketFd) const
{
    const auto peer = credentialsOf(socketFd);
    if (!peer)
        return fail(Error(peer.error()).wrap("permission denied: cannot identify the peer"));
    return authorize(*peer);
}

} // namespace Berth::Daemon
