#include "imagepusher.h"

#include "blobsources.h"
#include "progressformat.h"
#include "registryclient.h"

#include <engine/contentstore.h>
#include <engine/imagestore.h>
#include <engine/layerstore.h>

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThread>

#include <atomic>
#include <mutex>

namespace Berth::Engine {

namespace {

std::unexpected<Error> failText(ErrorCode code, const QString &text)
{
    return fail(code, text.toStdString());
}

enum class Compression { None, Gzip, Zstd };

struct PushBlob
{
    Digest digest;
    qint64 size = 0;
    Compression compression = Compression::None;
    QString id; // what the progress lines show
    QStringList knownIn; // repositories of this registry it is known to be in
};

Result<Compression> sniff(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return failText(ErrorCode::Io, QStringLiteral("open %1: %2").arg(path, f.errorString()));
    const QByteArray head = f.read(4);
    if (head.startsWith("\x1f\x8b"))
        return Compression::Gzip;
    if (head == QByteArray("\x28\xb5\x2f\xfd", 4))
        return Compression::Zstd;
    return Compression::None;
}

// A layer with no kept blob goes up as its uncompressed export, which the
// content store keeps only when it reproduces the layer's diff-id.
Result<Digest> exportLayer(ImageStore &store, const Digest &chainId, const Digest &diffId)
{
    QFile spool(store.content().tempDir() + QStringLiteral("/push-export-") + diffId.shortHex());
    if (!spool.open(QIODevice::ReadWrite | QIODevice::Truncate))
        return failText(ErrorCode::Io, QStringLiteral("create %1: %2").arg(spool.fileName(), spool.errorString()));
    auto cleanup = qScopeGuard([&] { spool.remove(); });
    auto tar = store.layers().exportTar(chainId, spool.handle());
    if (!tar)
        return std::unexpected(tar.error());
    if (tar->diffId != diffId)
        return failText(ErrorCode::Conflict, QStringLiteral("layer %1 has no stored blob and its export gives %2")
                                                 .arg(diffId.toString(), tar->diffId.toString()));
    auto writer = store.content().createWriter(diffId, qint64(tar->size));
    if (!writer)
        return std::unexpected(writer.error());
    spool.seek(0);
    while (!spool.atEnd()) {
        if (auto st = (*writer)->write(spool.read(4 * 1024 * 1024)); !st)
            return std::unexpected(st.error());
    }
    return (*writer)->commit();
}

} // namespace

ImagePusher::ImagePusher(RegistryConfig config, ImageStore &store, StoreRunner runOnStore, ProgressSink progress)
    : m_config(std::move(config))
    , m_store(store)
    , m_runOnStore(std::move(runOnStore))
    , m_progress(std::move(progress))
{
}

Result<PushResult> ImagePusher::push(const Common::Reference &input, const AuthConfig &auth)
{
    auto emitMessage = [this](const QJsonObject &o) {
        if (m_progress)
            m_progress(o);
    };
    const Common::Reference reference = input.hasTag() || input.hasDigest() ? input : input.withTag(QStringLiteral("latest"));
    if (reference.hasDigest() && !reference.hasTag())
        return failText(ErrorCode::InvalidArgument, QStringLiteral("cannot push a digest reference"));
    const QString repository = reference.path();

    // --- what to send, read on the store's thread ------------------------
    std::optional<Error> error;
    ImageRecord record;
    QList<PushBlob> layers;
    m_runOnStore([&](ImageStore &store) {
        auto id = store.resolve(reference.familiarString());
        if (!id) {
            error = Error(ErrorCode::NotFound, "An image does not exist locally with the tag: " + reference.familiarName().toStdString());
            return;
        }
        auto rec = store.image(*id);
        if (!rec) {
            error = rec.error();
            return;
        }
        record = *rec;
        for (int i = 0; i < record.chainIds.size(); ++i) {
            auto layer = store.layers().get(record.chainIds[i]);
            if (!layer) {
                error = Error(layer.error()).wrap("push layer " + record.diffIds[i].toString().toStdString());
                return;
            }
            PushBlob blob;
            if (layer->sourceBlob.isValid() && store.content().exists(layer->sourceBlob)) {
                blob.digest = layer->sourceBlob;
            } else {
                // no kept blob: the layer's export, when it reproduces the diff-id
                auto exported = exportLayer(store, record.chainIds[i], record.diffIds[i]);
                if (!exported) {
                    error = exported.error();
                    return;
                }
                blob.digest = *exported;
            }
            auto size = store.content().size(blob.digest);
            if (!size) {
                error = size.error();
                return;
            }
            blob.size = *size;
            blob.id = blob.digest.shortHex();
            layers.append(blob);
        }
    });
    if (error)
        return fail(*error);
    ContentStore &content = m_store.content();
    bool allGzip = true;
    for (PushBlob &b : layers) {
        auto c = sniff(content.blobPath(b.digest));
        if (!c)
            return std::unexpected(c.error());
        b.compression = *c;
        allGzip = allGzip && *c == Compression::Gzip;
    }

    const CancelFlag cancel = m_cancel ? m_cancel : std::make_shared<std::atomic<bool>>(false);
    RegistryClient client(m_config, reference.domain(), auth);
    client.setCancelFlag(cancel);
    emitMessage(Progress::status(QStringLiteral("The push refers to repository [%1]").arg(reference.familiarName())));
    for (const PushBlob &b : std::as_const(layers))
        emitMessage(Progress::detail(QStringLiteral("Preparing"), b.id));

    BlobSources sources(m_store.root());
    const QString here = client.host() + u'/' + repository;
    auto pushBlob = [&](RegistryClient &rc, const PushBlob &b, bool showProgress) -> Status {
        auto exists = rc.blobExists(repository, b.digest);
        if (!exists)
            return std::unexpected(exists.error());
        if (*exists) {
            if (showProgress)
                emitMessage(Progress::detail(QStringLiteral("Layer already exists"), b.id));
            return {};
        }
        QString mountFrom;
        for (const QString &known : b.knownIn) {
            if (known.startsWith(rc.host() + u'/') && known != here) {
                mountFrom = known.mid(rc.host().size() + 1);
                break;
            }
        }
        auto started = rc.startUpload(repository, mountFrom.isEmpty() ? Digest() : b.digest, mountFrom);
        if (!started)
            return std::unexpected(started.error());
        if (started->mounted) {
            if (showProgress)
                emitMessage(Progress::detail(QStringLiteral("Mounted from ") + mountFrom, b.id));
            return {};
        }
        QFile file(content.blobPath(b.digest));
        if (!file.open(QIODevice::ReadOnly))
            return failText(ErrorCode::Io, QStringLiteral("open %1: %2").arg(file.fileName(), file.errorString()));
        QElapsedTimer timer;
        timer.start();
        auto progress = [&](qint64 current, qint64 total) {
            if (showProgress)
                emitMessage(Progress::bar(QStringLiteral("Pushing"), b.id, current, total));
        };
        if (auto st = rc.uploadBlob(repository, started->location, &file, b.size, b.digest, progress); !st)
            return st;
        if (showProgress)
            emitMessage(Progress::detail(QStringLiteral("Pushed"), b.id));
        return {};
    };

    for (PushBlob &b : layers)
        b.knownIn = sources.repositoriesOf(b.digest);

    // Layers go up several at once, each uploader thread with a client of
    // its own (a client is bound to its thread's event loop). The first
    // failure stops the others.
    std::mutex mutex;
    std::optional<Error> firstError;
    std::atomic<int> nextLayer{0};
    const int uploaders = std::min<int>(int(layers.size()), std::max(1, m_config.maxConcurrentUploads));
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < uploaders; ++t) {
        threads.emplace_back(QThread::create([&] {
            RegistryClient own(m_config, reference.domain(), auth);
            own.setCancelFlag(cancel);
            for (;;) {
                const int i = nextLayer.fetch_add(1);
                if (i >= layers.size() || cancel->load())
                    return;
                if (auto st = pushBlob(own, layers.at(i), true); !st) {
                    std::lock_guard lock(mutex);
                    if (!firstError && !cancel->load())
                        firstError = st.error();
                    cancel->store(true);
                    return;
                }
            }
        }));
        threads.back()->start();
    }
    for (auto &t : threads)
        t->wait();
    if (firstError)
        return fail(*firstError);
    if (cancel->load())
        return fail(cancelledError("push " + reference.familiarString().toStdString()));
    PushBlob configBlob;
    configBlob.digest = record.id;
    configBlob.size = record.configJson.size();
    if (!content.exists(record.id)) {
        if (auto put = content.put(record.configJson, record.id); !put)
            return std::unexpected(put.error());
    }
    configBlob.knownIn = sources.repositoriesOf(configBlob.digest);
    if (auto st = pushBlob(client, configBlob, false); !st)
        return fail(Error(st.error()));

