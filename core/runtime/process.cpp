#include "process.h"

#include "syscalls.h"
#include "user.h"

#include <cstdint>
#include <cerrno>
#include <cstring>
#include <tuple>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

std::unexpected<ProcessError> processFailure(Error error, int exitCode)
{
    return std::unexpected(ProcessError{std::move(error), exitCode});
}

// A lexically cleaned absolute path ("/a/./b/../c" -> "/a/c").
std::string cleanPath(const std::string &path)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        const std::string part = path.substr(start, end - start);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto &p : parts)
        out += "/" + p;
    return out.empty() ? "/" : out;
}

enum class Candidate { Missing, NotExecutable, Directory, Executable };

Candidate probe(int rootFd, const std::string &path, int &err)
{
    const int fd = openInRoot(rootFd, path.c_str(), O_PATH);
    if (fd < 0) {
        err = errno;
        return Candidate::Missing;
    }
    struct stat st;
    const int rc = fstat(fd, &st);
    close(fd);
    if (rc != 0) {
        err = errno;
        return Candidate::Missing;
    }
    if (S_ISDIR(st.st_mode))
        return Candidate::Directory;
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        return Candidate::NotExecutable;
    return Candidate::Executable;
}

std::string envValue(const std::vector<std::string> &env, std::string_view name)
{
    for (const auto &e : env) {
        if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
            return e.substr(name.size() + 1);
    }
    return {};
}

bool envHas(const std::vector<std::string> &env, std::string_view name)
{
    for (const auto &e : env) {
        if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
            return true;
    }
    return false;
}

bool copyTo(char (&dest)[kChildPathMax], const std::string &value)
{
    if (value.size() >= kChildPathMax)
        return false;
    std::memcpy(dest, value.c_str(), value.size() + 1);
    return true;
}

} // namespace

Status checkWorkingDirectory(const std::string &cwd)
{
    const std::string clean = cleanPath(cwd);
    if (clean == "/proc" || clean.rfind("/proc/", 0) == 0) {
        // /proc/<anything>/fd/... and /proc/<anything>/cwd|root are links to
        // arbitrary directories.
        if (clean.find("/fd") != std::string::npos || clean.find("/cwd") != std::string::npos ||
            clean.find("/root") != std::string::npos)
            return fail(ErrorCode::InvalidArgument, "the working directory " + cwd + " is refused: it can name a directory outside the container");
    }
    return {};
}

std::expected<UserPlan, ProcessError> resolveProcess(int rootFd, const ProcessSpec &process)
{
    UserPlan plan;
    if (auto st = checkWorkingDirectory(process.cwd); !st)
        return processFailure(st.error(), 125);
    if (!copyTo(plan.cwd, cleanPath(process.cwd)))
        return processFailure(Error(ErrorCode::InvalidArgument, "working directory too long"), 125);

    // The user, from the container's own /etc/passwd and /etc/group.
    std::string passwd, group;
    bool havePasswd = false, haveGroup = false;
    using Source = std::tuple<const char *, std::string *, bool *>;
    for (auto [path, text, have] : {Source{"/etc/passwd", &passwd, &havePasswd}, Source{"/etc/group", &group, &haveGroup}}) {
        const int fd = openInRoot(rootFd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            std::string data;
            char buf[8192];
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0 && data.size() < (16u << 20))
                data.append(buf, static_cast<size_t>(n));
            *text = std::move(data);
            *have = true;
        }
        close(fd);
    }
    auto user = resolveUser(process.user, havePasswd ? &passwd : nullptr, haveGroup ? &group : nullptr);
    if (!user)
        return processFailure(user.error(), 125);
    plan.uid = user->uid;
    plan.gid = user->gid;
    if (user->supplementaryGroups.size() > static_cast<size_t>(kMaxGroups))
        return processFailure(Error(ErrorCode::InvalidArgument, "user " + process.user + " is in more than 64 groups"), 125);
    plan.groupCount = static_cast<int32_t>(user->supplementaryGroups.size());
    for (size_t i = 0; i < user->supplementaryGroups.size(); ++i)
        plan.groups[i] = user->supplementaryGroups[i];
    if (!envHas(process.env, "HOME") && !copyTo(plan.home, "HOME=" + user->home))
        return processFailure(Error(ErrorCode::InvalidArgument, "home directory too long"), 125);

    // The executable: argv[0] as a path, or looked up in PATH (Go's LookPath).
    const std::string &name = process.args.front();
    std::string found;
    if (name.find('/') != std::string::npos) {
        const std::string path = name.front() == '/' ? name : cleanPath(std::string(plan.cwd) + "/" + name);
        int err = 0;
        switch (probe(rootFd, path, err)) {
        case Candidate::Executable:
            found = path;
            break;
        case Candidate::Missing:
            return processFailure(Error(ErrorCode::NotFound, "exec: \"" + name + "\": stat " + name + ": no such file or directory"), 127);
        case Candidate::Directory:
        case Candidate::NotExecutable:
            return processFailure(Error(ErrorCode::PermissionDenied, "exec: \"" + name + "\": permission denied"), 126);
        }
    } else {
        std::string pathVar = envValue(process.env, "PATH");
        if (!envHas(process.env, "PATH"))
            pathVar = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        size_t start = 0;
        while (start <= pathVar.size() && found.empty()) {
            size_t end = pathVar.find(':', start);
            if (end == std::string::npos)
                end = pathVar.size();
            std::string dir = pathVar.substr(start, end - start);
            start = end + 1;
            if (dir.empty())
                dir = plan.cwd;
            else if (dir.front() != '/')
                dir = std::string(plan.cwd) + "/" + dir;
            const std::string candidate = cleanPath(dir + "/" + name);
            int err = 0;
            if (probe(rootFd, candidate, err) == Candidate::Executable)
                found = candidate;
        }
        if (found.empty())
            return processFailure(Error(ErrorCode::NotFound, "exec: \"" + name + "\": executable file not found in $PATH"), 127);
    }
    if (!copyTo(plan.path, found))
        return processFailure(Error(ErrorCode::InvalidArgument, "executable path too long"), 125);
    return plan;
}

} // namespace Berth::Runtime
