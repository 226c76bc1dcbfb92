#include "imagestore.h"

#include "atomicfile.h"
#include "enginelogging.h"
#include "fsutil.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cerrno>
#include <unistd.h>

namespace Berth::Engine {

using Common::Reference;

using namespace Internal;
using Common::ImageDeleteItem;

namespace {

const QString kRefsFile = QStringLiteral("refs.json");
constexpr qint64 kMaxConfigSize = 8 * 1024 * 1024;

QString nowRfc3339()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

qint64 unixSeconds(const QString &rfc3339)
{
    const QDateTime t = QDateTime::fromString(rfc3339, Qt::ISODateWithMs);
    if (t.isValid())
        return t.toSecsSinceEpoch();
    const QDateTime t2 = QDateTime::fromString(rfc3339, Qt::ISODate);
    return t2.isValid() ? t2.toSecsSinceEpoch() : 0;
}

std::unexpected<Error> noSuchImage(const QString &ref)
{
    return failWith(ErrorCode::NotFound, QStringLiteral("No such image: ") + ref);
}

} // namespace

ImageStore::ImageStore(const QString &root, ExtractLimits limits)
    : m_root(root)
    , m_content(root)
    , m_layers(root, limits)
{}

ImageStore::~ImageStore() = default;

Result<std::unique_ptr<ImageStore>> ImageStore::open(const QString &root, ExtractLimits limits)
{
    std::unique_ptr<ImageStore> store(new ImageStore(root, limits));
    if (auto st = makeDirs(root, 0700); !st)
        return std::unexpected(st.error());
    if (auto st = store->m_content.initialize(); !st)
        return std::unexpected(std::move(st.error()).wrap("open content store"));
    if (auto st = store->m_layers.initialize(); !st)
        return std::unexpected(std::move(st.error()).wrap("open layer store"));
    if (auto st = store->load(); !st)
        return std::unexpected(std::move(st.error()).wrap("load image store"));
    return store;
}

QString ImageStore::recordPath(const Digest &id) const
{
    return m_root + QStringLiteral("/images/") + id.hex() + QStringLiteral(".json");
}

Result<ImageRecord> ImageStore::buildRecord(const QByteArray &configJson) const
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(configJson, &perr);
    if (!doc.isObject())
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("invalid image config: ") + perr.errorString());
    ImageRecord rec;
    rec.id = Digest::ofData(configJson);
    rec.configJson = configJson;
    rec.config = doc.object();
    const QJsonObject rootfs = rec.config.value(QStringLiteral("rootfs")).toObject();
    if (rootfs.value(QStringLiteral("type")).toString() != QStringLiteral("layers"))
        return fail(ErrorCode::InvalidArgument, "invalid image config: rootfs.type must be \"layers\"");
    const QJsonArray diffIds = rootfs.value(QStringLiteral("diff_ids")).toArray();
    std::optional<Digest> chain;
    for (const QJsonValue &v : diffIds) {
        auto d = Digest::parse(v.toString());
        if (!d)
            return std::unexpected(std::move(d.error()).wrap("invalid image config: rootfs.diff_ids"));
        rec.diffIds.append(*d);
        chain = LayerStore::chainIdFor(chain, *d);
        rec.chainIds.append(*chain);
        auto layer = m_layers.get(*chain);
        if (!layer)
            return failWith(ErrorCode::NotFound, QStringLiteral("layer %1 (diff %2) of image %3 is not in the store")
                                                     .arg(chain->toString(), d->toString(), rec.id.toString()));
        rec.size += qint64(layer->size);
    }
    return rec;
}

