#include "container.h"

#include "capabilities.h"
#include "cgroup.h"
#include "childplan.h"
#include "controlsocket.h"
#include "log.h"
#include "monitor.h"
#include "netnsfactory.h"
#include "network.h"
#include "portproxy.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "spec.h"
#include "syscalls.h"
#include "usermounts.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

struct CommandError
{
    Error error;
    int exitCode = 125;
};

using CommandResult = std::expected<std::string, CommandError>;

std::unexpected<CommandError> commandFailure(Error error, int exitCode = 125)
{
    return std::unexpected(CommandError{std::move(error), exitCode});
}

std::string errorLine(const CommandError &e)
{
    nlohmann::json j;
    j["error"] = e.error.toString();
    j["exitCode"] = e.exitCode;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int printLine(const std::string &line, bool ok)
{
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    return ok ? 0 : 1;
}

Result<std::string> readBundleFile(int bundleFd, const std::string &name)
{
    return readFileAt(bundleFd, name.c_str(), name);
}

// The directory this executable lives in (berth-init sits beside it).
std::string selfDir()
{
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    buf[n] = 0;
    std::string path(buf);
    return path.substr(0, path.rfind('/'));
}

// berth-init copied into a sealed memfd: the container can never write to
// the host binary through /proc/<pid>/exe (CVE-2019-5736).
Result<UniqueFd> sealedInit()
{
    const std::string path = selfDir() + "/berth-init";
    UniqueFd src(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!src)
        return failErrno("open " + path);
    UniqueFd mem(memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mem)
        return failErrno("memfd_create for berth-init");
    char buf[65536];
    for (;;) {
        const ssize_t n = read(src.get(), buf, sizeof buf);
        if (n < 0)
            return failErrno("read " + path);
        if (n == 0)
            break;
        if (auto st = writeAll(mem.get(), std::string_view(buf, static_cast<size_t>(n)), "berth-init memfd"); !st)
            return std::unexpected(st.error());
    }
    if (fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
        return failErrno("seal the berth-init memfd");
    return mem;
}

// One message from the child, with an optional passed fd.
Result<SyncMessage> receive(int fd, UniqueFd *passed)
{
    SyncMessage m;
    struct iovec iov = {&m, sizeof m};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return failErrno("read from the container process");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int received;
            std::memcpy(&received, CMSG_DATA(c), sizeof received);
            if (passed)
                *passed = UniqueFd(received);
            else
                close(received);
        }
    }
    if (n == 0)
        return fail(ErrorCode::Internal, "the container process exited during setup");
    if (n != static_cast<ssize_t>(sizeof m))
        return fail(ErrorCode::Protocol, "short message from the container process");
    m.text[sizeof m.text - 1] = 0;
    return m;
}

