#include "usermounts.h"

#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

constexpr int kMaxDepth = 256;

struct LinuxDirent64
{
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

bool setFailure(ChildFailure &failure, const char *operation, const char *object, int err)
{
    failure.operation = operation;
    failure.object = object;
    failure.sysErrno = err;
    return false;
}

bool isDotOrDotDot(const char *name)
{
    return name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));
}

// 1: empty, 0: has entries, -1: error (errno).
int isEmptyDir(int dirFd)
{
    alignas(LinuxDirent64) char buffer[1024];
    const int fd = openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    for (;;) {
        const long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n < 0) {
            const int err = errno;
            close(fd);
            errno = err;
            return -1;
        }
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            const auto *d = reinterpret_cast<const LinuxDirent64 *>(buffer + off);
            off += d->d_reclen;
            if (!isDotOrDotDot(d->d_name)) {
                close(fd);
                return 0;
            }
        }
    }
    close(fd);
    return 1;
}

bool copyData(int in, int out, const char *what, ChildFailure &failure)
{
    for (;;) {
        const ssize_t n = sendfile(out, in, nullptr, 1 << 30);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EINVAL || errno == ENOSYS)
                break; // fall back to read/write
            return setFailure(failure, "copy the data of", what, errno);
        }
        if (n == 0)
            return true;
    }
    static char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = read(in, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return setFailure(failure, "read", what, errno);
        }
        if (n == 0)
            return true;
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = write(out, buffer + done, static_cast<size_t>(n - done));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return setFailure(failure, "write", what, errno);
            }
            done += w;
        }
    }
}

// Owner, then mode (chown clears setuid/setgid), then times, on an open fd.
bool applyMetadata(int fd, const struct stat &st, const char *what, ChildFailure &failure)
{
    if (fchown(fd, st.st_uid, st.st_gid) != 0)
        return setFailure(failure, "chown", what, errno);
    if (fchmod(fd, st.st_mode & 07777) != 0)
        return setFailure(failure, "chmod", what, errno);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (futimens(fd, times) != 0)
        return setFailure(failure, "set the times of", what, errno);
    return true;
}

bool copyEntry(int srcDir, int dstDir, const char *name, int depth, const char *what, ChildFailure &failure);

bool copyChildren(int srcDir, int dstDir, int depth, const char *what, ChildFailure &failure)
{
    if (depth > kMaxDepth)
        return setFailure(failure, "copy (directory tree too deep)", what, ELOOP);
    alignas(LinuxDirent64) char buffer[4096];
    const int listFd = openat(srcDir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (listFd < 0)
        return setFailure(failure, "open a directory below", what, errno);
    for (;;) {
        const long n = syscall(SYS_getdents64, listFd, buffer, sizeof buffer);
        if (n < 0) {
            const int err = errno;
            close(listFd);
            return setFailure(failure, "list a directory below", what, err);
        }
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            const auto *d = reinterpret_cast<const LinuxDirent64 *>(buffer + off);
            off += d->d_reclen;
            if (isDotOrDotDot(d->d_name))
                continue;
            if (!copyEntry(srcDir, dstDir, d->d_name, depth, what, failure)) {
                close(listFd);
                return false;
            }
        }
    }
    close(listFd);
    return true;
}

