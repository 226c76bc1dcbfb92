#pragma once

// Mount helpers for the container child (async-signal-safe: syscalls only).
// They act on fds: targets are resolved inside the root with
// openat2(RESOLVE_IN_ROOT) and mounts are attached with move_mount onto the
// resolved fd (crun's safe_openat model), so a symlink planted in the image
// cannot redirect a mount to the host.

#include <sys/types.h>

namespace Berth::Runtime {

// Fixed-size text for error messages built without allocation.
struct ChildText
{
    char data[1024];
    unsigned length = 0;
    ChildText() { data[0] = 0; }
    ChildText &add(const char *s);
    ChildText &add(long value);
};

// A failed step: what it did (with the object) and the errno.
struct ChildFailure
{
    const char *operation = nullptr;
    const char *object = nullptr;
    int sysErrno = 0;
    bool failed() const { return operation != nullptr; }
};

// Opens `path` under rootFd (O_PATH), creating missing directories (mode
// 0755) and, when `file` is true, an empty regular file as the last part.
// `noSymlinks` refuses any symlink on the way (for /proc, /sys, /dev).
int ensureUnderRoot(int rootFd, const char *path, bool file, bool noSymlinks, ChildFailure &failure);

// Mounts a fresh filesystem of `type` with string options ("key=value" or
// flags "key") onto the fd. attrs: MOUNT_ATTR_*.
bool mountFresh(const char *type, const char *source, const char *const *options, unsigned attrs, int targetFd,
                const char *what, ChildFailure &failure);
// Bind-mounts `source` (host path or below the current root) onto the fd.
bool mountBind(int sourceDirFd, const char *source, bool recursive, bool readonly, int targetFd, const char *what,
               ChildFailure &failure);
// Remounts the mount at `path` (below the current root) read-only.
bool bindReadonlyInPlace(const char *path, ChildFailure &failure);
// Masks `path` (below the current root): /dev/null over a file (checked to
// be c 1:3), a read-only empty tmpfs over a directory. Missing: nothing.
bool maskPath(const char *path, ChildFailure &failure);
// The same, where every masked directory after the first gets a bind of the
// first one's empty read-only tmpfs (*sharedTmpfs: -1 at first, then an
// O_PATH fd of it for the caller to close) instead of a tmpfs of its own.
bool maskPath(const char *path, int *sharedTmpfs, ChildFailure &failure);

// Mounts overlayfs (lower dirs top first, nullptr-terminated) on `target`
// (a host path), with redirect_dir and metacopy off; `volatileUpper` adds
// overlayfs's "volatile" (no syncs of the upper dir; see RootfsSpec).
bool mountOverlay(const char *const *lowerDirs, const char *upperDir, const char *workDir, const char *target,
                  bool volatileUpper, ChildFailure &failure);

// Creates the default device nodes and links in the container's /dev.
bool populateDev(int devFd, ChildFailure &failure);

} // namespace Berth::Runtime
