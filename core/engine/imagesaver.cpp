#include "imagesaver.h"

#include "archivehandle.h"
#include "enginelogging.h"
#include "fsutil.h"
#include "imagestore.h"
#include "sha256hasher.h"

#include <base/uniquefd.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using Common::Reference;

using namespace Internal;

namespace {

constexpr qsizetype kCopyChunk = 256 * 1024;
const QString kBlobDir = QStringLiteral("blobs/sha256/");

// Where one layer's uncompressed tar comes from.
struct LayerSource
{
    Digest diffId;
    quint64 size = 0;
    UniqueFd fd;
    bool compressed = false; // fd holds the kept (possibly gzip/zstd) blob
};

struct Entry
{
    QString path;
    bool directory = false;
    QByteArray data;              // small files
    std::shared_ptr<LayerSource> layer; // layer tars
};

QJsonObject descriptor(const QString &mediaType, const Digest &digest, qint64 size)
{
    return QJsonObject{{QStringLiteral("mediaType"), mediaType},
                       {QStringLiteral("digest"), digest.toString()},
                       {QStringLiteral("size"), size}};
}

// An unlinked file in dir (O_TMPFILE, or mkstemp + unlink where the file
// system lacks it): nothing is left behind whatever happens.
Result<UniqueFd> anonymousFile(const QString &dir)
{
    int fd = ::open(encodePath(dir).constData(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return UniqueFd(fd);
    QByteArray templ = encodePath(dir + QStringLiteral("/.tmp-save-XXXXXX"));
    fd = ::mkostemp(templ.data(), O_CLOEXEC);
    if (fd < 0)
        return sysFail(QStringLiteral("create a temp file in ") + dir, errno);
    ::unlink(templ.constData());
    return UniqueFd(fd);
}

} // namespace

class ImageSaver::Private
{
public:
    static la_ssize_t writeCallback(struct archive *, void *self, const void *buffer, size_t length)
    {
        static_cast<Private *>(self)->m_out.append(static_cast<const char *>(buffer), qsizetype(length));
        return la_ssize_t(length);
    }

    Status plan(ImageStore &store, const QStringList &names);
    Result<std::shared_ptr<LayerSource>> openLayer(ImageStore &store, const LayerInfo &layer);
    Status openArchive();
    Status beginEntry(const Entry &entry);
    Status copyLayerPiece();
    Result<qsizetype> readLayer(char *buffer, qsizetype size);
    Status finishLayer();
    std::unexpected<Error> archiveError(const QString &what) const
    {
        return failWith(ErrorCode::Io, QStringLiteral("%1: %2").arg(what, QString::fromUtf8(archive_error_string(m_archive.get()))));
    }

    QList<SavedImage> m_images;
    QList<Entry> m_entries;
    qsizetype m_next = 0;
    ArchiveWritePtr m_archive;
    QByteArray m_out;
    bool m_finished = false;
    bool m_failed = false;

    // the layer being copied
    const Entry *m_current = nullptr;
    ArchiveReadPtr m_decoder;
    Sha256Hasher m_hasher;
    quint64 m_copied = 0;
    QByteArray m_buffer;
};

Result<std::shared_ptr<LayerSource>> ImageSaver::Private::openLayer(ImageStore &store, const LayerInfo &layer)
{
    auto source = std::make_shared<LayerSource>();
    source->diffId = layer.diffId;
    // The blob the layer was applied from reproduces its diff-id exactly.
    if (layer.sourceBlob.isValid() && store.content().exists(layer.sourceBlob) && layer.tarSize > 0) {
        auto fd = store.content().open(layer.sourceBlob);
        if (fd) {
            source->fd = std::move(*fd);
            source->size = layer.tarSize;
            source->compressed = true;
            return source;
        }
    }
    // Otherwise the layer directory, exported again; only usable when the
    // export gives the same diff-id (layers that were created that way).
    auto fd = anonymousFile(store.content().tempDir());
    if (!fd)
        return std::unexpected(fd.error());
    auto tar = store.layers().exportTar(layer.chainId, fd->get());
    if (!tar)
        return std::unexpected(std::move(tar.error()).wrap("export layer " + layer.chainId.toString().toStdString()));
    if (tar->diffId != layer.diffId)
        return failWith(ErrorCode::Internal,
                        QStringLiteral("layer %1 cannot be reproduced: its source blob is gone and exporting it gives "
                                       "diff-id %2, not %3")
                            .arg(layer.chainId.toString(), tar->diffId.toString(), layer.diffId.toString()));
    if (::lseek(fd->get(), 0, SEEK_SET) != 0)
        return sysFail(QStringLiteral("rewind exported layer"), errno);
    source->fd = std::move(*fd);
    source->size = tar->size;
    return source;
}

Status ImageSaver::Private::plan(ImageStore &store, const QStringList &names)
{
    if (names.isEmpty())
        return fail(ErrorCode::InvalidArgument, "no image names given to save");
    // resolve every name first: an unknown one fails before any work
    for (const QString &name : names) {
        auto id = store.resolve(name);
        if (!id)
            return std::unexpected(id.error());
        QStringList tags;
        if (auto ref = Reference::parseNormalized(name); ref && !ref->hasDigest()) {
            const QStringList all = store.repoTags(*id);
            if (ref->isNameOnly()) {
                for (const QString &t : all) {
                    auto r = Reference::parseNormalized(t);
                    if (r && r->name() == ref->name())
                        tags.append(t);
                }
            } else if (all.contains(ref->familiarString())) {
                tags.append(ref->familiarString());
            }
        }
        auto it = std::find_if(m_images.begin(), m_images.end(), [&](const SavedImage &s) { return s.id == *id; });
        if (it == m_images.end()) {
            m_images.append(SavedImage{*id, tags});
        } else {
            for (const QString &t : std::as_const(tags)) {
                if (!it->tags.contains(t))
                    it->tags.append(t);
            }
        }
    }

    QList<Entry> configs;
    QList<Entry> manifests;
    QList<Entry> layers;
    QSet<Digest> layerSeen;
    QJsonArray dockerManifest;
    QJsonObject repositories;
    QJsonArray index;
    QList<Entry> legacyConfigs;
    for (const SavedImage &saved : std::as_const(m_images)) {
        auto record = store.image(saved.id);
        if (!record)
            return std::unexpected(record.error());
        QJsonArray layerPaths;
        QJsonArray layerDescriptors;
        for (qsizetype i = 0; i < record->chainIds.size(); ++i) {
            auto info = store.layers().get(record->chainIds[i]);
            if (!info)
                return std::unexpected(std::move(info.error()).wrap("save " + saved.id.toString().toStdString()));
            std::shared_ptr<LayerSource> source;
            if (!layerSeen.contains(info->diffId)) {
                auto opened = openLayer(store, *info);
                if (!opened)
                    return std::unexpected(opened.error());
                source = *opened;
                layerSeen.insert(info->diffId);
                layers.append(Entry{kBlobDir + info->diffId.hex(), false, {}, source});
            } else {
                for (const Entry &e : std::as_const(layers)) {
                    if (e.layer->diffId == info->diffId)
                        source = e.layer;
                }
            }
            layerPaths.append(QString(kBlobDir + info->diffId.hex()));
            layerDescriptors.append(descriptor(QStringLiteral("application/vnd.oci.image.layer.v1.tar"), info->diffId,
                                               qint64(source->size)));
        }
        configs.append(Entry{kBlobDir + saved.id.hex(), false, record->configJson, {}});
        legacyConfigs.append(Entry{saved.id.hex() + QStringLiteral(".json"), false, record->configJson, {}});

        const QJsonObject manifest{
            {QStringLiteral("schemaVersion"), 2},
            {QStringLiteral("mediaType"), QStringLiteral("application/vnd.oci.image.manifest.v1+json")},
            {QStringLiteral("config"), descriptor(QStringLiteral("application/vnd.oci.image.config.v1+json"), saved.id,
                                                  record->configJson.size())},
            {QStringLiteral("layers"), layerDescriptors}};
        const QByteArray manifestJson = QJsonDocument(manifest).toJson(QJsonDocument::Compact);
        const Digest manifestDigest = Digest::ofData(manifestJson);
        manifests.append(Entry{kBlobDir + manifestDigest.hex(), false, manifestJson, {}});

        const QJsonObject manifestDescriptor = descriptor(QStringLiteral("application/vnd.oci.image.manifest.v1+json"),
                                                          manifestDigest, manifestJson.size());
        if (saved.tags.isEmpty())
            index.append(manifestDescriptor);
        QJsonArray repoTags;
        for (const QString &tag : saved.tags) {
            auto ref = Reference::parseNormalized(tag);
            if (!ref)
                continue;
            repoTags.append(tag);
            QJsonObject d = manifestDescriptor;
            d.insert(QStringLiteral("annotations"),
                     QJsonObject{{QStringLiteral("io.containerd.image.name"), ref->toString()},
                                 {QStringLiteral("org.opencontainers.image.ref.name"), ref->tag()}});
            index.append(d);
            QJsonObject repo = repositories.value(ref->familiarName()).toObject();
            repo.insert(ref->tag(), saved.id.hex());
            repositories.insert(ref->familiarName(), repo);
        }
        const QJsonValue repoTagsValue = repoTags.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(repoTags);
        dockerManifest.append(QJsonObject{{QStringLiteral("Config"), QString(saved.id.hex() + QStringLiteral(".json"))},
                                          {QStringLiteral("RepoTags"), repoTagsValue},
                                          {QStringLiteral("Layers"), layerPaths}});
    }

    // Metadata first, so a reader that streams learns the layout early;
    // then configs and manifests, then the big layer blobs.
    auto json = [](const auto &value) { return QJsonDocument(value).toJson(QJsonDocument::Compact); };
    m_entries.append(Entry{QStringLiteral("oci-layout"), false,
                           json(QJsonObject{{QStringLiteral("imageLayoutVersion"), QStringLiteral("1.0.0")}}), {}});
    m_entries.append(Entry{QStringLiteral("index.json"), false,
                           json(QJsonObject{{QStringLiteral("schemaVersion"), 2},
                                            {QStringLiteral("mediaType"), QStringLiteral("application/vnd.oci.image.index.v1+json")},
                                            {QStringLiteral("manifests"), index}}), {}});
    m_entries.append(Entry{QStringLiteral("manifest.json"), false, json(dockerManifest), {}});
    if (!repositories.isEmpty())
        m_entries.append(Entry{QStringLiteral("repositories"), false, json(repositories), {}});
    m_entries.append(legacyConfigs);
    m_entries.append(Entry{QStringLiteral("blobs"), true, {}, {}});
    m_entries.append(Entry{QStringLiteral("blobs/sha256"), true, {}, {}});
    m_entries.append(configs);
    m_entries.append(manifests);
    m_entries.append(layers);
    return {};
}

Status ImageSaver::Private::openArchive()
{
    m_archive.reset(archive_write_new());
    if (!m_archive)
        return fail(ErrorCode::Internal, "archive_write_new failed");
    if (archive_write_set_format_pax_restricted(m_archive.get()) != ARCHIVE_OK
        || archive_write_set_bytes_per_block(m_archive.get(), 10240) != ARCHIVE_OK
        || archive_write_set_bytes_in_last_block(m_archive.get(), 1) != ARCHIVE_OK)
        return archiveError(QStringLiteral("set up the archive writer"));
    if (archive_write_open2(m_archive.get(), this, nullptr, &Private::writeCallback, nullptr, nullptr) != ARCHIVE_OK)
        return archiveError(QStringLiteral("open the archive writer"));
    m_buffer.resize(kCopyChunk);
    return {};
}

Status ImageSaver::Private::beginEntry(const Entry &entry)
{
    ArchiveEntryPtr e(archive_entry_new());
    archive_entry_set_pathname_utf8(e.get(), entry.path.toUtf8().constData());
    archive_entry_set_mtime(e.get(), 0, 0);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (entry.directory) {
        archive_entry_set_filetype(e.get(), AE_IFDIR);
        archive_entry_set_perm(e.get(), 0755);
        archive_entry_set_size(e.get(), 0);
    } else {
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_size(e.get(), entry.layer ? la_int64_t(entry.layer->size) : la_int64_t(entry.data.size()));
    }
    if (archive_write_header(m_archive.get(), e.get()) != ARCHIVE_OK)
        return archiveError(QStringLiteral("write the header of ") + entry.path);
    if (!entry.layer && !entry.data.isEmpty()) {
        if (archive_write_data(m_archive.get(), entry.data.constData(), size_t(entry.data.size())) != entry.data.size())
            return archiveError(QStringLiteral("write ") + entry.path);
    }
    if (!entry.layer)
        return {};

    m_current = &entry;
    m_hasher.reset();
    m_copied = 0;
    if (entry.layer->compressed) {
        m_decoder.reset(archive_read_new());
        struct archive *a = m_decoder.get();
        // only built-in filters, never an external program
        if (!a || archive_read_support_filter_gzip(a) != ARCHIVE_OK || archive_read_support_filter_zstd(a) != ARCHIVE_OK
            || archive_read_support_filter_none(a) != ARCHIVE_OK || archive_read_support_format_raw(a) != ARCHIVE_OK)
            return fail(ErrorCode::Internal, "libarchive lacks built-in gzip/zstd support");
        struct archive_entry *raw = nullptr;
        if (archive_read_open_fd(a, entry.layer->fd.get(), 64 * 1024) != ARCHIVE_OK
            || archive_read_next_header(a, &raw) != ARCHIVE_OK)
            return failWith(ErrorCode::Io, QStringLiteral("read the blob of layer %1: %2")
                                               .arg(entry.layer->diffId.toString(), QString::fromUtf8(archive_error_string(a))));
    }
    return {};
}

Result<qsizetype> ImageSaver::Private::readLayer(char *buffer, qsizetype size)
{
    if (m_decoder) {
        const la_ssize_t n = archive_read_data(m_decoder.get(), buffer, size_t(size));
        if (n < 0)
            return failWith(ErrorCode::Io, QStringLiteral("read the blob of layer %1: %2")
                                               .arg(m_current->layer->diffId.toString(),
                                                    QString::fromUtf8(archive_error_string(m_decoder.get()))));
        return qsizetype(n);
    }
    for (;;) {
        const ssize_t n = ::read(m_current->layer->fd.get(), buffer, size_t(size));
        if (n >= 0)
            return qsizetype(n);
        if (errno != EINTR)
            return sysFail(QStringLiteral("read exported layer ") + m_current->layer->diffId.toString(), errno);
    }
}

Status ImageSaver::Private::copyLayerPiece()
{
    const LayerSource &layer = *m_current->layer;
    const quint64 left = layer.size - m_copied;
    if (left == 0)
        return finishLayer();
    auto n = readLayer(m_buffer.data(), qsizetype(qMin<quint64>(left, quint64(m_buffer.size()))));
    if (!n)
        return std::unexpected(n.error());
    if (*n == 0)
        return failWith(ErrorCode::Internal, QStringLiteral("layer %1 ended after %2 of %3 bytes")
                                                 .arg(layer.diffId.toString()).arg(m_copied).arg(layer.size));
    m_hasher.addData(m_buffer.constData(), size_t(*n));
    if (archive_write_data(m_archive.get(), m_buffer.constData(), size_t(*n)) != *n)
        return archiveError(QStringLiteral("write layer ") + layer.diffId.toString());
    m_copied += quint64(*n);
    if (m_copied == layer.size)
        return finishLayer();
    return {};
}

Status ImageSaver::Private::finishLayer()
{
    const LayerSource &layer = *m_current->layer;
    // the source must end exactly here and hash to the diff-id
    char probe[512];
    auto extra = readLayer(probe, sizeof probe);
    if (!extra)
        return std::unexpected(extra.error());
    if (*extra != 0)
        return failWith(ErrorCode::Internal, QStringLiteral("layer %1 is longer than the %2 bytes recorded for it")
                                                 .arg(layer.diffId.toString()).arg(layer.size));
    const Digest got = m_hasher.finish();
    if (got != layer.diffId)
        return failWith(ErrorCode::Internal, QStringLiteral("layer %1 no longer matches its diff-id (content is %2)")
                                                 .arg(layer.diffId.toString(), got.toString()));
    m_decoder.reset();
    m_current = nullptr;
    return {};
}

ImageSaver::ImageSaver()
    : d(std::make_unique<Private>())
{}

ImageSaver::~ImageSaver() = default;

Result<std::unique_ptr<ImageSaver>> ImageSaver::start(ImageStore &store, const QStringList &names)
{
    std::unique_ptr<ImageSaver> saver(new ImageSaver);
    if (auto st = saver->d->plan(store, names); !st)
        return std::unexpected(st.error());
    if (auto st = saver->d->openArchive(); !st)
        return std::unexpected(st.error());
    return saver;
}

const QList<SavedImage> &ImageSaver::images() const
{
    return d->m_images;
}

bool ImageSaver::atEnd() const
{
    return d->m_finished && d->m_out.isEmpty();
}

Result<QByteArray> ImageSaver::read(qsizetype maxBytes)
{
    if (d->m_failed)
        return fail(ErrorCode::Internal, "read from a failed image saver");
    auto failed = [this](Error e) {
        d->m_failed = true;
        return std::unexpected<Error>(std::move(e).wrap("save"));
    };
    while (d->m_out.size() < maxBytes && !d->m_finished) {
        if (d->m_current) {
            if (auto st = d->copyLayerPiece(); !st)
                return failed(st.error());
        } else if (d->m_next < d->m_entries.size()) {
            if (auto st = d->beginEntry(d->m_entries.at(d->m_next++)); !st)
                return failed(st.error());
        } else {
            if (archive_write_close(d->m_archive.get()) != ARCHIVE_OK)
                return failed(d->archiveError(QStringLiteral("finish the archive")).error());
            d->m_finished = true;
            d->m_entries.clear(); // closes the layer fds
        }
    }
    return std::exchange(d->m_out, QByteArray());
}

Status ImageSaver::writeTo(int fd)
{
    while (!atEnd()) {
        auto piece = read();
        if (!piece)
            return std::unexpected(piece.error());
        if (auto st = writeAll(fd, piece->constData(), size_t(piece->size()), QStringLiteral("image archive")); !st)
            return st;
    }
    return {};
}

} // namespace Berth::Engine