Status ImageStore::load()
{
    const QString imagesDir = m_root + QStringLiteral("/images");
    if (auto st = makeDirs(imagesDir, 0700); !st)
        return st;
    if (auto st = AtomicFile::removeLeftovers(imagesDir); !st)
        return st;
    if (auto st = AtomicFile::removeLeftovers(m_root); !st)
        return st;

    const QStringList names = QDir(imagesDir).entryList(QDir::Files, QDir::Name);
    for (const QString &name : names) {
        const QString path = imagesDir + u'/' + name;
        const Digest id = Digest::fromHex(name.left(name.size() - 5));
        auto rec = [&]() -> Result<ImageRecord> {
            if (!name.endsWith(QStringLiteral(".json")) || !id.isValid())
                return fail(ErrorCode::Internal, "not an image record");
            auto meta = AtomicFile::read(path, 1024 * 1024);
            if (!meta)
                return std::unexpected(meta.error());
            auto config = m_content.read(id, kMaxConfigSize);
            if (!config)
                return std::unexpected(config.error());
            if (Digest::ofData(*config) != id)
                return fail(ErrorCode::Internal, "config blob does not match its digest");
            auto r = buildRecord(*config);
            if (!r)
                return r;
            const QJsonObject o = QJsonDocument::fromJson(*meta).object();
            r->lastTagTime = o.value(QStringLiteral("lastTagTime")).toString();
            if (auto p = Digest::parse(o.value(QStringLiteral("parent")).toString()))
                r->parent = *p;
            return r;
        }();
        if (!rec) {
            qCWarning(lcEngine) << "dropping broken image record" << name << QString::fromStdString(rec.error().toString());
            if (::unlink(encodePath(path).constData()) != 0 && errno != ENOENT)
                return sysFail(QStringLiteral("remove broken image record ") + path, errno);
            continue;
        }
        m_images.insert(rec->id, *rec);
    m_imageCount.store(int(m_images.size()), std::memory_order_relaxed);
        m_imageCount.store(int(m_images.size()), std::memory_order_relaxed);
    }

    bool dirty = false;
    if (auto data = AtomicFile::read(m_root + u'/' + kRefsFile, 64 * 1024 * 1024)) {
        const QJsonObject refs = QJsonDocument::fromJson(*data).object().value(QStringLiteral("refs")).toObject();
        for (auto it = refs.constBegin(); it != refs.constEnd(); ++it) {
            auto id = Digest::parse(it.value().toString());
            if (!id || !m_images.contains(*id) || !Reference::parseNormalized(it.key())) {
                qCWarning(lcEngine) << "dropping reference to a missing image" << it.key();
                dirty = true;
                continue;
            }
            m_refs.insert(it.key(), *id);
        }
    } else if (data.error().code() != ErrorCode::NotFound) {
        return std::unexpected(data.error());
    }
    if (dirty) {
        if (auto st = saveRefs(); !st)
            return st;
    }

    // layers no image points at are leftovers of an interrupted import
    QSet<Digest> used;
    for (const ImageRecord &rec : std::as_const(m_images)) {
        for (const Digest &c : rec.chainIds)
            used.insert(c);
    }
    auto layers = m_layers.list();
    if (!layers)
        return std::unexpected(layers.error());
    for (const LayerInfo &l : *layers) {
        if (!used.contains(l.chainId)) {
            qCWarning(lcEngine) << "removing unreferenced layer" << l.chainId.toString();
            if (auto st = m_layers.remove(l.chainId); !st)
                return st;
        }
    }
    return {};
}

Status ImageStore::saveRefs()
{
    QJsonObject refs;
    for (auto it = m_refs.cbegin(); it != m_refs.cend(); ++it)
        refs.insert(it.key(), it.value().toString());
    const QJsonObject doc{{QStringLiteral("refs"), refs}};
    return AtomicFile::write(m_root + u'/' + kRefsFile, QJsonDocument(doc).toJson(QJsonDocument::Compact), 0600);
}

Status ImageStore::writeRecord(const ImageRecord &record)
{
    QJsonObject o{{QStringLiteral("id"), record.id.toString()}};
    if (!record.lastTagTime.isEmpty())
        o.insert(QStringLiteral("lastTagTime"), record.lastTagTime);
    if (record.parent)
        o.insert(QStringLiteral("parent"), record.parent->toString());
    return AtomicFile::write(recordPath(record.id), QJsonDocument(o).toJson(QJsonDocument::Compact), 0600);
}

