#include "imagepuller.h"

#include "blobsources.h"
#include "progressformat.h"
#include "registryclient.h"

#include <engine/contentstore.h>
#include <engine/enginelogging.h>
#include <engine/imagestore.h>
#include <engine/layerstore.h>

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>

#include <base/uniquefd.h>
#include <engine/blobwriter.h>

#include <QThread>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <thread>
#include <unistd.h>

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
    const CancelFlag cancel = m_cancel ? m_cancel : std::make_shared<std::atomic<bool>>(false);
    client.setCancelFlag(cancel);

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

    // --- downloads, extraction and registration, overlapped ------------------
    // The download loop (this thread) hands each complete blob to a pool of
    // extraction threads; each extracts its layer into a private directory
    // (layer directories do not depend on each other), and whichever thread
    // finishes a layer registers every layer that is ready in chain order on
    // the store's thread. A blob is verified before it is extracted and
    // committed before its layer is registered.
    struct LayerState
    {
        bool blobReady = false;  // in the content store before this pull, or committed by it
        bool registered = false; // the layer exists in the layer store
        bool addedBlob = false;  // committed by this pull
        std::unique_ptr<BlobWriter> writer; // downloaded, not yet verified nor committed
        std::unique_ptr<PreparedLayer> prepared;
    };
    const int n = int(layers.size());
    std::vector<LayerState> state(static_cast<size_t>(n));
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<int> ready;      // blobs complete, extraction not started
    int unclaimed = 0;          // layers whose extraction has not started
    int nextCommit = 0;         // layers before this one are registered
    bool committing = false;
    std::optional<Error> firstError;
    QList<Digest> addedLayers;  // chain-ids this pull created
    // The first failure is the pull's error; what fails after the flag is
    // set (by it, or by the caller) fails because of the cancellation.
    auto failWithLocked = [&](Error e) {
        if (!firstError && !cancel->load())
            firstError = std::move(e);
        cancel->store(true);
        cv.notify_all();
    };

    QList<BlobFetch> fetches;
    for (int i = 0; i < n; ++i) {
        const QString id = layers[i].digest.shortHex();
        if (haveLayer[i]) {
            state[size_t(i)].registered = true;
            emitMessage(Progress::detail(QStringLiteral("Already exists"), id));
            continue;
        }
        emitMessage(Progress::detail(QStringLiteral("Pulling fs layer"), id));
        ++unclaimed;
        if (content.exists(layers[i].digest)) {
            state[size_t(i)].blobReady = true;
            ready.push_back(i);
            continue;
        }
        BlobFetch f;
        f.digest = layers[i].digest;
        f.size = layers[i].size;
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
        f.received = [&, i, id](std::unique_ptr<BlobWriter> writer) {
            // every byte was hashed as it arrived: this only compares
            auto verified = writer->verify();
            std::lock_guard lock(mutex);
            if (!verified) {
                failWithLocked(Error(verified.error()).wrap("filesystem layer verification failed for digest "
                                                            + layers[i].digest.toString().toStdString()));
                return;
            }
            emitMessage(Progress::detail(QStringLiteral("Download complete"), id));
            state[size_t(i)].writer = std::move(writer);
            ready.push_back(i);
            cv.notify_all();
        };
        fetches.append(f);
    }

    // Registers every prepared layer whose parent is registered, in order;
    // one thread at a time does it.
    auto registerReady = [&] {
        {
            std::lock_guard lock(mutex);
            if (committing)
                return;
            committing = true;
        }
        for (;;) {
            int i = -1;
            {
                std::lock_guard lock(mutex);
                while (nextCommit < n && state[size_t(nextCommit)].registered)
                    ++nextCommit;
                if (cancel->load() || nextCommit >= n || !state[size_t(nextCommit)].prepared) {
                    committing = false;
                    cv.notify_all();
                    return;
                }
                i = nextCommit;
            }
            QElapsedTimer t;
            t.start();
            std::optional<Error> error;
            bool added = false;
            m_runOnStore([&](ImageStore &store) {
                const std::optional<Digest> parentChain = i == 0 ? std::nullopt : std::optional<Digest>(chainIds[i - 1]);
                const bool existed = store.layers().exists(chainIds[i]);
                auto info = store.layers().commit(*state[size_t(i)].prepared, parentChain, layers[i].digest);
                if (!info) {
                    error = Error(info.error()).wrap("register layer " + layers[i].digest.toString().toStdString());
                    return;
                }
                added = !existed;
            });
            qCDebug(lcEngine).noquote() << "pull: registered layer" << i << chainIds[i].shortHex() << "in" << t.elapsed() << "ms";
            std::lock_guard lock(mutex);
            state[size_t(i)].prepared.reset();
            if (error) {
                committing = false;
                failWithLocked(*error);
                return;
            }
            if (added)
                addedLayers.append(chainIds[i]);
            state[size_t(i)].registered = true;
            emitMessage(Progress::detail(QStringLiteral("Pull complete"), layers[i].digest.shortHex()));
        }
    };

    // One layer: verify and extract its blob, commit the blob, then register.
    auto extractOne = [&](int i) -> Status {
        const QString id = layers[i].digest.shortHex();
        std::unique_ptr<BlobWriter> writer;
        {
            std::lock_guard lock(mutex);
            writer = std::move(state[size_t(i)].writer);
        }
        QElapsedTimer t;
        t.start();
        UniqueFd fd;
        if (writer) {
            // verified on arrival; read back from the page cache
            const int raw = ::open(QFile::encodeName(writer->tempPath()).constData(), O_RDONLY | O_CLOEXEC);
            if (raw < 0)
                return fail(Error::fromErrno("open downloaded blob " + writer->tempPath().toStdString(), errno));
            fd = UniqueFd(raw);
        } else {
            auto opened = content.open(layers[i].digest);
            if (!opened)
                return fail(opened.error());
            fd = std::move(*opened);
        }
        emitMessage(Progress::bar(QStringLiteral("Extracting"), id, 0, layers[i].size));
        auto prepared = m_store.layers().prepareTar(fd.get(), diffIds[i], cancel.get());
        if (!prepared)
            return fail(Error(prepared.error()).wrap("register layer " + layers[i].digest.toString().toStdString()));
        fd.reset();
        const qint64 extractMs = t.restart();
        emitMessage(Progress::bar(QStringLiteral("Extracting"), id, layers[i].size, layers[i].size));
        if (writer) {
            auto committed = writer->commit();
            if (!committed)
                return fail(Error(committed.error()).wrap("store blob " + layers[i].digest.toString().toStdString()));
        }
        qCDebug(lcEngine).noquote() << "pull: layer" << i << id << "extracted in" << extractMs << "ms, blob committed in"
                                    << t.elapsed() << "ms";
        {
            std::lock_guard lock(mutex);
            if (writer) {
                state[size_t(i)].blobReady = true;
                state[size_t(i)].addedBlob = true;
            }
            state[size_t(i)].prepared = std::move(*prepared);
        }
        registerReady();
        return {};
    };

    const int workers = std::min(unclaimed, std::max(2, QThread::idealThreadCount()) + 1);
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w) {
        pool.emplace_back([&] {
            for (;;) {
                int i = -1;
                {
                    std::unique_lock lock(mutex);
                    cv.wait(lock, [&] { return cancel->load() || !ready.empty() || unclaimed == 0; });
                    if (cancel->load() || ready.empty())
                        return;
                    i = ready.front();
                    ready.pop_front();
                    --unclaimed;
                }
                if (auto st = extractOne(i); !st) {
                    std::lock_guard lock(mutex);
                    failWithLocked(st.error());
                    return;
                }
            }
        });
    }

    QElapsedTimer downloadTimer;
    downloadTimer.start();
    Status downloaded = client.fetchBlobs(repository, fetches, content, m_config.maxConcurrentDownloads);
    qCDebug(lcEngine).noquote() << "pull: downloads done in" << downloadTimer.elapsed() << "ms";
    {
        std::lock_guard lock(mutex);
        if (!downloaded)
            failWithLocked(downloaded.error());
        cv.notify_all();
    }
    for (std::thread &t : pool)
        t.join();
    qCDebug(lcEngine).noquote() << "pull: layers registered" << downloadTimer.elapsed() << "ms after the downloads began";

    auto rollback = [&] {
        for (LayerState &s : state) {
            s.prepared.reset();
            s.writer.reset();
        }
        m_runOnStore([&](ImageStore &store) {
            for (auto it = addedLayers.crbegin(); it != addedLayers.crend(); ++it) {
                if (auto st = store.layers().remove(*it); !st)
                    qCWarning(lcEngine).noquote() << "pull rollback: remove layer" << it->toString() << QString::fromStdString(st.error().toString());
            }
            for (int i = 0; i < n; ++i) {
                if (state[size_t(i)].addedBlob)
                    (void)store.content().remove(layers[i].digest);
            }
        });
    };
    if (firstError || cancel->load()) {
        rollback();
        if (firstError)
            return fail(*firstError);
        return fail(cancelledError("pull " + named.familiarString().toStdString()));
    }
    for (int i = 0; i < n; ++i) {
        if (!state[size_t(i)].registered) {
            rollback();
            return fail(ErrorCode::Internal, "pull: layer " + std::to_string(i) + " was not registered");
        }
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
