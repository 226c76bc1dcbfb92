#pragma once

#include "layerextractor.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <QByteArray>
#include <QString>

namespace Berth::Engine {

// The build context of POST /build once it is on disk: the tar the client
// sent (plain, gzip or zstd; the docker CLI sends it already filtered by
// .dockerignore) is unpacked while it streams in, through LayerExtractor, so
// nothing is held in memory and nothing is written outside `dir`: "..",
// absolute paths, symlinks climbing out, device nodes and oversized paths
// are refused, and the limits (entries, bytes) cap what a client can send.
//
// Caveat: a context file named ".wh.NAME" is taken as a whiteout by the
// extractor (docker keeps it as a file).
class BuildContext
{
public:
    // dir must exist and be empty; the caller removes it afterwards.
    // A malformed tar is an InvalidArgument error naming the entry.
    static Result<BuildContext> extract(int tarFd, const QString &dir, ExtractLimits limits = {});
    // A context that is already a directory (tests, `berth build DIR` on the daemon's host).
    static Result<BuildContext> openDirectory(const QString &dir);

    const QString &root() const { return m_root; }
    int rootFd() const { return m_rootFd.get(); }
    quint64 bytes() const { return m_bytes; }

    // Reads a regular file at a context-relative path, symlinks resolved
    // inside the context; docker's "Cannot locate specified Dockerfile: <name>"
    // (NotFound) when it is missing.
    Result<QByteArray> readDockerfile(const QString &relativePath, qint64 maxSize = 4 * 1024 * 1024) const;
    // Reads .dockerignore when present (empty otherwise).
    QByteArray readDockerIgnore() const;

    // Opens path (relative to the context root; a leading "/" is the root)
    // with every symlink resolved inside the context (openat2 RESOLVE_IN_ROOT).
    Result<UniqueFd> openInContext(const QString &path, int flags) const;

private:
    QString m_root;
    UniqueFd m_rootFd;
    quint64 m_bytes = 0;
};

} // namespace Berth::Engine
