#include "rootfs.h"

#include <cstdint>
#include <cerrno>
#include <cstring>
#include <initializer_list>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace Berth::Runtime {

ChildText &ChildText::add(const char *s)
{
    while (s && *s && length + 1 < sizeof data)
        data[length++] = *s++;
    data[length] = 0;
    return *this;
}

ChildText &ChildText::add(long value)
{
    char digits[24];
    int n = 0;
    bool negative = value < 0;
    unsigned long v = negative ? static_cast<unsigned long>(-value) : static_cast<unsigned long>(value);
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v && n < 22);
    if (negative)
        digits[n++] = '-';
    char out[24];
    for (int i = 0; i < n; ++i)
        out[i] = digits[n - 1 - i];
    out[n] = 0;
    return add(out);
}

namespace {

bool setFailure(ChildFailure &failure, const char *operation, const char *object, int err)
{
    failure.operation = operation;
    failure.object = object;
    failure.sysErrno = err;
    return false;
}

int openat2Raw(int dirFd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = resolve;
    long fd;
    do {
        fd = syscall(SYS_openat2, dirFd, path, &how, sizeof how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return static_cast<int>(fd);
}

} // namespace

int ensureUnderRoot(int rootFd, const char *path, bool file, bool noSymlinks, ChildFailure &failure)
{
    const uint64_t resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (noSymlinks ? RESOLVE_NO_SYMLINKS : 0);
    int fd = openat2Raw(rootFd, path, O_PATH | (noSymlinks ? O_NOFOLLOW : 0), 0, resolve);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0) {
            close(fd);
            setFailure(failure, "stat mount target", path, errno);
            return -1;
        }
        if (S_ISLNK(st.st_mode)) {
            // Only with noSymlinks: /proc, /sys, /dev must be real directories.
            close(fd);
            setFailure(failure, "refuse a symlink in the image at", path, ELOOP);
            return -1;
        }
        if (!file && !S_ISDIR(st.st_mode)) {
            close(fd);
            setFailure(failure, "mount target is not a directory:", path, ENOTDIR);
            return -1;
        }
        if (file && S_ISDIR(st.st_mode)) {
            close(fd);
            setFailure(failure, "mount target is a directory:", path, EISDIR);
            return -1;
        }
        return fd;
    }
    if (errno != ENOENT) {
        setFailure(failure, noSymlinks ? "open mount target (symlinks refused)" : "open mount target", path, errno);
        return -1;
    }
    // Walk component by component from the root, creating what is missing.
    // Each prefix is re-resolved from the root, so an existing symlink is
    // followed but never out of the root.
    int dirFd = dup(rootFd);
    if (dirFd < 0) {
        setFailure(failure, "dup root fd for", path, errno);
        return -1;
    }
    char prefix[4096];
    unsigned prefixLength = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            ++p;
        if (!*p)
            break;
        unsigned n = 0;
        while (p[n] && p[n] != '/')
            ++n;
        if (n >= 256 || prefixLength + n + 2 >= sizeof prefix) {
            close(dirFd);
            setFailure(failure, "mount target path too long:", path, ENAMETOOLONG);
            return -1;
        }
        prefix[prefixLength++] = '/';
        std::memcpy(prefix + prefixLength, p, n);
        const char *component = prefix + prefixLength;
        prefixLength += n;
        prefix[prefixLength] = 0;
        p += n;
        while (*p == '/')
            ++p;
        const bool last = *p == 0;
        if (last && file) {
            int created = openat2Raw(dirFd, component, O_CREAT | O_WRONLY | O_NOFOLLOW, 0644,
                                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
            if (created < 0 && errno != EEXIST && errno != ELOOP) {
                close(dirFd);
                setFailure(failure, "create mount target file", path, errno);
                return -1;
            }
            if (created >= 0)
                close(created);
        } else if (mkdirat(dirFd, component, 0755) != 0 && errno != EEXIST) {
            close(dirFd);
            setFailure(failure, "create mount target directory", path, errno);
            return -1;
        }
        int next = openat2Raw(rootFd, prefix, O_PATH | (last && file ? 0 : O_DIRECTORY), 0, resolve);
        close(dirFd);
        if (next < 0) {
            setFailure(failure, "open mount target", path, errno);
            return -1;
        }
        dirFd = next;
    }
    return dirFd;
}

