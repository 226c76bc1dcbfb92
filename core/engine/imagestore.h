#pragma once

#include "contentstore.h"
#include "digest.h"
#include "layerstore.h"

#include <base/result.h>
#include <common/imagedeleteresponse.h>
#include <common/imagehistoryitem.h>
#include <common/imagesummary.h>
#include <common/reference.h>

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace Berth::Engine {

// One image as the store knows it.
struct ImageRecord
{
    Digest id;             // sha256 of the config JSON
    QByteArray configJson; // exactly the bytes whose digest is the id
    QJsonObject config;    // parsed configJson
    QList<Digest> diffIds; // rootfs.diff_ids, bottom first
    QList<Digest> chainIds;
    std::optional<Digest> parent;
    QString lastTagTime; // RFC 3339, empty when never tagged
    qint64 size = 0;     // sum of the layer sizes
};

// Who uses an image (answered by the container store, which comes later).
struct ImageUsage
{
    QString containerId; // 64 hex
    bool running = false;
};
using ImageUsageCallback = std::function<std::optional<ImageUsage>(const Digest &imageId)>;

struct ImageListOptions
{
    bool all = false;                 // show intermediate images too
    std::optional<bool> dangling;     // filters={"dangling":{"true":true}}
    QStringList referencePatterns;    // filters={"reference":{"bb*":true}}
};

// The image store under ROOT: blobs/ (configs, layer tars), layers/
// (unpacked, by chain-id), images/<hex>.json (records) and refs.json
// (name:tag and name@digest -> image ID) — every metadata file written
// atomically, and a record or a reference only ever written after what it
// points to is complete. open() repairs what a crash left behind.
//
// Not thread-safe: berthd serialises calls (one engine thread).
class ImageStore
{
public:
    static Result<std::unique_ptr<ImageStore>> open(const QString &root, ExtractLimits limits = {});
    ~ImageStore();

    ContentStore &content() { return m_content; }
    LayerStore &layers() { return m_layers; }
    const QString &root() const { return m_root; }

    // Registers an image from its config JSON (stored verbatim as a blob; the
    // ID is its sha256). Every rootfs.diff_ids layer must already be in the
    // layer store. Returns the image ID. Idempotent.
    Result<Digest> createImage(const QByteArray &configJson, const std::optional<Digest> &parent = std::nullopt);

    // engine-api.md 5.1: full ID with or without "sha256:", name[:tag]
    // (default tag latest), name@digest, unique ID prefix. 400 for an
    // invalid reference or an ambiguous prefix, 404 "No such image: <ref>".
    Result<Digest> resolve(const QString &nameOrId) const;
    Result<ImageRecord> image(const Digest &id) const;
    QList<Digest> imageIds() const;
    // How many images the store holds; unlike everything else here, safe to
    // call from any thread (berthd's /info reads it on the HTTP thread).
    int imageCount() const { return m_imageCount.load(std::memory_order_relaxed); }
    // Familiar references of an image: "name:tag" and "name@sha256:..."
    QStringList repoTags(const Digest &id) const;
    QStringList repoDigests(const Digest &id) const;

    QList<Common::ImageSummary> list(const ImageListOptions &options = {}) const;
    // GET /images/{name}/json (engine-api.md 8.6)
    Result<QJsonObject> inspect(const QString &nameOrId) const;
    // GET /images/{name}/history (engine-api.md 8.7)
    Result<QList<Common::ImageHistoryItem>> history(const QString &nameOrId) const;

    // POST /images/{name}/tag?repo=&tag= ; an empty tag means "latest".
    Status tag(const QString &source, const QString &repo, const QString &tag);
    // Adds name@digest (after a pull) for an image.
    Status addDigestReference(const Common::Reference &canonical, const Digest &id);

    // DELETE /images/{name}?force=&noprune= with docker's semantics.
    Result<QList<Common::ImageDeleteItem>> remove(const QString &nameOrId, bool force, bool prune = true,
                                                  const ImageUsageCallback &usage = {});
    // POST /images/prune: danglingOnly (the default) or every unused image;
    // `select`, when given, narrows the candidates further (label, until).
    Result<Common::ImagePruneReport> prune(bool danglingOnly, const ImageUsageCallback &usage = {},
                                           const std::function<bool(const ImageRecord &)> &select = {});

private:
    explicit ImageStore(const QString &root, ExtractLimits limits);
    Status load();
    Status saveRefs();
    QString recordPath(const Digest &id) const;
    Status writeRecord(const ImageRecord &record);
    Result<ImageRecord> buildRecord(const QByteArray &configJson) const;
    QList<Common::Reference> referencesTo(const Digest &id) const;
    QList<Digest> childrenOf(const Digest &id) const;
    std::optional<Common::ImageDeleteItem> untag(const Common::Reference &ref);
    Status deleteImage(const Digest &id, QList<Common::ImageDeleteItem> *records, bool force, bool prune,
                       bool quiet, const ImageUsageCallback &usage, qint64 *reclaimed);
    std::optional<Error> conflict(const Digest &id, bool hard, bool softContainer, bool softReferences,
                                  const ImageUsageCallback &usage) const;

    QString m_root;
    ContentStore m_content;
    LayerStore m_layers;
    QMap<Digest, ImageRecord> m_images;
    std::atomic<int> m_imageCount{0};
    QMap<QString, Digest> m_refs; // full normalised reference string -> image ID
};

} // namespace Berth::Engine
