#include "exitstatus.h"

#include "syscalls.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace Berth::Runtime {

ExitStatus ExitStatus::fromWait(int code, int status)
{
    ExitStatus e;
    if (code == CLD_EXITED) {
        e.exitCode = status;
    } else {
        e.signal = status;
        e.exitCode = 128 + status;
    }
    return e;
}

std::string ExitStatus::toJson() const
{
    nlohmann::json j;
    j["exitCode"] = exitCode;
    j["signal"] = signal;
    j["oomKilled"] = oomKilled;
    j["startedAt"] = startedAt;
    j["finishedAt"] = finishedAt;
    j["error"] = error;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status writeExitFile(int dirFd, const std::string &name, const ExitStatus &status, bool durable)
{
    return writeFileAtomic(dirFd, name, status.toJson() + "\n", 0644, durable);
}

Status syncFileAt(int dirFd, const std::string &name)
{
    UniqueFd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd || ::fsync(fd.get()) != 0)
        return failErrno("fsync " + name);
    const size_t slash = name.rfind('/');
    const std::string parent = slash == std::string::npos ? "." : name.substr(0, slash);
    UniqueFd dir(::openat(dirFd, parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0)
        return failErrno("fsync the directory of " + name);
    return {};
}

} // namespace Berth::Runtime
