#pragma once

// The container's cgroup on cgroup v2 (one directory in the unified tree)
// and on v1/hybrid hosts (one directory per mounted controller), behind one
// interface (crun's cgroup-*.c split).

#include "spec.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <string>
#include <vector>

#include <sys/types.h>

namespace Berth::Runtime {

class Cgroup
{
public:
    // Where the container's cgroup lives: <parent>/<id> in each hierarchy.
    // Does not touch the filesystem.
    static Result<Cgroup> locate(const CgroupSpec &spec, const std::string &id);
    // The same below an explicit cgroup2 mount point (hybrid hosts mount
    // one at /sys/fs/cgroup/unified; tests use it). Fails when `mountPoint`
    // is not a cgroup2 file system.
    static Result<Cgroup> locateUnified(const std::string &mountPoint, const CgroupSpec &spec, const std::string &id);

    bool isUnified() const { return m_unified; }
    // The directories, one for v2 and one per joined controller for v1.
    const std::vector<std::string> &paths() const { return m_paths; }
    // v1: the directory in the hierarchy of `controller` ("freezer", ...),
    // empty when that controller is not mounted; v2: the unified directory.
    std::string controllerPath(const std::string &controller) const;

    // Creates the directories and writes the limits; on failure removes
    // what it created.
    Status create(const CgroupSpec &spec, bool privileged);
    // v2: an fd of the directory for clone3(CLONE_INTO_CGROUP).
    Result<UniqueFd> openUnifiedDir() const;
    // Moves a process into every directory.
    Status join(pid_t pid) const;
    // SIGKILL to every process in the cgroup: v2 through cgroup.kill
    // (kernel 5.14+), else (v1, older v2) each pid of cgroup.procs until
    // none is left (up to about a second). Missing directories are fine.
    Status killAll() const;
    // OOM kills counted so far (memory.events / memory.oom_control).
    bool oomKilled() const;
    // Removes the directories, retrying briefly on EBUSY while the last
    // processes are torn down. Missing directories are fine (idempotent).
    Status remove() const;

private:
    bool m_unified = false;
    std::string m_unifiedRoot;      // v2: the cgroup2 mount point
    std::string m_relative;         // <parent>/<id>
    std::vector<std::string> m_paths;
    std::vector<std::string> m_controllers; // v1: controller of each path ("memory", "cpu", ...)
};

} // namespace Berth::Runtime