Result<Digest> ImageStore::createImage(const QByteArray &configJson, const std::optional<Digest> &parent)
{
    if (configJson.size() > kMaxConfigSize)
        return fail(ErrorCode::TooLarge, "image config is too large");
    auto rec = buildRecord(configJson);
    if (!rec)
        return std::unexpected(rec.error());
    if (m_images.contains(rec->id))
        return rec->id;
    if (parent && m_images.contains(*parent))
        rec->parent = parent;
    // blob first, then the record: a record only ever points at a complete blob
    auto blob = m_content.put(configJson, rec->id);
    if (!blob)
        return std::unexpected(blob.error());
    if (auto st = writeRecord(*rec); !st)
        return std::unexpected(st.error());
    m_images.insert(rec->id, *rec);
    return rec->id;
}

Result<ImageRecord> ImageStore::image(const Digest &id) const
{
    const auto it = m_images.constFind(id);
    if (it == m_images.constEnd())
        return noSuchImage(id.toString());
    return *it;
}

QList<Digest> ImageStore::imageIds() const
{
    return m_images.keys();
}

Result<Digest> ImageStore::resolve(const QString &nameOrId) const
{
    if (nameOrId.isEmpty())
        return fail(ErrorCode::InvalidArgument, "invalid reference format");
    // 1. a full ID, with or without the algorithm
    if (auto id = Digest::parseLenient(nameOrId)) {
        if (m_images.contains(*id))
            return *id;
        if (nameOrId.startsWith(QStringLiteral("sha256:")))
            return noSuchImage(nameOrId);
    }
    // 2. a reference
    QString notFoundName = nameOrId;
    if (!(nameOrId.size() == 64 && Digest::isValidHex(nameOrId))) {
        auto ref = Reference::parseNormalized(nameOrId);
        if (!ref) {
            // "sha256:<prefix>" is an ID prefix, not a reference
            if (!nameOrId.startsWith(QStringLiteral("sha256:")))
                return std::unexpected(ref.error());
        } else {
            const Reference full = ref->withDefaultTag();
            notFoundName = full.familiarString();
            const auto it = m_refs.constFind(full.toString());
            if (it != m_refs.constEnd())
                return *it;
            if (full.hasTag() && full.hasDigest()) {
                const auto d = m_refs.constFind(full.withTag(QString()).toString());
                if (d != m_refs.constEnd())
                    return *d;
            }
        }
    }
    // 3. a unique ID prefix
    QString prefix = nameOrId;
    if (prefix.startsWith(QStringLiteral("sha256:")))
        prefix = prefix.mid(7);
    static const QRegularExpression hexPrefix(QStringLiteral("^[a-f0-9]{1,64}$"));
    if (hexPrefix.match(prefix).hasMatch()) {
        std::optional<Digest> found;
        for (const Digest &id : m_images.keys()) {
            if (id.hex().startsWith(prefix)) {
                if (found)
                    return failWith(ErrorCode::InvalidArgument,
                                    QStringLiteral("multiple IDs found with provided prefix: ") + prefix);
                found = id;
            }
        }
        if (found)
            return *found;
    }
    return noSuchImage(notFoundName);
}

QList<Reference> ImageStore::referencesTo(const Digest &id) const
{
    QList<Reference> out;
    for (auto it = m_refs.cbegin(); it != m_refs.cend(); ++it) {
        if (it.value() == id) {
            if (auto r = Reference::parseNormalized(it.key()))
                out.append(*r);
        }
    }
    return out;
}

QStringList ImageStore::repoTags(const Digest &id) const
{
    QStringList out;
    for (const Reference &r : referencesTo(id)) {
        if (r.hasTag() && !r.hasDigest())
            out.append(r.familiarString());
    }
    return out;
}

