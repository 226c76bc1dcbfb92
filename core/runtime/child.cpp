// The container child: from clone() to execve(). Only syscalls and the
// fixed-size buffers of ChildPlan/UserPlan (style.md D5).
#include "childplan.h"
#include "rootfs.h"
#include "usermounts.h"

#include <cstdint>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

const ChildPlan *g_plan = nullptr;

void sendMessage(const SyncMessage &message, int fdToPass = -1)
{
    struct iovec iov = {const_cast<SyncMessage *>(&message), sizeof message};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fdToPass >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fdToPass, sizeof(int));
    }
    while (sendmsg(g_plan->syncFd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

[[noreturn]] void die(const char *operation, const char *object, int err, int exitCode = 125)
{
    SyncMessage m;
    m.kind = SyncKind::Error;
    m.sysErrno = err;
    m.exitCode = exitCode;
    ChildText text;
    text.add(operation);
    if (object) {
        const size_t n = std::strlen(operation);
        if (n == 0 || operation[n - 1] != '/')
            text.add(" ");
        text.add(object);
    }
    std::memcpy(m.text, text.data, text.length + 1);
    sendMessage(m);
    _exit(exitCode);
}

[[noreturn]] void dieWith(const ChildFailure &f)
{
    die(f.operation, f.object, f.sysErrno);
}

// Waits for one message of `kind` from the shim; EOF or Abort ends the child.
void expect(SyncKind kind, void *payload = nullptr, size_t payloadSize = 0)
{
    char buffer[sizeof(UserPlan) + sizeof(int32_t)];
    for (;;) {
        const ssize_t n = recv(g_plan->syncFd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < static_cast<ssize_t>(sizeof(int32_t)))
            _exit(125); // the shim is gone or gave up
        int32_t got;
        std::memcpy(&got, buffer, sizeof got);
        if (static_cast<SyncKind>(got) != kind)
            _exit(125);
        if (payload) {
            if (static_cast<size_t>(n) != sizeof(int32_t) + payloadSize)
                _exit(125);
            std::memcpy(payload, buffer + sizeof(int32_t), payloadSize);
        }
        return;
    }
}

void signalOnly(SyncKind kind)
{
    SyncMessage m;
    m.kind = kind;
    sendMessage(m);
}

int openDir(int rootFd, const char *path, bool noSymlinks)
{
    ChildFailure f;
    const int fd = ensureUnderRoot(rootFd, path, false, noSymlinks, f);
    if (fd < 0) {
        if (noSymlinks && f.sysErrno == ELOOP)
            die("refuse a symlink in the image at", path, ELOOP);
        dieWith(f);
    }
    return fd;
}

// An O_PATH fd of a directory just mounted over, refusing symlinks.
int reopenDir(int rootFd, const char *path)
{
    struct open_how how = {};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS;
    const int fd = static_cast<int>(syscall(SYS_openat2, rootFd, path, &how, sizeof how));
    if (fd < 0)
        die("reopen", path, errno);
    return fd;
}

void mountOrDie(const char *type, const char *source, const char *const *options, unsigned attrs, int targetFd,
                const char *what)
{
    ChildFailure f;
    if (!mountFresh(type, source, options, attrs, targetFd, what, f))
        dieWith(f);
}

void setupRootfs(const ChildPlan &plan)
{
    // Nothing mounted here propagates back to the host.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
        die("make / a slave mount", nullptr, errno);

    // The overlay: image layers read-only below, the container's upper dir.
    {
        ChildFailure f;
        if (!mountOverlay(plan.lowerDirs, plan.upperDir, plan.workDir, plan.rootfsPath, plan.volatileUpper, f))
            dieWith(f);
    }
    const int rootFd = open(plan.rootfsPath, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootFd < 0)
        die("open rootfs", plan.rootfsPath, errno);

    // /proc
    {
        const int fd = openDir(rootFd, "/proc", true);
        mountOrDie("proc", "proc", nullptr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, fd, "/proc");
        close(fd);
    }
    // /dev and what lives in it.
    {
        const int fd = openDir(rootFd, "/dev", true);
        static const char *const devOptions[] = {"mode=755", "size=65536k", nullptr};
        mountOrDie("tmpfs", "tmpfs", devOptions, MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME, fd, "/dev");
        close(fd);
    }
    // The fd above names the directory below the new tmpfs: reopen it.
    const int devPath = reopenDir(rootFd, "/dev");
    const int devFd = openat(devPath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (devFd < 0)
        die("open the container's /dev", nullptr, errno);
    close(devPath);
    {
        ChildFailure f;
        if (!populateDev(devFd, f))
            dieWith(f);
        for (int i = 0; i < plan.hostDeviceCount; ++i) {
            const PlanDevice &d = plan.hostDevices[i];
            if (mknodat(devFd, d.path, d.mode, d.rdev) != 0 && errno != EEXIST)
                die("mknod /dev/", d.path, errno);
        }
        const int pts = openat(devFd, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        static const char *const ptsOptions[] = {"newinstance", "ptmxmode=0666", "mode=0620", "gid=5", nullptr};
        mountOrDie("devpts", "devpts", ptsOptions, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, pts, "/dev/pts");
        close(pts);
        const int shm = openat(devFd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        char shmSize[40];
        {
            ChildText t;
            t.add("size=").add(plan.shmSize);
            std::memcpy(shmSize, t.data, t.length + 1);
        }
        const char *const shmOptions[] = {"mode=1777", shmSize, nullptr};
        mountOrDie("tmpfs", "shm", shmOptions, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, shm, "/dev/shm");
        close(shm);
        const int mq = openat(devFd, "mqueue", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        mountOrDie("mqueue", "mqueue", nullptr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, mq, "/dev/mqueue");
        close(mq);
    }
    // /sys and /sys/fs/cgroup, read-only unless privileged.
    {
        const unsigned ro = plan.privileged ? 0 : MOUNT_ATTR_RDONLY;
        const int fd = openDir(rootFd, "/sys", true);
        mountOrDie("sysfs", "sysfs", nullptr, ro | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, fd, "/sys");
        close(fd);
        int cg = openDir(rootFd, "/sys/fs/cgroup", true);
        if (plan.cgroupUnified) {
            mountOrDie("cgroup2", "cgroup2", nullptr, ro | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, cg,
                       "/sys/fs/cgroup");
        } else {
            static const char *const cgOptions[] = {"mode=755", nullptr};
            mountOrDie("tmpfs", "tmpfs", cgOptions, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, cg,
                       "/sys/fs/cgroup");
            // The fd names the directory below the new tmpfs: reopen it.
            close(cg);
            cg = reopenDir(rootFd, "/sys/fs/cgroup");
            const int cgDir = openat(cg, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (cgDir < 0)
                die("open /sys/fs/cgroup", nullptr, errno);
            for (const char *const *h = plan.cgroupV1; h && *h; ++h) {
                if (mkdirat(cgDir, *h, 0755) != 0 && errno != EEXIST)
                    die("mkdir /sys/fs/cgroup/", *h, errno);
                const int target = openat(cgDir, *h, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                // A hierarchy named "cpu,cpuacct" carries both controllers.
                char opts[8][32] = {};
                const char *optList[9] = {};
                int count = 0;
                const char *s = *h;
                while (*s && count < 8) {
                    int n = 0;
                    while (s[n] && s[n] != ',' && n < 31) {
                        opts[count][n] = s[n];
                        ++n;
                    }
                    opts[count][n] = 0;
                    optList[count] = opts[count];
                    ++count;
                    s += n;
                    if (*s == ',')
                        ++s;
                }
                mountOrDie("cgroup", "cgroup", optList,
                           ro | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, target, *h);
                close(target);
            }
            close(cgDir);
            if (!plan.privileged) {
                struct mount_attr attr = {};
                attr.attr_set = MOUNT_ATTR_RDONLY;
                if (mount_setattr(cg, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
                    die("make /sys/fs/cgroup read-only", nullptr, errno);
            }
        }
        close(cg);
    }
    // /etc files and volumes.
    for (int i = 0; i < plan.mountCount; ++i) {
        ChildFailure f;
        if (!applyUserMount(rootFd, plan.mounts[i], f))
            dieWith(f);
    }
    close(devFd);

    // pivot_root into the container; the old root is detached.
    if (fchdir(rootFd) != 0)
        die("chdir to rootfs", plan.rootfsPath, errno);
    close(rootFd);
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        die("pivot_root to", plan.rootfsPath, errno);
    if (umount2(".", MNT_DETACH) != 0)
        die("detach the old root", nullptr, errno);
    if (chdir("/") != 0)
        die("chdir /", nullptr, errno);
}

void setupSysctlsAndNetwork(const ChildPlan &plan)
{
    if (!plan.newNetns)
        return;
    // moby's defaults in a private network namespace.
    struct Sysctl
    {
        const char *path, *value;
    };
    static const Sysctl sysctls[] = {{"/proc/sys/net/ipv4/ping_group_range", "0 2147483647"},
                                     {"/proc/sys/net/ipv4/ip_unprivileged_port_start", "0"}};
    for (const auto &s : sysctls) {
        const int fd = open(s.path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            die("open sysctl", s.path, errno);
        }
        if (write(fd, s.value, std::strlen(s.value)) < 0)
            die("write sysctl", s.path, errno);
        close(fd);
    }
    if (plan.loopbackOnly) {
        const int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
            die("open a socket to bring lo up", nullptr, errno);
        struct ifreq ifr = {};
        std::memcpy(ifr.ifr_name, "lo", 3);
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
            die("read flags of", "lo", errno);
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
            die("bring up", "lo", errno);
        close(sock);
    }
}

void setupMaskedAndReadonly(const ChildPlan &plan)
{
    if (plan.privileged)
        return;
    static const char *const masked[] = {"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore",
                                         "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
                                         "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
                                         "/sys/firmware"};
    ChildFailure f;
    int sharedTmpfs = -1; // one empty tmpfs for every masked directory
    for (const char *path : masked) {
        if (!maskPath(path, &sharedTmpfs, f))
            dieWith(f);
    }
    for (long cpu = 0; cpu < 4096; ++cpu) {
        ChildText base;
        base.add("/sys/devices/system/cpu/cpu").add(cpu);
        if (access(base.data, F_OK) != 0)
            break;
        base.add("/thermal_throttle");
        if (!maskPath(base.data, &sharedTmpfs, f))
            dieWith(f);
    }
    if (sharedTmpfs >= 0)
        close(sharedTmpfs);
    static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    for (const char *path : readonly) {
        if (!bindReadonlyInPlace(path, f))
            dieWith(f);
    }
}

// The terminal: a pty from the container's own devpts; the master goes to
// the shim, the slave becomes the controlling terminal and fds 0-2.
void setupTerminal(const ChildPlan &plan, int &masterOut)
{
    if (setsid() < 0)
        die("setsid", nullptr, errno);
    if (!plan.terminal) {
        if (dup2(plan.stdinFd, 0) < 0 || dup2(plan.stdoutFd, 1) < 0 || dup2(plan.stderrFd, 2) < 0)
            die("set up stdio", nullptr, errno);
        return;
    }
    const int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        die("open /dev/ptmx", nullptr, errno);
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) != 0)
        die("unlock the pty", nullptr, errno);
    unsigned ptyNumber = 0;
    if (ioctl(master, TIOCGPTN, &ptyNumber) != 0)
        die("read the pty number", nullptr, errno);
    const int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0)
        die("open the pty slave", nullptr, errno);
    struct winsize ws = {};
    ws.ws_row = plan.rows;
    ws.ws_col = plan.cols;
    ioctl(slave, TIOCSWINSZ, &ws);
    // /dev/console is a bind of the pty slave.
    if (!plan.exec) {
        ChildText slavePath;
        slavePath.add("/dev/pts/").add(static_cast<long>(ptyNumber));
        const int consoleFd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (consoleFd >= 0)
            close(consoleFd);
        const int target = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        ChildFailure f;
        if (target < 0 || !mountBind(AT_FDCWD, slavePath.data, false, false, target, "/dev/console", f)) {
            if (target < 0)
                die("create /dev/console", nullptr, errno);
            dieWith(f);
        }
        close(target);
    }
    if (ioctl(slave, TIOCSCTTY, 0) != 0)
        die("make the pty the controlling terminal", nullptr, errno);
    if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
        die("set up the terminal as stdio", nullptr, errno);
    if (slave > 2)
        close(slave);
    masterOut = master;
}

void joinNamespaces(const ChildPlan &plan)
{
    // The pid namespace was joined by the shim before clone (setns affects
    // children only); the rest is joined here in one call.
    if (setns(plan.joinPidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) != 0) {
        // A container sharing the host's network has no netns of its own to join.
        if (setns(plan.joinPidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP) != 0)
            die("join the container's namespaces", nullptr, errno);
    }
    close(plan.joinPidfd);
}

} // namespace

void runChild(const ChildPlan &plan)
{
    g_plan = &plan;
    umask(022);
    // Default signal dispositions and an empty mask for the container.
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    }

    expect(SyncKind::Go);
    int master = -1;
    if (plan.exec) {
        joinNamespaces(plan);
        if (chdir("/") != 0)
            die("chdir /", nullptr, errno);
    } else {
        // A namespace berthd made ahead of time (--netns-fd): joined first,
        // before any mount (sysfs shows the interfaces of the namespace
        // that mounts it) and before any sysctl is written.
        if (plan.joinNetnsFd >= 0) {
            if (setns(plan.joinNetnsFd, CLONE_NEWNET) != 0)
                die("join the network namespace handed by berthd", nullptr, errno);
            close(plan.joinNetnsFd);
        }
        // Single-threaded, so moving this thread moves the process.
        for (int i = 0; i < plan.cgroupTaskFdCount; ++i) {
            if (write(plan.cgroupTaskFds[i], "0", 1) != 1)
                die("join the container's cgroup", nullptr, errno);
            close(plan.cgroupTaskFds[i]);
        }
        if (unshare(CLONE_NEWCGROUP) != 0)
            die("create the cgroup namespace", nullptr, errno);
        if (sethostname(plan.hostname, std::strlen(plan.hostname)) != 0)
            die("sethostname", plan.hostname, errno);
        umask(0);
        setupRootfs(plan);
        umask(022);
        setupSysctlsAndNetwork(plan);
        setupMaskedAndReadonly(plan);
    }
    setupTerminal(plan, master);
    if (!plan.exec && plan.readonlyRoot) {
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) != 0)
            die("make the root read-only", nullptr, errno);
    }
    {
        SyncMessage ready;
        ready.kind = SyncKind::Ready;
        sendMessage(ready, master);
        if (master >= 0)
            close(master);
    }

    static UserPlan user;
    expect(SyncKind::Plan, &user, sizeof user);

    // The working directory, created as docker does when missing.
    {
        ChildFailure f;
        const int rootFd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootFd < 0)
            die("open /", nullptr, errno);
        const int fd = ensureUnderRoot(rootFd, user.cwd, false, false, f);
        close(rootFd);
        if (fd < 0)
            die("set the working directory", user.cwd, f.sysErrno);
        if (fchdir(fd) != 0)
            die("chdir to", user.cwd, errno);
        close(fd);
    }
    for (int i = 0; i < plan.rlimitCount; ++i) {
        const struct rlimit rl = {plan.rlimits[i].soft, plan.rlimits[i].hard};
        if (setrlimit(static_cast<__rlimit_resource>(plan.rlimits[i].resource), &rl) != 0)
            die("setrlimit", nullptr, errno);
    }
    if (const int rc = applyBounding(plan.caps); rc < 0)
        die("drop capabilities from the bounding set", nullptr, -rc);
    if (plan.seccomp && !plan.noNewPrivileges) {
        // Without no_new_privs, loading the filter needs CAP_SYS_ADMIN: load it now.
        if (const int rc = loadSeccomp(*plan.seccomp); rc < 0)
            die("load the seccomp profile", nullptr, -rc);
    }
    if (setgroups(static_cast<size_t>(user.groupCount), user.groups) != 0)
        die("setgroups", nullptr, errno);
    if (setresgid(user.gid, user.gid, user.gid) != 0)
        die("setresgid", nullptr, errno);
    if (setresuid(user.uid, user.uid, user.uid) != 0)
        die("setresuid", nullptr, errno);
    if (const int rc = applyFinal(plan.caps); rc < 0)
        die("set capabilities", nullptr, -rc);
    if (plan.noNewPrivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        die("set no_new_privs", nullptr, errno);
    if (plan.seccomp && plan.noNewPrivileges) {
        if (const int rc = loadSeccomp(*plan.seccomp); rc < 0)
            die("load the seccomp profile", nullptr, -rc);
    }
    if (user.home[0])
        plan.envp[plan.envCount] = user.home;

    // No fd of the shim survives execve (CVE-2024-21626).
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

    signalOnly(SyncKind::Held);
    expect(SyncKind::Start);

    int err;
    if (plan.initMemfd >= 0) {
        plan.initArgv[2] = user.path;
        syscall(SYS_execveat, plan.initMemfd, "", plan.initArgv, plan.envp, AT_EMPTY_PATH);
        err = errno;
    } else {
        execve(user.path, plan.argv, plan.envp);
        err = errno;
    }
    SyncMessage m;
    m.kind = SyncKind::ExecError;
    m.sysErrno = err;
    m.exitCode = (err == ENOENT) ? 127 : 126;
    sendMessage(m);
    _exit(m.exitCode);
}

} // namespace Berth::Runtime
