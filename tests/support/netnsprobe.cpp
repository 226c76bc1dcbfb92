#include "netnsprobe.h"

#include <QFile>

#include <cstdio>
#include <cstring>

#include <dirent.h>
#include <unistd.h>

namespace Berth::TestSupport {

QStringList procEntries(const QString &dir)
{
    QStringList out;
    if (DIR *d = ::opendir(QFile::encodeName(dir).constData())) {
        while (struct dirent *e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                out << QString::fromLocal8Bit(e->d_name);
        }
        ::closedir(d);
    }
    return out;
}

quint64 netnsInodeOfLink(const QString &link)
{
    char buf[64];
    const ssize_t n = ::readlink(QFile::encodeName(link).constData(), buf, sizeof buf - 1);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    unsigned long long ino = 0;
    return std::sscanf(buf, "net:[%llu]", &ino) == 1 ? ino : 0;
}

QSet<quint64> netnsFdsOf(const QString &pid)
{
    QSet<quint64> out;
    const QString base = QStringLiteral("/proc/") + pid + QStringLiteral("/fd/");
    for (const QString &fd : procEntries(base)) {
        if (const quint64 ino = netnsInodeOfLink(base + fd))
            out.insert(ino);
    }
    return out;
}

QSet<quint64> netnsInUse()
{
    QSet<quint64> out;
    for (const QString &pid : procEntries(QStringLiteral("/proc"))) {
        if (pid.toLongLong() <= 0)
            continue;
        const QString base = QStringLiteral("/proc/") + pid;
        for (const QString &task : procEntries(base + QStringLiteral("/task"))) {
            if (const quint64 ino = netnsInodeOfLink(base + QStringLiteral("/task/") + task + QStringLiteral("/ns/net")))
                out.insert(ino);
        }
        out.unite(netnsFdsOf(pid));
    }
    return out;
}

} // namespace Berth::TestSupport
