#pragma once

// Thin wrappers for the Linux calls glibc 2.36 does not wrap, and small
// fd and file helpers shared by the shim's modules.

#include <base/result.h>
#include <base/uniquefd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace Berth::Runtime {

// openat2(2) with RESOLVE_IN_ROOT: opens `path` as if `rootFd` were "/".
// Symlinks and ".." never leave the root; magic links are refused.
int openInRoot(int rootFd, const char *path, int flags, mode_t mode = 0);

// clone3(2) without a new stack: returns like fork(). `pidfd` receives the
// child's pidfd; `cgroupFd` >= 0 places the child in that cgroup (v2).
pid_t cloneProcess(uint64_t flags, int *pidfd, int cgroupFd = -1);

int pidfdSendSignal(int pidfd, int signal);
int pivotRoot(const char *newRoot, const char *putOld);

// Writes everything or fails (EINTR and partial writes handled).
Status writeAll(int fd, std::string_view data, std::string_view what);
// Reads a whole (small) file.
Result<std::string> readFileAt(int dirFd, const char *path, std::string_view what);
// Writes `content` to an existing file (cgroupfs, procfs).
Status writeFileAt(int dirFd, const char *path, std::string_view content);

// temp + fsync + rename + directory fsync, relative to dirFd. Without
// `durable`, temp + rename only: readers never see a torn file, but the file
// may be gone after a crash (fine for what a reboot invalidates anyway).
Status writeFileAtomic(int dirFd, const std::string &name, std::string_view content, mode_t mode = 0644, bool durable = true);

// Field 22 of /proc/PID/stat: the start time in clock ticks.
Result<unsigned long long> processStartTime(pid_t pid);

// "2026-11-28T01:02:03.123456789Z" for CLOCK_REALTIME now.
std::string rfc3339Now();

// Sets O_NONBLOCK on an fd.
Status setNonBlocking(int fd);

} // namespace Berth::Runtime
