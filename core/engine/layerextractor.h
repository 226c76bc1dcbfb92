#pragma once

#include "digest.h"

#include <base/result.h>

#include <QString>

#include <atomic>
#include <memory>

namespace Berth::Engine {

// What applying one layer tar produced.
struct LayerDiff
{
    Digest diffId;          // sha256 of the uncompressed tar stream
    quint64 tarSize = 0;    // bytes of the uncompressed tar stream
    quint64 contentSize = 0; // sum of the regular file sizes (docker's layer "Size")
    quint64 entries = 0;
};

// Limits applied while extracting (security-checklist.md rule 4, 4.A.6).
struct ExtractLimits
{
    int maxPathBytes = 4095;
    int maxNameBytes = 255;
    int maxDepth = 1024;
    quint64 maxEntries = 2'000'000;
    quint64 maxUncompressedBytes = 0; // 0: no cap
    quint64 maxXattrBytes = 64 * 1024; // per entry
};

// Applies a layer tar (gzip, zstd or plain, detected by libarchive; no other
// filter and never an external program) into an empty directory, in the
// overlayfs lower-dir form: ".wh.NAME" becomes a 0/0 char device (as root;
// otherwise the ".wh.NAME" file is kept), ".wh..wh..opq" becomes the
// trusted.overlay.opaque=y xattr (user.overlay.opaque as non-root).
//
// Safe by construction: every parent is opened from the layer's dirfd one
// component at a time with O_NOFOLLOW, so nothing is ever written through a
// symlink; ".." components, absolute paths, symlinks climbing out of the
// layer, hardlinks to outside or missing targets, device nodes, sockets and
// oversized paths are refused with an error naming the entry. The caller
// removes the directory on failure.
class LayerExtractor
{
public:
    explicit LayerExtractor(ExtractLimits limits = {});
    ~LayerExtractor();

    // When set, the extraction checks the flag between reads and stops with
    // an ECANCELED error once it is true. The flag must outlive apply().
    void setCancelFlag(const std::atomic<bool> *cancel);

    // Reads the (possibly compressed) tar from fd until EOF.
    Result<LayerDiff> apply(int tarFd, const QString &targetDir);

    // The xattr the opaque marker becomes for the current euid.
    static QByteArray opaqueXattrName();

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Engine
