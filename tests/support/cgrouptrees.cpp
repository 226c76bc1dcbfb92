#include "cgrouptrees.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <unistd.h>

namespace Berth::TestSupport {

CgroupTrees::CgroupTrees(const QStringList &names)
    : m_names(names)
{
    for (const QString &name : names) {
        for (const QString &dir : candidates(name)) {
            if (QFileInfo(dir).isDir())
                m_before.insert(dir);
        }
    }
}

QStringList CgroupTrees::candidates(const QString &name)
{
    const QDir root(QStringLiteral("/sys/fs/cgroup"));
    QStringList dirs{root.filePath(name)};
    for (const QString &controller : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        dirs.append(root.filePath(controller) + u'/' + name);
    return dirs;
}

QStringList CgroupTrees::removeNew() const
{
    QStringList failed;
    for (const QString &name : m_names) {
        for (const QString &dir : candidates(name)) {
            if (m_before.contains(dir) || !QFileInfo(dir).isDir())
                continue;
            // Children before parents: a cgroup dir only goes once it has none.
            QStringList tree;
            QDirIterator it(dir, QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
            while (it.hasNext())
                tree.append(it.next());
            std::sort(tree.begin(), tree.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
            tree.append(dir);
            for (const QString &d : std::as_const(tree)) {
                if (::rmdir(QFile::encodeName(d).constData()) != 0)
                    failed.append(d);
            }
        }
    }
    return failed;
}

} // namespace Berth::TestSupport
