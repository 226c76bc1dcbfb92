#pragma once

// What the shim resolves inside the container's root (seen through
// /proc/<pid>/root) before the held process may execve: the user, the
// executable found in PATH, HOME and the working directory.

#include "childplan.h"
#include "spec.h"

#include <base/result.h>

namespace Berth::Runtime {

struct ProcessError
{
    Error error;
    int exitCode = 125; // docker's: 127 not found, 126 not executable
};

// rootFd: an O_PATH fd of the container's root directory.
std::expected<UserPlan, ProcessError> resolveProcess(int rootFd, const ProcessSpec &process);

// CVE-2024-21626: a working directory through /proc/<pid>/fd or
// /proc/self/fd could name a leaked host directory.
Status checkWorkingDirectory(const std::string &cwd);

} // namespace Berth::Runtime
