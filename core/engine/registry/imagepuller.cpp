#include "imagepuller.h"

#include "blobsources.h"
#include "progressformat.h"
#include "registryclient.h"

#include <engine/contentstore.h>
#include <engine/enginelogging.h>
#include <engine/imagestore.h>
#include <engine/layerstore.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace Berth::Engine {

namespace {

std::unexpected<Error> failText(ErrorCode code, const QString &text)
{
    return fail(code, text.toStdString());
}

QString normalizeArch(const QString &arch)
{
    if (arch == QLatin1String("x86_64") || arch == QLatin1String("x86-64"))
        return QStringLiteral("amd64");
    if (arch == QLatin1String("aarch64"))
        return QStringLiteral("arm64");
    if (arch == QLatin1String("i386") || arch == QLatin1String("i686"))
        return QStringLiteral("386");
    return arch;
}

struct Descriptor
{
    QString mediaType;
    Digest digest;
    qint64 size = -1;
};

Result<Descriptor> parseDescriptor(const QJsonObject &o, const char *what)
{
    Descriptor d;
    d.mediaType = o.value(QLatin1String("mediaType")).toString();
    auto digest = Digest::parse(o.value(QLatin1String("digest")).toString());
    if (!digest)
        return fail(Error(digest.error()).wrap(std::string("manifest ") + what + " descriptor"));
    d.digest = *digest;
    const QJsonValue size = o.value(QLatin1String("size"));
    if (!size.isDouble() || size.toDouble() < 0 || size.toDouble() > 1e15)
        return failText(ErrorCode::InvalidArgument, QStringLiteral("manifest %1 descriptor %2 has an invalid size")
                                                        .arg(QLatin1String(what), d.digest.toString()));
    d.size = qint64(size.toDouble());
    return d;
}

bool isIndexType(const QString &t)
{
    return t == QLatin1String(MediaType::OciIndex) || t == QLatin1String(MediaType::DockerManifestList);
}

bool isLayerType(const QString &t)
{
    return t == QLatin1String(MediaType::DockerLayerGzip) || t == QLatin1String(MediaType::OciLayer)
           || t == QLatin1String(MediaType::OciLayerGzip) || t == QLatin1String(MediaType::OciLayerZstd)
           || t == QLatin1String("application/vnd.docker.image.rootfs.diff.tar");
}

} // namespace

Platform Platform::host()
{
    Platform p;
    p.architecture = normalizeArch(QSysInfo::currentCpuArchitecture());
    if (p.architecture == QLatin1String("arm64"))
        p.variant = QStringLiteral("v8");
    return p;
}

Result<Platform> Platform::parse(const QString &text)
{
    if (text.isEmpty())
        return host();
    const QStringList parts = text.toLower().split(u'/');
    Platform p;
    if (parts.size() == 1) {
        p.architecture = normalizeArch(parts[0]);
    } else if (parts.size() <= 3) {
        p.os = parts[0];
        p.architecture = normalizeArch(parts[1]);
        p.variant = parts.value(2);
    }
    if (p.os.isEmpty() || p.architecture.isEmpty() || parts.contains(QString()))
        return failText(ErrorCode::InvalidArgument, QStringLiteral("\"%1\": unknown operating system or architecture: invalid argument").arg(text));
    if (p.architecture == QLatin1String("arm64") && p.variant.isEmpty())
        p.variant = QStringLiteral("v8");
    return p;
}

QString Platform::toString() const
{
    return os + u'/' + architecture + (variant.isEmpty() ? QString() : u'/' + variant);
}

ImagePuller::ImagePuller(RegistryConfig config, ImageStore &store, StoreRunner runOnStore, ProgressSink progress)
    : m_config(std::move(config))
    , m_store(store)
    , m_runOnStore(std::move(runOnStore))
    , m_progress(std::move(progress))
{
}

