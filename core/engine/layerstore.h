#pragma once

#include "digest.h"
#include "layerexporter.h"
#include "layerextractor.h"

#include <base/result.h>

#include <QList>
#include <QString>

#include <optional>

namespace Berth::Engine {

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
