#include "blobwriter.h"

#include "contentstore.h"
#include "enginelogging.h"
#include "fsutil.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

BlobWriter::BlobWriter(const ContentStore *store, UniqueFd fd, QString tempPath,
                       std::optional<Digest> expected, qint64 expectedSize, qint64 maxSize)
    : m_store(store)
    , m_fd(std::move(fd))
    , m_tempPath(std::move(tempPath))
    , m_expected(std::move(expected))
    , m_expectedSize(expectedSize)
    , m_maxSize(maxSize)
{}

BlobWriter::~BlobWriter()
{
    abort();
}

void BlobWriter::abort()
{
    if (m_done)
        return;
    m_done = true;
    m_fd.reset();
    ::unlink(encodePath(m_tempPath).constData());
}

Status BlobWriter::write(QByteArrayView chunk)
{
    if (m_done || m_verified)
        return fail(ErrorCode::Internal, "write to a finished blob writer");
    const qint64 after = qint64(m_hasher.bytesHashed()) + chunk.size();
    if ((m_maxSize >= 0 && after > m_maxSize) || (m_expectedSize >= 0 && after > m_expectedSize)) {
        abort();
        return failWith(ErrorCode::TooLarge, QStringLiteral("blob is larger than %1 bytes")
                                                 .arg(m_expectedSize >= 0 ? m_expectedSize : m_maxSize));
    }
    if (auto st = writeAll(m_fd.get(), chunk.data(), size_t(chunk.size()), m_tempPath); !st) {
        abort();
        return st;
    }
    m_hasher.addData(chunk);
    return {};
}

Result<Digest> BlobWriter::verify()
{
    if (m_verified)
        return *m_verified;
    if (m_done)
        return fail(ErrorCode::Internal, "verify of a finished blob writer");
    const Digest actual = m_hasher.finish();
    if (m_expectedSize >= 0 && qint64(m_hasher.bytesHashed()) != m_expectedSize) {
        const quint64 got = m_hasher.bytesHashed();
        abort();
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("blob size mismatch: expected %1 bytes, got %2")
                                                        .arg(m_expectedSize).arg(got));
    }
    if (m_expected && *m_expected != actual) {
        abort();
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("digest mismatch: expected %1, got %2")
                                                        .arg(m_expected->toString(), actual.toString()));
    }
    m_verified = actual;
    return actual;
}

Result<Digest> BlobWriter::commit()
{
    if (m_done)
        return fail(ErrorCode::Internal, "commit of a finished blob writer");
    auto verified = verify();
    if (!verified)
        return verified;
    const Digest actual = *verified;
    if (::fchmod(m_fd.get(), 0644) != 0 || ::fsync(m_fd.get()) != 0) {
        const int err = errno;
        abort();
        return sysFail(QStringLiteral("fsync ") + m_tempPath, err);
    }
    m_fd.reset();
    const QString target = m_store->blobPath(actual);
    if (::rename(encodePath(m_tempPath).constData(), encodePath(target).constData()) != 0) {
        const int err = errno;
        abort();
        return sysFail(QStringLiteral("rename blob into ") + target, err);
    }
    m_done = true;
    if (auto st = syncDirectory(target.left(target.lastIndexOf(u'/'))); !st)
        return std::unexpected(st.error());
    qCDebug(lcEngine) << "stored blob" << actual.toString() << m_hasher.bytesHashed() << "bytes";
    return actual;
}

} // namespace Berth::Engine
