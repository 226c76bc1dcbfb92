#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

// Which network namespaces exist, seen through /proc: for the tests that
// check a namespace is made, handed over, held or freed (style.md C24).
namespace Berth::TestSupport {

// The names in a /proc directory, by readdir: an fd's "net:[N]" link is a
// dangling symlink that QDir's filters may leave out.
QStringList procEntries(const QString &dir);
// N of a "net:[N]" link (an fd or a task's ns/net), 0 for anything else.
quint64 netnsInodeOfLink(const QString &link);
// The network namespaces process `pid` holds as open fds ("self" for this one).
QSet<quint64> netnsFdsOf(const QString &pid);
// Every network namespace reachable through /proc: each task's ns/net and
// every open fd of every process.
QSet<quint64> netnsInUse();

} // namespace Berth::TestSupport
