#pragma once

#include "authconfig.h"
#include "imagepuller.h"
#include "registryconfig.h"

#include <engine/digest.h>

#include <base/result.h>
#include <common/reference.h>

namespace Berth::Engine {

class ImageStore;

struct PushResult
{
    Digest manifestDigest;
    qint64 manifestSize = 0;
    QString tag;
};

// docker push: every layer blob and the config go up (HEAD first: a blob
// the registry has is skipped; a blob known in another repository of the
// same registry is mounted; else one PUT streamed from the stored blob),
// config.maxConcurrentUploads layers at once (docker's 5), the manifest last. Layers go up as the blobs they were pulled or loaded
// from: a Docker schema2 manifest when all are gzip, else an OCI manifest.
// name@digest is recorded afterwards.
class ImagePusher
{
public:
    ImagePusher(RegistryConfig config, ImageStore &store, StoreRunner runOnStore, ProgressSink progress);

    // `reference` carries the tag to push (latest when none).
    Result<PushResult> push(const Common::Reference &reference, const AuthConfig &auth);

    // Set by the caller (or by the pusher when one upload fails) to stop
    // every upload; the manifest is then never sent.
    void setCancelFlag(CancelFlag cancel) { m_cancel = std::move(cancel); }

private:
    RegistryConfig m_config;
    ImageStore &m_store;
    StoreRunner m_runOnStore;
    ProgressSink m_progress;
    CancelFlag m_cancel;
};

} // namespace Berth::Engine
