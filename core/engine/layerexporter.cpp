#include "layerexporter.h"

#include "archivehandle.h"
#include "fsutil.h"
#include "sha256hasher.h"

#include <base/uniquefd.h>

#include <QHash>
#include <QList>

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

namespace {

struct InodeKey
{
    dev_t dev;
    ino_t ino;
    friend bool operator==(const InodeKey &a, const InodeKey &b) { return a.dev == b.dev && a.ino == b.ino; }
};

size_t qHash(const InodeKey &k, size_t seed = 0)
{
    return ::qHash(quint64(k.ino), seed) ^ ::qHash(quint64(k.dev), seed);
}

class Exporter
{
public:
    explicit Exporter(int outFd) : m_outFd(outFd) {}
    // the archive may still flush through writeCallback while being freed
    ~Exporter() { m_archive.reset(); }

    static la_ssize_t writeCallback(struct archive *a, void *self, const void *buffer, size_t length)
    {
        auto *e = static_cast<Exporter *>(self);
        if (auto st = writeAll(e->m_outFd, static_cast<const char *>(buffer), length, QStringLiteral("layer tar")); !st) {
            archive_set_error(a, st.error().sysErrno(), "%s", st.error().toString().c_str());
            return -1;
        }
        e->m_hasher.addData(buffer, length);
        e->m_size += length;
        return la_ssize_t(length);
    }

    Result<LayerTarInfo> run(const QString &dir)
    {
        auto root = openDirectory(dir);
        if (!root)
            return std::unexpected(root.error());
        m_archive.reset(archive_write_new());
        archive_write_set_format_pax_restricted(m_archive.get());
        archive_write_add_filter_none(m_archive.get());
        archive_write_set_bytes_in_last_block(m_archive.get(), 1);
        if (archive_write_open2(m_archive.get(), this, nullptr, &Exporter::writeCallback, nullptr, nullptr) != ARCHIVE_OK)
            return archiveError(QStringLiteral("open tar writer"));
        if (auto st = walk(root->get(), QByteArray()); !st)
            return std::unexpected(st.error());
        if (archive_write_close(m_archive.get()) != ARCHIVE_OK)
            return archiveError(QStringLiteral("finish tar"));
        return LayerTarInfo{m_hasher.finish(), m_size};
    }

private:
    std::unexpected<Error> archiveError(const QString &what)
    {
        return failWith(ErrorCode::Io, what + QStringLiteral(": ")
                                           + QString::fromUtf8(archive_error_string(m_archive.get())));
    }

    Result<QList<QByteArray>> sortedChildren(int dirFd, const QByteArray &path)
    {
        const int dupFd = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
        DIR *d = dupFd >= 0 ? ::fdopendir(dupFd) : nullptr;
        if (!d) {
            const int err = errno;
            if (dupFd >= 0)
                ::close(dupFd);
            return sysFail(QStringLiteral("read directory ") + QString::fromUtf8(path), err);
        }
        ::rewinddir(d);
        QList<QByteArray> names;
        while (struct dirent *ent = ::readdir(d)) {
            if (qstrcmp(ent->d_name, ".") && qstrcmp(ent->d_name, ".."))
                names.append(QByteArray(ent->d_name));
        }
        ::closedir(d);
        std::sort(names.begin(), names.end());
        return names;
    }

    void addXattrs(struct archive_entry *entry, int fd, bool *opaque)
    {
        char list[16 * 1024];
        const ssize_t n = ::flistxattr(fd, list, sizeof list);
        if (n <= 0)
            return;
        QList<QByteArray> names;
        for (const char *p = list; p < list + n; p += qstrlen(p) + 1)
            names.append(QByteArray(p));
        std::sort(names.begin(), names.end());
        for (const QByteArray &name : names) {
            if (name == "trusted.overlay.opaque" || name == "user.overlay.opaque") {
                char v = 0;
                if (::fgetxattr(fd, name.constData(), &v, 1) == 1 && v == 'y')
                    *opaque = true;
                continue;
            }
            if (!name.startsWith("user.") && name != "security.capability")
                continue;
            QByteArray value(64 * 1024, Qt::Uninitialized);
            const ssize_t len = ::fgetxattr(fd, name.constData(), value.data(), size_t(value.size()));
            if (len >= 0)
                archive_entry_xattr_add_entry(entry, name.constData(), value.constData(), size_t(len));
        }
    }

    Status writeHeader(struct archive_entry *entry, const QByteArray &path)
    {
        if (archive_write_header(m_archive.get(), entry) != ARCHIVE_OK)
            return archiveError(QStringLiteral("write tar header for ") + QString::fromUtf8(path));
        return {};
    }

    Status writeFileData(int fd, qint64 size, const QByteArray &path)
    {
        QByteArray buf(128 * 1024, Qt::Uninitialized);
        qint64 done = 0;
        while (done < size) {
            const ssize_t n = ::read(fd, buf.data(), size_t(qMin<qint64>(buf.size(), size - done)));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return sysFail(QStringLiteral("read ") + QString::fromUtf8(path), errno);
            }
            if (n == 0)
                return failWith(ErrorCode::Io, QStringLiteral("read %1: file shrank while being archived")
                                                   .arg(QString::fromUtf8(path)));
            if (archive_write_data(m_archive.get(), buf.constData(), size_t(n)) < 0)
                return archiveError(QStringLiteral("write tar data for ") + QString::fromUtf8(path));
            done += n;
        }
        return {};
    }