Result<PullResult> ImagePuller::pull(const Common::Reference &reference, const AuthConfig &auth, const Platform &platform)
{
    auto emitMessage = [this](const QJsonObject &o) {
        if (m_progress)
            m_progress(o);
    };
    const QString repository = reference.path();
    const QString refText = reference.hasDigest() ? reference.digest() : (reference.hasTag() ? reference.tag() : QStringLiteral("latest"));
    const Common::Reference named = reference.hasDigest() || reference.hasTag() ? reference : reference.withTag(QStringLiteral("latest"));
    RegistryClient client(m_config, reference.domain(), auth);

    // --- manifest (and index) ---------------------------------------------
    auto top = client.fetchManifest(repository, refText, m_config.maxManifestBytes);
    if (!top) {
        Error e = top.error();
        if (e.code() == ErrorCode::NotFound)
            return failText(ErrorCode::NotFound, QStringLiteral("manifest for %1 not found: manifest unknown: %2")
                                                     .arg(named.familiarString(), QString::fromStdString(e.message())));
        return fail(std::move(e));
    }
    emitMessage(Progress::status(QStringLiteral("Pulling from ") + repository, refText));
    const Digest topDigest = Digest::ofData(top->body);
    if (reference.hasDigest() && topDigest.toString() != reference.digest())
        return failText(ErrorCode::InvalidArgument, QStringLiteral("manifest verification failed for digest %1: got %2")
                                                        .arg(reference.digest(), topDigest.toString()));
    if (const QByteArray header = top->header("docker-content-digest");
        !header.isEmpty() && QString::fromLatin1(header) != topDigest.toString())
        return failText(ErrorCode::InvalidArgument, QStringLiteral("manifest digest %1 does not match Docker-Content-Digest %2")
                                                        .arg(topDigest.toString(), QString::fromLatin1(header)));

    QByteArray manifestBytes = top->body;
    QString mediaType = QString::fromLatin1(top->header("content-type")).section(u';', 0, 0).trimmed();
    for (int depth = 0;; ++depth) {
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(manifestBytes, &perr);
        if (perr.error != QJsonParseError::NoError || !doc.isObject())
            return failText(ErrorCode::Protocol, QStringLiteral("manifest for %1 is not JSON: %2").arg(named.familiarString(), perr.errorString()));
        const QJsonObject m = doc.object();
        if (m.value(QLatin1String("schemaVersion")).toInt() == 1)
            return failText(ErrorCode::InvalidArgument, QStringLiteral("Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. %1 uses it").arg(named.familiarString()));
        if (const QString inBody = m.value(QLatin1String("mediaType")).toString(); !inBody.isEmpty()) {
            if (!mediaType.isEmpty() && mediaType != inBody && mediaType != QLatin1String("application/json")
                && mediaType != QLatin1String("application/octet-stream"))
                return failText(ErrorCode::InvalidArgument, QStringLiteral("manifest media type %1 does not match Content-Type %2").arg(inBody, mediaType));
            mediaType = inBody;
        } else if (m.contains(QLatin1String("manifests")) && !m.contains(QLatin1String("layers"))) {
            mediaType = QLatin1String(MediaType::OciIndex);
        } else if (m.contains(QLatin1String("layers"))) {
            mediaType = QLatin1String(MediaType::OciManifest);
        }
        if (m.contains(QLatin1String("manifests")) && m.contains(QLatin1String("layers")))
            return failText(ErrorCode::InvalidArgument, QStringLiteral("ambiguous manifest for %1: it has both manifests and layers").arg(named.familiarString()));
        if (!isIndexType(mediaType))
            break;
        if (depth >= m_config.maxIndexDepth)
            return failText(ErrorCode::InvalidArgument, QStringLiteral("index for %1 is nested deeper than %2").arg(named.familiarString()).arg(m_config.maxIndexDepth));
        const QJsonArray entries = m.value(QLatin1String("manifests")).toArray();
        if (entries.size() > m_config.maxIndexEntries)
            return failText(ErrorCode::InvalidArgument, QStringLiteral("index for %1 lists %2 manifests (at most %3)")
                                                            .arg(named.familiarString()).arg(entries.size()).arg(m_config.maxIndexEntries));
        std::optional<Descriptor> chosen;
        int chosenScore = -1;
        for (const QJsonValue &v : entries) {
            const QJsonObject e = v.toObject();
            const QJsonObject p = e.value(QLatin1String("platform")).toObject();
            if (p.value(QLatin1String("os")).toString() != platform.os
                || normalizeArch(p.value(QLatin1String("architecture")).toString()) != platform.architecture)
                continue;
            const QString variant = p.value(QLatin1String("variant")).toString();
            int score = 1;
            if (variant == platform.variant)
                score = 2;
            else if (!variant.isEmpty() && !platform.variant.isEmpty())
                continue;
            if (score <= chosenScore)
                continue;
            auto d = parseDescriptor(e, "index entry");
            if (!d)
                return std::unexpected(d.error());
            chosen = *d;
            chosenScore = score;
        }
        if (!chosen)
            return failText(ErrorCode::NotFound, QStringLiteral("no matching manifest for %1 in the manifest list entries").arg(platform.toString()));
        if (chosen->size > m_config.maxManifestBytes)
            return failText(ErrorCode::TooLarge, QStringLiteral("manifest %1 is %2 bytes (at most %3)")
                                                     .arg(chosen->digest.toString()).arg(chosen->size).arg(m_config.maxManifestBytes));
        auto inner = client.fetchManifest(repository, chosen->digest.toString(), m_config.maxManifestBytes);
        if (!inner)
            return std::unexpected(inner.error());
        if (Digest::ofData(inner->body) != chosen->digest || inner->body.size() != chosen->size)
            return failText(ErrorCode::InvalidArgument, QStringLiteral("manifest verification failed for digest %1").arg(chosen->digest.toString()));
        manifestBytes = inner->body;
        mediaType = QString::fromLatin1(inner->header("content-type")).section(u';', 0, 0).trimmed();
        if (!chosen->mediaType.isEmpty())
            mediaType = chosen->mediaType;
    }
    if (mediaType != QLatin1String(MediaType::DockerManifest) && mediaType != QLatin1String(MediaType::OciManifest))
        return failText(ErrorCode::InvalidArgument, QStringLiteral("unsupported manifest media type %1 for %1").arg(mediaType, named.familiarString()));

    const QJsonObject manifest = QJsonDocument::fromJson(manifestBytes).object();
    auto configDesc = parseDescriptor(manifest.value(QLatin1String("config")).toObject(), "config");
    if (!configDesc)
        return std::unexpected(configDesc.error());
    if (configDesc->size > m_config.maxConfigBytes)
        return failText(ErrorCode::TooLarge, QStringLiteral("image config %1 is %2 bytes (at most %3)")
                                                 .arg(configDesc->digest.toString()).arg(configDesc->size).arg(m_config.maxConfigBytes));
    QList<Descriptor> layers;
    for (const QJsonValue &v : manifest.value(QLatin1String("layers")).toArray()) {
        auto d = parseDescriptor(v.toObject(), "layer");
        if (!d)
            return std::unexpected(d.error());
        if (!isLayerType(d->mediaType))
            return failText(ErrorCode::InvalidArgument, QStringLiteral("unsupported layer media type %1 (layer %2)").arg(d->mediaType, d->digest.toString()));
        layers.append(*d);
    }

    // --- config -----------------------------------------------------------
    ContentStore &content = m_store.content();
    QByteArray configJson;
    if (content.exists(configDesc->digest)) {
        auto bytes = content.read(configDesc->digest, m_config.maxConfigBytes);
        if (!bytes)
            return std::unexpected(bytes.error());
        configJson = *bytes;
    } else {
        auto blob = client.fetchBlob(repository, configDesc->digest, m_config.maxConfigBytes);
        if (!blob)
            return fail(Error(blob.error()).wrap("fetch image config"));
        configJson = blob->body;
    }
    const QJsonObject config = QJsonDocument::fromJson(configJson).object();
    const QJsonArray diffIdValues = config.value(QLatin1String("rootfs")).toObject().value(QLatin1String("diff_ids")).toArray();
    if (diffIdValues.size() != layers.size())
        return failText(ErrorCode::InvalidArgument, QStringLiteral("image config lists %1 diff-ids for %2 layers").arg(diffIdValues.size()).arg(layers.size()));
    QList<Digest> diffIds;
    QList<Digest> chainIds;
    std::optional<Digest> parent;
    for (const QJsonValue &v : diffIdValues) {
        auto d = Digest::parse(v.toString());
        if (!d)
            return fail(Error(d.error()).wrap("image config diff-id"));
        diffIds.append(*d);
        chainIds.append(LayerStore::chainIdFor(parent, *d));
        parent = chainIds.last();
    }

    // --- what the store has -------------------------------------------------
    QList<bool> haveLayer(layers.size(), false);
    bool haveImage = false;
    m_runOnStore([&](ImageStore &store) {
        for (int i = 0; i < chainIds.size(); ++i)
            haveLayer[i] = store.layers().exists(chainIds[i]);
        haveImage = bool(store.image(configDesc->digest));
    });

    struct LayerState
    {
        bool blobReady = false;
        bool extracted = false;
        bool addedBlob = false;
    };
    std::vector<LayerState> state(size_t(layers.size()));
    QList<BlobFetch> fetches;
    for (int i = 0; i < layers.size(); ++i) {
        const QString id = layers[i].digest.shortHex();
        if (haveLayer[i]) {
            state[size_t(i)].extracted = true;
            emitMessage(Progress::detail(QStringLiteral("Already exists"), id));
            continue;
        }
        emitMessage(Progress::detail(QStringLiteral("Pulling fs layer"), id));
        if (content.exists(layers[i].digest)) {
            state[size_t(i)].blobReady = true;
            continue;
        }
    }

    std::mutex mutex;
    std::condition_variable cv;
    bool cancelled = false;
    std::optional<Error> extractError;
    QList<Digest> addedLayers; // chain-ids this pull created

    for (int i = 0; i < layers.size(); ++i) {
        if (state[size_t(i)].extracted || state[size_t(i)].blobReady)
            continue;
        BlobFetch f;
        f.digest = layers[i].digest;
        f.size = layers[i].size;
        const QString id = layers[i].digest.shortHex();
        auto last = std::make_shared<qint64>(-1);
        auto timer = std::make_shared<QElapsedTimer>();
        f.progress = [emitMessage, id, last, timer](qint64 current, qint64 total) {
            if (*last >= 0 && current < total && timer->isValid() && timer->elapsed() < 100
                && current - *last < std::max<qint64>(total / 50, 1))
                return;
            *last = current;
            timer->start();
            emitMessage(Progress::bar(QStringLiteral("Downloading"), id, current, total));
        };
        f.verifying = [emitMessage, id] { emitMessage(Progress::detail(QStringLiteral("Verifying Checksum"), id)); };
        f.completed = [&, i, id](const Digest &) {
            emitMessage(Progress::detail(QStringLiteral("Download complete"), id));
            std::lock_guard lock(mutex);
            state[size_t(i)].blobReady = true;
            state[size_t(i)].addedBlob = true;
            cv.notify_all();
        };
        fetches.append(f);
    }

    // Extraction follows the downloads: layer i as soon as its blob and
    // layer i-1 are there, on the store's thread.
    std::thread extractor([&] {
        for (int i = 0; i < layers.size(); ++i) {
            {
                std::unique_lock lock(mutex);
                cv.wait(lock, [&] { return cancelled || state[size_t(i)].blobReady || state[size_t(i)].extracted; });
                if (cancelled || extractError)
                    return;
                if (state[size_t(i)].extracted)
                    continue;
            }
            const QString id = layers[i].digest.shortHex();
            emitMessage(Progress::bar(QStringLiteral("Extracting"), id, layers[i].size, layers[i].size));
            std::optional<Error> error;
            m_runOnStore([&](ImageStore &store) {
                auto fd = store.content().open(layers[i].digest);
                if (!fd) {
                    error = fd.error();
                    return;
                }
                const std::optional<Digest> parentChain = i == 0 ? std::nullopt : std::optional<Digest>(chainIds[i - 1]);
                const bool existed = store.layers().exists(chainIds[i]);
                auto info = store.layers().applyTar(fd->get(), parentChain, diffIds[i], layers[i].digest);
                if (!info) {
                    error = Error(info.error()).wrap("register layer " + layers[i].digest.toString().toStdString());
                    return;
                }
                if (!existed)
                    addedLayers.append(chainIds[i]);
            });
            std::lock_guard lock(mutex);
            if (error) {
                extractError = error;
                cv.notify_all();
                return;
            }
            state[size_t(i)].extracted = true;
            emitMessage(Progress::detail(QStringLiteral("Pull complete"), id));
        }
    });

    Status downloaded = client.fetchBlobs(repository, fetches, content, m_config.maxConcurrentDownloads);
    {
        std::lock_guard lock(mutex);
        if (!downloaded)
            cancelled = true;
        cv.notify_all();
    }
    extractor.join();

    auto rollback = [&] {
        m_runOnStore([&](ImageStore &store) {
            for (auto it = addedLayers.crbegin(); it != addedLayers.crend(); ++it) {
                if (auto st = store.layers().remove(*it); !st)
                    qCWarning(lcEngine).noquote() << "pull rollback: remove layer" << it->toString() << QString::fromStdString(st.error().toString());
            }
            for (int i = 0; i < layers.size(); ++i) {
                if (state[size_t(i)].addedBlob)
                    (void)store.content().remove(layers[i].digest);
            }
        });
    };
    if (!downloaded) {
        rollback();
        return fail(downloaded.error());
    }
    if (extractError) {
        rollback();
        return fail(*extractError);
    }

    // --- the image, its tag and its digest reference ----------------------
    std::optional<Error> finishError;
    Digest imageId;
    m_runOnStore([&](ImageStore &store) {
        auto id = store.createImage(configJson);
        if (!id) {
            finishError = id.error();
            return;
        }
        imageId = *id;
        if (named.hasTag()) {
            if (auto st = store.tag(id->toString(), named.name(), named.tag()); !st) {
                finishError = st.error();
                return;
            }
        }
        if (auto st = store.addDigestReference(named.withoutTagOrDigest().withDigest(topDigest.toString()), *id); !st)
            finishError = st.error();
    });
    if (finishError) {
        if (!haveImage)
            rollback();
        return fail(*finishError);
    }
    if (imageId != configDesc->digest) {
        return failText(ErrorCode::InvalidArgument, QStringLiteral("image config digest %1 does not match the stored image %2")
                                                        .arg(configDesc->digest.toString(), imageId.toString()));
    }

    QList<Digest> blobs{configDesc->digest};
    for (const Descriptor &l : std::as_const(layers))
        blobs.append(l.digest);
    BlobSources(m_store.root()).add(blobs, client.host() + u'/' + repository);

    PullResult result;
    result.imageId = imageId;
    result.manifestDigest = topDigest;
    result.downloaded = !haveImage;
    result.reference = named.familiarString();
    emitMessage(Progress::status(QStringLiteral("Digest: ") + topDigest.toString()));
    emitMessage(Progress::status(haveImage ? QStringLiteral("Status: Image is up to date for ") + result.reference
                                           : QStringLiteral("Status: Downloaded newer image for ") + result.reference));
    return result;
}

} // namespace Berth::Engine
