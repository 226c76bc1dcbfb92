#pragma once

#include "digest.h"
#include "layerexporter.h"
#include "layerextractor.h"

#include <base/result.h>

#include <QList>
#include <QString>

#include <memory>

#include <atomic>
#include <optional>

namespace Berth::Engine {

class LayerStore;

// A layer tar extracted into a private directory under layers/.tmp-*, not
// yet visible in the store: LayerStore::prepareTar() makes it (on any
// thread: it touches only its own directory), LayerStore::commit() names it
// by chain-id once its parent is there. Destroying an uncommitted one
// removes its directory.
class PreparedLayer
{
public:
    ~PreparedLayer();
    PreparedLayer(const PreparedLayer &) = delete;
    PreparedLayer &operator=(const PreparedLayer &) = delete;

    const LayerDiff &diff() const { return m_diff; }
    const QString &tempDir() const { return m_tempDir; }

private:
    friend class LayerStore;
    PreparedLayer(QString tempDir, LayerDiff diff);

    QString m_tempDir;
    LayerDiff m_diff;
    bool m_committed = false;
};

// One unpacked layer: ROOT/layers/<chain-id hex>/{diff/, meta.json}.
struct LayerInfo
{
    Digest chainId;
    Digest diffId;
    std::optional<Digest> parent; // parent chain-id
    quint64 size = 0;     // bytes of file content (docker's layer size)
    quint64 tarSize = 0;  // bytes of the uncompressed tar
    Digest sourceBlob;    // the blob the layer was applied from, when kept
    QString diffPath;
};

// Unpacked layers keyed by chain-id, so a layer shared by several images is
// stored once. A layer directory becomes visible only complete: it is built
// under layers/.tmp-*, its meta.json written last, then renamed into place.
// Whether a layer is still in use is the image store's question (it knows
// every image's chain); this class never deletes on its own.
class LayerStore
{
public:
    explicit LayerStore(QString stateRoot, ExtractLimits limits = {});

    // Creates layers/ and removes what a crash left: .tmp-* directories and
    // layer directories without a valid meta.json.
    Status initialize();

    // ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))
    static Digest chainIdFor(const std::optional<Digest> &parentChainId, const Digest &diffId);

    // Extracts a (gzip, zstd or plain) layer tar read from tarFd on top of
    // parentChainId (which must exist). expectedDiffId, when given, must
    // match or nothing is registered. When the resulting chain-id exists
    // already, the new copy is discarded and the existing layer returned.
    Result<LayerInfo> applyTar(int tarFd, const std::optional<Digest> &parentChainId,
                               const std::optional<Digest> &expectedDiffId = std::nullopt,
                               const Digest &sourceBlob = Digest());

    // applyTar() in two steps, so that several layers of one image can be
    // extracted at once (a layer directory does not depend on its parent's)
    // and registered in chain order afterwards. prepareTar() is safe to call
    // from several threads at once; `cancel`, when set, stops the extraction
    // with an ECANCELED error.
    Result<std::unique_ptr<PreparedLayer>> prepareTar(int tarFd, const std::optional<Digest> &expectedDiffId = std::nullopt,
                                                      const std::atomic<bool> *cancel = nullptr) const;
    // Registers a prepared layer on top of parentChainId (which must exist).
    // When the chain-id exists already, the prepared copy is discarded and
    // the existing layer returned.
    Result<LayerInfo> commit(PreparedLayer &prepared, const std::optional<Digest> &parentChainId,
                             const Digest &sourceBlob = Digest());

    bool exists(const Digest &chainId) const;
    Result<LayerInfo> get(const Digest &chainId) const;
    Result<QList<LayerInfo>> list() const;
    Status remove(const Digest &chainId);
    QString layersDir() const;
    QString diffPath(const Digest &chainId) const;

    // Writes the layer's own changes as an uncompressed tar.
    Result<LayerTarInfo> exportTar(const Digest &chainId, int outFd) const;

private:
    QString m_root;
    ExtractLimits m_limits;
};

} // namespace Berth::Engine