    // --- the manifest, last ------------------------------------------------
    QJsonArray layerArray;
    for (const PushBlob &b : std::as_const(layers)) {
        const char *type = allGzip ? MediaType::DockerLayerGzip
                           : b.compression == Compression::Gzip ? MediaType::OciLayerGzip
                           : b.compression == Compression::Zstd ? MediaType::OciLayerZstd
                                                                : MediaType::OciLayer;
        layerArray.append(QJsonObject{{QStringLiteral("mediaType"), QLatin1String(type)},
                                      {QStringLiteral("size"), b.size},
                                      {QStringLiteral("digest"), b.digest.toString()}});
    }
    const char *manifestType = allGzip ? MediaType::DockerManifest : MediaType::OciManifest;
    QJsonObject manifest{
        {QStringLiteral("schemaVersion"), 2},
        {QStringLiteral("mediaType"), QLatin1String(manifestType)},
        {QStringLiteral("config"), QJsonObject{{QStringLiteral("mediaType"), QLatin1String(allGzip ? MediaType::DockerConfig : MediaType::OciConfig)},
                                               {QStringLiteral("size"), configBlob.size},
                                               {QStringLiteral("digest"), record.id.toString()}}},
        {QStringLiteral("layers"), layerArray}};
    const QByteArray body = QJsonDocument(manifest).toJson(QJsonDocument::Indented);
    const QString tag = reference.hasTag() ? reference.tag() : QStringLiteral("latest");
    auto digest = client.putManifest(repository, tag, body, QByteArray(manifestType));
    if (!digest)
        return std::unexpected(digest.error());

    QList<Digest> blobs{record.id};
    for (const PushBlob &b : std::as_const(layers))
        blobs.append(b.digest);
    sources.add(blobs, here);
    m_runOnStore([&](ImageStore &store) {
        (void)store.addDigestReference(reference.withoutTagOrDigest().withDigest(digest->toString()), record.id);
    });

    PushResult result;
    result.manifestDigest = *digest;
    result.manifestSize = body.size();
    result.tag = tag;
    emitMessage(Progress::status(QStringLiteral("%1: digest: %2 size: %3").arg(tag, digest->toString()).arg(body.size())));
    emitMessage(QJsonObject{{QStringLiteral("progressDetail"), QJsonObject{}},
                            {QStringLiteral("aux"), QJsonObject{{QStringLiteral("Tag"), tag},
                                                                {QStringLiteral("Digest"), digest->toString()},
                                                                {QStringLiteral("Size"), result.manifestSize}}}});
    return result;
}

} // namespace Berth::Engine
