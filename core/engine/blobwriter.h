#pragma once

#include "digest.h"
#include "sha256hasher.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <QString>

#include <optional>

namespace Berth::Engine {

class ContentStore;

// Streams one blob into the content store: chunks go to a temp file under
// ROOT/tmp and are hashed as they arrive; commit() verifies the digest (and
// size when given), fsyncs, renames into blobs/sha256/<hex> and fsyncs the
// directory. Destroying an uncommitted writer removes the temp file.
class BlobWriter
{
public:
    ~BlobWriter();
    BlobWriter(const BlobWriter &) = delete;
    BlobWriter &operator=(const BlobWriter &) = delete;

    Status write(QByteArrayView chunk);
    // Checks the size and digest of what was written without publishing it
    // (the temp file can then be read, e.g. extracted, before commit()). A
    // mismatch aborts the writer. Calling it again returns the same result.
    Result<Digest> verify();
    // Verifies and publishes the blob. A digest or size mismatch is an
    // InvalidArgument error and nothing is stored.
    Result<Digest> commit();
    void abort();

    quint64 bytesWritten() const { return m_hasher.bytesHashed(); }
    const QString &tempPath() const { return m_tempPath; }

private:
    friend class ContentStore;
    BlobWriter(const ContentStore *store, UniqueFd fd, QString tempPath,
               std::optional<Digest> expected, qint64 expectedSize, qint64 maxSize);

    const ContentStore *m_store;
    UniqueFd m_fd;
    QString m_tempPath;
    std::optional<Digest> m_expected;
    qint64 m_expectedSize;
    qint64 m_maxSize;
    Sha256Hasher m_hasher;
    std::optional<Digest> m_verified;
    bool m_done = false;
};

} // namespace Berth::Engine
