#include "exitstatus.h"

#include "syscalls.h"

#include <nlohmann/json.hpp>

#include <sys/wait.h>

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

Status writeExitFile(int dirFd, const std::string &name, const ExitStatus &status)
{
    return writeFileAtomic(dirFd, name, status.toJson() + "\n");
}

} // namespace Berth::Runtime
