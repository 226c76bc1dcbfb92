#pragma once

// Freezing and thawing every process of a container's cgroup (docker
// pause/unpause): cgroup v1's freezer controller (freezer.state FROZEN /
// THAWED, FREEZING while in transit) and cgroup v2's cgroup.freeze with
// cgroup.events "frozen 0|1". Both wait until the kernel reports the whole
// cgroup frozen, as runc and crun do, so a paused container really runs no
// code once pause returns. The state lives in the kernel, not in the shim:
// it survives berthd and shim restarts and is read back by isFrozen().

#include <base/result.h>

#include <string>

namespace Berth::Runtime {

class Cgroup;

class Freezer
{
public:
    // The freezer of the container's cgroup: v2 its unified directory, v1
    // the directory in the freezer hierarchy. Fails when v1 has no freezer
    // controller mounted.
    static Result<Freezer> forCgroup(const Cgroup &cgroup);
    // For tests and cleanup: an explicit directory.
    static Freezer atPath(std::string directory, bool unified);

    const std::string &path() const { return m_path; }
    bool isUnified() const { return m_unified; }

    // Freezes and waits until every task is frozen (up to `timeoutMs`).
    // On timeout the cgroup is thawed again and the error says so
    // (ETIMEDOUT), so a failed pause never leaves half a container frozen.
    Status freeze(int timeoutMs = 5000) const;
    // Thaws and waits until the kernel reports the cgroup thawed.
    Status thaw(int timeoutMs = 5000) const;
    // Whether the cgroup is frozen now (v1: FROZEN or FREEZING; v2: the
    // "frozen 1" line of cgroup.events or cgroup.freeze set to 1).
    Result<bool> isFrozen() const;

private:
    Freezer(std::string path, bool unified) : m_path(std::move(path)), m_unified(unified) {}
    Status request(bool frozen) const;
    Result<bool> reached(bool frozen) const;
    Status waitFor(bool frozen, int timeoutMs) const;

    std::string m_path;
    bool m_unified = false;
};

} // namespace Berth::Runtime
