#pragma once

#include "digest.h"

#include <base/result.h>

#include <QString>

namespace Berth::Engine {

struct LayerTarInfo
{
    Digest diffId;     // sha256 of the tar written
    quint64 size = 0;  // bytes written
};

// Writes a layer directory (overlayfs lower/upper form) as an uncompressed
// layer tar: entries sorted by name at each level, whiteouts turned back into
// ".wh.NAME" files and opaque directories into ".wh..wh..opq" entries, no
// atime/ctime/uname/gname, so the same tree always gives the same diff-id.
class LayerExporter
{
public:
    // Writes to outFd (any fd: a file, a pipe, a socket).
    static Result<LayerTarInfo> exportDirectory(const QString &dir, int outFd);
};

} // namespace Berth::Engine