QStringList ImageStore::repoDigests(const Digest &id) const
{
    QStringList out;
    for (const Reference &r : referencesTo(id)) {
        if (r.hasDigest())
            out.append(r.withTag(QString()).familiarString());
    }
    return out;
}

QList<Digest> ImageStore::childrenOf(const Digest &id) const
{
    QList<Digest> out;
    for (const ImageRecord &rec : m_images) {
        if (rec.parent && *rec.parent == id)
            out.append(rec.id);
    }
    return out;
}

static QMap<QString, QString> labelsOf(const QJsonObject &config)
{
    QMap<QString, QString> out;
    const QJsonObject l = config.value(QStringLiteral("config")).toObject().value(QStringLiteral("Labels")).toObject();
    for (auto it = l.constBegin(); it != l.constEnd(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

QList<Common::ImageSummary> ImageStore::list(const ImageListOptions &options) const
{
    QList<QRegularExpression> patterns;
    for (const QString &p : options.referencePatterns)
        patterns.append(QRegularExpression(QRegularExpression::wildcardToRegularExpression(
            p, QRegularExpression::UnanchoredWildcardConversion)));
    auto anchored = [](const QRegularExpression &re, const QString &s) {
        const auto m = re.match(s);
        return m.hasMatch() && m.capturedStart() == 0 && m.capturedLength() == s.size();
    };

    QList<Common::ImageSummary> out;
    for (const ImageRecord &rec : m_images) {
        const QList<Reference> refs = referencesTo(rec.id);
        const bool dangling = refs.isEmpty();
        if (options.dangling && *options.dangling != dangling)
            continue;
        if (!options.all && dangling && !childrenOf(rec.id).isEmpty())
            continue;
        Common::ImageSummary s;
        s.id = rec.id.toString();
        s.parentId = rec.parent ? rec.parent->toString() : QString();
        s.created = unixSeconds(rec.config.value(QStringLiteral("created")).toString());
        s.size = rec.size;
        s.labels = labelsOf(rec.config);
        for (const Reference &r : refs) {
            if (!patterns.isEmpty()) {
                bool match = false;
                for (const QRegularExpression &re : patterns) {
                    if (anchored(re, r.familiarName()) || anchored(re, r.withoutTagOrDigest().withTag(r.tag()).familiarString()))
                        match = true;
                }
                if (!match)
                    continue;
            }
            if (r.hasDigest())
                s.repoDigests.append(r.withTag(QString()).familiarString());
            else
                s.repoTags.append(r.familiarString());
        }
        if (!patterns.isEmpty() && s.repoTags.isEmpty() && s.repoDigests.isEmpty())
            continue;
        if (dangling) {
            s.repoTags = {QStringLiteral("<none>:<none>")};
            s.repoDigests = {QStringLiteral("<none>@<none>")};
        }
        s.repoTags.sort();
        s.repoDigests.sort();
        out.append(s);
    }
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
        return a.created != b.created ? a.created > b.created : a.id < b.id;
    });
    return out;
}

Result<QJsonObject> ImageStore::inspect(const QString &nameOrId) const
{
    auto id = resolve(nameOrId);
    if (!id)
        return std::unexpected(id.error());
    const ImageRecord &rec = m_images[*id];
    const QJsonObject &c = rec.config;

    QJsonObject config{{QStringLiteral("Hostname"), QString()},
                       {QStringLiteral("Domainname"), QString()},
                       {QStringLiteral("User"), QString()},
                       {QStringLiteral("AttachStdin"), false},
                       {QStringLiteral("AttachStdout"), false},
                       {QStringLiteral("AttachStderr"), false},
                       {QStringLiteral("Tty"), false},
                       {QStringLiteral("OpenStdin"), false},
                       {QStringLiteral("StdinOnce"), false},
                       {QStringLiteral("Env"), QJsonValue::Null},
                       {QStringLiteral("Cmd"), QJsonValue::Null},
                       {QStringLiteral("Image"), QString()},
                       {QStringLiteral("Volumes"), QJsonValue::Null},
                       {QStringLiteral("WorkingDir"), QString()},
                       {QStringLiteral("Entrypoint"), QJsonValue::Null},
                       {QStringLiteral("OnBuild"), QJsonValue::Null},
                       {QStringLiteral("Labels"), QJsonValue::Null}};
    const QJsonObject given = c.value(QStringLiteral("config")).toObject();
    for (auto it = given.constBegin(); it != given.constEnd(); ++it)
        config.insert(it.key(), it.value());

    QJsonArray layers;
    for (const Digest &d : rec.diffIds)
        layers.append(d.toString());
    QJsonObject graphData;
    if (!rec.chainIds.isEmpty()) {
        QStringList lower;
        for (qsizetype i = rec.chainIds.size() - 2; i >= 0; --i)
            lower.append(m_layers.diffPath(rec.chainIds[i]));
        const QString top = m_layers.layersDir() + u'/' + rec.chainIds.last().hex();
        if (!lower.isEmpty())
            graphData.insert(QStringLiteral("LowerDir"), lower.join(u':'));
        graphData.insert(QStringLiteral("UpperDir"), QString(top + QStringLiteral("/diff")));
        graphData.insert(QStringLiteral("MergedDir"), QString(top + QStringLiteral("/merged")));
        graphData.insert(QStringLiteral("WorkDir"), QString(top + QStringLiteral("/work")));
    }

    QJsonObject o;
    o.insert(QStringLiteral("Id"), rec.id.toString());
    o.insert(QStringLiteral("RepoTags"), QJsonArray::fromStringList(repoTags(rec.id)));
    o.insert(QStringLiteral("RepoDigests"), QJsonArray::fromStringList(repoDigests(rec.id)));
    o.insert(QStringLiteral("Parent"), rec.parent ? rec.parent->toString() : QString());
    o.insert(QStringLiteral("Comment"), c.value(QStringLiteral("comment")).toString());
    o.insert(QStringLiteral("Created"), c.value(QStringLiteral("created")).toString());
    o.insert(QStringLiteral("Container"), c.value(QStringLiteral("container")).toString());
    o.insert(QStringLiteral("ContainerConfig"), c.value(QStringLiteral("container_config")).toObject());
    o.insert(QStringLiteral("DockerVersion"), c.value(QStringLiteral("docker_version")).toString());
    o.insert(QStringLiteral("Author"), c.value(QStringLiteral("author")).toString());
    o.insert(QStringLiteral("Config"), config);
    o.insert(QStringLiteral("Architecture"), c.value(QStringLiteral("architecture")).toString());
    if (c.contains(QStringLiteral("variant")))
        o.insert(QStringLiteral("Variant"), c.value(QStringLiteral("variant")).toString());
    o.insert(QStringLiteral("Os"), c.value(QStringLiteral("os")).toString());
    o.insert(QStringLiteral("Size"), rec.size);
    o.insert(QStringLiteral("VirtualSize"), rec.size);
    o.insert(QStringLiteral("GraphDriver"), QJsonObject{{QStringLiteral("Name"), QStringLiteral("overlay2")},
                                                         {QStringLiteral("Data"), graphData}});
    o.insert(QStringLiteral("RootFS"), QJsonObject{{QStringLiteral("Type"), QStringLiteral("layers")},
                                                    {QStringLiteral("Layers"), layers}});
    o.insert(QStringLiteral("Metadata"), QJsonObject{{QStringLiteral("LastTagTime"),
                                                      rec.lastTagTime.isEmpty() ? QStringLiteral("0001-01-01T00:00:00Z")
                                                                                : rec.lastTagTime}});
    return o;
}

Result<QList<Common::ImageHistoryItem>> ImageStore::history(const QString &nameOrId) const
{
    auto id = resolve(nameOrId);
    if (!id)
        return std::unexpected(id.error());
    const ImageRecord &rec = m_images[*id];
    const QJsonArray hist = rec.config.value(QStringLiteral("history")).toArray();
    QList<Common::ImageHistoryItem> out;
    qsizetype layerIndex = 0;
    for (const QJsonValue &v : hist) {
        const QJsonObject h = v.toObject();
        Common::ImageHistoryItem item;
        item.created = unixSeconds(h.value(QStringLiteral("created")).toString());
        item.createdBy = h.value(QStringLiteral("created_by")).toString();
        item.comment = h.value(QStringLiteral("comment")).toString();
        if (!h.value(QStringLiteral("empty_layer")).toBool() && layerIndex < rec.chainIds.size()) {
            if (auto layer = m_layers.get(rec.chainIds[layerIndex]))
                item.size = qint64(layer->size);
            ++layerIndex;
        }
        out.prepend(item);
    }
    if (!out.isEmpty()) {
        out.first().id = rec.id.toString();
        out.first().tags = repoTags(rec.id);
    }
    // entries that end exactly where a local parent image ends carry its ID
    std::optional<Digest> parent = rec.parent;
    while (parent && m_images.contains(*parent)) {
        const ImageRecord &p = m_images[*parent];
        const qsizetype n = p.config.value(QStringLiteral("history")).toArray().size();
        if (n > 0 && n <= out.size()) {
            out[out.size() - n].id = p.id.toString();
            out[out.size() - n].tags = repoTags(p.id);
        }
        parent = p.parent;
    }
    return out;
}

Status ImageStore::tag(const QString &source, const QString &repo, const QString &tag)
{
    auto id = resolve(source);
    if (!id)
        return std::unexpected(id.error());
    auto ref = Reference::parseNormalized(repo);
    if (!ref)
        return std::unexpected(ref.error());
    if (ref->hasDigest())
        return fail(ErrorCode::InvalidArgument, "refusing to create a tag with a digest reference");
    QString t = tag.isEmpty() ? ref->tag() : tag;
    if (t.isEmpty())
        t = QStringLiteral("latest");
    if (!Reference::isValidTag(t))
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("invalid tag format"));
    const Reference full = ref->withTag(t);
    m_refs.insert(full.toString(), *id);
    if (auto st = saveRefs(); !st)
        return st;
    ImageRecord &rec = m_images[*id];
    rec.lastTagTime = nowRfc3339();
    if (auto st = writeRecord(rec); !st)
        qCWarning(lcEngine) << "cannot record tag time" << QString::fromStdString(st.error().toString());
    return {};
}

