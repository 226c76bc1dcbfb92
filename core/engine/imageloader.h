#pragma once

#include "digest.h"

#include <base/result.h>

#include <QByteArrayView>
#include <QList>
#include <QStringList>

#include <memory>
#include <optional>

namespace Berth::Engine {

class ImageStore;

// One image an ImageLoader put in the store.
struct LoadedImage
{
    Digest id;
    QStringList tags;  // familiar "name:tag", in archive order
    bool created = false; // false: the store had it already
};

struct LoadReport
{
    QList<LoadedImage> images;
    // What docker prints, one line each: "Loaded image: busybox:latest",
    // "Loaded image ID: sha256:...", "The image x already exists, renaming
    // the old one with ID sha256:... to empty string".
    QStringList messages;
    // Set when tagging failed after the images were created: they stay, and
    // the caller reports this after the messages (in-stream, as docker does).
    std::optional<Error> error;
};

// Caps on what an archive may make the loader hold or parse
// (security-checklist.md rule 4, 4.E.25).
struct LoadLimits
{
    qint64 maxManifestBytes = 4 * 1024 * 1024; // manifest.json, index.json, OCI manifests and indexes
    qint64 maxConfigBytes = 8 * 1024 * 1024;
    qint64 maxArchiveBytes = 0;                // uncompressed bytes of all entries; 0: no cap
    int maxEntries = 100000;
    int maxPathBytes = 4096;
    int maxIndexDepth = 4;
    int maxDescriptors = 1024;
};

// docker load: a tar (plain, gzip or zstd) pushed in pieces as the HTTP body
// arrives. Accepts a docker-archive (manifest.json), an OCI image layout
// (index.json, nested indexes; a multi-platform index gives up its
// linux/<this arch> manifest) or the combined archive docker 25+ and
// ImageSaver write.
//
// A reader thread parses the tar as it streams and spools each file into a
// private directory under ROOT/tmp, hashing it on the way; nothing in the
// store is touched until finish(). finish() then verifies everything
// (blob digests and sizes, config diff-ids against the layers, references)
// before it changes anything, applies the missing layers through the
// layer store's safe extractor (layers whose chain-id exists are shared),
// keeps each layer's blob as its source, creates the images and tags them.
// Any failure rolls back what this load added: no new references, layers or
// blobs, and the spool directory is removed.
//
// write() and finish() run on the store's thread (the engine thread).
class ImageLoader
{
public:
    static Result<std::unique_ptr<ImageLoader>> start(ImageStore &store, LoadLimits limits = {});
    ~ImageLoader();

    ImageLoader(const ImageLoader &) = delete;
    ImageLoader &operator=(const ImageLoader &) = delete;

    // Blocks while the reader thread catches up. After the archive was found
    // bad, returns that error (the caller may drop the rest of the body).
    Status write(QByteArrayView chunk);
    Result<LoadReport> finish();

    // Reads the whole archive from fd (tests, the CLI's -i).
    static Result<LoadReport> loadFromFd(ImageStore &store, int fd, LoadLimits limits = {});

private:
    ImageLoader();
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Engine