bool mountFresh(const char *type, const char *source, const char *const *options, unsigned attrs, int targetFd,
                const char *what, ChildFailure &failure)
{
    int fsFd = fsopen(type, FSOPEN_CLOEXEC);
    if (fsFd < 0)
        return setFailure(failure, "fsopen", what, errno);
    if (source && fsconfig(fsFd, FSCONFIG_SET_STRING, "source", source, 0) != 0) {
        const int err = errno;
        close(fsFd);
        return setFailure(failure, "set mount source for", what, err);
    }
    for (const char *const *opt = options; opt && *opt; ++opt) {
        char key[64];
        const char *eq = std::strchr(*opt, '=');
        int rc;
        if (eq) {
            size_t n = static_cast<size_t>(eq - *opt);
            if (n >= sizeof key)
                n = sizeof key - 1;
            std::memcpy(key, *opt, n);
            key[n] = 0;
            rc = fsconfig(fsFd, FSCONFIG_SET_STRING, key, eq + 1, 0);
        } else {
            rc = fsconfig(fsFd, FSCONFIG_SET_FLAG, *opt, nullptr, 0);
        }
        if (rc != 0) {
            const int err = errno;
            close(fsFd);
            return setFailure(failure, *opt, what, err);
        }
    }
    if (fsconfig(fsFd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
        const int err = errno;
        close(fsFd);
        return setFailure(failure, "create filesystem for", what, err);
    }
    int mntFd = fsmount(fsFd, FSMOUNT_CLOEXEC, attrs);
    const int mountErr = errno;
    close(fsFd);
    if (mntFd < 0)
        return setFailure(failure, "fsmount", what, mountErr);
    const int rc = move_mount(mntFd, "", targetFd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    const int moveErr = errno;
    close(mntFd);
    if (rc != 0)
        return setFailure(failure, "move_mount", what, moveErr);
    return true;
}

bool mountBind(int sourceDirFd, const char *source, bool recursive, bool readonly, int targetFd, const char *what,
               ChildFailure &failure)
{
    int treeFd = open_tree(sourceDirFd, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) | (*source ? 0 : AT_EMPTY_PATH));
    if (treeFd < 0)
        return setFailure(failure, "open_tree", source, errno);
    if (readonly) {
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (mount_setattr(treeFd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) != 0) {
            const int err = errno;
            close(treeFd);
            return setFailure(failure, "make read-only bind of", source, err);
        }
    }
    const int rc = move_mount(treeFd, "", targetFd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    const int err = errno;
    close(treeFd);
    if (rc != 0)
        return setFailure(failure, "move_mount", what, err);
    return true;
}

bool bindReadonlyInPlace(const char *path, ChildFailure &failure)
{
    int target = openat2Raw(AT_FDCWD, path, O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (target < 0) {
        if (errno == ENOENT)
            return true;
        return setFailure(failure, "open read-only path", path, errno);
    }
    int treeFd = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (treeFd < 0) {
        const int err = errno;
        close(target);
        return setFailure(failure, "open_tree", path, err);
    }
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    bool ok = mount_setattr(treeFd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0;
    if (!ok)
        setFailure(failure, "make read-only", path, errno);
    if (ok && move_mount(treeFd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        ok = setFailure(failure, "move_mount read-only", path, errno);
    close(treeFd);
    close(target);
    return ok;
}

bool maskPath(const char *path, ChildFailure &failure)
{
    return maskPath(path, nullptr, failure);
}

bool maskPath(const char *path, int *sharedTmpfs, ChildFailure &failure)
{
    int target = openat2Raw(AT_FDCWD, path, O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (target < 0) {
        if (errno == ENOENT || errno == ELOOP)
            return true;
        return setFailure(failure, "open masked path", path, errno);
    }
    struct stat st;
    if (fstat(target, &st) != 0) {
        const int err = errno;
        close(target);
        return setFailure(failure, "stat masked path", path, err);
    }
    bool ok;
    if (S_ISDIR(st.st_mode) && sharedTmpfs && *sharedTmpfs >= 0) {
        // A bind keeps the mount attributes of what it clones: empty,
        // read-only, nosuid, nodev, noexec. Nothing can be written to it,
        // so one superblock masks every directory.
        ok = mountBind(*sharedTmpfs, "", false, false, target, path, failure);
    } else if (S_ISDIR(st.st_mode)) {
        static const char *const options[] = {"size=0", "mode=755", nullptr};
        ok = mountFresh("tmpfs", "tmpfs", options, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                        target, path, failure);
        if (ok && sharedTmpfs) {
            // The root of the tmpfs just mounted (target names the directory below).
            *sharedTmpfs = openat2Raw(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                                      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
            if (*sharedTmpfs < 0)
                ok = setFailure(failure, "open the masking tmpfs at", path, errno);
        }
    } else {
        // The container's /dev/null must really be the null device
        // (CVE-2025-31133: a swapped /dev/null would unmask the path).
        int nullFd = openat2Raw(AT_FDCWD, "/dev/null", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        struct stat ns;
        if (nullFd < 0 || fstat(nullFd, &ns) != 0 || !S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) {
            if (nullFd >= 0)
                close(nullFd);
            close(target);
            return setFailure(failure, "mask with /dev/null (not the null device)", path, EPERM);
        }
        ok = mountBind(nullFd, "", false, false, target, path, failure);
        close(nullFd);
    }
    close(target);
    return ok;
}

bool mountOverlay(const char *const *lowerDirs, const char *upperDir, const char *workDir, const char *target,
                  bool volatileUpper, ChildFailure &failure)
{
    int fsFd = fsopen("overlay", FSOPEN_CLOEXEC);
    if (fsFd < 0)
        return setFailure(failure, "fsopen overlay for", target, errno);
    auto bad = [&](const char *op, const char *object) {
        const int err = errno;
        close(fsFd);
        return setFailure(failure, op, object, err);
    };
    for (const char *const *lower = lowerDirs; *lower; ++lower) {
        if (fsconfig(fsFd, FSCONFIG_SET_STRING, "lowerdir+", *lower, 0) != 0)
            return bad("add overlay lower dir", *lower);
    }
    if (upperDir && fsconfig(fsFd, FSCONFIG_SET_STRING, "upperdir", upperDir, 0) != 0)
        return bad("set overlay upper dir", upperDir);
    if (workDir && fsconfig(fsFd, FSCONFIG_SET_STRING, "workdir", workDir, 0) != 0)
        return bad("set overlay work dir", workDir);
    fsconfig(fsFd, FSCONFIG_SET_STRING, "redirect_dir", "off", 0);
    fsconfig(fsFd, FSCONFIG_SET_STRING, "metacopy", "off", 0);
    if (volatileUpper && upperDir && fsconfig(fsFd, FSCONFIG_SET_FLAG, "volatile", nullptr, 0) != 0)
        return bad("set overlay option volatile for", target);
    if (fsconfig(fsFd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
        return bad("mount overlay on", target);
    const int mntFd = fsmount(fsFd, FSMOUNT_CLOEXEC, 0);
    if (mntFd < 0)
        return bad("fsmount overlay on", target);
    close(fsFd);
    const int rc = move_mount(mntFd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
    const int err = errno;
    close(mntFd);
    if (rc != 0)
        return setFailure(failure, "move_mount overlay on", target, err);
    return true;
}

bool populateDev(int devFd, ChildFailure &failure)
{
    struct Node
    {
        const char *name;
        unsigned major, minor;
    };
    static const Node nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
                                 {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
    for (const auto &node : nodes) {
        if (mknodat(devFd, node.name, S_IFCHR | 0666, makedev(node.major, node.minor)) != 0 && errno != EEXIST)
            return setFailure(failure, "mknod /dev/", node.name, errno);
        if (fchmodat(devFd, node.name, 0666, 0) != 0)
            return setFailure(failure, "chmod /dev/", node.name, errno);
    }
    struct Link
    {
        const char *name, *target;
    };
    static const Link links[] = {{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
                                 {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
                                 {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"}};
    for (const auto &link : links) {
        if (symlinkat(link.target, devFd, link.name) != 0 && errno != EEXIST)
            return setFailure(failure, "symlink /dev/", link.name, errno);
    }
    for (const char *dir : {"pts", "shm", "mqueue"}) {
        if (mkdirat(devFd, dir, 0755) != 0 && errno != EEXIST)
            return setFailure(failure, "mkdir /dev/", dir, errno);
    }
    return true;
}

} // namespace Berth::Runtime
