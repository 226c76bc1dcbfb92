#pragma once

// The container's own mounts (the /etc files, volumes, binds, tmpfs) for
// the container child, and docker's volume copy-up (async-signal-safe:
// syscalls and stack buffers only, no allocation).

#include "childplan.h"
#include "rootfs.h"
#include "spec.h"

#include <base/result.h>

#include <deque>
#include <vector>

namespace Berth::Runtime {

// When the directory `dstDirFd` (a volume's _data on the host) is empty,
// copies the tree below `srcDirFd` (the image's directory at the mount
// destination, inside the container's rootfs) into it: regular files,
// directories, symlinks (as links, never followed), fifos and device nodes,
// with owner, mode (setuid/setgid/sticky too) and modification times; then
// gives the volume directory the source directory's owner and mode (moby's
// copyExistingContents + copyOwnership). Every name is opened relative to
// its parent's fd with O_NOFOLLOW, so a symlink in the image can neither
// redirect a read to the host nor a write out of the volume. Hard links
// are copied as separate files; extended attributes are not copied.
// A non-empty volume is left as it is (true).
bool copyUpIfEmpty(int srcDirFd, int dstDirFd, const char *what, ChildFailure &failure);

// Mounts one PlanMount below rootFd: the destination is resolved inside the
// root (ensureUnderRoot: a symlink in the image stays inside it; missing
// directories, or an empty file for a file bind, are created), then a
// fresh filesystem (tmpfs) or a bind of the host source is attached to
// that fd, read-only and with its propagation when asked, after the
// copy-up for volumes.
bool applyUserMount(int rootFd, const PlanMount &mount, ChildFailure &failure);

// Before the fork (allocates): the PlanMount for one spec mount. The
// strings stay owned by `spec` and the option arrays by `optionStore`, both
// of which must outlive the child. A bind source that does not exist is an
// error naming it.
Result<PlanMount> planUserMount(const MountSpec &spec, std::deque<std::vector<const char *>> &optionStore);

} // namespace Berth::Runtime
