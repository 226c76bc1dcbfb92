#include "cgroup.h"

#include "log.h"
#include "syscalls.h"

#include <cstdint>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstream>

#include <csignal>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

// The v1 controllers a container joins. cpuset needs its cpus/mems copied
// from the parent; name=systemd is left to the host's init.
constexpr const char *kV1Controllers[] = {"memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio", "cpuset"};

// docker's device allow list (plus runc's additions), v1 devices.allow syntax.
constexpr const char *kDeviceAllow[] = {
    "c *:* m", "b *:* m",            // mknod of any device (open stays refused)
    "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", // null zero full random urandom
    "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", // tty console ptmx
    "c 136:* rwm",                    // pts
    "c 10:200 rwm",                   // tun
};

struct Mount
{
    std::string point;
    std::string type;
    std::string superOptions;
};

std::vector<Mount> cgroupMounts()
{
    std::vector<Mount> out;
    auto text = readFileAt(AT_FDCWD, "/proc/self/mountinfo", "/proc/self/mountinfo");
    if (!text)
        return out;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
        const size_t dash = line.find(" - ");
        if (dash == std::string::npos)
            continue;
        std::istringstream left(line.substr(0, dash));
        std::string id, parent, devno, root, point;
        left >> id >> parent >> devno >> root >> point;
        std::istringstream right(line.substr(dash + 3));
        Mount m;
        std::string source;
        right >> m.type >> source >> m.superOptions;
        if (m.type != "cgroup" && m.type != "cgroup2")
            continue;
        m.point = point;
        out.push_back(std::move(m));
    }
    return out;
}

