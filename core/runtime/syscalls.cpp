#include "syscalls.h"

#include <cstdint>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Berth::Runtime {

int openInRoot(int rootFd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd;
    do {
        fd = syscall(SYS_openat2, rootFd, path, &how, sizeof how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return static_cast<int>(fd);
}

pid_t cloneProcess(uint64_t flags, int *pidfd, int cgroupFd)
{
    struct clone_args args = {};
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    if (cgroupFd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroupFd);
    }
    return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof args));
}

int pidfdSendSignal(int pidfd, int signal)
{
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

int pivotRoot(const char *newRoot, const char *putOld)
{
    return static_cast<int>(syscall(SYS_pivot_root, newRoot, putOld));
}

Status writeAll(int fd, std::string_view data, std::string_view what)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return failErrno("write " + std::string(what));
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<std::string> readFileAt(int dirFd, const char *path, std::string_view what)
{
    UniqueFd fd(::openat(dirFd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return failErrno("open " + std::string(what));
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return failErrno("read " + std::string(what));
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > (64u << 20))
            return fail(ErrorCode::TooLarge, "read " + std::string(what) + ": larger than 64 MiB");
    }
    return out;
}

Status writeFileAt(int dirFd, const char *path, std::string_view content)
{
    UniqueFd fd(::openat(dirFd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return failErrno(std::string("open ") + path);
    const ssize_t n = ::write(fd.get(), content.data(), content.size());
    if (n < 0)
        return failErrno(std::string("write \"") + std::string(content) + "\" to " + path);
    return {};
}

Status writeFileAtomic(int dirFd, const std::string &name, std::string_view content, mode_t mode, bool durable)
{
    const size_t slash = name.rfind('/');
    const std::string temp = slash == std::string::npos ? "." + name + ".tmp"
                                                        : name.substr(0, slash + 1) + "." + name.substr(slash + 1) + ".tmp";
    UniqueFd fd(::openat(dirFd, temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd)
        return failErrno("create " + temp);
    if (auto st = writeAll(fd.get(), content, temp); !st) {
        ::unlinkat(dirFd, temp.c_str(), 0);
        return st;
    }
    if (durable && ::fsync(fd.get()) != 0) {
        auto err = failErrno("fsync " + temp);
        ::unlinkat(dirFd, temp.c_str(), 0);
        return err;
    }
    fd.reset();
    if (::renameat(dirFd, temp.c_str(), dirFd, name.c_str()) != 0) {
        auto err = failErrno("rename " + temp + " to " + name);
        ::unlinkat(dirFd, temp.c_str(), 0);
        return err;
    }
    if (durable) {
        // The rename is durable once the directory holding `name` is synced
        // (not dirFd itself when `name` has a directory part; dirFd may be
        // AT_FDCWD).
        const std::string parent = slash == std::string::npos ? "." : name.substr(0, slash);
        UniqueFd dir(::openat(dirFd, parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir || ::fsync(dir.get()) != 0)
            return failErrno("fsync the directory of " + name);
    }
    return {};
}

Result<unsigned long long> processStartTime(pid_t pid)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    auto text = readFileAt(AT_FDCWD, path, path);
    if (!text)
        return std::unexpected(text.error());
    // The command name (field 2) may hold spaces and parentheses: count
    // fields after the last ')'.
    const size_t close = text->rfind(')');
    if (close == std::string::npos)
        return fail(ErrorCode::Protocol, std::string("parse ") + path + ": no command field");
    const char *p = text->c_str() + close + 1;
    // After ')' comes field 3; field 22 is 19 fields further.
    for (int field = 3; field < 22; ++field) {
        while (*p == ' ')
            ++p;
        while (*p && *p != ' ')
            ++p;
    }
    unsigned long long value = 0;
    if (std::sscanf(p, " %llu", &value) != 1)
        return fail(ErrorCode::Protocol, std::string("parse ") + path + ": no start time field");
    return value;
}

std::string rfc3339Now()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
    return buf;
}

Status setNonBlocking(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return failErrno("set O_NONBLOCK");
    return {};
}

} // namespace Berth::Runtime
