#pragma once

#include "blobwriter.h"
#include "digest.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace Berth::Engine {

// Content-addressed blobs under ROOT/blobs/sha256/<hex> (OCI image-layout
// compatible), written atomically through ROOT/tmp.
class ContentStore
{
public:
    explicit ContentStore(QString root);

    // Creates the directories and removes temp files a crash left behind.
    Status initialize();

    const QString &root() const { return m_root; }
    QString blobPath(const Digest &digest) const;
    QString tempDir() const;

    // expected: verify the content against this digest while streaming.
    // expectedSize: when >= 0, the exact size. maxSize: when >= 0, a cap.
    Result<std::unique_ptr<BlobWriter>> createWriter(std::optional<Digest> expected = std::nullopt,
                                                     qint64 expectedSize = -1, qint64 maxSize = -1) const;
    // One-shot put of an in-memory blob.
    Result<Digest> put(QByteArrayView data, std::optional<Digest> expected = std::nullopt) const;

    bool exists(const Digest &digest) const;
    Result<qint64> size(const Digest &digest) const;
    Result<QByteArray> read(const Digest &digest, qint64 maxSize = 64 * 1024 * 1024) const;
    Result<UniqueFd> open(const Digest &digest) const;
    Status remove(const Digest &digest) const;
    Result<QList<Digest>> list() const;

private:
    QString m_root;
};

} // namespace Berth::Engine
