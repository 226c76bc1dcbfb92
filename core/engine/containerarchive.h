#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QByteArray>
#include <QString>

#include <memory>

namespace Berth::Engine {

// docker's container path stat (X-Docker-Container-Path-Stat, engine-api.md 6.6).
struct ContainerPathStat
{
    QString name;       // base name ("/" for the root)
    qint64 size = 0;
    quint32 mode = 0;   // permission bits | Go os.FileMode type bits
    qint64 mtimeNs = 0;
    QString linkTarget; // symlink target, not followed

    bool isDir() const { return mode & kGoModeDir; }
    bool isSymlink() const { return mode & kGoModeSymlink; }
    // base64 (standard alphabet) of the JSON {"name","size","mode","mtime","linkTarget"}.
    QByteArray toHeaderValue() const;

    static constexpr quint32 kGoModeDir = 1u << 31;
    static constexpr quint32 kGoModeSymlink = 1u << 27;
    static constexpr quint32 kGoModeDevice = 1u << 26;
    static constexpr quint32 kGoModeNamedPipe = 1u << 25;
    static constexpr quint32 kGoModeSocket = 1u << 24;
    static constexpr quint32 kGoModeSetuid = 1u << 23;
    static constexpr quint32 kGoModeSetgid = 1u << 22;
    static constexpr quint32 kGoModeCharDevice = 1u << 21;
    static constexpr quint32 kGoModeSticky = 1u << 20;
    static quint32 goFileMode(unsigned stMode);
};

struct ContainerExtractOptions
{
    bool noOverwriteDirNonDir = false; // refuse to replace a dir by a non-dir or the reverse (400)
    bool copyUidGid = false;           // keep the tar's uid/gid (cp -a); else root owns everything
};

// docker cp against a container's root filesystem, given as a directory fd of
// its "/" (RootfsHandle::dirFd(): /proc/<pid>/root or the shim's rootfs
// mount; any directory in tests).
//
// Every path is resolved by the kernel inside that root: openat2 with
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, so a symlink in the container
// (absolute, "..", or to /proc/self/root) never leads out of it. The final
// component is never followed: it is acted on with *at calls on its parent's
// fd and AT_SYMLINK_NOFOLLOW / O_NOFOLLOW.
//
// Errors are docker's: NotFound for a missing path (the route words it
// "Could not find the file <path> in container <ref>"), InvalidArgument for
// a destination that is not a directory, an overwrite refused by
// noOverwriteDirNonDir, or input that is not a tar; PermissionDenied for a
// read-only file system.
class ContainerArchive
{
public:
    ~ContainerArchive();

    // HEAD /containers/{id}/archive: the parent is resolved in the root,
    // the last component is not followed.
    static Result<ContainerPathStat> stat(int rootFd, const QString &path);

    // GET /containers/{id}/archive: a tar of the path, produced as read()
    // is called, never more than a block of a file in memory. Names follow
    // docker: the base name ("f.txt", or "dir/" and "dir/..."); "dir/."
    // gives the directory's content as "./...". Symlinks are stored as
    // symlinks, hard links within the tree as hard links.
    static Result<std::unique_ptr<ContainerArchive>> open(int rootFd, const QString &path);
    const ContainerPathStat &pathStat() const { return m_stat; }
    // The next piece of the tar (about `wanted` bytes); empty at the end.
    Result<QByteArray> read(qsizetype wanted = 256 * 1024);
    bool atEnd() const;

    // PUT /containers/{id}/archive: extracts the tar read from tarFd (plain,
    // gzip or zstd) into the existing directory destDir.
    static Status extract(int rootFd, const QString &destDir, int tarFd, const ContainerExtractOptions &options);

    // openat2(rootFd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
    static Result<UniqueFd> openInRoot(int rootFd, const QString &path, int flags);

private:
    ContainerArchive();
    class Private;
    std::unique_ptr<Private> d;
    ContainerPathStat m_stat;
};

} // namespace Berth::Engine