bool copyEntry(int srcDir, int dstDir, const char *name, int depth, const char *what, ChildFailure &failure)
{
    struct stat st;
    if (fstatat(srcDir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return setFailure(failure, "stat an entry below", what, errno);
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(dstDir, name, 0700) != 0 && errno != EEXIST)
            return setFailure(failure, "mkdir below", what, errno);
        const int src = openat(srcDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
            return setFailure(failure, "open a directory below", what, errno);
        const int dst = openat(dstDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0) {
            const int err = errno;
            close(src);
            return setFailure(failure, "open a new directory below", what, err);
        }
        bool ok = copyChildren(src, dst, depth + 1, what, failure) && applyMetadata(dst, st, what, failure);
        close(src);
        close(dst);
        return ok;
    }
    if (S_ISREG(st.st_mode)) {
        const int src = openat(srcDir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (src < 0)
            return setFailure(failure, "open a file below", what, errno);
        const int dst = openat(dstDir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst < 0) {
            const int err = errno;
            close(src);
            if (err == EEXIST)
                return true; // another container filled the volume at the same time
            return setFailure(failure, "create a file below", what, err);
        }
        bool ok = copyData(src, dst, what, failure) && applyMetadata(dst, st, what, failure);
        close(src);
        close(dst);
        return ok;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        const ssize_t n = readlinkat(srcDir, name, target, sizeof target - 1);
        if (n < 0)
            return setFailure(failure, "read a symlink below", what, errno);
        target[n] = 0;
        if (symlinkat(target, dstDir, name) != 0)
            return errno == EEXIST ? true : setFailure(failure, "create a symlink below", what, errno);
        if (fchownat(dstDir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
            return setFailure(failure, "chown a symlink below", what, errno);
        const struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (utimensat(dstDir, name, times, AT_SYMLINK_NOFOLLOW) != 0)
            return setFailure(failure, "set the times of a symlink below", what, errno);
        return true;
    }
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        if (mknodat(dstDir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0)
            return errno == EEXIST ? true : setFailure(failure, "mknod below", what, errno);
        if (fchownat(dstDir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0
            || fchmodat(dstDir, name, st.st_mode & 07777, 0) != 0)
            return setFailure(failure, "set the owner and mode of a node below", what, errno);
        return true;
    }
    return true; // sockets: nothing to copy (docker skips them too)
}

} // namespace

bool copyUpIfEmpty(int srcDirFd, int dstDirFd, const char *what, ChildFailure &failure)
{
    const int empty = isEmptyDir(dstDirFd);
    if (empty < 0)
        return setFailure(failure, "list the volume for", what, errno);
    if (empty == 0)
        return true;
    if (!copyChildren(srcDirFd, dstDirFd, 0, what, failure))
        return false;
    struct stat st;
    if (fstat(srcDirFd, &st) != 0)
        return setFailure(failure, "stat the image directory at", what, errno);
    if (fchown(dstDirFd, st.st_uid, st.st_gid) != 0)
        return setFailure(failure, "chown the volume for", what, errno);
    if (fchmod(dstDirFd, st.st_mode & 07777) != 0)
        return setFailure(failure, "chmod the volume for", what, errno);
    return true;
}

Result<PlanMount> planUserMount(const MountSpec &spec, std::deque<std::vector<const char *>> &optionStore)
{
    PlanMount m;
    m.destination = spec.destination.c_str();
    m.readonly = spec.readonly;
    if (spec.type == MountSpec::Type::Tmpfs) {
        m.bind = false;
        m.source = "tmpfs";
        m.sourceIsDir = true;
        auto &options = optionStore.emplace_back();
        for (const auto &o : spec.options)
            options.push_back(o.c_str());
        options.push_back(nullptr);
        m.options = options.data();
        m.attrs = (spec.readonly ? MOUNT_ATTR_RDONLY : 0) | (spec.noexec ? MOUNT_ATTR_NOEXEC : 0)
                  | (spec.nosuid ? MOUNT_ATTR_NOSUID : 0) | (spec.nodev ? MOUNT_ATTR_NODEV : 0);
        return m;
    }
    struct stat st;
    if (stat(spec.source.c_str(), &st) != 0)
        return std::unexpected(Error::fromErrno("stat mount source " + spec.source, errno));
    m.bind = true;
    m.source = spec.source.c_str();
    m.sourceIsDir = S_ISDIR(st.st_mode);
    m.copyUp = spec.copyUp;
    const std::string &p = spec.propagation;
    m.propagationRecursive = p.empty() || p.front() == 'r';
    const std::string base = p.empty() ? std::string() : (p.front() == 'r' ? p.substr(1) : p);
    m.propagation = base == "shared" ? MS_SHARED : base == "slave" ? MS_SLAVE : base == "private" ? MS_PRIVATE : 0;
    return m;
}

bool applyUserMount(int rootFd, const PlanMount &m, ChildFailure &failure)
{
    const int target = ensureUnderRoot(rootFd, m.destination, !m.sourceIsDir, false, failure);
    if (target < 0)
        return false;
    if (!m.bind) {
        const bool ok = mountFresh(m.source, m.source, m.options, m.attrs, target, m.destination, failure);
        close(target);
        return ok;
    }
    if (m.copyUp && m.sourceIsDir) {
        const int src = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src < 0) {
            const int err = errno;
            close(target);
            return setFailure(failure, "open the image directory at", m.destination, err);
        }
        const int dst = open(m.source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0) {
            const int err = errno;
            close(src);
            close(target);
            return setFailure(failure, "open the volume directory", m.source, err);
        }
        const bool ok = copyUpIfEmpty(src, dst, m.destination, failure);
        close(src);
        close(dst);
        if (!ok) {
            close(target);
            return false;
        }
    }
    const int tree = open_tree(AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree < 0) {
        const int err = errno;
        close(target);
        return setFailure(failure, "open_tree", m.source, err);
    }
    if (m.readonly) {
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
            const int err = errno;
            close(tree);
            close(target);
            return setFailure(failure, "make read-only bind of", m.source, err);
        }
    }
    const int rc = move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    const int moveErr = errno;
    close(target);
    if (rc != 0) {
        close(tree);
        return setFailure(failure, "move_mount", m.destination, moveErr);
    }
    if (m.propagation != 0) {
        // On the attached tree (a detached clone cannot become shared).
        struct mount_attr attr = {};
        attr.propagation = m.propagation;
        if (mount_setattr(tree, "", AT_EMPTY_PATH | (m.propagationRecursive ? AT_RECURSIVE : 0), &attr, sizeof attr)
            != 0) {
            const int err = errno;
            close(tree);
            return setFailure(failure, "set the propagation of", m.destination, err);
        }
    }
    close(tree);
    return true;
}

} // namespace Berth::Runtime