Status sendKind(int fd, SyncKind kind, const void *payload = nullptr, size_t size = 0)
{
    std::string buf(sizeof(int32_t) + size, '\0');
    const int32_t k = static_cast<int32_t>(kind);
    std::memcpy(buf.data(), &k, sizeof k);
    if (payload)
        std::memcpy(buf.data() + sizeof k, payload, size);
    if (send(fd, buf.data(), buf.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(buf.size()))
        return failErrno("write to the container process");
    return {};
}

// The child is a pid in the host namespace; kill and reap it on failure.
struct ChildGuard
{
    pid_t pid = 0;
    int pidfd = -1;
    ~ChildGuard()
    {
        if (pid > 0) {
            // The pid is still ours (unreaped), so kill() by pid is safe too.
            if (pidfdSendSignal(pidfd, SIGKILL) < 0)
                ::kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

struct ProcessSetup
{
    // Owned storage behind the plan's pointers.
    std::vector<std::string> argvStore, envStore;
    std::vector<char *> argv, envp, initArgv;
    std::vector<PlanRlimit> rlimits;
    SeccompProgram seccomp;
    bool useSeccomp = false;
    CapabilityPlan caps;
    UniqueFd initMemfd;
    // Child ends of the stdio pipes and the parent's ends.
    UniqueFd childStdin, childStdout, childStderr;
    UniqueFd stdinWrite, stdoutRead, stderrRead;
};

Status prepareProcess(const ProcessSpec &p, bool privileged, bool init, ProcessSetup &s, ChildPlan &plan)
{
    auto caps = prepareCapabilities(p.capabilities, privileged);
    if (!caps)
        return std::unexpected(caps.error());
    s.caps = *caps;
    if (!privileged && p.seccomp == "default") {
        auto program = buildDefaultSeccomp(s.caps.keep);
        if (!program)
            return std::unexpected(program.error());
        s.seccomp = std::move(*program);
        s.seccomp.program.filter = s.seccomp.instructions.data();
        s.useSeccomp = true;
    }
    s.argvStore = p.args;
    for (auto &a : s.argvStore)
        s.argv.push_back(a.data());
    s.argv.push_back(nullptr);
    s.envStore = p.env;
    for (auto &e : s.envStore)
        s.envp.push_back(e.data());
    s.envp.push_back(nullptr); // the HOME slot
    s.envp.push_back(nullptr);
    for (const auto &r : p.rlimits)
        s.rlimits.push_back({r.resource, r.soft, r.hard});

    if (init) {
        auto mem = sealedInit();
        if (!mem)
            return std::unexpected(std::move(mem.error()).wrap("prepare --init"));
        s.initMemfd = std::move(*mem);
        static char name[] = "berth-init", flag[] = "-e", dashes[] = "--";
        s.initArgv = {name, flag, nullptr, dashes};
        for (auto &a : s.argvStore)
            s.initArgv.push_back(a.data());
        s.initArgv.push_back(nullptr);
    }

    if (!p.terminal) {
        int fds[2];
        if (p.openStdin) {
            if (pipe2(fds, O_CLOEXEC) != 0)
                return failErrno("create the stdin pipe");
            s.childStdin = UniqueFd(fds[0]);
            s.stdinWrite = UniqueFd(fds[1]);
        } else {
            s.childStdin = UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
            if (!s.childStdin)
                return failErrno("open /dev/null");
        }
        if (pipe2(fds, O_CLOEXEC) != 0)
            return failErrno("create the stdout pipe");
        s.stdoutRead = UniqueFd(fds[0]);
        s.childStdout = UniqueFd(fds[1]);
        if (pipe2(fds, O_CLOEXEC) != 0)
            return failErrno("create the stderr pipe");
        s.stderrRead = UniqueFd(fds[0]);
        s.childStderr = UniqueFd(fds[1]);
    }

    plan.terminal = p.terminal;
    plan.rows = p.consoleHeight;
    plan.cols = p.consoleWidth;
    plan.stdinFd = s.childStdin.get();
    plan.stdoutFd = s.childStdout.get();
    plan.stderrFd = s.childStderr.get();
    plan.rlimits = s.rlimits.data();
    plan.rlimitCount = static_cast<int>(s.rlimits.size());
    plan.caps = s.caps;
    plan.seccomp = s.useSeccomp ? &s.seccomp : nullptr;
    plan.noNewPrivileges = p.noNewPrivileges;
    plan.argv = s.argv.data();
    plan.envp = s.envp.data();
    plan.envCount = static_cast<int>(s.envStore.size());
    plan.initMemfd = s.initMemfd.get();
    plan.initArgv = init ? s.initArgv.data() : nullptr;
    return {};
}

// After clone: Go, Ready (+pty), resolve, Plan, Held.
CommandResult driveChild(ChildGuard &child, int syncFd, int rootPid, const ProcessSpec &process, UniqueFd &master)
{
    if (auto st = sendKind(syncFd, SyncKind::Go); !st)
        return commandFailure(st.error());
    auto ready = receive(syncFd, &master);
    SHIM_DEBUG("create: child reports its root ready");
    if (!ready)
        return commandFailure(ready.error());
    if (ready->kind == SyncKind::Error)
        return commandFailure(Error(ErrorCode::Io, ready->text, ready->sysErrno), ready->exitCode ? ready->exitCode : 125);
    if (ready->kind != SyncKind::Ready)
        return commandFailure(Error(ErrorCode::Protocol, "unexpected message from the container process"));
    if (process.terminal && !master)
        return commandFailure(Error(ErrorCode::Protocol, "the container process sent no terminal"));

    const std::string rootPath = "/proc/" + std::to_string(rootPid) + "/root";
    UniqueFd rootFd(open(rootPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootFd)
        return commandFailure(Error::fromErrno("open the container's root " + rootPath, errno));
    auto user = resolveProcess(rootFd.get(), process);
    if (!user) {
        (void)sendKind(syncFd, SyncKind::Abort);
        return commandFailure(user.error().error, user.error().exitCode);
    }
    if (auto st = sendKind(syncFd, SyncKind::Plan, &*user, sizeof *user); !st)
        return commandFailure(st.error());
    auto held = receive(syncFd, nullptr);
    if (!held)
        return commandFailure(held.error());
    if (held->kind == SyncKind::Error)
        return commandFailure(Error(ErrorCode::Io, held->text, held->sysErrno), held->exitCode ? held->exitCode : 125);
    if (held->kind != SyncKind::Held)
        return commandFailure(Error(ErrorCode::Protocol, "unexpected message from the container process"));
    (void)child;
    return std::string();
}

std::vector<std::string> cgroupV1Hierarchies()
{
    std::vector<std::string> out;
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
        std::string type, source, options;
        right >> type >> source >> options;
        if (type != "cgroup" || point.rfind("/sys/fs/cgroup/", 0) != 0)
            continue;
        const std::string name = point.substr(std::strlen("/sys/fs/cgroup/"));
        if (name.empty() || name.find('/') != std::string::npos || options.find("name=") != std::string::npos)
            continue;
        // Every part of the directory name must be a controller of the mount.
        bool ok = true;
        std::istringstream parts(name);
        std::string part;
        while (std::getline(parts, part, ',')) {
            const std::string opts = "," + options + ",";
            ok = ok && opts.find("," + part + ",") != std::string::npos;
        }
        if (ok)
            out.push_back(name);
    }
    return out;
}

// Privileged containers get the host's device nodes.
std::vector<std::pair<std::string, struct stat>> hostDevices()
{
    std::vector<std::pair<std::string, struct stat>> out;
    DIR *dir = opendir("/dev");
    if (!dir)
        return out;
    while (struct dirent *e = readdir(dir)) {
        struct stat st;
        if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            out.emplace_back(e->d_name, st);
    }
    closedir(dir);
    return out;
}

struct Created
{
    std::string reply;
    MonitorConfig monitor;
};

// handedNetns: berthd's ready namespace (--netns-fd) or invalid. The
// shim's copy is closed once the child has joined it: the container's
// processes then hold the only reference, as with a namespace of its own.
std::expected<Created, CommandError> createContainer(const ContainerSpec &spec, const std::string &bundle,
                                                     UniqueFd &handedNetns)
{
    auto located = Cgroup::locate(spec.cgroup, spec.id);
    if (!located)
        return commandFailure(located.error());
    Cgroup cgroup = *located;

    ChildPlan plan;
    ProcessSetup setup;
    SHIM_DEBUG("create %s: preparing the process", spec.id.c_str());
    if (auto st = prepareProcess(spec.process, spec.privileged, spec.init, setup, plan); !st)
        return commandFailure(st.error());
    SHIM_DEBUG("create: process prepared (capabilities, seccomp, stdio)");

    // Paths and mounts.
    // The upper dir's mode becomes the mode of the container's "/".
    using Dir = std::pair<const char *, mode_t>;
    for (auto [dir, mode] : {Dir{spec.rootfs.upper.c_str(), 0755}, Dir{spec.rootfs.work.c_str(), 0700},
                             Dir{spec.rootfs.mountPoint.c_str(), 0755}}) {
        if (mkdir(dir, mode) != 0 && errno != EEXIST)
            return commandFailure(Error::fromErrno(std::string("create ") + bundle + "/" + dir, errno));
    }
    std::vector<std::string> lowerStore;
    for (const auto &l : spec.rootfs.lower)
        lowerStore.push_back(spec.rootfs.layersDir + "/" + l);
    std::vector<const char *> lower;
    for (const auto &l : lowerStore)
        lower.push_back(l.c_str());
    lower.push_back(nullptr);
    const std::string rootfsPath = bundle + "/" + spec.rootfs.mountPoint;
    const std::string upper = bundle + "/" + spec.rootfs.upper;
    const std::string work = bundle + "/" + spec.rootfs.work;

    std::vector<std::string> mountStore;
    std::vector<PlanMount> mounts;
    mountStore.reserve(2 * (3 + spec.mounts.size()));
    for (auto [name, dest] : {std::pair{&spec.etcHostname, "/etc/hostname"}, std::pair{&spec.etcHosts, "/etc/hosts"},
                              std::pair{&spec.etcResolvConf, "/etc/resolv.conf"}}) {
        if (name->empty())
            continue;
        mountStore.push_back(bundle + "/" + *name);
        struct stat st;
        if (stat(mountStore.back().c_str(), &st) != 0)
            return commandFailure(Error::fromErrno("stat " + mountStore.back(), errno));
        mounts.push_back({mountStore.back().c_str(), dest, true, false, false});
    }
    std::deque<std::vector<const char *>> mountOptions;
    for (const auto &m : spec.mounts) {
        auto planned = planUserMount(m, mountOptions);
        if (!planned)
            return commandFailure(planned.error());
        mounts.push_back(*planned);
    }
    std::vector<std::string> v1Store = cgroup.isUnified() ? std::vector<std::string>() : cgroupV1Hierarchies();
    std::vector<const char *> v1;
    for (const auto &h : v1Store)
        v1.push_back(h.c_str());
    v1.push_back(nullptr);
    std::vector<std::pair<std::string, struct stat>> devStore;
    std::vector<PlanDevice> devices;
    if (spec.privileged) {
        devStore = hostDevices();
        for (const auto &[name, st] : devStore)
            devices.push_back({name.c_str(), st.st_mode, st.st_rdev});
    }

    plan.rootfsPath = rootfsPath.c_str();
    plan.lowerDirs = lower.data();
    plan.upperDir = upper.c_str();
    plan.workDir = work.c_str();
    plan.readonlyRoot = spec.rootfs.readonly;
    plan.volatileUpper = spec.rootfs.volatileUpper;
    plan.privileged = spec.privileged;
    plan.newNetns = spec.network.mode != "host";
    plan.joinNetnsFd = plan.newNetns ? handedNetns.get() : -1;
    plan.loopbackOnly = spec.network.mode == "none";
    plan.hostname = spec.hostname.c_str();
    plan.mounts = mounts.data();
    plan.mountCount = static_cast<int>(mounts.size());
    plan.hostDevices = devices.data();
    plan.hostDeviceCount = static_cast<int>(devices.size());
    plan.cgroupUnified = cgroup.isUnified();
    plan.cgroupV1 = v1.data();

    if (spec.network.mode == "bridge") {
        if (auto st = validateNetworkConfig(spec.network); !st)
            return commandFailure(st.error());
    }

    if (auto st = cgroup.create(spec.cgroup, spec.privileged); !st)
        return commandFailure(st.error());
    SHIM_DEBUG("create: cgroup ready");
    bool keepCgroup = false;
    struct CgroupGuard
    {
        Cgroup &cg;
        bool &keep;
        ~CgroupGuard()
        {
            if (!keep)
                (void)cg.remove();
        }
    } cgroupGuard{cgroup, keepCgroup};

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return commandFailure(Error::fromErrno("create the sync socket", errno));
    UniqueFd syncParent(pair[0]), syncChild(pair[1]);
    plan.syncFd = syncChild.get();

    UniqueFd cgroupFd;
    if (cgroup.isUnified()) {
        auto fd = cgroup.openUnifiedDir();
        if (!fd)
            return commandFailure(fd.error());
        cgroupFd = std::move(*fd);
    }
    std::vector<UniqueFd> taskFdOwners;
    std::vector<int> taskFds;
    if (!cgroup.isUnified()) {
        for (const auto &path : cgroup.paths()) {
            UniqueFd fd(open((path + "/tasks").c_str(), O_WRONLY | O_CLOEXEC));
            if (!fd)
                return commandFailure(Error::fromErrno("open " + path + "/tasks", errno));
            taskFds.push_back(fd.get());
            taskFdOwners.push_back(std::move(fd));
        }
        plan.cgroupTaskFds = taskFds.data();
        plan.cgroupTaskFdCount = static_cast<int>(taskFds.size());
    }
    uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    if (plan.newNetns && plan.joinNetnsFd < 0)
        flags |= CLONE_NEWNET;
    int pidfd = -1;
    const pid_t pid = cloneProcess(flags, &pidfd, cgroupFd.get());
    if (pid < 0)
        return commandFailure(Error::fromErrno("clone the container process", errno));
    if (pid == 0)
        runChild(plan);
    // Declared after the fd it uses: destroyed first, so the pidfd is still
    // open when the guard kills a child that never got released.
    UniqueFd pidfdOwner(pidfd);
    ChildGuard child{pid, pidfd};
    syncChild.reset();
    setup.childStdin.reset();
    setup.childStdout.reset();
    setup.childStderr.reset();
    taskFdOwners.clear(); // the child has its copies; it joins the v1 cgroups itself after Go
    SHIM_DEBUG("create: child %d cloned", pid);

    // The network: veth into the child's netns, configured from the host
    // side (the child itself stays free of netlink and allocation).
    bool networkAttached = false;
    struct NetworkGuard
    {
        const NetworkConfig &config;
        bool &attached;
        ~NetworkGuard()
        {
            if (attached)
                (void)detachContainer(config);
        }
    } networkGuard{spec.network, networkAttached};
    PortProxy proxy;
    if (spec.network.mode == "bridge") {
        auto veth = handedNetns ? connectContainerToNetns(spec.network, handedNetns.get())
                                : connectContainer(spec.network, pid);
        if (!veth)
            return commandFailure(std::move(veth.error()).wrap("connect container " + spec.id.substr(0, 12) + " to " + spec.network.bridge));
        networkAttached = true;
        if (!spec.network.ports.empty()) {
            auto started = PortProxy::start(spec.network.ports, spec.network.address);
            if (!started)
                return commandFailure(started.error());
            proxy = std::move(*started);
        }
    }

    SHIM_DEBUG("create: child %d cloned, cgroup and network joined", pid);
    UniqueFd master;
    auto driven = driveChild(child, syncParent.get(), pid, spec.process, master);
    if (!driven)
        return std::unexpected(driven.error());
    // The child joined before it reported Ready.
    handedNetns.reset();
    SHIM_DEBUG("create: child held before execve");

    auto log = std::make_unique<LogWriter>();
    if (auto st = log->open(AT_FDCWD, spec.log.path, spec.log.maxSize, spec.log.maxFiles); !st)
        return commandFailure(st.error());
    {
        auto start = processStartTime(getpid());
        const std::string line = std::to_string(getpid()) + " " + std::to_string(start ? *start : 0) + "\n";
        // Not fsynced: after a crash the shim it names is gone, and a missing
        // or stale shim.pid already means "no live shim".
        if (auto st = writeFileAtomic(AT_FDCWD, "shim.pid", line, 0644, false); !st)
            return commandFailure(st.error());
    }
    auto listen = bindControlSocket("shim.sock");
    if (!listen)
        return commandFailure(listen.error());

    Created out;
    MonitorConfig &mc = out.monitor;
    mc.pid = pid;
    mc.pidfd = std::move(pidfdOwner);
    mc.syncFd = std::move(syncParent);
    mc.listenFd = std::move(*listen);
    mc.socketName = "shim.sock";
    mc.exitFileName = "exit.json";
    mc.argv0 = spec.process.args.front();
    mc.terminal = spec.process.terminal;
    mc.master = std::move(master);
    mc.stdoutRead = std::move(setup.stdoutRead);
    mc.stderrRead = std::move(setup.stderrRead);
    mc.stdinWrite = std::move(setup.stdinWrite);
    mc.openStdin = spec.process.openStdin;
    mc.stdinOnce = spec.process.stdinOnce;
    mc.log = std::move(log);
    mc.cgroup = cgroup;

    nlohmann::json reply;
    reply["pid"] = pid;
    reply["shimPid"] = getpid();
    reply["ports"] = nlohmann::json::array();
    for (const auto &p : proxy.bound()) {
        nlohmann::json port;
        port["protocol"] = p.protocol;
        port["hostIp"] = p.hostIp;
        port["hostPort"] = p.hostPort;
        port["containerPort"] = p.containerPort;
        reply["ports"].push_back(port);
    }
    out.reply = reply.dump();
    if (networkAttached || proxy.isRunning()) {
        auto shared = std::make_shared<PortProxy>(std::move(proxy));
        NetworkConfig config = spec.network;
        const bool detach = networkAttached;
        mc.teardown = [shared, config, detach]() -> Status {
            Status result = shared->stop();
            if (detach) {
                if (auto st = detachContainer(config); !st)
                    result = st;
            }
            return result;
        };
    }
    networkAttached = false;
    keepCgroup = true;
    child.pid = 0; // the monitor owns it now
    return out;
}

// Security checklist 38: `--pid` comes from the caller, and exec joins the
// namespaces and cgroup of whatever process it names. It must be this
// container's init: a child of the live shim named in shim.pid (cwd is the
// bundle), pid 1 of its own pid namespace, in a cgroup named after the
// container. The checks read /proc/PID after the pidfd is open; the pidfd
// still answering afterwards proves the pid was not reused in between.
Status verifyContainerInit(const ContainerSpec &container, pid_t pid, int pidfd)
{
    const std::string who = "exec in container " + container.id.substr(0, 12) + ": process " + std::to_string(pid);
    auto pidText = readFileAt(AT_FDCWD, "shim.pid", "shim.pid");
    long long shimPid = 0;
    unsigned long long shimStart = 0;
    if (!pidText || std::sscanf(pidText->c_str(), "%lld %llu", &shimPid, &shimStart) != 2 || shimPid <= 0)
        return fail(ErrorCode::Conflict, who + ": container " + container.id + " is not running (no shim.pid)");
    auto now = processStartTime(static_cast<pid_t>(shimPid));
    if (!now || *now != shimStart)
        return fail(ErrorCode::Conflict, who + ": container " + container.id + " is not running (its shim is gone)");

    const std::string proc = "/proc/" + std::to_string(pid);
    auto stat = readFileAt(AT_FDCWD, (proc + "/stat").c_str(), "stat");
    if (!stat)
        return fail(stat.error());
    // Fields after the command name (which may hold spaces and parens).
    const size_t close = stat->rfind(')');
    char state = 0;
    long long ppid = 0;
    if (close == std::string::npos || std::sscanf(stat->c_str() + close + 1, " %c %lld", &state, &ppid) != 2)
        return fail(ErrorCode::Internal, who + ": cannot parse " + proc + "/stat");
    if (state == 'Z' || state == 'X')
        return fail(ErrorCode::Conflict, who + " has exited");
    if (ppid != shimPid)
        return fail(ErrorCode::PermissionDenied,
                    who + " is not the container's init (its parent is " + std::to_string(ppid) + ", the shim is " + std::to_string(shimPid) + ")");

    auto status = readFileAt(AT_FDCWD, (proc + "/status").c_str(), "status");
    if (!status)
        return fail(status.error());
    const size_t at = status->find("\nNSpid:");
    if (at == std::string::npos)
        return fail(ErrorCode::Internal, who + ": no NSpid in " + proc + "/status");
    const size_t end = status->find('\n', at + 1);
    std::vector<std::string> nspids;
    {
        const std::string line = status->substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
        size_t i = 0;
        while (i < line.size()) {
            const size_t b = line.find_first_not_of(" \t", i);
            if (b == std::string::npos)
                break;
            const size_t e = line.find_first_of(" \t", b);
            nspids.push_back(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
            i = e == std::string::npos ? line.size() : e;
        }
    }
    if (nspids.size() < 2 || nspids.back() != "1")
        return fail(ErrorCode::PermissionDenied, who + " is not pid 1 of a container pid namespace");

    auto cgroups = readFileAt(AT_FDCWD, (proc + "/cgroup").c_str(), "cgroup");
    if (!cgroups)
        return fail(cgroups.error());
    bool inContainerCgroup = false;
    size_t lineStart = 0;
    while (lineStart < cgroups->size() && !inContainerCgroup) {
        size_t lineEnd = cgroups->find('\n', lineStart);
        if (lineEnd == std::string::npos)
            lineEnd = cgroups->size();
        const std::string_view line(cgroups->data() + lineStart, lineEnd - lineStart);
        const size_t colon = line.find(':', line.find(':') + 1);
        if (colon != std::string_view::npos) {
            const std::string_view path = line.substr(colon + 1);
            inContainerCgroup = path.size() > container.id.size() && path.ends_with(container.id) &&
                                path[path.size() - container.id.size() - 1] == '/';
        }
        lineStart = lineEnd + 1;
    }
    if (!inContainerCgroup)
        return fail(ErrorCode::PermissionDenied, who + " is not in the container's cgroup");

    if (syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) != 0)
        return fail(Error::fromErrno(who + " has exited", errno));
    return {};
}

std::expected<Created, CommandError> createExec(const ContainerSpec &container, const ExecSpec &spec, pid_t containerPid)
{
    UniqueFd containerPidfd(static_cast<int>(syscall(SYS_pidfd_open, containerPid, 0)));
    if (!containerPidfd)
        return commandFailure(Error::fromErrno("open container process " + std::to_string(containerPid), errno));
    if (auto st = verifyContainerInit(container, containerPid, containerPidfd.get()); !st)
        return commandFailure(st.error());
    auto located = Cgroup::locate(container.cgroup, container.id);
    if (!located)
        return commandFailure(located.error());

    ChildPlan plan;
    ProcessSetup setup;
    if (auto st = prepareProcess(spec.process, container.privileged, false, setup, plan); !st)
        return commandFailure(st.error());
    plan.exec = true;
    plan.joinPidfd = containerPidfd.get();

    // setns(CLONE_NEWPID) applies to children only: the clone below lands
    // in the container's pid namespace.
    if (setns(containerPidfd.get(), CLONE_NEWPID) != 0)
        return commandFailure(Error::fromErrno("join the pid namespace of " + std::to_string(containerPid), errno));

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return commandFailure(Error::fromErrno("create the sync socket", errno));
    UniqueFd syncParent(pair[0]), syncChild(pair[1]);
    plan.syncFd = syncChild.get();

    UniqueFd cgroupFd;
    if (located->isUnified()) {
        auto fd = located->openUnifiedDir();
        if (!fd)
            return commandFailure(fd.error());
        cgroupFd = std::move(*fd);
    }
    int pidfd = -1;
    const pid_t pid = cloneProcess(0, &pidfd, cgroupFd.get());
    if (pid < 0)
        return commandFailure(Error::fromErrno("clone the exec process", errno));
    if (pid == 0)
        runChild(plan);
    // Declared after the fd it uses: destroyed first, so the pidfd is still
    // open when the guard kills a child that never got released.
    UniqueFd pidfdOwner(pidfd);
    ChildGuard child{pid, pidfd};
    syncChild.reset();
    setup.childStdin.reset();
    setup.childStdout.reset();
    setup.childStderr.reset();
    if (!located->isUnified()) {
        if (auto st = located->join(pid); !st)
            return commandFailure(st.error());
    }

    UniqueFd master;
    auto driven = driveChild(child, syncParent.get(), containerPid, spec.process, master);
    if (!driven)
        return std::unexpected(driven.error());

    const std::string socketName = "exec/" + spec.id + ".sock";
    auto listen = bindControlSocket(socketName);
    if (!listen)
        return commandFailure(listen.error());

    Created out;
    MonitorConfig &mc = out.monitor;
    mc.pid = pid;
    mc.pidfd = std::move(pidfdOwner);
    mc.syncFd = std::move(syncParent);
    mc.listenFd = std::move(*listen);
    mc.socketName = socketName;
    mc.exitFileName = "exec/" + spec.id + ".exit.json";
    mc.argv0 = spec.process.args.front();
    mc.terminal = spec.process.terminal;
    mc.master = std::move(master);
    mc.stdoutRead = std::move(setup.stdoutRead);
    mc.stderrRead = std::move(setup.stderrRead);
    mc.stdinWrite = std::move(setup.stdinWrite);
    mc.openStdin = spec.process.openStdin;
    mc.stdinOnce = spec.process.stdinOnce;

    nlohmann::json reply;
    reply["pid"] = pid;
    reply["shimPid"] = getpid();
    reply["ports"] = nlohmann::json::array();
    out.reply = reply.dump();
    child.pid = 0;
    return out;
}

// The double fork: the caller (berthd) gets one line; the long-lived shim
// is a grandchild in its own session.
template<typename Work>
int daemonize(const std::string &bundle, Work work)
{
    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0)
        return printLine(errorLine({Error::fromErrno("create the result pipe", errno), 125}), false);
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t middle = fork();
    if (middle < 0)
        return printLine(errorLine({Error::fromErrno("fork the shim", errno), 125}), false);
    if (middle == 0) {
        close(pipeFds[0]);
        if (setsid() < 0)
            _exit(1);
        const pid_t shim = fork();
        if (shim != 0)
            _exit(shim < 0 ? 1 : 0);
        UniqueFd result(pipeFds[1]);
        if (chdir(bundle.c_str()) != 0)
            _exit(1);
        const int devNull = open("/dev/null", O_RDWR | O_CLOEXEC);
        const int logFd = open("shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        dup2(devNull, 0);
        dup2(devNull, 1);
        dup2(logFd >= 0 ? logFd : devNull, 2);
        if (devNull > 2)
            close(devNull);
        if (logFd > 2)
            close(logFd);
        std::expected<Created, CommandError> created = work();
        if (!created) {
            SHIM_ERROR("%s", created.error().error.toString().c_str());
            const std::string line = errorLine(created.error()) + "\n";
            (void)writeAll(result.get(), line, "result pipe");
            _exit(1);
        }
        const std::string line = created->reply + "\n";
        (void)writeAll(result.get(), line, "result pipe");
        result.reset();
        Monitor monitor(std::move(created->monitor));
        _exit(monitor.run());
    }
    close(pipeFds[1]);
    UniqueFd readEnd(pipeFds[0]);
    int status = 0;
    while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = read(readEnd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
        // One line; the held container process may still hold the pipe.
        if (out.find('\n') != std::string::npos) {
            out.erase(out.find('\n'));
            break;
        }
    }
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    if (out.empty())
        return printLine(errorLine({Error(ErrorCode::Internal, "the shim exited before reporting (see shim.log in the bundle)"), 125}), false);
    const bool ok = out.find("\"error\"") == std::string::npos;
    return printLine(out, ok);
}

Result<ContainerSpec> loadContainerSpec(const std::string &bundle, UniqueFd &bundleFd)
{
    bundleFd = UniqueFd(open(bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!bundleFd)
        return failErrno("open bundle " + bundle);
    auto text = readBundleFile(bundleFd.get(), "shim.json");
    if (!text)
        return std::unexpected(text.error());
    auto spec = parseContainerSpec(*text);
    if (!spec)
        return std::unexpected(std::move(spec.error()).wrap("read " + bundle + "/shim.json"));
    return spec;
}

bool shimAlive(int bundleFd)
{
    auto text = readFileAt(bundleFd, "shim.pid", "shim.pid");
    if (!text)
        return false;
    long long pid = 0;
    unsigned long long start = 0;
    if (std::sscanf(text->c_str(), "%lld %llu", &pid, &start) != 2 || pid <= 0)
        return false;
    auto now = processStartTime(static_cast<pid_t>(pid));
    if (!now || *now != start)
        return false;
    // A zombie (its reaper may be slow or absent) is a dead shim too.
    auto stat = readFileAt(AT_FDCWD, ("/proc/" + std::to_string(pid) + "/stat").c_str(), "stat");
    if (!stat)
        return false;
    const size_t close = stat->rfind(')');
    return close == std::string::npos || close + 2 >= stat->size() || ((*stat)[close + 2] != 'Z' && (*stat)[close + 2] != 'X');
}

} // namespace

int commandCreate(const std::string &bundle, int netnsFd)
{
    UniqueFd handedNetns(netnsFd);
    if (bundle.empty() || bundle.front() != '/')
        return printLine(errorLine({Error(ErrorCode::InvalidArgument, "--bundle must be an absolute path"), 125}), false);
    UniqueFd bundleFd;
    auto spec = loadContainerSpec(bundle, bundleFd);
    if (!spec)
        return printLine(errorLine({spec.error(), 125}), false);
    if (shimAlive(bundleFd.get()))
        return printLine(errorLine({Error(ErrorCode::Conflict, "create container " + spec->id + ": a shim is already running for it"), 125}), false);
    if (handedNetns) {
        if (spec->network.mode == "host")
            return printLine(errorLine({Error(ErrorCode::InvalidArgument, "create container " + spec->id
                                                  + ": --netns-fd given for a container on the host network"), 125}), false);
        if (auto st = checkHandedNetns(handedNetns.get()); !st)
            return printLine(errorLine({std::move(st.error()).wrap("create container " + spec->id), 125}), false);
    }
    unlinkat(bundleFd.get(), "exit.json", 0);
    return daemonize(bundle, [&]() { return createContainer(*spec, bundle, handedNetns); });
}

int commandExec(const std::string &bundle, const std::string &execId, int containerPid)
{
    if (bundle.empty() || bundle.front() != '/')
        return printLine(errorLine({Error(ErrorCode::InvalidArgument, "--bundle must be an absolute path"), 125}), false);
    if (execId.empty() || execId.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        return printLine(errorLine({Error(ErrorCode::InvalidArgument, "--exec-id must be hex: " + execId), 125}), false);
    if (containerPid <= 0)
        return printLine(errorLine({Error(ErrorCode::InvalidArgument, "--pid must be a process id"), 125}), false);
    UniqueFd bundleFd;
    auto container = loadContainerSpec(bundle, bundleFd);
    if (!container)
        return printLine(errorLine({container.error(), 125}), false);
    auto text = readBundleFile(bundleFd.get(), "exec/" + execId + ".json");
    if (!text)
        return printLine(errorLine({text.error(), 125}), false);
    auto spec = parseExecSpec(*text);
    if (!spec)
        return printLine(errorLine({std::move(spec.error()).wrap("read exec/" + execId + ".json"), 125}), false);
    unlinkat(bundleFd.get(), ("exec/" + execId + ".exit.json").c_str(), 0);
    return daemonize(bundle, [&]() { return createExec(*container, *spec, containerPid); });
}

int commandRootfs(const std::string &bundle)
{
    UniqueFd bundleFd;
    auto spec = loadContainerSpec(bundle, bundleFd);
    if (!spec)
        return printLine(errorLine({spec.error(), 125}), false);
    std::vector<std::string> lowerStore;
    for (const auto &l : spec->rootfs.lower)
        lowerStore.push_back(spec->rootfs.layersDir + "/" + l);
    std::vector<const char *> lower;
    for (const auto &l : lowerStore)
        lower.push_back(l.c_str());
    lower.push_back(nullptr);
    const std::string rootfsPath = bundle + "/" + spec->rootfs.mountPoint;
    const std::string upper = bundle + "/" + spec->rootfs.upper;
    const std::string work = bundle + "/" + spec->rootfs.work;
    for (const auto &dir : {upper, work, rootfsPath}) {
        if (mkdir(dir.c_str(), dir == work ? 0700 : 0755) != 0 && errno != EEXIST)
            return printLine(errorLine({Error::fromErrno("create " + dir, errno), 125}), false);
    }
    std::vector<std::string> sources;
    std::vector<PlanMount> mounts;
    sources.reserve(3 + spec->mounts.size());
    for (auto [name, dest] : {std::pair{&spec->etcHostname, "/etc/hostname"}, std::pair{&spec->etcHosts, "/etc/hosts"},
                              std::pair{&spec->etcResolvConf, "/etc/resolv.conf"}}) {
        if (name->empty())
            continue;
        sources.push_back(bundle + "/" + *name);
        if (access(sources.back().c_str(), F_OK) != 0)
            continue;
        mounts.push_back({sources.back().c_str(), dest, true, false, false});
    }
    std::deque<std::vector<const char *>> mountOptions;
    for (const auto &m : spec->mounts) {
        // The view of a stopped container: its binds and volumes as they
        // are (no tmpfs, no copy-up: nothing runs in it).
        if (m.type != MountSpec::Type::Bind)
            continue;
        auto planned = planUserMount(m, mountOptions);
        if (!planned)
            return printLine(errorLine({planned.error(), 125}), false);
        planned->copyUp = false;
        mounts.push_back(*planned);
    }

    int ready[2], hold[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(hold, O_CLOEXEC) != 0)
        return printLine(errorLine({Error::fromErrno("create pipes", errno), 125}), false);
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0)
        return printLine(errorLine({Error::fromErrno("fork", errno), 125}), false);
    if (pid == 0) {
        // Syscalls only from here on.
        close(ready[0]);
        close(hold[1]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        ChildText text;
        ChildFailure f;
        int err = 0;
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
            err = errno;
            text.add("create a mount namespace");
        } else if (!mountOverlay(lower.data(), upper.c_str(), work.c_str(), rootfsPath.c_str(), false, f)) {
            err = f.sysErrno;
            text.add(f.operation).add(" ").add(f.object);
        } else {
            const int rootFd = open(rootfsPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
            for (size_t i = 0; i < mounts.size() && !err; ++i) {
                if (!applyUserMount(rootFd, mounts[i], f)) {
                    err = f.sysErrno ? f.sysErrno : EIO;
                    text.add(f.operation).add(" ").add(f.object);
                }
            }
            // Make the overlay this process's root: /proc/<pid>/root is
            // then the container's file system.
            if (!err && (fchdir(rootFd) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 ||
                         chdir("/") != 0)) {
                err = errno;
                text.add("pivot_root to ").add(rootfsPath.c_str());
            }
        }
        if (err) {
            text.add(": ").add(std::strerror(err));
            (void)!write(ready[1], text.data, text.length);
            _exit(1);
        }
        close(ready[1]);
        char c;
        while (read(hold[0], &c, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    UniqueFd holdWrite(hold[1]);
    std::string message;
    char buf[1024];
    ssize_t n;
    while ((n = read(ready[0], buf, sizeof buf)) > 0)
        message.append(buf, static_cast<size_t>(n));
    close(ready[0]);
    if (!message.empty()) {
        waitpid(pid, nullptr, 0);
        return printLine(errorLine({Error(ErrorCode::Io, "mount the root of " + spec->id + ": " + message), 125}), false);
    }
    nlohmann::json j;
    j["pid"] = pid;
    printLine(j.dump(), true);
    // Hold until our stdin ends, then let the namespace (and its mounts) go.
    while ((n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
        if (n < 0 && errno != EINTR)
            break;
    }
    holdWrite.reset();
    waitpid(pid, nullptr, 0);
    return 0;
}

int commandCleanup(const std::string &bundle)
{
    UniqueFd bundleFd;
    auto spec = loadContainerSpec(bundle, bundleFd);
    if (!spec)
        return printLine(errorLine({spec.error(), 125}), false);
    if (shimAlive(bundleFd.get()))
        return printLine(errorLine({Error(ErrorCode::Conflict, "cleanup " + spec->id + ": its shim is still running"), 125}), false);
    auto cgroup = Cgroup::locate(spec->cgroup, spec->id);
    if (cgroup) {
        if (auto st = cgroup->remove(); !st)
            return printLine(errorLine({st.error(), 125}), false);
    }
    if (spec->network.mode == "bridge") {
        if (auto st = detachContainer(spec->network); !st)
            return printLine(errorLine({st.error(), 125}), false);
    }
    struct stat st;
    if (fstatat(bundleFd.get(), "shim.sock", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
        unlinkat(bundleFd.get(), "shim.sock", 0);
    return printLine("{\"ok\":true}", true);
}

} // namespace Berth::Runtime
