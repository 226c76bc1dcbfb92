#pragma once

#include "digest.h"

#include <base/result.h>

#include <QByteArray>
#include <QList>
#include <QStringList>

#include <memory>

namespace Berth::Engine {

class ImageStore;

// One image an ImageSaver writes, with the tags it carries in the archive.
struct SavedImage
{
    Digest id;
    QStringList tags; // familiar "name:tag"
};

// docker save: images written as one tar that is both a docker-archive
// (manifest.json with Config/RepoTags/Layers, repositories, <config-hex>.json)
// and an OCI image layout (oci-layout, index.json, blobs/sha256/...), the way
// docker 25+ writes it. Each layer is written once, uncompressed, as
// blobs/sha256/<diff-id> (the same file serves both formats), so that the
// digest of every layer blob is its diff-id.
//
// Pull-based so that it can feed a paced HTTP stream: read() returns the
// next piece, and only what libarchive produced for that piece is held in
// memory. Every source (the layer's kept blob, decompressed on the fly, or a
// re-export spooled to an unlinked temp file) is opened by start(), so a
// concurrent rmi cannot pull a layer from under a running save. Each layer
// stream is checked against its diff-id as it is written.
//
// Not thread-safe; use it on the engine thread like the store.
class ImageSaver
{
public:
    // names: what the user typed (name[:tag], name@digest, ID or ID prefix).
    // A name without a tag saves every tag of that repository the image has;
    // an ID saves the image untagged. Unknown names fail here (404), before
    // any byte is produced.
    static Result<std::unique_ptr<ImageSaver>> start(ImageStore &store, const QStringList &names);
    ~ImageSaver();

    ImageSaver(const ImageSaver &) = delete;
    ImageSaver &operator=(const ImageSaver &) = delete;

    // The next piece of the archive, about maxBytes long (a little more when
    // libarchive flushes a block); empty once atEnd(). An error leaves the
    // archive unfinished: the caller must not present it as complete.
    Result<QByteArray> read(qsizetype maxBytes = 1024 * 1024);
    bool atEnd() const;

    // Writes the whole archive to fd (tests, the CLI's -o).
    Status writeTo(int fd);

    const QList<SavedImage> &images() const;

private:
    ImageSaver();
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Engine
