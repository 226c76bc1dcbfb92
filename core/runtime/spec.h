#pragma once

// shim.json and exec/<id>.json (core/runtime/README.md section 2): parsed
// and checked field by field before anything is created.

#include "network.h"

#include <base/result.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace Berth::Runtime {

struct Rlimit
{
    int resource = 0;
    std::string name;
    uint64_t soft = 0;
    uint64_t hard = 0;
};

struct ProcessSpec
{
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd = "/";
    std::string user;
    bool terminal = false;
    bool openStdin = false;
    bool stdinOnce = false;
    unsigned short consoleHeight = 24;
    unsigned short consoleWidth = 80;
    std::vector<std::string> capabilities;
    bool noNewPrivileges = true;
    std::string seccomp = "default"; // "default" | "unconfined"
    std::vector<Rlimit> rlimits;
};

struct RootfsSpec
{
    std::string layersDir;
    std::vector<std::string> lower; // relative to layersDir, top first
    std::string upper = "upper";
    std::string work = "work";
    std::string mountPoint = "rootfs";
    bool readonly = false;
    // overlayfs "volatile": no syncs of the upper dir, not even the one when
    // the container's last process exits (a sync of the whole filesystem
    // under it). For containers whose upper dir is deleted after the exit.
    bool volatileUpper = false;
};

// One entry of "mounts" (README.md 2): a bind of a host path (volumes are
// binds of their _data directory) or a fresh tmpfs.
struct MountSpec
{
    enum class Type { Bind, Tmpfs };
    Type type = Type::Bind;
    std::string source;      // bind: absolute host path; tmpfs: unused
    std::string destination; // inside the container, resolved in its root
    bool readonly = false;
    // Bind propagation: "" (rprivate), private, rprivate, shared, rshared,
    // slave, rslave.
    std::string propagation;
    // Bind: copy what the image has at the destination into the source when
    // the source directory is empty (docker's volume copy-up).
    bool copyUp = false;
    // Tmpfs: filesystem options (size=, mode=, uid=, gid=, nr_inodes=,
    // nr_blocks=) and the mount flags noexec, nosuid, nodev.
    std::vector<std::string> options;
    bool noexec = false;
    bool nosuid = false;
    bool nodev = false;
};

struct CgroupSpec
{
    std::string parent = "berth";
    int64_t memory = 0;
    int64_t memorySwap = 0;
    int64_t cpuQuota = 0;
    int64_t cpuPeriod = 100000;
    int64_t cpuShares = 0;
    int64_t pidsLimit = 0;
};

struct LogSpec
{
    std::string path = "container.log";
    int64_t maxSize = 0;
    int maxFiles = 1;
};

struct ContainerSpec
{
    std::string id;
    RootfsSpec rootfs;
    ProcessSpec process;
    bool init = false;
    bool privileged = false;
    std::string hostname;
    std::string etcHostname, etcHosts, etcResolvConf; // relative to the bundle; "" = none
    std::vector<MountSpec> mounts;
    NetworkConfig network;
    CgroupSpec cgroup;
    LogSpec log;
    int stopSignal = 15;
};

struct ExecSpec
{
    std::string id;
    ProcessSpec process;
};

Result<ContainerSpec> parseContainerSpec(std::string_view text);
Result<ExecSpec> parseExecSpec(std::string_view text);

// Exposed for the tests and for the exec path.
Status validateContainerPath(std::string_view path, std::string_view field);

} // namespace Berth::Runtime