    Status walk(int dirFd, const QByteArray &prefix)
    {
        auto names = sortedChildren(dirFd, prefix);
        if (!names)
            return std::unexpected(names.error());
        for (const QByteArray &name : *names) {
            const QByteArray path = prefix.isEmpty() ? name : prefix + '/' + name;
            struct stat st;
            if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return sysFail(QStringLiteral("stat ") + QString::fromUtf8(path), errno);
            ArchiveEntryPtr entry(archive_entry_new());
            archive_entry_set_uid(entry.get(), st.st_uid);
            archive_entry_set_gid(entry.get(), st.st_gid);
            archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

            if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0) {
                const QByteArray wh = (prefix.isEmpty() ? QByteArray() : prefix + '/') + ".wh." + name;
                archive_entry_set_pathname(entry.get(), wh.constData());
                archive_entry_set_filetype(entry.get(), AE_IFREG);
                archive_entry_set_perm(entry.get(), 0);
                archive_entry_set_size(entry.get(), 0);
                if (auto r = writeHeader(entry.get(), wh); !r)
                    return r;
                continue;
            }
            if (S_ISDIR(st.st_mode)) {
                const int fd = ::openat(dirFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                    return sysFail(QStringLiteral("open directory ") + QString::fromUtf8(path), errno);
                UniqueFd child(fd);
                const QByteArray dirPath = path + '/';
                archive_entry_set_pathname(entry.get(), dirPath.constData());
                archive_entry_set_mode(entry.get(), st.st_mode);
                bool opaque = false;
                addXattrs(entry.get(), fd, &opaque);
                if (auto r = writeHeader(entry.get(), path); !r)
                    return r;
                if (opaque) {
                    ArchiveEntryPtr marker(archive_entry_new());
                    const QByteArray mp = path + "/.wh..wh..opq";
                    archive_entry_set_pathname(marker.get(), mp.constData());
                    archive_entry_set_filetype(marker.get(), AE_IFREG);
                    archive_entry_set_perm(marker.get(), 0);
                    archive_entry_set_size(marker.get(), 0);
                    archive_entry_set_mtime(marker.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
                    if (auto r = writeHeader(marker.get(), mp); !r)
                        return r;
                }
                if (auto r = walk(fd, path); !r)
                    return r;
                continue;
            }
            archive_entry_set_pathname(entry.get(), path.constData());
            archive_entry_set_mode(entry.get(), st.st_mode);
            if (st.st_nlink > 1) {
                const InodeKey key{st.st_dev, st.st_ino};
                const auto it = m_seen.constFind(key);
                if (it != m_seen.constEnd()) {
                    archive_entry_set_hardlink(entry.get(), it->constData());
                    archive_entry_set_size(entry.get(), 0);
                    if (auto r = writeHeader(entry.get(), path); !r)
                        return r;
                    continue;
                }
                m_seen.insert(key, path);
            }
            if (S_ISLNK(st.st_mode)) {
                QByteArray target(qMax<qsizetype>(st.st_size, 0) + 1, Qt::Uninitialized);
                const ssize_t n = ::readlinkat(dirFd, name.constData(), target.data(), size_t(target.size()));
                if (n < 0)
                    return sysFail(QStringLiteral("readlink ") + QString::fromUtf8(path), errno);
                target.truncate(n);
                archive_entry_set_symlink(entry.get(), target.constData());
                if (auto r = writeHeader(entry.get(), path); !r)
                    return r;
            } else if (S_ISREG(st.st_mode)) {
                const int fd = ::openat(dirFd, name.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                    return sysFail(QStringLiteral("open ") + QString::fromUtf8(path), errno);
                UniqueFd file(fd);
                archive_entry_set_size(entry.get(), st.st_size);
                bool opaque = false;
                addXattrs(entry.get(), fd, &opaque);
                if (auto r = writeHeader(entry.get(), path); !r)
                    return r;
                if (auto r = writeFileData(fd, st.st_size, path); !r)
                    return r;
            } else if (S_ISFIFO(st.st_mode)) {
                if (auto r = writeHeader(entry.get(), path); !r)
                    return r;
            } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                archive_entry_set_rdev(entry.get(), st.st_rdev);
                if (auto r = writeHeader(entry.get(), path); !r)
                    return r;
            }
            // sockets are not archived (docker skips them too)
        }
        return {};
    }

    int m_outFd;
    ArchiveWritePtr m_archive;
    Sha256Hasher m_hasher;
    quint64 m_size = 0;
    QHash<InodeKey, QByteArray> m_seen;
};

} // namespace

Result<LayerTarInfo> LayerExporter::exportDirectory(const QString &dir, int outFd)
{
    Exporter e(outFd);
    return e.run(dir);
}

} // namespace Berth::Engine
