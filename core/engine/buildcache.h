#pragma once

#include "digest.h"
#include "imagestore.h"

#include <base/result.h>

#include <QString>

#include <optional>

namespace Berth::Engine {

// The classic builder's cache, persisted under ROOT/build-cache/ so it
// survives berthd restarts: one small JSON file per step key, written with
// AtomicFile, naming the image the step produced.
//
// A step's key is sha256 over its parent image ID (none for the first step
// on scratch), the instruction text with the build args expanded (flags
// included), and an input hash: for COPY/ADD the hash of the contents and
// metadata of the files copied (BuildCopy::resolve), for RUN the build-arg
// environment it runs with. A hit needs the image to still exist and to
// have exactly that parent, so a removed or re-pulled image never hits.
//
// Not thread-safe: used on the engine thread.
class BuildCache
{
public:
    static Result<BuildCache> open(const QString &stateRoot);

    static Digest key(const std::optional<Digest> &parentImage, const QString &instruction, const QString &inputHash);

    std::optional<Digest> lookup(const Digest &key, const std::optional<Digest> &parentImage,
                                 const ImageStore &store) const;
    Status record(const Digest &key, const std::optional<Digest> &parentImage, const Digest &image);
    // Forgets entries whose image is gone (image rm, prune).
    Status sweep(const ImageStore &store);

    const QString &directory() const { return m_dir; }

private:
    QString m_dir;
};

} // namespace Berth::Engine
