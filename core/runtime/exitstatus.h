#pragma once

// exit.json (README section 6): written atomically before watchers hear of
// the exit.

#include <base/result.h>

#include <string>

namespace Berth::Runtime {

struct ExitStatus
{
    int exitCode = 0;
    int signal = 0;
    bool oomKilled = false;
    std::string startedAt;
    std::string finishedAt;
    std::string error;

    // From a waitid() result: 128+signal for a killed process.
    static ExitStatus fromWait(int code, int status);
    std::string toJson() const;
};

// Atomic (temp + rename); with durable, fsync'ed (file and directory) too.
Status writeExitFile(int dirFd, const std::string &name, const ExitStatus &status, bool durable = true);
// fsyncs a file written without durability and the directory holding it.
Status syncFileAt(int dirFd, const std::string &name);

} // namespace Berth::Runtime