Status ImageStore::addDigestReference(const Reference &canonical, const Digest &id)
{
    if (!canonical.hasDigest() || !m_images.contains(id))
        return fail(ErrorCode::InvalidArgument, "a digest reference to a known image is required");
    m_refs.insert(canonical.withTag(QString()).toString(), id);
    return saveRefs();
}

std::optional<ImageDeleteItem> ImageStore::untag(const Reference &ref)
{
    if (m_refs.remove(ref.toString()) == 0)
        return std::nullopt;
    return ImageDeleteItem{ref.withTag(ref.hasDigest() ? QString() : ref.tag()).familiarString(), QString()};
}

// moby's isSingleReference: all references point into one repository
static bool isSingleReference(const QList<Reference> &refs)
{
    if (refs.size() <= 1)
        return refs.size() == 1;
    std::optional<Reference> single;
    QSet<QString> canonicalNames;
    for (const Reference &r : refs) {
        if (r.hasDigest())
            canonicalNames.insert(r.name());
        else if (!single)
            single = r;
        else
            return false;
    }
    if (!single)
        single = refs.first();
    return canonicalNames.size() == 1 && canonicalNames.contains(single->name());
}

std::optional<Error> ImageStore::conflict(const Digest &id, bool hard, bool softContainer, bool softReferences,
                                          const ImageUsageCallback &usage) const
{
    const QString shortId = id.shortHex();
    const std::optional<ImageUsage> use = usage ? usage(id) : std::nullopt;
    if (hard) {
        if (!childrenOf(id).isEmpty())
            return Error(ErrorCode::Conflict, QStringLiteral("conflict: unable to delete %1 (cannot be forced) - image has dependent child images")
                                                  .arg(shortId).toStdString());
        if (use && use->running)
            return Error(ErrorCode::Conflict, QStringLiteral("conflict: unable to delete %1 (cannot be forced) - image is being used by running container %2")
                                                  .arg(shortId, use->containerId.left(12)).toStdString());
    }
    if (softReferences && !referencesTo(id).isEmpty())
        return Error(ErrorCode::Conflict, QStringLiteral("conflict: unable to delete %1 (must be forced) - image is referenced in multiple repositories")
                                              .arg(shortId).toStdString());
    if (softContainer) {
        if (use && !use->running)
            return Error(ErrorCode::Conflict, QStringLiteral("conflict: unable to delete %1 (must be forced) - image is being used by stopped container %2")
                                                  .arg(shortId, use->containerId.left(12)).toStdString());
    }
    return std::nullopt;
}

