#include "layerstore.h"

#include "atomicfile.h"
#include "enginelogging.h"
#include "fsutil.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <cstdio>

namespace Berth::Engine {

using namespace Internal;

namespace {

const QString kMeta = QStringLiteral("meta.json");

QJsonObject toJson(const LayerInfo &info)
{
    QJsonObject o{{QStringLiteral("chainId"), info.chainId.toString()},
                  {QStringLiteral("diffId"), info.diffId.toString()},
                  {QStringLiteral("size"), qint64(info.size)},
                  {QStringLiteral("tarSize"), qint64(info.tarSize)}};
    if (info.parent)
        o.insert(QStringLiteral("parent"), info.parent->toString());
    if (info.sourceBlob.isValid())
        o.insert(QStringLiteral("sourceBlob"), info.sourceBlob.toString());
    return o;
}

} // namespace

LayerStore::LayerStore(QString stateRoot, ExtractLimits limits)
    : m_root(std::move(stateRoot))
    , m_limits(limits)
{}

QString LayerStore::layersDir() const
{
    return m_root + QStringLiteral("/layers");
}

QString LayerStore::diffPath(const Digest &chainId) const
{
    return layersDir() + u'/' + chainId.hex() + QStringLiteral("/diff");
}

Digest LayerStore::chainIdFor(const std::optional<Digest> &parentChainId, const Digest &diffId)
{
    if (!parentChainId)
        return diffId;
    return Digest::ofData((parentChainId->toString() + u' ' + diffId.toString()).toUtf8());
}

Status LayerStore::initialize()
{
    if (auto st = makeDirs(layersDir(), 0700); !st)
        return st;
    if (auto st = AtomicFile::removeLeftovers(layersDir()); !st)
        return st;
    const QStringList names = QDir(layersDir()).entryList(QDir::Dirs | QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
    for (const QString &name : names) {
        const Digest chain = Digest::fromHex(name);
        if (chain.isValid() && get(chain))
            continue;
        qCWarning(lcEngine) << "removing incomplete layer directory" << name;
        if (auto st = removeTree(layersDir() + u'/' + name); !st)
            return st;
    }
    return syncDirectory(layersDir());
}

Result<LayerInfo> LayerStore::get(const Digest &chainId) const
{
    const QString dir = layersDir() + u'/' + chainId.hex();
    auto data = AtomicFile::read(dir + u'/' + kMeta, 1024 * 1024);
    if (!data) {
        if (data.error().code() == ErrorCode::NotFound)
            return failWith(ErrorCode::NotFound, QStringLiteral("layer %1 not found").arg(chainId.toString()));
        return std::unexpected(data.error());
    }
    const QJsonObject o = QJsonDocument::fromJson(*data).object();
    LayerInfo info;
    auto chain = Digest::parse(o.value(QStringLiteral("chainId")).toString());
    auto diff = Digest::parse(o.value(QStringLiteral("diffId")).toString());
    if (!chain || !diff || *chain != chainId)
        return failWith(ErrorCode::Internal, QStringLiteral("layer %1: corrupt metadata").arg(chainId.toString()));
    info.chainId = *chain;
    info.diffId = *diff;
    if (o.contains(QStringLiteral("parent"))) {
        auto parent = Digest::parse(o.value(QStringLiteral("parent")).toString());
        if (!parent)
            return failWith(ErrorCode::Internal, QStringLiteral("layer %1: corrupt parent").arg(chainId.toString()));
        info.parent = *parent;
    }
    if (o.contains(QStringLiteral("sourceBlob"))) {
        if (auto blob = Digest::parse(o.value(QStringLiteral("sourceBlob")).toString()))
            info.sourceBlob = *blob;
    }
    info.size = quint64(o.value(QStringLiteral("size")).toInteger());
    info.tarSize = quint64(o.value(QStringLiteral("tarSize")).toInteger());
    info.diffPath = dir + QStringLiteral("/diff");
    return info;
}

bool LayerStore::exists(const Digest &chainId) const
{
    return bool(get(chainId));
}

Result<QList<LayerInfo>> LayerStore::list() const
{
    QList<LayerInfo> out;
    const QStringList names = QDir(layersDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &name : names) {
        const Digest chain = Digest::fromHex(name);
        if (!chain.isValid())
            continue;
        if (auto info = get(chain))
            out.append(*info);
    }
    return out;
}

PreparedLayer::PreparedLayer(QString tempDir, LayerDiff diff)
    : m_tempDir(std::move(tempDir))
    , m_diff(std::move(diff))
{}

PreparedLayer::~PreparedLayer()
{
    if (m_committed)
        return;
    if (auto st = removeTree(m_tempDir); !st)
        qCWarning(lcEngine) << "cannot remove partial layer" << m_tempDir << QString::fromStdString(st.error().toString());
}

Result<std::unique_ptr<PreparedLayer>> LayerStore::prepareTar(int tarFd, const std::optional<Digest> &expectedDiffId,
                                                              const std::atomic<bool> *cancel) const
{
    const QString tmp = layersDir() + u'/' + QLatin1String(AtomicFile::tempPrefix()) + QStringLiteral("layer-")
                        + randomToken();
    if (auto st = makeDirs(tmp + QStringLiteral("/diff"), 0755); !st)
        return std::unexpected(st.error());
    // owns the directory from here on, so every failure below removes it
    std::unique_ptr<PreparedLayer> prepared(new PreparedLayer(tmp, LayerDiff()));

    LayerExtractor extractor(m_limits);
    extractor.setCancelFlag(cancel);
    auto diff = extractor.apply(tarFd, tmp + QStringLiteral("/diff"));
    if (!diff)
        return std::unexpected(std::move(diff.error()).wrap("apply layer"));
    if (expectedDiffId && *expectedDiffId != diff->diffId)
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("layer diff-id mismatch: expected %1, got %2")
                                                        .arg(expectedDiffId->toString(), diff->diffId.toString()));
    prepared->m_diff = *diff;
    return prepared;
}

Result<LayerInfo> LayerStore::commit(PreparedLayer &prepared, const std::optional<Digest> &parentChainId,
                                     const Digest &sourceBlob)
{
    if (prepared.m_committed)
        return fail(ErrorCode::Internal, "commit of a layer committed already");
    if (parentChainId && !exists(*parentChainId))
        return failWith(ErrorCode::NotFound, QStringLiteral("parent layer %1 not found").arg(parentChainId->toString()));
    const LayerDiff &diff = prepared.m_diff;
    LayerInfo info;
    info.diffId = diff.diffId;
    info.chainId = chainIdFor(parentChainId, diff.diffId);
    info.parent = parentChainId;
    info.size = diff.contentSize;
    info.tarSize = diff.tarSize;
    info.sourceBlob = sourceBlob;

    if (auto existing = get(info.chainId)) {
        qCDebug(lcEngine) << "layer" << info.chainId.toString() << "exists already";
        return existing;
    }
    const QString &tmp = prepared.m_tempDir;
    if (auto st = AtomicFile::write(tmp + u'/' + kMeta, QJsonDocument(toJson(info)).toJson(QJsonDocument::Compact)); !st)
        return std::unexpected(st.error());
    const QString final = layersDir() + u'/' + info.chainId.hex();
    if (::rename(encodePath(tmp).constData(), encodePath(final).constData()) != 0) {
        const int err = errno;
        if ((err == EEXIST || err == ENOTEMPTY) && exists(info.chainId))
            return get(info.chainId);
        return sysFail(QStringLiteral("rename layer into ") + final, err);
    }
    prepared.m_committed = true;
    if (auto st = syncDirectory(layersDir()); !st)
        return std::unexpected(st.error());
    info.diffPath = final + QStringLiteral("/diff");
    return info;
}

Result<LayerInfo> LayerStore::applyTar(int tarFd, const std::optional<Digest> &parentChainId,
                                       const std::optional<Digest> &expectedDiffId, const Digest &sourceBlob)
{
    if (parentChainId && !exists(*parentChainId))
        return failWith(ErrorCode::NotFound, QStringLiteral("parent layer %1 not found").arg(parentChainId->toString()));
    auto prepared = prepareTar(tarFd, expectedDiffId);
    if (!prepared)
        return std::unexpected(prepared.error());
    return commit(**prepared, parentChainId, sourceBlob);
}

Status LayerStore::remove(const Digest &chainId)
{
    const QString dir = layersDir() + u'/' + chainId.hex();
    const QString trash = layersDir() + u'/' + QLatin1String(AtomicFile::tempPrefix()) + QStringLiteral("del-")
                          + randomToken();
    // disappear atomically first, then delete at leisure
    if (::rename(encodePath(dir).constData(), encodePath(trash).constData()) != 0) {
        if (errno == ENOENT)
            return {};
        return sysFail(QStringLiteral("remove layer ") + chainId.toString(), errno);
    }
    if (auto st = syncDirectory(layersDir()); !st)
        return st;
    return removeTree(trash);
}

Result<LayerTarInfo> LayerStore::exportTar(const Digest &chainId, int outFd) const
{
    auto info = get(chainId);
    if (!info)
        return std::unexpected(info.error());
    return LayerExporter::exportDirectory(info->diffPath, outFd);
}

} // namespace Berth::Engine
