#pragma once

// Everything the container child needs between clone() and execve(),
// computed by the shim beforehand: the child only reads these fields and
// makes syscalls (style.md D5: no allocation, no logging, no Qt there).

#include "capabilities.h"
#include "seccomp.h"

#include <cstdint>

#include <sys/types.h>

namespace Berth::Runtime {

inline constexpr int kMaxGroups = 64;
inline constexpr int kChildPathMax = 4096;

// Messages on the sync socket (SOCK_SEQPACKET): one struct per message.
enum class SyncKind : int32_t {
    Go = 1,        // shim -> child: cgroup and network are ready
    Ready = 2,     // child -> shim: rootfs ready (pty master attached with a terminal)
    Plan = 3,      // shim -> child: the resolved user, path and home
    Held = 4,      // child -> shim: waiting for start
    Start = 5,     // shim -> child: execve now
    Error = 6,     // child -> shim: setup failed (message, errno)
    ExecError = 7, // child -> shim: execve failed
    Abort = 8,     // shim -> child: give up
};

struct SyncMessage
{
    SyncKind kind = SyncKind::Error;
    int32_t sysErrno = 0;
    int32_t exitCode = 0;
    char text[1024] = {};
};

struct UserPlan
{
    uid_t uid = 0;
    gid_t gid = 0;
    int32_t groupCount = 0;
    gid_t groups[kMaxGroups] = {};
    char path[kChildPathMax] = {};   // the executable, absolute inside the container
    char home[kChildPathMax] = {};   // "HOME=..." when the env has none, else ""
    char cwd[kChildPathMax] = {};
};

struct PlanMount
{
    const char *source = nullptr;      // host path (bind) or fs type (fresh)
    const char *destination = nullptr; // inside the container
    bool bind = false;
    bool readonly = false;
    bool sourceIsDir = true;
    // Fresh mounts (tmpfs): fsconfig options (nullptr-terminated) and
    // MOUNT_ATTR_* flags.
    const char *const *options = nullptr;
    unsigned attrs = 0;
    // Binds: MS_PRIVATE / MS_SHARED / MS_SLAVE (0: keep rprivate) and
    // whether it applies to the submounts too.
    unsigned long propagation = 0;
    bool propagationRecursive = true;
    // Binds of a volume: copy the image's content at the destination into
    // an empty source directory first.
    bool copyUp = false;
};

struct PlanDevice
{
    const char *path = nullptr; // below /dev
    mode_t mode = 0;
    dev_t rdev = 0;
};

struct PlanRlimit
{
    int resource = 0;
    uint64_t soft = 0, hard = 0;
};

struct ChildPlan
{
    int syncFd = -1;
    // Create: a full container. Exec: join the namespaces of joinPidfd.
    bool exec = false;
    int joinPidfd = -1;

    // Rootfs (create only).
    const char *rootfsPath = nullptr;            // absolute mount point
    const char *const *lowerDirs = nullptr;      // absolute, top first, nullptr-terminated
    const char *upperDir = nullptr;
    const char *workDir = nullptr;
    bool readonlyRoot = false;
    bool volatileUpper = false; // overlayfs "volatile" (RootfsSpec::volatileUpper)
    bool privileged = false;
    bool newNetns = true;      // the container has a network namespace of its own
    int joinNetnsFd = -1;      // ... handed by berthd (--netns-fd): setns, not CLONE_NEWNET
    bool loopbackOnly = false; // network "none": bring lo up
    const char *hostname = nullptr;
    const PlanMount *mounts = nullptr; // etc files and volumes
    int mountCount = 0;
    const PlanDevice *hostDevices = nullptr; // privileged: every host device
    int hostDeviceCount = 0;
    bool cgroupUnified = true;
    const char *const *cgroupV1 = nullptr; // v1 hierarchies: "cpu" "memory" ..., nullptr-terminated
    // v1 (create only): the container cgroup's `tasks` file in each
    // hierarchy, open for writing. The child moves itself by writing "0":
    // a thread moving itself skips the kernel's global threadgroup lock,
    // whose RCU grace period made the parent's write of the pid to
    // cgroup.procs cost 15-25 ms per container.
    const int *cgroupTaskFds = nullptr;
    int cgroupTaskFdCount = 0;
    long shmSize = 64L * 1024 * 1024;

    // Process.
    bool terminal = false;
    unsigned short rows = 24, cols = 80;
    int stdinFd = -1, stdoutFd = -1, stderrFd = -1; // without a terminal
    const PlanRlimit *rlimits = nullptr;
    int rlimitCount = 0;
    CapabilityPlan caps;
    const SeccompProgram *seccomp = nullptr; // nullptr: unconfined
    bool noNewPrivileges = true;
    char *const *argv = nullptr;
    char **envp = nullptr;       // with one spare nullptr slot for HOME
    int envCount = 0;
    int initMemfd = -1;          // --init: berth-init in a sealed memfd
    char **initArgv = nullptr;   // {"berth-init", "-e", <path slot>, "--", argv..., nullptr}
};

// The child side; never returns.
[[noreturn]] void runChild(const ChildPlan &plan);

} // namespace Berth::Runtime