Status ImageStore::deleteImage(const Digest &id, QList<ImageDeleteItem> *records, bool force, bool prune,
                               bool quiet, const ImageUsageCallback &usage, qint64 *reclaimed)
{
    if (auto c = conflict(id, true, !force, !force, usage)) {
        const bool used = usage && usage(id).has_value();
        if (quiet && (!referencesTo(id).isEmpty() || used || !childrenOf(id).isEmpty()))
            return {};
        return fail(*c);
    }
    // every remaining reference goes (only reachable with force)
    const QList<Reference> refs = referencesTo(id);
    for (const Reference &r : refs) {
        if (auto item = untag(r))
            records->append(*item);
    }
    if (!refs.isEmpty()) {
        if (auto st = saveRefs(); !st)
            return st;
    }
    const ImageRecord rec = m_images.take(id);
    m_imageCount.store(int(m_images.size()), std::memory_order_relaxed);
    if (::unlink(encodePath(recordPath(id)).constData()) != 0 && errno != ENOENT)
        return sysFail(QStringLiteral("remove image record ") + id.toString(), errno);
    if (auto st = syncDirectory(m_root + QStringLiteral("/images")); !st)
        return st;
    records->append(ImageDeleteItem{QString(), id.toString()});

    QSet<Digest> used;
    for (const ImageRecord &other : std::as_const(m_images)) {
        for (const Digest &c : other.chainIds)
            used.insert(c);
    }
    for (qsizetype i = rec.chainIds.size() - 1; i >= 0; --i) {
        const Digest &chain = rec.chainIds[i];
        if (used.contains(chain))
            break; // the layers below are shared too
        auto layer = m_layers.get(chain);
        if (auto st = m_layers.remove(chain); !st)
            return st;
        if (layer) {
            if (reclaimed)
                *reclaimed += qint64(layer->size);
            if (layer->sourceBlob.isValid())
                m_content.remove(layer->sourceBlob);
        }
        records->append(ImageDeleteItem{QString(), chain.toString()});
    }
    if (auto st = m_content.remove(id); !st)
        qCWarning(lcEngine) << "cannot remove config blob" << QString::fromStdString(st.error().toString());

    if (prune && rec.parent && m_images.contains(*rec.parent))
        return deleteImage(*rec.parent, records, false, true, true, usage, reclaimed);
    return {};
}

