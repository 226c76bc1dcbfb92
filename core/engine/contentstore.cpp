#include "contentstore.h"

#include "atomicfile.h"
#include "fsutil.h"

#include <QDir>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

ContentStore::ContentStore(QString root)
    : m_root(std::move(root))
{}

QString ContentStore::blobPath(const Digest &digest) const
{
    return m_root + QStringLiteral("/blobs/sha256/") + digest.hex();
}

QString ContentStore::tempDir() const
{
    return m_root + QStringLiteral("/tmp");
}

Status ContentStore::initialize()
{
    if (auto st = makeDirs(m_root + QStringLiteral("/blobs/sha256"), 0700); !st)
        return st;
    if (auto st = makeDirs(tempDir(), 0700); !st)
        return st;
    return AtomicFile::removeLeftovers(tempDir());
}

Result<std::unique_ptr<BlobWriter>> ContentStore::createWriter(std::optional<Digest> expected,
                                                               qint64 expectedSize, qint64 maxSize) const
{
    const QString tmp = tempDir() + u'/' + QLatin1String(AtomicFile::tempPrefix()) + QStringLiteral("blob-")
                        + randomToken();
    const int fd = ::open(encodePath(tmp).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return sysFail(QStringLiteral("create ") + tmp, errno);
    return std::unique_ptr<BlobWriter>(
        new BlobWriter(this, UniqueFd(fd), tmp, std::move(expected), expectedSize, maxSize));
}

Result<Digest> ContentStore::put(QByteArrayView data, std::optional<Digest> expected) const
{
    auto writer = createWriter(std::move(expected), data.size());
    if (!writer)
        return std::unexpected(writer.error());
    if (auto st = (*writer)->write(data); !st)
        return std::unexpected(st.error());
    return (*writer)->commit();
}

bool ContentStore::exists(const Digest &digest) const
{
    struct stat st;
    return digest.isValid() && ::stat(encodePath(blobPath(digest)).constData(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<qint64> ContentStore::size(const Digest &digest) const
{
    struct stat st;
    const QString path = blobPath(digest);
    if (::stat(encodePath(path).constData(), &st) != 0)
        return sysFail(QStringLiteral("stat blob ") + digest.toString(), errno);
    return qint64(st.st_size);
}

Result<QByteArray> ContentStore::read(const Digest &digest, qint64 maxSize) const
{
    auto data = AtomicFile::read(blobPath(digest), maxSize);
    if (!data)
        return std::unexpected(std::move(data.error()).wrap("read blob " + digest.toString().toStdString()));
    return data;
}

Result<UniqueFd> ContentStore::open(const Digest &digest) const
{
    const int fd = ::open(encodePath(blobPath(digest)).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sysFail(QStringLiteral("open blob ") + digest.toString(), errno);
    return UniqueFd(fd);
}

Status ContentStore::remove(const Digest &digest) const
{
    const QString path = blobPath(digest);
    if (::unlink(encodePath(path).constData()) != 0) {
        if (errno == ENOENT)
            return {};
        return sysFail(QStringLiteral("remove blob ") + digest.toString(), errno);
    }
    return syncDirectory(m_root + QStringLiteral("/blobs/sha256"));
}

Result<QList<Digest>> ContentStore::list() const
{
    QList<Digest> out;
    const QDir dir(m_root + QStringLiteral("/blobs/sha256"));
    if (!dir.exists())
        return failWith(ErrorCode::NotFound, QStringLiteral("list blobs: no directory ") + dir.path());
    const QStringList names = dir.entryList(QDir::Files, QDir::Name);
    for (const QString &name : names) {
        const Digest d = Digest::fromHex(name);
        if (d.isValid())
            out.append(d);
    }
    return out;
}

} // namespace Berth::Engine
