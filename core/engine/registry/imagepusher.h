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
// same registry is mounted; else a monolithic or chunked upload), the
// manifest last. Layers go up as the blobs they were pulled or loaded
// from: a Docker schema2 manifest when all are gzip, else an OCI manifest.
// name@digest is recorded afterwards.
class ImagePusher
{
public:
    ImagePusher(RegistryConfig config, ImageStore &store, StoreRunner runOnStore, ProgressSink progress);

    // `reference` carries the tag to push (latest when none).
    Result<PushResult> push(const Common::Reference &reference, const AuthConfig &auth);

private:
    RegistryConfig m_config;
    ImageStore &m_store;
    StoreRunner m_runOnStore;
    ProgressSink m_progress;
};

} // namespace Berth::Engine