Result<QList<ImageDeleteItem>> ImageStore::remove(const QString &nameOrId, bool force, bool prune,
                                                  const ImageUsageCallback &usage)
{
    auto resolved = resolve(nameOrId);
    if (!resolved)
        return std::unexpected(resolved.error());
    const Digest id = *resolved;
    QList<ImageDeleteItem> records;
    QList<Reference> refs = referencesTo(id);

    QString prefix = nameOrId;
    if (prefix.startsWith(QStringLiteral("sha256:")))
        prefix = prefix.mid(7);
    // moby's isImageIDPrefix: the argument named the ID, not a reference
    bool byId = id.hex().startsWith(prefix);
    if (byId) {
        if (auto asRef = Reference::parseNormalized(nameOrId); asRef && m_refs.contains(asRef->withDefaultTag().toString()))
            byId = false;
    }
    if (!byId) {
        auto parsed = Reference::parseNormalized(nameOrId);
        if (!parsed)
            return std::unexpected(parsed.error());
        const Reference ref = parsed->withDefaultTag();
        if (!force && isSingleReference(refs) && usage) {
            if (const auto use = usage(id)) {
                return failWith(ErrorCode::Conflict,
                                QStringLiteral("conflict: unable to remove repository reference \"%1\" (must force) - container %2 is using its referenced image %3")
                                    .arg(nameOrId, use->containerId.left(12), id.shortHex()));
            }
        }
        if (auto item = untag(ref))
            records.append(*item);
        refs = referencesTo(id);
        if (!ref.hasDigest()) {
            const bool tagLeftInRepo = std::any_of(refs.cbegin(), refs.cend(), [&](const Reference &r) {
                return !r.hasDigest() && r.name() == ref.name();
            });
            if (!tagLeftInRepo) {
                for (const Reference &r : std::as_const(refs)) {
                    if (r.hasDigest() && r.name() == ref.name()) {
                        if (auto item = untag(r))
                            records.append(*item);
                    }
                }
                refs = referencesTo(id);
            }
        }
        if (auto st = saveRefs(); !st)
            return std::unexpected(st.error());
        if (!refs.isEmpty())
            return records;
    } else if (isSingleReference(refs)) {
        if (auto c = conflict(id, true, !force, false, usage))
            return fail(*c);
        for (const Reference &r : std::as_const(refs)) {
            if (auto item = untag(r))
                records.append(*item);
        }
        if (auto st = saveRefs(); !st)
            return std::unexpected(st.error());
    }
    if (auto st = deleteImage(id, &records, force, prune, false, usage, nullptr); !st)
        return std::unexpected(st.error());
    return records;
}

