#include "treelisting.h"

#include <QDirIterator>
#include <QFile>

#include <sys/stat.h>
#include <unistd.h>

namespace Berth::TestSupport {

QStringList treeListing(const QString &dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        struct stat st;
        if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
            continue;
        QString line = QStringLiteral("%1 %2 %3").arg(path.mid(dir.size())).arg(st.st_mode, 0, 8)
                           .arg(S_ISREG(st.st_mode) ? qint64(st.st_size) : 0);
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            const ssize_t n = ::readlink(QFile::encodeName(path).constData(), target, sizeof target);
            line += QStringLiteral(" -> ") + QString::fromUtf8(target, n > 0 ? n : 0);
        }
        out.append(line);
    }
    out.sort();
    return out;
}

} // namespace Berth::TestSupport
