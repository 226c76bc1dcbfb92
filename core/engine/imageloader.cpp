#include "imageloader.h"

#include "archivehandle.h"
#include "atomicfile.h"
#include "enginelogging.h"
#include "fsutil.h"
#include "imageimporter.h"
#include "imagestore.h"
#include "sha256hasher.h"

#include <base/uniquefd.h>

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace Berth::Engine {

using Common::Reference;

using namespace Internal;

namespace {

constexpr qsizetype kChunk = 256 * 1024;
const QString kBlobPrefix = QStringLiteral("blobs/sha256/");

const QString kOciIndex = QStringLiteral("application/vnd.oci.image.index.v1+json");
const QString kDockerList = QStringLiteral("application/vnd.docker.distribution.manifest.list.v2+json");
const QString kOciManifest = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
const QString kDockerManifest = QStringLiteral("application/vnd.docker.distribution.manifest.v2+json");
const QString kOciConfig = QStringLiteral("application/vnd.oci.image.config.v1+json");
const QString kDockerConfig = QStringLiteral("application/vnd.docker.container.image.v1+json");

enum class Compression { None, Gzip, Zstd, Unknown };

// What a layer media type promises; Unknown for types we do not take.
Compression declaredCompression(const QString &mediaType)
{
    static const QStringList plain{QStringLiteral("application/vnd.oci.image.layer.v1.tar"),
                                   QStringLiteral("application/vnd.oci.image.layer.nondistributable.v1.tar"),
                                   QStringLiteral("application/vnd.docker.image.rootfs.diff.tar")};
    static const QStringList gzip{QStringLiteral("application/vnd.oci.image.layer.v1.tar+gzip"),
                                  QStringLiteral("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
                                  QStringLiteral("application/vnd.docker.image.rootfs.diff.tar.gzip"),
                                  QStringLiteral("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")};
    static const QStringList zstd{QStringLiteral("application/vnd.oci.image.layer.v1.tar+zstd"),
                                  QStringLiteral("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")};
    if (plain.contains(mediaType))
        return Compression::None;
    if (gzip.contains(mediaType))
        return Compression::Gzip;
    if (zstd.contains(mediaType))
        return Compression::Zstd;
    return Compression::Unknown;
}

const char *compressionName(Compression c)
{
    switch (c) {
    case Compression::None: return "uncompressed";
    case Compression::Gzip: return "gzip";
    case Compression::Zstd: return "zstd";
    case Compression::Unknown: break;
    }
    return "unknown";
}

std::unexpected<Error> bad(const QString &message)
{
    return failWith(ErrorCode::InvalidArgument, message);
}

// Resolves a path inside the archive lexically: "." and empty components
// go, ".." pops one; climbing above the top or an absolute path escapes.
std::optional<QString> resolveInside(const QString &base, const QString &path)
{
    if (path.startsWith(u'/'))
        return std::nullopt;
    QStringList out = base.isEmpty() ? QStringList() : base.split(u'/', Qt::SkipEmptyParts);
    const QStringList parts = path.split(u'/', Qt::SkipEmptyParts);
    for (const QString &p : parts) {
        if (p == QLatin1String("."))
            continue;
        if (p == QLatin1String("..")) {
            if (out.isEmpty())
                return std::nullopt;
            out.removeLast();
            continue;
        }
        out.append(p);
    }
    return out.join(u'/');
}

QString dirName(const QString &path)
{
    const qsizetype slash = path.lastIndexOf(u'/');
    return slash < 0 ? QString() : path.left(slash);
}

} // namespace

class ImageLoader::Private
{
public:
    struct StagedFile
    {
        QString path;      // inside the archive
        QString stagePath; // on disk
        qint64 size = 0;
        Digest digest;
        bool adopted = false; // moved into the content store by this load
    };
    struct PlannedLayer
    {
        int file = -1;
        Digest diffId;
        Compression declared = Compression::Unknown; // Unknown: any (docker-archive)
    };
    struct PlannedImage
    {
        QByteArray config;
        Digest id;
        QList<PlannedLayer> layers;
        QList<Reference> tags;
        QString origin; // for messages
    };

    ~Private();

    // reader thread
    void readArchive();
    Status readEntries(struct archive *a);
    Status stageEntry(struct archive *a, const QString &path, qint64 declaredSize);
    void drainInput();

    // engine thread
    Status stopReader();
    Result<int> lookup(const QString &path, const QString &what) const;
    Result<QByteArray> readFile(int file, qint64 cap, const QString &what) const;
    Result<QJsonDocument> readJson(int file, qint64 cap, const QString &what) const;
    Status planDockerArchive(int manifestFile);
    Status planOciLayout(int indexFile);
    Status planIndex(const QJsonObject &index, int depth, const QList<Reference> &names, const QString &what);
    Status planManifest(const QJsonObject &descriptor, const QList<Reference> &names, const QString &what);
    Result<int> blobFile(const QJsonObject &descriptor, const QString &what) const;
    Status checkConfig(PlannedImage &image, const QString &what) const;
    Status checkCompression(const PlannedLayer &layer) const;
    void addImage(PlannedImage image);
    Result<LoadReport> commit();
    Result<Digest> adopt(StagedFile &file);
    void rollback();
    void removeStage();

    ImageStore *m_store = nullptr;
    LoadLimits m_limits;
    QString m_stageDir;
    UniqueFd m_writeFd; // engine side of the socket pair
    UniqueFd m_readFd;  // reader side
    std::thread m_reader;
    std::atomic<bool> m_readerDone{false};
    bool m_joined = false;

    // written by the reader, read by the engine thread after the join
    std::optional<Error> m_readerError;
    QList<StagedFile> m_files;
    QHash<QString, int> m_byPath;
    QHash<QString, QString> m_links; // symlink or hardlink path -> target path
    qint64 m_totalBytes = 0;

    // plan and what commit() added
    QList<PlannedImage> m_plan;
    int m_descriptors = 0;
    QList<Digest> m_newLayers;
    QList<Digest> m_newBlobs;
    QList<Digest> m_newImages;
};

ImageLoader::Private::~Private()
{
    m_writeFd.reset(); // the reader sees EOF
    if (m_reader.joinable())
        m_reader.join();
    removeStage();
}

void ImageLoader::Private::removeStage()
{
    if (m_stageDir.isEmpty())
        return;
    if (auto st = removeTree(m_stageDir); !st)
        qCWarning(lcEngine) << "cannot remove load spool" << m_stageDir << QString::fromStdString(st.error().toString());
    m_stageDir.clear();
}

// --- reader thread ------------------------------------------------------------------

void ImageLoader::Private::readArchive()
{
    ArchiveReadPtr a(archive_read_new());
    Status st;
    if (!a) {
        st = fail(ErrorCode::Internal, "archive_read_new failed");
    } else if (archive_read_support_filter_gzip(a.get()) != ARCHIVE_OK
               || archive_read_support_filter_zstd(a.get()) != ARCHIVE_OK
               || archive_read_support_filter_none(a.get()) != ARCHIVE_OK
               || archive_read_support_format_tar(a.get()) != ARCHIVE_OK) {
        // ARCHIVE_WARN would mean an external program: refused
        st = fail(ErrorCode::Internal, "libarchive lacks built-in gzip/zstd support");
    } else if (archive_read_open_fd(a.get(), m_readFd.get(), 64 * 1024) != ARCHIVE_OK) {
        st = bad(QStringLiteral("the archive is not a tar file: %1").arg(QString::fromUtf8(archive_error_string(a.get()))));
    } else {
        st = readEntries(a.get());
    }
    if (!st) {
        m_readerError = std::move(st.error()).wrap("load");
        m_readFd.reset(); // the writer gets EPIPE instead of blocking
    } else {
        drainInput();
    }
    m_readerDone = true;
}

void ImageLoader::Private::drainInput()
{
    // Padding after the end-of-archive marker: read it so the writer never
    // blocks on a full socket.
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(m_readFd.get(), buffer, sizeof buffer);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        break;
    }
    m_readFd.reset();
}

Status ImageLoader::Private::readEntries(struct archive *a)
{
    for (int count = 0;; ++count) {
        struct archive_entry *entry = nullptr;
        const int r = archive_read_next_header(a, &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (count == 0)
                return bad(QStringLiteral("the archive is not a tar file: %1").arg(QString::fromUtf8(archive_error_string(a))));
            return bad(QStringLiteral("read archive: %1").arg(QString::fromUtf8(archive_error_string(a))));
        }
        if (count >= m_limits.maxEntries)
            return failWith(ErrorCode::TooLarge, QStringLiteral("the archive has more than %1 entries").arg(m_limits.maxEntries));
        const char *rawName = archive_entry_pathname(entry);
        const QByteArray raw = rawName ? QByteArray(rawName) : QByteArray();
        const QString shown = QString::fromUtf8(raw.left(200));
        if (raw.isEmpty())
            return bad(QStringLiteral("archive entry with an empty name"));
        if (raw.size() > m_limits.maxPathBytes)
            return failWith(ErrorCode::TooLarge, QStringLiteral("archive entry \"%1...\": path longer than %2 bytes")
                                                     .arg(shown).arg(m_limits.maxPathBytes));
        const QString name = QString::fromUtf8(raw);
        // entries never contain ".." (no legitimate archive needs it)
        if (name.startsWith(u'/') || name.split(u'/').contains(QStringLiteral("..")))
            return bad(QStringLiteral("archive entry \"%1\": path points outside the archive").arg(shown));
        const auto path = resolveInside(QString(), name);
        if (!path || path->isEmpty()) {
            if (archive_entry_filetype(entry) == AE_IFDIR)
                continue; // "./"
            return bad(QStringLiteral("archive entry \"%1\": invalid path").arg(shown));
        }
        if (m_byPath.contains(*path) || m_links.contains(*path))
            return bad(QStringLiteral("archive entry \"%1\" appears twice").arg(*path));

        if (const char *hard = archive_entry_hardlink(entry)) {
            const auto target = resolveInside(QString(), QString::fromUtf8(hard));
            if (!target || target->isEmpty())
                return bad(QStringLiteral("archive entry \"%1\": hard link to \"%2\" points outside the archive")
                               .arg(*path, QString::fromUtf8(hard)));
            m_links.insert(*path, *target);
            continue;
        }
        switch (archive_entry_filetype(entry)) {
        case AE_IFDIR:
            continue;
        case AE_IFLNK: {
            const QString link = QString::fromUtf8(archive_entry_symlink(entry));
            const auto target = resolveInside(dirName(*path), link);
            if (!target || target->isEmpty())
                return bad(QStringLiteral("archive entry \"%1\": symlink to \"%2\" points outside the archive").arg(*path, link));
            m_links.insert(*path, *target);
            continue;
        }
        case AE_IFREG:
            if (auto st = stageEntry(a, *path, archive_entry_size(entry)); !st)
                return st;
            continue;
        default:
            return bad(QStringLiteral("archive entry \"%1\": not a file, directory or link").arg(*path));
        }
    }
    return {};
}

Status ImageLoader::Private::stageEntry(struct archive *a, const QString &path, qint64 declaredSize)
{
    if (m_limits.maxArchiveBytes > 0 && m_totalBytes + qMax<qint64>(declaredSize, 0) > m_limits.maxArchiveBytes)
        return failWith(ErrorCode::TooLarge, QStringLiteral("the archive holds more than %1 bytes").arg(m_limits.maxArchiveBytes));
    StagedFile file;
    file.path = path;
    file.stagePath = m_stageDir + QStringLiteral("/e") + QString::number(m_files.size());
    UniqueFd fd(::open(encodePath(file.stagePath).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return sysFail(QStringLiteral("create ") + file.stagePath, errno);
    Sha256Hasher hasher;
    QByteArray buffer(kChunk, Qt::Uninitialized);
    for (;;) {
        const la_ssize_t n = archive_read_data(a, buffer.data(), size_t(buffer.size()));
        if (n < 0)
            return bad(QStringLiteral("read archive entry \"%1\": %2").arg(path, QString::fromUtf8(archive_error_string(a))));
        if (n == 0)
            break;
        m_totalBytes += n;
        if (m_limits.maxArchiveBytes > 0 && m_totalBytes > m_limits.maxArchiveBytes)
            return failWith(ErrorCode::TooLarge, QStringLiteral("the archive holds more than %1 bytes").arg(m_limits.maxArchiveBytes));
        if (auto st = writeAll(fd.get(), buffer.constData(), size_t(n), file.stagePath); !st)
            return st;
        hasher.addData(buffer.constData(), size_t(n));
    }
    file.size = qint64(hasher.bytesHashed());
    file.digest = hasher.finish();
    // an OCI blob must be what its name says
    if (path.startsWith(kBlobPrefix) && Digest::isValidHex(path.mid(kBlobPrefix.size()))
        && file.digest.hex() != path.mid(kBlobPrefix.size()))
        return bad(QStringLiteral("archive entry \"%1\": content does not match its digest (it is %2)")
                       .arg(path, file.digest.toString()));
    m_byPath.insert(path, int(m_files.size()));
    m_files.append(file);
    return {};
}

// --- engine thread: planning -----------------------------------------------------------

Status ImageLoader::Private::stopReader()
{
    if (m_joined)
        return {};
    m_writeFd.reset();
    if (m_reader.joinable())
        m_reader.join();
    m_joined = true;
    if (m_readerError)
        return fail(*m_readerError);
    return {};
}

Result<int> ImageLoader::Private::lookup(const QString &path, const QString &what) const
{
    const auto inside = resolveInside(QString(), path);
    if (!inside || inside->isEmpty())
        return bad(QStringLiteral("%1: path \"%2\" points outside the archive").arg(what, path));
    QString p = *inside;
    for (int hops = 0; hops < 16; ++hops) {
        if (const auto it = m_byPath.constFind(p); it != m_byPath.constEnd())
            return *it;
        const auto link = m_links.constFind(p);
        if (link == m_links.constEnd())
            break;
        p = *link;
    }
    return bad(QStringLiteral("%1: \"%2\" is not in the archive").arg(what, path));
}

Result<QByteArray> ImageLoader::Private::readFile(int file, qint64 cap, const QString &what) const
{
    const StagedFile &f = m_files.at(file);
    if (f.size > cap)
        return failWith(ErrorCode::TooLarge, QStringLiteral("%1 is larger than %2 bytes").arg(what).arg(cap));
    return AtomicFile::read(f.stagePath, cap);
}

Result<QJsonDocument> ImageLoader::Private::readJson(int file, qint64 cap, const QString &what) const
{
    auto data = readFile(file, cap, what);
    if (!data)
        return std::unexpected(data.error());
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(*data, &perr);
    if (doc.isNull())
        return bad(QStringLiteral("%1: invalid JSON: %2").arg(what, perr.errorString()));
    return doc;
}

Status ImageLoader::Private::checkConfig(PlannedImage &image, const QString &what) const
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(image.config, &perr);
    if (!doc.isObject())
        return bad(QStringLiteral("%1: invalid image config: %2").arg(what, perr.errorString()));
    const QJsonObject rootfs = doc.object().value(QStringLiteral("rootfs")).toObject();
    if (rootfs.value(QStringLiteral("type")).toString() != QLatin1String("layers"))
        return bad(QStringLiteral("%1: invalid image config: rootfs.type must be \"layers\"").arg(what));
    const QJsonArray diffIds = rootfs.value(QStringLiteral("diff_ids")).toArray();
    if (diffIds.size() != image.layers.size())
        return bad(QStringLiteral("%1: the config lists %2 diff_ids but there are %3 layers")
                       .arg(what).arg(diffIds.size()).arg(image.layers.size()));
    for (qsizetype i = 0; i < diffIds.size(); ++i) {
        auto d = Digest::parse(diffIds.at(i).toString());
        if (!d)
            return bad(QStringLiteral("%1: invalid diff_id \"%2\"").arg(what, diffIds.at(i).toString()));
        image.layers[i].diffId = *d;
    }
    image.id = Digest::ofData(image.config);
    return {};
}

void ImageLoader::Private::addImage(PlannedImage image)
{
    for (PlannedImage &existing : m_plan) {
        if (existing.id == image.id) {
            for (const Reference &r : std::as_const(image.tags)) {
                if (!existing.tags.contains(r))
                    existing.tags.append(r);
            }
            return;
        }
    }
    m_plan.append(std::move(image));
}

Status ImageLoader::Private::planDockerArchive(int manifestFile)
{
    auto doc = readJson(manifestFile, m_limits.maxManifestBytes, QStringLiteral("manifest.json"));
    if (!doc)
        return std::unexpected(doc.error());
    if (!doc->isArray())
        return bad(QStringLiteral("manifest.json: not a list of images"));
    const QJsonArray items = doc->array();
    if (items.size() > m_limits.maxDescriptors)
        return failWith(ErrorCode::TooLarge, QStringLiteral("manifest.json lists more than %1 images").arg(m_limits.maxDescriptors));
    for (qsizetype n = 0; n < items.size(); ++n) {
        const QJsonObject item = items.at(n).toObject();
        const QString what = QStringLiteral("manifest.json[%1]").arg(n);
        const QString configPath = item.value(QStringLiteral("Config")).toString();
        if (configPath.isEmpty())
            return bad(what + QStringLiteral(": no Config"));
        auto configFile = lookup(configPath, what + QStringLiteral(" Config"));
        if (!configFile)
            return std::unexpected(configFile.error());
        PlannedImage image;
        image.origin = what;
        auto config = readFile(*configFile, m_limits.maxConfigBytes, QStringLiteral("image config ") + configPath);
        if (!config)
            return std::unexpected(config.error());
        image.config = *config;
        const QJsonArray layers = item.value(QStringLiteral("Layers")).toArray();
        for (const QJsonValue &l : layers) {
            auto file = lookup(l.toString(), what + QStringLiteral(" layer"));
            if (!file)
                return std::unexpected(file.error());
            image.layers.append(PlannedLayer{*file, Digest(), Compression::Unknown});
        }
        if (auto st = checkConfig(image, what); !st)
            return st;
        const QJsonArray tags = item.value(QStringLiteral("RepoTags")).toArray();
        for (const QJsonValue &t : tags) {
            auto ref = Reference::parseNormalized(t.toString());
            if (!ref || ref->hasDigest())
                return bad(QStringLiteral("%1: invalid RepoTag \"%2\"").arg(what, t.toString()));
            image.tags.append(ref->withDefaultTag());
        }
        addImage(std::move(image));
    }
    return {};
}

Result<int> ImageLoader::Private::blobFile(const QJsonObject &descriptor, const QString &what) const
{
    const QString digestText = descriptor.value(QStringLiteral("digest")).toString();
    auto digest = Digest::parse(digestText);
    if (!digest)
        return bad(QStringLiteral("%1: invalid digest \"%2\"").arg(what, digestText));
    auto file = lookup(kBlobPrefix + digest->hex(), what);
    if (!file)
        return bad(QStringLiteral("%1: blob %2 is not in the archive").arg(what, digest->toString()));
    const StagedFile &f = m_files.at(*file);
    if (f.digest != *digest)
        return bad(QStringLiteral("%1: blob %2 does not match its digest (it is %3)").arg(what, digest->toString(), f.digest.toString()));
    const QJsonValue size = descriptor.value(QStringLiteral("size"));
    if (!size.isDouble() || size.toInteger(-1) != f.size)
        return bad(QStringLiteral("%1: blob %2 is %3 bytes, the descriptor says %4")
                       .arg(what, digest->toString()).arg(f.size).arg(size.toVariant().toString()));
    return file;
}

Status ImageLoader::Private::planManifest(const QJsonObject &descriptor, const QList<Reference> &names, const QString &what)
{
    auto file = blobFile(descriptor, what);
    if (!file)
        return std::unexpected(file.error());
    auto doc = readJson(*file, m_limits.maxManifestBytes, QStringLiteral("manifest ") + m_files.at(*file).digest.toString());
    if (!doc)
        return std::unexpected(doc.error());
    const QJsonObject manifest = doc->object();
    const QString mwhat = QStringLiteral("manifest ") + m_files.at(*file).digest.toString();
    const QJsonObject configDescriptor = manifest.value(QStringLiteral("config")).toObject();
    const QString configType = configDescriptor.value(QStringLiteral("mediaType")).toString();
    if (configType != kOciConfig && configType != kDockerConfig)
        return bad(QStringLiteral("%1: config media type \"%2\" is not an image config").arg(mwhat, configType));
    auto configFile = blobFile(configDescriptor, mwhat + QStringLiteral(" config"));
    if (!configFile)
        return std::unexpected(configFile.error());
    PlannedImage image;
    image.origin = mwhat;
    auto config = readFile(*configFile, m_limits.maxConfigBytes, mwhat + QStringLiteral(" config"));
    if (!config)
        return std::unexpected(config.error());
    image.config = *config;
    const QJsonArray layers = manifest.value(QStringLiteral("layers")).toArray();
    if (layers.size() > m_limits.maxDescriptors)
        return failWith(ErrorCode::TooLarge, QStringLiteral("%1 lists more than %2 layers").arg(mwhat).arg(m_limits.maxDescriptors));
    for (const QJsonValue &l : layers) {
        const QJsonObject layer = l.toObject();
        const QString type = layer.value(QStringLiteral("mediaType")).toString();
        const Compression c = declaredCompression(type);
        if (c == Compression::Unknown)
            return bad(QStringLiteral("%1: unsupported layer media type \"%2\"").arg(mwhat, type));
        auto layerFile = blobFile(layer, mwhat + QStringLiteral(" layer"));
        if (!layerFile)
            return std::unexpected(layerFile.error());
        image.layers.append(PlannedLayer{*layerFile, Digest(), c});
    }
    if (auto st = checkConfig(image, mwhat); !st)
        return st;
    image.tags = names;
    addImage(std::move(image));
    return {};
}

Status ImageLoader::Private::planIndex(const QJsonObject &index, int depth, const QList<Reference> &names, const QString &what)
{
    if (!index.value(QStringLiteral("manifests")).isArray())
        return bad(what + QStringLiteral(": no manifests list"));
    const QJsonArray manifests = index.value(QStringLiteral("manifests")).toArray();
    m_descriptors += int(manifests.size());
    if (m_descriptors > m_limits.maxDescriptors)
        return failWith(ErrorCode::TooLarge, QStringLiteral("%1: more than %2 descriptors").arg(what).arg(m_limits.maxDescriptors));
    const QString arch = ImageImporter::goArchitecture();
    auto platformMatches = [&arch](const QJsonObject &d) {
        if (!d.contains(QStringLiteral("platform")))
            return true;
        const QJsonObject p = d.value(QStringLiteral("platform")).toObject();
        return p.value(QStringLiteral("os")).toString() == QLatin1String("linux")
               && p.value(QStringLiteral("architecture")).toString() == arch;
    };
    const bool top = depth == 0;
    bool picked = false;
    for (qsizetype i = 0; i < manifests.size(); ++i) {
        const QJsonObject d = manifests.at(i).toObject();
        const QString dwhat = QStringLiteral("%1 manifests[%2]").arg(what).arg(i);
        if (!platformMatches(d))
            continue;
        // a nested index stands for one multi-platform image: take one manifest
        if (!top && picked)
            break;
        QList<Reference> dnames = names;
        if (top) {
            const QJsonObject ann = d.value(QStringLiteral("annotations")).toObject();
            QString name = ann.value(QStringLiteral("io.containerd.image.name")).toString();
            const QString refName = ann.value(QStringLiteral("org.opencontainers.image.ref.name")).toString();
            // a bare tag ("latest") names nothing without a repository
            if (name.isEmpty() && (refName.contains(u'/') || refName.contains(u':')))
                name = refName;
            if (!name.isEmpty()) {
                auto ref = Reference::parseNormalized(name);
                if (!ref || ref->hasDigest())
                    return bad(QStringLiteral("%1: invalid image name \"%2\"").arg(dwhat, name));
                dnames.append(ref->withDefaultTag());
            }
        }
        const QString type = d.value(QStringLiteral("mediaType")).toString();
        if (type == kOciIndex || type == kDockerList) {
            if (depth + 1 > m_limits.maxIndexDepth)
                return bad(QStringLiteral("%1: indexes nested deeper than %2").arg(dwhat).arg(m_limits.maxIndexDepth));
            auto file = blobFile(d, dwhat);
            if (!file)
                return std::unexpected(file.error());
            auto child = readJson(*file, m_limits.maxManifestBytes, QStringLiteral("index ") + m_files.at(*file).digest.toString());
            if (!child)
                return std::unexpected(child.error());
            if (auto st = planIndex(child->object(), depth + 1, dnames, QStringLiteral("index ") + m_files.at(*file).digest.toString()); !st)
                return st;
        } else if (type == kOciManifest || type == kDockerManifest) {
            if (auto st = planManifest(d, dnames, dwhat); !st)
                return st;
        } else {
            return bad(QStringLiteral("%1: unsupported media type \"%2\"").arg(dwhat, type));
        }
        picked = true;
    }
    if (!top && !picked)
        return failWith(ErrorCode::NotFound, QStringLiteral("%1 has no linux/%2 image").arg(what, arch));
    return {};
}

Status ImageLoader::Private::planOciLayout(int indexFile)
{
    if (auto layout = m_byPath.constFind(QStringLiteral("oci-layout")); layout != m_byPath.constEnd()) {
        auto doc = readJson(*layout, 64 * 1024, QStringLiteral("oci-layout"));
        if (!doc)
            return std::unexpected(doc.error());
        const QString version = doc->object().value(QStringLiteral("imageLayoutVersion")).toString();
        if (version != QLatin1String("1.0.0"))
            return bad(QStringLiteral("oci-layout: unsupported imageLayoutVersion \"%1\"").arg(version));
    }
    auto doc = readJson(indexFile, m_limits.maxManifestBytes, QStringLiteral("index.json"));
    if (!doc)
        return std::unexpected(doc.error());
    if (!doc->isObject())
        return bad(QStringLiteral("index.json: not an image index"));
    return planIndex(doc->object(), 0, {}, QStringLiteral("index.json"));
}

Status ImageLoader::Private::checkCompression(const PlannedLayer &layer) const
{
    if (layer.declared == Compression::Unknown)
        return {};
    const StagedFile &f = m_files.at(layer.file);
    unsigned char magic[4] = {0, 0, 0, 0};
    UniqueFd fd(::open(encodePath(f.stagePath).constData(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return sysFail(QStringLiteral("open ") + f.stagePath, errno);
    const ssize_t n = ::read(fd.get(), magic, sizeof magic);
    Compression actual = Compression::None;
    if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        actual = Compression::Gzip;
    else if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        actual = Compression::Zstd;
    if (actual != layer.declared)
        return bad(QStringLiteral("layer %1 is declared %2 but holds %3 data")
                       .arg(f.digest.toString(), QLatin1String(compressionName(layer.declared)),
                            QLatin1String(compressionName(actual))));
    return {};
}

// --- engine thread: commit ---------------------------------------------------------------

Result<Digest> ImageLoader::Private::adopt(StagedFile &file)
{
    ContentStore &content = m_store->content();
    if (file.adopted || content.exists(file.digest))
        return file.digest;
    UniqueFd fd(::open(encodePath(file.stagePath).constData(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return sysFail(QStringLiteral("open ") + file.stagePath, errno);
    if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0)
        return sysFail(QStringLiteral("fsync ") + file.stagePath, errno);
    const QString target = content.blobPath(file.digest);
    if (::rename(encodePath(file.stagePath).constData(), encodePath(target).constData()) != 0)
        return sysFail(QStringLiteral("rename blob into ") + target, errno);
    file.adopted = true;
    m_newBlobs.append(file.digest);
    if (auto st = syncDirectory(dirName(target)); !st)
        return std::unexpected(st.error());
    return file.digest;
}

void ImageLoader::Private::rollback()
{
    auto warn = [](const char *what, const Digest &d, const Error &e) {
        qCWarning(lcEngine) << "load rollback: cannot remove" << what << d.toString() << QString::fromStdString(e.toString());
    };
    for (qsizetype i = m_newImages.size() - 1; i >= 0; --i) {
        if (auto r = m_store->remove(m_newImages[i].toString(), true, false); !r)
            warn("image", m_newImages[i], r.error());
    }
    for (qsizetype i = m_newLayers.size() - 1; i >= 0; --i) {
        if (auto st = m_store->layers().remove(m_newLayers[i]); !st)
            warn("layer", m_newLayers[i], st.error());
    }
    for (const Digest &d : std::as_const(m_newBlobs)) {
        if (auto st = m_store->content().remove(d); !st)
            warn("blob", d, st.error());
    }
    m_newImages.clear();
    m_newLayers.clear();
    m_newBlobs.clear();
}

Result<LoadReport> ImageLoader::Private::commit()
{
    ImageStore &store = *m_store;
    bool done = false;
    auto undo = qScopeGuard([&] {
        if (!done)
            rollback();
    });

    // 1. layers, bottom up; a chain-id the store has is shared, not applied
    for (const PlannedImage &image : std::as_const(m_plan)) {
        std::optional<Digest> parent;
        for (const PlannedLayer &layer : image.layers) {
            const Digest chain = LayerStore::chainIdFor(parent, layer.diffId);
            if (!store.layers().exists(chain)) {
                auto blob = adopt(m_files[layer.file]);
                if (!blob)
                    return std::unexpected(blob.error());
                auto fd = store.content().open(*blob);
                if (!fd)
                    return std::unexpected(fd.error());
                auto applied = store.layers().applyTar(fd->get(), parent, layer.diffId, *blob);
                if (!applied)
                    return std::unexpected(std::move(applied.error())
                                               .wrap(QStringLiteral("%1: layer \"%2\"").arg(image.origin, m_files.at(layer.file).path).toStdString()));
                m_newLayers.append(chain);
            }
            parent = chain;
        }
    }

    // 2. images
    LoadReport report;
    for (const PlannedImage &image : std::as_const(m_plan)) {
        const bool existed = bool(store.image(image.id));
        const bool blobExisted = store.content().exists(image.id);
        auto id = store.createImage(image.config);
        if (!id) {
            if (!blobExisted)
                m_newBlobs.append(image.id);
            return std::unexpected(std::move(id.error()).wrap(image.origin.toStdString()));
        }
        if (!existed)
            m_newImages.append(*id);
        LoadedImage loaded;
        loaded.id = *id;
        loaded.created = !existed;
        report.images.append(loaded);
    }

    // 3. references, last: from here on nothing is rolled back
    done = true;
    for (qsizetype i = 0; i < m_plan.size(); ++i) {
        const PlannedImage &image = m_plan.at(i);
        LoadedImage &loaded = report.images[i];
        for (const Reference &ref : image.tags) {
            const QString familiar = ref.familiarString();
            if (auto old = store.resolve(ref.toString()); old && *old != image.id && store.repoTags(*old).contains(familiar)) {
                report.messages.append(QStringLiteral("The image %1 already exists, renaming the old one with ID %2 to empty string")
                                           .arg(familiar, old->toString()));
            }
            if (auto st = store.tag(image.id.toString(), ref.withoutTagOrDigest().toString(), ref.tag()); !st) {
                report.error = std::move(st.error()).wrap("load: tag " + familiar.toStdString());
                return report;
            }
            loaded.tags.append(familiar);
            report.messages.append(QStringLiteral("Loaded image: ") + familiar);
        }
        if (image.tags.isEmpty())
            report.messages.append(QStringLiteral("Loaded image ID: ") + image.id.toString());
    }
    return report;
}

// --- public -----------------------------------------------------------------------------

ImageLoader::ImageLoader()
    : d(std::make_unique<Private>())
{}

ImageLoader::~ImageLoader() = default;

Result<std::unique_ptr<ImageLoader>> ImageLoader::start(ImageStore &store, LoadLimits limits)
{
    std::unique_ptr<ImageLoader> loader(new ImageLoader);
    Private *p = loader->d.get();
    p->m_store = &store;
    p->m_limits = limits;
    // under ROOT/tmp with the temp prefix: a crash leaves nothing open() keeps
    p->m_stageDir = store.content().tempDir() + u'/' + QLatin1String(AtomicFile::tempPrefix()) + QStringLiteral("load-")
                    + randomToken();
    if (::mkdir(encodePath(p->m_stageDir).constData(), 0700) != 0) {
        const int err = errno;
        p->m_stageDir.clear();
        return sysFail(QStringLiteral("create the load spool in ") + store.content().tempDir(), err);
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return sysFail(QStringLiteral("socketpair for the load stream"), errno);
    p->m_readFd = UniqueFd(fds[0]);
    p->m_writeFd = UniqueFd(fds[1]);
    p->m_reader = std::thread([p] { p->readArchive(); });
    return loader;
}

Status ImageLoader::write(QByteArrayView chunk)
{
    if (d->m_joined || !d->m_writeFd)
        return fail(ErrorCode::Internal, "write to a finished image loader");
    const char *data = chunk.data();
    qsizetype left = chunk.size();
    while (left > 0) {
        const ssize_t n = ::send(d->m_writeFd.get(), data, size_t(left), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            // the reader stopped: it says why
            if (auto st = d->stopReader(); !st)
                return st;
            return sysFail(QStringLiteral("feed the archive reader"), err);
        }
        data += n;
        left -= n;
    }
    if (d->m_readerDone.load()) {
        if (auto st = d->stopReader(); !st)
            return st;
    }
    return {};
}

Result<LoadReport> ImageLoader::finish()
{
    auto cleanup = qScopeGuard([this] { d->removeStage(); });
    if (auto st = d->stopReader(); !st)
        return std::unexpected(st.error());
    auto planned = [this]() -> Status {
        if (auto manifest = d->m_byPath.constFind(QStringLiteral("manifest.json")); manifest != d->m_byPath.constEnd())
            return d->planDockerArchive(*manifest);
        if (auto index = d->m_byPath.constFind(QStringLiteral("index.json")); index != d->m_byPath.constEnd())
            return d->planOciLayout(*index);
        if (d->m_files.isEmpty() && d->m_links.isEmpty())
            return bad(QStringLiteral("the archive is empty"));
        return bad(QStringLiteral("the archive holds neither manifest.json (docker-archive) nor index.json (OCI layout)"));
    }();
    if (!planned)
        return std::unexpected(std::move(planned.error()).wrap("load"));
    if (d->m_plan.isEmpty())
        return std::unexpected(Error(ErrorCode::InvalidArgument, "the archive holds no images").wrap("load"));
    for (const Private::PlannedImage &image : std::as_const(d->m_plan)) {
        for (const Private::PlannedLayer &layer : image.layers) {
            if (auto st = d->checkCompression(layer); !st)
                return std::unexpected(std::move(st.error()).wrap("load"));
        }
    }
    auto report = d->commit();
    if (!report)
        return std::unexpected(std::move(report.error()).wrap("load"));
    return report;
}

Result<LoadReport> ImageLoader::loadFromFd(ImageStore &store, int fd, LoadLimits limits)
{
    auto loader = start(store, limits);
    if (!loader)
        return std::unexpected(loader.error());
    QByteArray buffer(kChunk, Qt::Uninitialized);
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), size_t(buffer.size()));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sysFail(QStringLiteral("read the image archive"), errno);
        }
        if (n == 0)
            break;
        if (auto st = (*loader)->write(QByteArrayView(buffer.constData(), n)); !st)
            return std::unexpected(st.error());
    }
    return (*loader)->finish();
}

} // namespace Berth::Engine
