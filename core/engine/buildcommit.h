#pragma once

#include "digest.h"
#include "imagestore.h"

#include <base/result.h>

#include <QJsonObject>
#include <QString>

#include <optional>

namespace Berth::Engine {

// One build step as the image history records it.
struct BuildHistoryEntry
{
    QString created;      // RFC 3339 (UTC)
    QString createdBy;    // "/bin/sh -c #(nop)  CMD [\"sh\"]", "|1 A=b /bin/sh -c make", ...
    QString comment;
    bool emptyLayer = true;
};

// Turns a build step into an image: the directory a COPY filled (or a
// RUN container's upper dir) becomes a layer through LayerExporter (overlay
// whiteouts and opaque dirs become .wh. entries) and LayerStore, and the
// image config is the parent's with the step's container config, one more
// history entry and, for a layer step, one more diff-id; the image is
// registered with ImageStore::createImage and its parent recorded, so the
// chain shows in `docker history` and dangling intermediates prune as
// docker's do.
class BuildCommit
{
public:
    // Exports dir as a layer tar (spooled in ROOT/tmp) and applies it on top
    // of parentChainId. An empty directory still makes a layer (docker does too).
    static Result<LayerInfo> commitDirectory(ImageStore &store, const QString &dir,
                                             const std::optional<Digest> &parentChainId);

    // The new image's config JSON: parentConfig is the parent image's whole
    // config ({} for FROM scratch), containerConfig the "config" object to
    // store, diffId the new layer (none for a metadata step).
    static QByteArray imageConfig(const QJsonObject &parentConfig, const QJsonObject &containerConfig,
                                  const BuildHistoryEntry &history, const std::optional<Digest> &diffId);

    // commit = imageConfig + createImage with the parent link.
    static Result<Digest> createImage(ImageStore &store, const std::optional<Digest> &parentImage,
                                      const QJsonObject &containerConfig, const BuildHistoryEntry &history,
                                      const std::optional<Digest> &diffId);
};

} // namespace Berth::Engine
