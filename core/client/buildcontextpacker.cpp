#include "buildcontextpacker.h"

#include <QFile>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Client {

namespace {

// One file's content is read and packed in pieces of this size.
constexpr qint64 kPiece = 64 * 1024;

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive *)>;
using EntryPtr = std::unique_ptr<struct archive_entry, void (*)(struct archive_entry *)>;

QString archiveError(struct archive *a)
{
    const char *e = archive_error_string(a);
    return e ? QString::fromLocal8Bit(e) : QStringLiteral("unknown libarchive error");
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace

struct BuildContextPacker::Private
{
    struct Frame
    {
        QByteArray absDir;               // the directory on disk
        QString rel;                     // relative to the context ("" for the root)
        std::vector<QByteArray> names;   // its entries in Go's byte order
        size_t next = 0;
        Dockerfile::DockerIgnore::MatchInfo info; // what its entries inherit
    };

    BuildContextPacker *q = nullptr;
    Spec spec;
    ArchivePtr archive{nullptr, archive_write_free};
    QByteArray out;          // produced, not yet read
    qsizetype outPos = 0;
    std::vector<Frame> stack;
    bool walkDone = false;
    bool finished = false;   // the archive is closed; out holds the rest
    QList<bool> extraUsed;
    std::map<std::pair<dev_t, ino_t>, QString> seenInodes;
    // The regular file being packed.
    int fileFd = -1;
    QByteArray filePath;
    qint64 fileRemaining = 0;

    ~Private()
    {
        if (fileFd >= 0)
            ::close(fileFd);
    }

    qsizetype pending() const { return out.size() - outPos; }

    static la_ssize_t writeCallback(struct archive *, void *client, const void *buffer, size_t length)
    {
        auto *self = static_cast<Private *>(client);
        self->out.append(static_cast<const char *>(buffer), qsizetype(length));
        return la_ssize_t(length);
    }

    Status fail(const QString &message, int error = 0)
    {
        return Berth::fail(ErrorCode::Io, message.toStdString(), error);
    }

    Result<Frame> readDirectory(const QByteArray &absDir, const QString &rel)
    {
        DIR *dir = ::opendir(absDir.constData());
        if (!dir) {
            const int error = errno;
            return Berth::fail(ErrorCode::Io, "open directory " + absDir.toStdString() + ": " + std::strerror(error), error);
        }
        Frame frame;
        frame.absDir = absDir;
        frame.rel = rel;
        errno = 0;
        while (struct dirent *entry = ::readdir(dir)) {
            if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
                continue;
            frame.names.emplace_back(entry->d_name);
        }
        const int error = errno;
        ::closedir(dir);
        if (error != 0)
            return Berth::fail(ErrorCode::Io, "read directory " + absDir.toStdString() + ": " + std::strerror(error), error);
        std::sort(frame.names.begin(), frame.names.end(),
                  [](const QByteArray &a, const QByteArray &b) { return std::strcmp(a.constData(), b.constData()) < 0; });
        return frame;
    }

    // -1 when `rel` is not one of the extra files (only top-level names are).
    qsizetype extraIndex(const QString &rel) const
    {
        for (qsizetype i = 0; i < spec.extraFiles.size(); ++i) {
            if (spec.extraFiles[i].name == rel)
                return i;
        }
        return -1;
    }

    Status writeHeader(struct archive_entry *entry, const QString &name)
    {
        const int r = archive_write_header(archive.get(), entry);
        if (r < ARCHIVE_WARN)
            return fail(QStringLiteral("write the tar header of %1: %2").arg(name, archiveError(archive.get())));
        q->m_entryNames.append(name);
        return {};
    }

    Status writeContent(const QByteArray &content, const QString &name)
    {
        if (!content.isEmpty() && archive_write_data(archive.get(), content.constData(), size_t(content.size())) < 0)
            return fail(QStringLiteral("write %1 into the context tar: %2").arg(name, archiveError(archive.get())));
        return {};
    }

    // Adds one walked path (already judged not excluded).
    Status addWalked(const QByteArray &abs, const QString &rel, const struct stat &st)
    {
        EntryPtr entry(archive_entry_new(), archive_entry_free);
        const bool isDir = S_ISDIR(st.st_mode);
        const QString name = isDir ? rel + QLatin1Char('/') : rel;
        archive_entry_copy_pathname(entry.get(), name.toUtf8().constData());
        archive_entry_set_mode(entry.get(), st.st_mode);
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
        archive_entry_set_size(entry.get(), 0);

        if (S_ISLNK(st.st_mode)) {
            QByteArray target(qMax<qsizetype>(st.st_size, 256) + 1, Qt::Uninitialized);
            const ssize_t n = ::readlink(abs.constData(), target.data(), size_t(target.size()));
            if (n < 0) {
                const int error = errno;
                return fail(QStringLiteral("readlink %1: %2").arg(QFile::decodeName(abs), errnoText(error)), error);
            }
            target.truncate(n);
            archive_entry_copy_symlink(entry.get(), target.constData());
            return writeHeader(entry.get(), name);
        }
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            archive_entry_set_rdev(entry.get(), st.st_rdev);

        if (!isDir && st.st_nlink > 1) {
            const auto key = std::make_pair(st.st_dev, st.st_ino);
            const auto seen = seenInodes.find(key);
            if (seen != seenInodes.end()) {
                archive_entry_copy_hardlink(entry.get(), seen->second.toUtf8().constData());
                archive_entry_set_size(entry.get(), 0);
                return writeHeader(entry.get(), name);
            }
            seenInodes.emplace(key, name);
        }

        if (!S_ISREG(st.st_mode))
            return writeHeader(entry.get(), name);

        const qsizetype extra = rel.contains(QLatin1Char('/')) ? -1 : extraIndex(rel);
        if (extra >= 0) {
            // Replaced content, the walked file's header.
            extraUsed[extra] = true;
            const QByteArray &content = spec.extraFiles[extra].content;
            archive_entry_set_size(entry.get(), content.size());
            if (Status s = writeHeader(entry.get(), name); !s)
                return s;
            return writeContent(content, name);
        }

        const int fd = ::open(abs.constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            const int error = errno;
            return fail(QStringLiteral("open %1: %2").arg(QFile::decodeName(abs), errnoText(error)), error);
        }
        archive_entry_set_size(entry.get(), st.st_size);
        if (Status s = writeHeader(entry.get(), name); !s) {
            ::close(fd);
            return s;
        }
        if (st.st_size == 0) {
            ::close(fd);
            return {};
        }
        fileFd = fd;
        filePath = abs;
        fileRemaining = st.st_size;
        return {};
    }

    // The next piece of the open file.
    Status packFilePiece()
    {
        QByteArray piece(qMin(kPiece, fileRemaining), Qt::Uninitialized);
        ssize_t n;
        do {
            n = ::read(fileFd, piece.data(), size_t(piece.size()));
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            const int error = errno;
            return fail(QStringLiteral("read %1: %2").arg(QFile::decodeName(filePath), errnoText(error)), error);
        }
        if (n == 0) {
            return fail(QStringLiteral("read %1: the file shrank while the build context was packed")
                            .arg(QFile::decodeName(filePath)),
                        EIO);
        }
        if (archive_write_data(archive.get(), piece.constData(), size_t(n)) < 0)
            return fail(QStringLiteral("write %1 into the context tar: %2").arg(QFile::decodeName(filePath), archiveError(archive.get())));
        fileRemaining -= n;
        if (fileRemaining == 0) {
            ::close(fileFd);
            fileFd = -1;
        }
        return {};
    }

    // One walk step: the next entry of the innermost directory.
    Status walkStep()
    {
        while (!stack.empty() && stack.back().next >= stack.back().names.size())
            stack.pop_back();
        if (stack.empty()) {
            walkDone = true;
            return {};
        }
        Frame &frame = stack.back();
        const QByteArray nameBytes = frame.names[frame.next++];
        const QByteArray abs = frame.absDir + '/' + nameBytes;
        const QString name = QFile::decodeName(nameBytes);
        const QString rel = frame.rel.isEmpty() ? name : frame.rel + QLatin1Char('/') + name;
        const bool topLevel = frame.rel.isEmpty();

        struct stat st;
        if (::lstat(abs.constData(), &st) != 0) {
            const int error = errno;
            if (error == ENOENT)
                return {}; // gone since the listing: docker skips it too
            return fail(QStringLiteral("lstat %1: %2").arg(QFile::decodeName(abs), errnoText(error)), error);
        }
        if (S_ISSOCK(st.st_mode))
            return {}; // archive/tar: sockets not supported (docker logs and skips)

        // docker's walker: a top-level path is judged alone and its
        // directory passes nothing down; deeper paths use their parent's
        // match results.
        Dockerfile::DockerIgnore::MatchInfo info;
        const bool excluded = spec.ignore.isExcluded(rel, topLevel ? Dockerfile::DockerIgnore::MatchInfo() : frame.info, &info);
        if (topLevel)
            info = {};
        const bool isDir = S_ISDIR(st.st_mode);
        if (excluded) {
            if (!isDir || !spec.ignore.hasExclusions() || !spec.ignore.mayContainReincluded(rel))
                return {};
        } else if (Status s = addWalked(abs, rel, st); !s) {
            return s;
        }
        if (isDir) {
            auto child = readDirectory(abs, rel);
            if (!child)
                return Berth::fail(child.error());
            child->info = info;
            stack.push_back(std::move(*child));
        }
        return {};
    }

    Status writeExtras()
    {
        for (qsizetype i = 0; i < spec.extraFiles.size(); ++i) {
            if (extraUsed[i])
                continue;
            const ExtraFile &file = spec.extraFiles[i];
            EntryPtr entry(archive_entry_new(), archive_entry_free);
            archive_entry_copy_pathname(entry.get(), file.name.toUtf8().constData());
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_set_perm(entry.get(), mode_t(file.mode));
            archive_entry_set_uid(entry.get(), 0);
            archive_entry_set_gid(entry.get(), 0);
            archive_entry_set_mtime(entry.get(), file.mtime, 0);
            archive_entry_set_size(entry.get(), file.content.size());
            if (Status s = writeHeader(entry.get(), file.name); !s)
                return s;
            if (Status s = writeContent(file.content, file.name); !s)
                return s;
        }
        return {};
    }

    // Produces the next bytes of the stream.
    Status step()
    {
        if (fileFd >= 0)
            return packFilePiece();
        if (!walkDone)
            return walkStep();
        if (Status s = writeExtras(); !s)
            return s;
        if (archive_write_close(archive.get()) != ARCHIVE_OK)
            return fail(QStringLiteral("finish the context tar: %1").arg(archiveError(archive.get())));
        finished = true;
        return {};
    }
};

BuildContextPacker::BuildContextPacker(Spec spec, QObject *parent)
    : QIODevice(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->spec = std::move(spec);
    d->extraUsed = QList<bool>(d->spec.extraFiles.size(), false);
}

BuildContextPacker::~BuildContextPacker() = default;

Result<std::unique_ptr<BuildContextPacker>> BuildContextPacker::open(Spec spec, QObject *parent)
{
    std::unique_ptr<BuildContextPacker> packer(new BuildContextPacker(std::move(spec), parent));
    Private &p = *packer->d;
    p.archive.reset(archive_write_new());
    if (!p.archive)
        return fail(ErrorCode::Internal, "create the context tar writer: out of memory", ENOMEM);
    if (archive_write_set_format_pax_restricted(p.archive.get()) != ARCHIVE_OK
        || archive_write_set_bytes_per_block(p.archive.get(), 0) != ARCHIVE_OK
        || archive_write_open(p.archive.get(), &p, nullptr, &Private::writeCallback, nullptr) != ARCHIVE_OK) {
        return fail(ErrorCode::Internal, "set up the context tar writer: " + archiveError(p.archive.get()).toStdString());
    }
    if (p.spec.directory.isEmpty()) {
        p.walkDone = true;
    } else {
        auto root = p.readDirectory(QFile::encodeName(p.spec.directory), QString());
        if (!root)
            return fail(root.error());
        p.stack.push_back(std::move(*root));
    }
    if (!packer->QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return fail(ErrorCode::Internal, "open the context tar stream: " + packer->errorString().toStdString());
    return packer;
}

qint64 BuildContextPacker::bytesAvailable() const
{
    return d->pending() + QIODevice::bytesAvailable();
}

bool BuildContextPacker::atEnd() const
{
    return d->finished && d->pending() == 0;
}

qint64 BuildContextPacker::readData(char *data, qint64 maxSize)
{
    while (d->pending() < maxSize && !d->finished) {
        if (Status s = d->step(); !s) {
            setErrorString(QString::fromStdString(s.error().message()));
            return -1;
        }
    }
    const qint64 n = qMin<qint64>(maxSize, d->pending());
    if (n > 0) {
        std::memcpy(data, d->out.constData() + d->outPos, size_t(n));
        d->outPos += n;
        if (d->outPos == d->out.size()) {
            d->out.clear();
            d->outPos = 0;
        } else if (d->outPos > 4 * kPiece) {
            d->out.remove(0, d->outPos);
            d->outPos = 0;
        }
    }
    m_bytesRead += n;
    return n;
}

qint64 BuildContextPacker::writeData(const char *, qint64)
{
    return -1;
}

} // namespace Berth::Client
