#pragma once

#include "authconfig.h"
#include "registryconfig.h"

#include <engine/digest.h>

#include <base/result.h>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>

class QIODevice;

namespace Berth::Engine {

class BlobWriter;
class ContentStore;

// Set to true to stop a transfer (berthd: the client went away, or another
// part of the same pull failed). Every thread of the transfer polls it.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// The error a cancelled transfer ends with: "<what>: ECANCELED (Operation canceled)".
Error cancelledError(const std::string &what);

// One reply of a registry, with its body buffered (capped).
struct RegistryReply
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // names lowercased
    QUrl url;                              // after redirects

    QByteArray header(const char *name) const { return headers.value(QByteArray(name)); }
};

// A blob to fetch into the content store: verified against its digest and
// size while it streams to disk, resumed with a Range request after a
// dropped connection, retried a bounded number of times.
struct BlobFetch
{
    Digest digest;
    qint64 size = -1;
    std::function<void()> started;                          // first byte requested
    std::function<void(qint64 current, qint64 total)> progress;
    std::function<void()> verifying;                        // all bytes arrived
    std::function<void(const Digest &digest)> completed;    // committed to the store
    // When set, a blob whose bytes all arrived is not committed by the
    // client: its writer (size checked, digest not yet) is handed over here,
    // on the client's thread, and the receiver verifies and commits it (so
    // that the fsync runs off the download loop). `completed` is not called.
    std::function<void(std::unique_ptr<BlobWriter> writer)> received;
};

struct UploadStart
{
    bool mounted = false; // 201 on a cross-repository mount: nothing to upload
    QUrl location;
};

// An OCI distribution client for one registry host (distribution-spec v1.1):
// the /v2/ ping, bearer-token (anonymous and with credentials) and basic
// authentication driven by WWW-Authenticate, manifests, blobs (parallel,
// verified, resumable) and uploads (monolithic and chunked, cross-repository
// mounts). HTTPS through Qt Network's OpenSSL backend, verified against the
// system CAs plus the registry's certs.d CA files.
//
// Security (security-checklist.md 24-28): credentials go only to the
// registry's own host and to a token realm on that same host (or Docker
// Hub's own pair); Authorization is dropped on a redirect to another host; a
// realm must be https (or http on loopback) and an https request is never
// redirected to http; bodies are capped; uploads refuse a Location on
// another host.
//
// Synchronous API: every call runs a local event loop, so a client lives on
// one thread (a pull or push thread of its own, never berthd's HTTP thread).
class RegistryClient
{
public:
    RegistryClient(RegistryConfig config, const QString &referenceDomain, AuthConfig auth);
    ~RegistryClient();
    RegistryClient(const RegistryClient &) = delete;
    RegistryClient &operator=(const RegistryClient &) = delete;

    const QString &host() const;

    // Polled by every request (every 50 ms while one waits): once it is
    // true, the request in flight is aborted and the call fails with
    // cancelledError().
    void setCancelFlag(CancelFlag cancel);

    // GET /v2/: chooses https or (where allowed) http and learns how the
    // registry authenticates.
    Status ping();
    // docker login: ping, then prove the credentials (basic: /v2/ with them;
    // bearer: a token from the realm with them). Unauthorized when rejected.
    Status login();

    // GET (or HEAD) /v2/<repo>/manifests/<reference> with every manifest
    // type accepted. 404 becomes NotFound "manifest unknown".
    Result<RegistryReply> fetchManifest(const QString &repository, const QString &reference, qint64 maxBytes);
    Result<RegistryReply> fetchBlob(const QString &repository, const Digest &digest, qint64 maxBytes);
    // HEAD /v2/<repo>/blobs/<digest>
    Result<bool> blobExists(const QString &repository, const Digest &digest);

    // Fetches the blobs into the content store, `concurrency` at a time.
    // The first failure (after retries) cancels the others and is returned.
    Status fetchBlobs(const QString &repository, const QList<BlobFetch> &blobs, const ContentStore &content,
                      int concurrency);

    // POST /v2/<repo>/blobs/uploads/ (with ?mount=&from= when fromRepository is set)
    Result<UploadStart> startUpload(const QString &repository, const Digest &mount = {},
                                    const QString &fromRepository = {});
    // Sends `size` bytes from `device` to an upload session: one PUT ?digest=
    // streamed from the device when it is sequential-safe (a file), else
    // PATCH chunks of config.chunkSize then the closing PUT ?digest=.
    Status uploadBlob(const QString &repository, const QUrl &location, QIODevice *device, qint64 size,
                      const Digest &digest, const std::function<void(qint64 current, qint64 total)> &progress);
    // PUT /v2/<repo>/manifests/<reference>; returns the manifest's digest.
    Result<Digest> putManifest(const QString &repository, const QString &reference, const QByteArray &body,
                               const QByteArray &mediaType);

    class Private;

private:
    std::unique_ptr<Private> d;
};

// The media types this client reads and writes.
namespace MediaType {
inline constexpr char DockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char DockerManifestList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char DockerSchema1[] = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr char DockerSchema1Signed[] = "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr char DockerConfig[] = "application/vnd.docker.container.image.v1+json";
inline constexpr char DockerLayerGzip[] = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr char DockerForeignLayer[] = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr char OciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char OciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char OciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char OciLayer[] = "application/vnd.oci.image.layer.v1.tar";
inline constexpr char OciLayerGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr char OciLayerZstd[] = "application/vnd.oci.image.layer.v1.tar+zstd";
} // namespace MediaType

} // namespace Berth::Engine
