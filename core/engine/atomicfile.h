#pragma once

#include <base/result.h>

#include <QByteArrayView>
#include <QString>

namespace Berth::Engine {

// Crash-safe replacement of a small metadata file: the data goes to a temp
// file in the same directory, is fsync'ed, renamed over the target, and the
// directory is fsync'ed. A reader sees the old or the new content, never a
// mix (security-checklist.md rule 5).
class AtomicFile
{
public:
    static constexpr const char *tempPrefix() { return ".tmp-"; }

    static Status write(const QString &path, QByteArrayView data, unsigned mode = 0644);
    // Reads a whole file, refusing one larger than maxSize.
    static Result<QByteArray> read(const QString &path, qint64 maxSize = 64 * 1024 * 1024);
    // Removes temp files a crash left behind in dir (names starting with tempPrefix()).
    static Status removeLeftovers(const QString &dir);
};

} // namespace Berth::Engine
