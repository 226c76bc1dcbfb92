#pragma once

#include "buildcontext.h"

#include <base/result.h>

#include <QString>
#include <QStringList>

#include <sys/types.h>

namespace Berth::Engine {

// What COPY/ADD copies from the build context, resolved and hashed before
// anything is written, so the builder can look the step up in its cache.
struct CopySources
{
    QStringList paths;   // context-relative paths after wildcard expansion, in order
    QString sourceHash;  // "file:<hex>", "dir:<hex>" or "multi:<hex>" (history text and cache input)
    quint64 files = 0;   // entries hashed
};

struct CopyRequest
{
    QString instruction = QStringLiteral("COPY"); // "COPY" or "ADD", for error texts
    QStringList sources;     // as written, expanded (wildcards allowed)
    QString destination;     // as written, expanded; relative to workingDir
    QString workingDir;      // the stage's WORKDIR ("" is "/")
    QString chown;           // --chown: "user[:group]", names or ids; empty is 0:0
    QString chmod;           // --chmod: octal; empty keeps the source modes
    QStringList lowerDirs;   // the image's layer dirs, top first: existing
                             // parents, directory destinations, /etc/passwd and /etc/group
};

// COPY from the build context into a new layer directory (overlay upper
// form) the way dockerd's classic builder copies into the container:
// a directory source copies its contents, a file source lands on the
// destination (or inside it when it ends in "/" or is an existing
// directory), several sources need a directory destination ending in "/",
// missing parents are made 0755 and owned by the --chown owner, parents the
// image already has keep its metadata, files keep their mode and mtime,
// everything is owned by the --chown owner (root by default). Source paths
// resolve inside the context (symlinks included); everything written in the
// layer is opened component by component with O_NOFOLLOW.
//
// Known limits: a destination that crosses a symlink of the image is
// refused with an error rather than followed; opaque directories of lower
// layers are not consulted when looking up existing parents.
class BuildCopy
{
public:
    // Expands wildcards, checks that every source exists, and hashes the
    // contents and metadata (path, type, mode, size, link target, bytes) of
    // everything that will be copied. Errors carry docker's texts:
    // "COPY failed: file not found in build context or excluded by .dockerignore: stat x: file does not exist".
    static Result<CopySources> resolve(const BuildContext &context, const CopyRequest &request);

    // Copies the resolved sources into layerDir (which must exist).
    static Status apply(const BuildContext &context, const CopyRequest &request, const CopySources &sources,
                        const QString &layerDir);

    // --chown resolution with the image's /etc/passwd and /etc/group,
    // docker's errors ("unable to convert uid/gid chown string to host mapping: ...").
    static Result<std::pair<uid_t, gid_t>> resolveOwner(const QString &chown, const QStringList &lowerDirs);
    // The absolute, cleaned destination ("/app/" keeps its trailing slash).
    static QString absoluteDestination(const QString &destination, const QString &workingDir);
};

} // namespace Berth::Engine