bool hasOption(const std::string &options, const std::string &name)
{
    size_t start = 0;
    while (start <= options.size()) {
        size_t end = options.find(',', start);
        if (end == std::string::npos)
            end = options.size();
        if (options.compare(start, end - start, name) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

Status writeValue(const std::string &dir, const char *file, const std::string &value)
{
    const std::string path = dir + "/" + file;
    if (auto st = writeFileAt(AT_FDCWD, path.c_str(), value); !st)
        return std::unexpected(std::move(st.error()).wrap("set cgroup limit"));
    return {};
}

bool exists(const std::string &path)
{
    return access(path.c_str(), F_OK) == 0;
}

// mkdir -p for the levels below a hierarchy root; returns the levels made.
Status makeDirs(const std::string &root, const std::string &relative, std::vector<std::string> &made)
{
    std::string path = root;
    size_t start = 0;
    while (start < relative.size()) {
        size_t end = relative.find('/', start);
        if (end == std::string::npos)
            end = relative.size();
        path += "/" + relative.substr(start, end - start);
        if (mkdir(path.c_str(), 0755) == 0)
            made.push_back(path);
        else if (errno != EEXIST)
            return failErrno("create cgroup " + path);
        start = end + 1;
    }
    return {};
}

Status rmdirRetry(const std::string &path)
{
    for (int attempt = 0;; ++attempt) {
        if (rmdir(path.c_str()) == 0 || errno == ENOENT)
            return {};
        if (errno != EBUSY || attempt >= 200)
            return failErrno("remove cgroup " + path);
        struct timespec ts = {0, 1000 * 1000}; // 1 ms, up to 200 ms in all
        nanosleep(&ts, nullptr);
    }
}

} // namespace

Result<Cgroup> Cgroup::locateUnified(const std::string &mountPoint, const CgroupSpec &spec, const std::string &id)
{
    struct statfs fs;
    if (statfs(mountPoint.c_str(), &fs) != 0)
        return failErrno("statfs " + mountPoint);
    if (fs.f_type != CGROUP2_SUPER_MAGIC)
        return fail(ErrorCode::InvalidArgument, "locate cgroup: " + mountPoint + " is not a cgroup2 mount");
    Cgroup cg;
    cg.m_relative = spec.parent + "/" + id;
    cg.m_unified = true;
    cg.m_unifiedRoot = mountPoint;
    cg.m_paths.push_back(cg.m_unifiedRoot + "/" + cg.m_relative);
    return cg;
}

Result<Cgroup> Cgroup::locate(const CgroupSpec &spec, const std::string &id)
{
    Cgroup cg;
    cg.m_relative = spec.parent + "/" + id;
    struct statfs fs;
    if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
        cg.m_unified = true;
        cg.m_unifiedRoot = "/sys/fs/cgroup";
        cg.m_paths.push_back(cg.m_unifiedRoot + "/" + cg.m_relative);
        return cg;
    }
    const auto mounts = cgroupMounts();
    for (const char *controller : kV1Controllers) {
        for (const auto &m : mounts) {
            if (m.type == "cgroup" && hasOption(m.superOptions, controller)) {
                const std::string path = m.point + "/" + cg.m_relative;
                bool dup = false;
                for (const auto &p : cg.m_paths)
                    dup = dup || p == path; // co-mounted controllers (cpu,cpuacct) share a directory
                if (!dup) {
                    cg.m_paths.push_back(path);
                    cg.m_controllers.push_back(controller);
                }
                break;
            }
        }
    }
    if (cg.m_paths.empty())
        return fail(ErrorCode::Unavailable, "find cgroup hierarchies: neither cgroup2 at /sys/fs/cgroup nor a v1 memory/cpu/pids controller is mounted");
    return cg;
}

std::string Cgroup::controllerPath(const std::string &controller) const
{
    if (m_unified)
        return m_paths.empty() ? std::string() : m_paths.front();
    for (size_t i = 0; i < m_controllers.size() && i < m_paths.size(); ++i) {
        if (m_controllers[i] == controller)
            return m_paths[i];
    }
    return {};
}

Status Cgroup::create(const CgroupSpec &spec, bool privileged)
{
    std::vector<std::string> made;
    auto undo = [&] {
        for (auto it = made.rbegin(); it != made.rend(); ++it)
            rmdir(it->c_str());
    };

    if (m_unified) {
        // Enable the controllers for every level below the root.
        std::string level = m_unifiedRoot;
        const std::string parentRel = spec.parent;
        if (auto st = makeDirs(m_unifiedRoot, m_relative, made); !st) {
            undo();
            return st;
        }
        size_t start = 0;
        std::vector<std::string> levels = {m_unifiedRoot};
        while (start < parentRel.size()) {
            size_t end = parentRel.find('/', start);
            if (end == std::string::npos)
                end = parentRel.size();
            level += "/" + parentRel.substr(start, end - start);
            levels.push_back(level);
            start = end + 1;
        }
        for (const auto &dir : levels) {
            for (const char *ctrl : {"+memory", "+cpu", "+pids"}) {
                // A controller the kernel does not offer is skipped; the
                // limit write below reports it when a limit needs it.
                (void)writeFileAt(AT_FDCWD, (dir + "/cgroup.subtree_control").c_str(), ctrl);
            }
        }
        const std::string &dir = m_paths.front();
        // A limit for a controller this cgroup does not have is an error
        // that says so, never a limit silently not applied.
        const auto available = readFileAt(AT_FDCWD, (dir + "/cgroup.controllers").c_str(), "cgroup.controllers");
        auto need = [&](bool wanted, const char *controller, const char *option) -> Status {
            if (!wanted)
                return {};
            std::string list = available ? *available : std::string();
            while (!list.empty() && (list.back() == '\n' || list.back() == ' '))
                list.pop_back();
            std::istringstream words(list);
            std::string word;
            while (words >> word) {
                if (word == controller)
                    return {};
            }
            return fail(ErrorCode::Unavailable, std::string("set ") + option + " on cgroup " + dir + ": the " + controller
                                                    + " controller is not enabled there (cgroup.controllers: \""
                                                    + list + "\")");
        };
        Status st = need(spec.memory > 0, "memory", "the memory limit");
        if (st)
            st = need(spec.cpuQuota > 0 || spec.cpuShares > 0, "cpu", "the CPU limit");
        if (st)
            st = need(spec.pidsLimit != 0, "pids", "the pids limit");
        if (st && spec.memory > 0) {
            st = writeValue(dir, "memory.max", std::to_string(spec.memory));
            if (st && spec.memorySwap != 0 && exists(dir + "/memory.swap.max"))
                st = writeValue(dir, "memory.swap.max",
                                spec.memorySwap < 0 ? std::string("max") : std::to_string(spec.memorySwap - spec.memory));
        }
        if (st && spec.cpuQuota > 0)
            st = writeValue(dir, "cpu.max", std::to_string(spec.cpuQuota) + " " + std::to_string(spec.cpuPeriod));
        if (st && spec.cpuShares > 0) {
            const int64_t shares = std::max<int64_t>(2, spec.cpuShares);
            st = writeValue(dir, "cpu.weight", std::to_string(1 + ((shares - 2) * 9999) / 262142));
        }
        if (st && spec.pidsLimit != 0)
            st = writeValue(dir, "pids.max", spec.pidsLimit < 0 ? std::string("max") : std::to_string(spec.pidsLimit));
        // The device allow list needs an eBPF program on v2; not applied yet.
        if (!st) {
            undo();
            return st;
        }
        return {};
    }

    for (size_t i = 0; i < m_paths.size(); ++i) {
        const std::string &path = m_paths[i];
        const std::string root = path.substr(0, path.size() - m_relative.size() - 1);
        if (auto st = makeDirs(root, m_relative, made); !st) {
            undo();
            return st;
        }
        const std::string &ctrl = m_controllers[i];
        Status st;
        if (ctrl == "cpuset") {
            // A new cpuset is empty: inherit cpus and mems level by level.
            std::string parent = root;
            size_t start = 0;
            while (st && start < m_relative.size()) {
                size_t end = m_relative.find('/', start);
                if (end == std::string::npos)
                    end = m_relative.size();
                const std::string child = parent + "/" + m_relative.substr(start, end - start);
                for (const char *file : {"cpuset.cpus", "cpuset.mems"}) {
                    auto current = readFileAt(AT_FDCWD, (child + "/" + file).c_str(), file);
                    if (current && (current->empty() || *current == "\n")) {
                        auto inherited = readFileAt(AT_FDCWD, (parent + "/" + file).c_str(), file);
                        if (inherited)
                            st = writeValue(child, file, *inherited);
                    }
                }
                parent = child;
                start = end + 1;
            }
        } else if (ctrl == "memory") {
            if (spec.memory > 0) {
                st = writeValue(path, "memory.limit_in_bytes", std::to_string(spec.memory));
                if (st && spec.memorySwap != 0 && exists(path + "/memory.memsw.limit_in_bytes"))
                    st = writeValue(path, "memory.memsw.limit_in_bytes",
                                    spec.memorySwap < 0 ? std::string("-1") : std::to_string(spec.memorySwap));
            }
        } else if (ctrl == "cpu") {
            if (spec.cpuQuota > 0) {
                st = writeValue(path, "cpu.cfs_period_us", std::to_string(spec.cpuPeriod));
                if (st)
                    st = writeValue(path, "cpu.cfs_quota_us", std::to_string(spec.cpuQuota));
            }
            if (st && spec.cpuShares > 0)
                st = writeValue(path, "cpu.shares", std::to_string(std::max<int64_t>(2, spec.cpuShares)));
        } else if (ctrl == "pids") {
            if (spec.pidsLimit != 0)
                st = writeValue(path, "pids.max", spec.pidsLimit < 0 ? std::string("max") : std::to_string(spec.pidsLimit));
        } else if (ctrl == "devices" && !privileged) {
            st = writeValue(path, "devices.deny", "a");
            for (const char *rule : kDeviceAllow) {
                if (!st)
                    break;
                st = writeValue(path, "devices.allow", rule);
            }
        }
        if (!st) {
            undo();
            return st;
        }
    }
    return {};
}

Result<UniqueFd> Cgroup::openUnifiedDir() const
{
    if (!m_unified)
        return fail(ErrorCode::Internal, "open cgroup: not a cgroup2 host");
    UniqueFd fd(open(m_paths.front().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return failErrno("open cgroup " + m_paths.front());
    return fd;
}

Status Cgroup::join(pid_t pid) const
{
    const std::string value = std::to_string(pid);
    for (const auto &path : m_paths) {
        if (auto st = writeFileAt(AT_FDCWD, (path + "/cgroup.procs").c_str(), value); !st)
            return std::unexpected(std::move(st.error()).wrap("join cgroup " + path));
    }
    return {};
}

Status Cgroup::killAll() const
{
    for (const auto &path : m_paths) {
        if (!exists(path))
            continue;
        if (m_unified && exists(path + "/cgroup.kill")) {
            if (auto st = writeFileAt(AT_FDCWD, (path + "/cgroup.kill").c_str(), "1"); !st)
                return std::unexpected(std::move(st.error()).wrap("kill the processes of cgroup " + path));
        } else {
            // Processes can fork while we read; go round until none is left.
            for (int round = 0;; ++round) {
                auto procs = readFileAt(AT_FDCWD, (path + "/cgroup.procs").c_str(), "cgroup.procs");
                if (!procs) {
                    if (procs.error().sysErrno() == ENOENT)
                        break;
                    return std::unexpected(std::move(procs.error()).wrap("kill the processes of cgroup " + path));
                }
                std::istringstream in(*procs);
                long long pid = 0;
                bool any = false;
                while (in >> pid) {
                    if (pid > 0 && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0)
                        any = true;
                }
                if (!any)
                    break;
                if (round >= 1000)
                    return fail(ErrorCode::Timeout, "kill the processes of cgroup " + path + ": they keep appearing");
                struct timespec ts = {0, 1000 * 1000};
                nanosleep(&ts, nullptr);
            }
        }
    }
    return {};
}

bool Cgroup::oomKilled() const
{
    for (const auto &path : m_paths) {
        const char *file = m_unified ? "memory.events" : "memory.oom_control";
        if (!m_unified && path.find("/memory/") == std::string::npos)
            continue;
        auto text = readFileAt(AT_FDCWD, (path + "/" + file).c_str(), file);
        if (!text)
            continue;
        std::istringstream in(*text);
        std::string key;
        long long value = 0;
        while (in >> key >> value) {
            if (key == "oom_kill" && value > 0)
                return true;
        }
    }
    return false;
}

Status Cgroup::remove() const
{
    Status result;
    for (const auto &path : m_paths) {
        if (auto st = rmdirRetry(path); !st && result)
            result = st;
    }
    return result;
}

} // namespace Berth::Runtime
