#pragma once

// Builds test tars (plain, gzip or zstd) in memory with libarchive's write API.

#include <archive.h>
#include <archive_entry.h>

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QPair>

#include <fcntl.h>
#include <sys/stat.h>

class TarBuilder
{
public:
    enum class Compression { None, Gzip, Zstd };

    struct Entry
    {
        QByteArray path;
        mode_t type = AE_IFREG;
        int perm = 0644;
        QByteArray data;
        QByteArray link;     // symlink target
        QByteArray hardlink; // hardlink target
        qint64 mtime = 1700000000;
        int uid = 0;
        int gid = 0;
        dev_t rdev = 0;
        QList<QPair<QByteArray, QByteArray>> xattrs;
        QList<QPair<qint64, qint64>> sparse; // (offset, length) data regions; data holds them back to back
        qint64 sparseSize = -1;
    };

    TarBuilder &file(const QByteArray &path, const QByteArray &data, int perm = 0644)
    {
        Entry e;
        e.path = path;
        e.data = data;
        e.perm = perm;
        m_entries.append(e);
        return *this;
    }
    TarBuilder &dir(const QByteArray &path, int perm = 0755)
    {
        Entry e;
        e.path = path;
        e.type = AE_IFDIR;
        e.perm = perm;
        m_entries.append(e);
        return *this;
    }
    TarBuilder &symlink(const QByteArray &path, const QByteArray &target)
    {
        Entry e;
        e.path = path;
        e.type = AE_IFLNK;
        e.perm = 0777;
        e.link = target;
        m_entries.append(e);
        return *this;
    }
    TarBuilder &hardlink(const QByteArray &path, const QByteArray &target)
    {
        Entry e;
        e.path = path;
        e.hardlink = target;
        m_entries.append(e);
        return *this;
    }
    TarBuilder &device(const QByteArray &path, mode_t type, dev_t rdev)
    {
        Entry e;
        e.path = path;
        e.type = type;
        e.rdev = rdev;
        m_entries.append(e);
        return *this;
    }
    TarBuilder &add(const Entry &e)
    {
        m_entries.append(e);
        return *this;
    }

    QByteArray build(Compression c = Compression::None) const
    {
        QByteArray out;
        struct archive *a = archive_write_new();
        archive_write_set_format_pax(a);
        if (c == Compression::Gzip)
            archive_write_add_filter_gzip(a);
        else if (c == Compression::Zstd)
            archive_write_add_filter_zstd(a);
        archive_write_set_bytes_in_last_block(a, 1);
        archive_write_open2(a, &out, nullptr, &TarBuilder::append, nullptr, nullptr);
        for (const Entry &e : m_entries) {
            struct archive_entry *ae = archive_entry_new();
            archive_entry_set_pathname(ae, e.path.constData());
            archive_entry_set_mtime(ae, e.mtime, 0);
            archive_entry_set_uid(ae, e.uid);
            archive_entry_set_gid(ae, e.gid);
            for (const auto &x : e.xattrs)
                archive_entry_xattr_add_entry(ae, x.first.constData(), x.second.constData(), size_t(x.second.size()));
            if (!e.hardlink.isEmpty()) {
                archive_entry_set_filetype(ae, AE_IFREG);
                archive_entry_set_perm(ae, e.perm);
                archive_entry_set_hardlink(ae, e.hardlink.constData());
                archive_entry_set_size(ae, 0);
            } else {
                archive_entry_set_filetype(ae, e.type);
                archive_entry_set_perm(ae, e.perm);
                if (e.type == AE_IFLNK)
                    archive_entry_set_symlink(ae, e.link.constData());
                if (e.type == AE_IFCHR || e.type == AE_IFBLK)
                    archive_entry_set_rdev(ae, e.rdev);
                if (e.type == AE_IFREG) {
                    if (!e.sparse.isEmpty()) {
                        archive_entry_set_size(ae, e.sparseSize);
                        for (const auto &s : e.sparse)
                            archive_entry_sparse_add_entry(ae, s.first, s.second);
                    } else {
                        archive_entry_set_size(ae, e.data.size());
                    }
                }
            }
            archive_write_header(a, ae);
            if (e.type == AE_IFREG && e.hardlink.isEmpty() && !e.sparse.isEmpty()) {
                // libarchive wants the logical content and drops the holes itself
                QByteArray logical(e.sparseSize, '\0');
                qint64 consumed = 0;
                for (const auto &s : e.sparse) {
                    logical.replace(s.first, s.second, e.data.mid(consumed, s.second));
                    consumed += s.second;
                }
                archive_write_data(a, logical.constData(), size_t(logical.size()));
            } else if (e.type == AE_IFREG && e.hardlink.isEmpty() && !e.data.isEmpty()) {
                archive_write_data(a, e.data.constData(), size_t(e.data.size()));
            }
            archive_entry_free(ae);
        }
        archive_write_close(a);
        archive_write_free(a);
        return out;
    }

    // Writes the tar to a file and returns an open read fd (caller closes).
    static int toFd(const QByteArray &tar, const QString &path)
    {
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(tar);
        f.close();
        return ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    }

private:
    static la_ssize_t append(struct archive *, void *self, const void *buf, size_t len)
    {
        static_cast<QByteArray *>(self)->append(static_cast<const char *>(buf), qsizetype(len));
        return la_ssize_t(len);
    }

    QList<Entry> m_entries;
};
