#pragma once

#include "daemonconfig.h"

#include <base/result.h>

#include <QList>
#include <QString>

#include <optional>
#include <sys/types.h>

namespace Berth::Daemon {

// Who is at the other end of a Unix socket (SO_PEERCRED).
struct PeerCredentials
{
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// The check every connection passes before any work (style.md C25): root,
// the helper's own euid, and members of the configured group (primary gid,
// or a supplementary group from /proc/<pid>/status) may talk to berthd.
class PeerAuthorizer
{
public:
    PeerAuthorizer();
    // Resolves the group by name; a missing group admits nobody by group.
    explicit PeerAuthorizer(const DaemonConfig &config);

    static Result<PeerCredentials> credentialsOf(int socketFd);
    // The supplementary groups of a process ("Groups:" in /proc/<pid>/status).
    static Result<QList<gid_t>> supplementaryGroups(pid_t pid);

    // PermissionDenied ("permission denied: ...") when the peer may not connect.
    Status authorize(const PeerCredentials &peer) const;
    Status authorizeSocket(int socketFd) const;

    void setTrustRoot(bool trust) { m_trustRoot = trust; }
    void setTrustedUid(std::optional<uid_t> uid) { m_ownUid = uid; }
    void setGroup(std::optional<gid_t> gid, const QString &name);

private:
    bool m_trustRoot = true;
    std::optional<uid_t> m_ownUid;
    std::optional<gid_t> m_gid;
    QString m_groupName;
};

} // namespace Berth::Daemon
