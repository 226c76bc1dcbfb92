#pragma once

#include "authconfig.h"
#include "registryclient.h"
#include "registryconfig.h"

#include <engine/digest.h>

#include <base/result.h>
#include <common/reference.h>

#include <QJsonObject>
#include <QString>

#include <functional>

namespace Berth::Engine {

class ImageStore;

// Runs `job` on the thread that owns the image store and returns when it
// has run (berthd: its engine thread; tests: inline).
using StoreRunner = std::function<void(const std::function<void(ImageStore &)> &job)>;
// Receives docker's JSON progress messages; called from the pull thread.
using ProgressSink = std::function<void(const QJsonObject &message)>;

// os/architecture[/variant]; the default is linux and this machine's architecture.
struct Platform
{
    QString os = QStringLiteral("linux");
    QString architecture;
    QString variant;

    static Platform host();
    // "linux/amd64", "linux/arm64/v8", "amd64"
    static Result<Platform> parse(const QString &text);
    QString toString() const;
};

struct PullResult
{
    Digest imageId;
    Digest manifestDigest; // the digest recorded in RepoDigests (the index's, for an index)
    bool downloaded = false; // false: the store had the image already
    QString reference;       // familiar, as docker prints it
};

// docker pull: the OCI distribution protocol into the image store.
// Manifests (Docker schema2, OCI manifest, OCI index / manifest list with
// the platform chosen) are capped and verified against their digests; the
// config's diff-ids must match the layers; blobs stream into the content
// store verified (several at once, resumed after a dropped connection);
// each layer is extracted as soon as its blob is verified, several at once
// on threads of their own (LayerStore::prepareTar), and registered in chain
// order on the store's thread (LayerStore::commit) once its blob is
// committed and its parent registered. The image is created and tagged, and
// name@digest recorded, only when everything is in place; a failure or a
// cancellation removes the blobs and layers this pull added, so nothing is
// partially stored or tagged.
class ImagePuller
{
public:
    ImagePuller(RegistryConfig config, ImageStore &store, StoreRunner runOnStore, ProgressSink progress);

    // Set (by the caller, or by the puller itself when one of its threads
    // fails) to stop the pull: downloads and extractions stop, and what the
    // pull stored is removed.
    void setCancelFlag(CancelFlag cancel) { m_cancel = std::move(cancel); }

    Result<PullResult> pull(const Common::Reference &reference, const AuthConfig &auth,
                            const Platform &platform = Platform::host());

private:
    RegistryConfig m_config;
    ImageStore &m_store;
    StoreRunner m_runOnStore;
    ProgressSink m_progress;
    CancelFlag m_cancel;
};

} // namespace Berth::Engine