Result<Common::ImagePruneReport> ImageStore::prune(bool danglingOnly, const ImageUsageCallback &usage,
                                                   const std::function<bool(const ImageRecord &)> &select)
{
    Common::ImagePruneReport report;
    // top images first (no children), as moby does
    QList<Digest> candidates;
    for (const ImageRecord &rec : std::as_const(m_images)) {
        if (!childrenOf(rec.id).isEmpty())
            continue;
        if (danglingOnly && !referencesTo(rec.id).isEmpty())
            continue;
        if (usage && usage(rec.id))
            continue;
        if (select && !select(rec))
            continue;
        candidates.append(rec.id);
    }
    for (const Digest &id : std::as_const(candidates)) {
        if (!m_images.contains(id))
            continue;
        QList<ImageDeleteItem> records;
        const QList<Reference> refs = referencesTo(id);
        for (const Reference &r : refs) {
            if (auto item = untag(r))
                records.append(*item);
        }
        if (!refs.isEmpty()) {
            if (auto st = saveRefs(); !st)
                return std::unexpected(st.error());
        }
        qint64 reclaimed = 0;
        if (auto st = deleteImage(id, &records, false, true, false, usage, &reclaimed); !st) {
            qCWarning(lcEngine) << "prune: cannot delete" << id.toString() << QString::fromStdString(st.error().toString());
            continue;
        }
        report.imagesDeleted.append(records);
        report.spaceReclaimed += reclaimed;
    }
    return report;
}

} // namespace Berth::Engine
