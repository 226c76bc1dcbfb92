#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

namespace Berth::TestSupport {

// Cgroup directories a peer makes below the hierarchy roots when a test runs
// its containers (dockerd's "docker", podman's "libpod_parent"), and that the
// peer leaves behind when it stops. A test snapshots which of them exist
// before it starts the peer and removes the new ones afterwards, so nothing
// stays in /sys/fs/cgroup. Only empty cgroups go (rmdir, deepest first):
// a cgroup that still holds a process is left alone and reported.
class CgroupTrees
{
public:
    // Records which of `names` exist now (below every v1 controller root,
    // the v2 root and the hybrid's unified root).
    explicit CgroupTrees(const QStringList &names);

    // Removes the trees of `names` that did not exist at construction.
    // Returns the directories that could not be removed.
    QStringList removeNew() const;

private:
    static QStringList candidates(const QString &name);
    QStringList m_names;
    QSet<QString> m_before;
};

} // namespace Berth::TestSupport
