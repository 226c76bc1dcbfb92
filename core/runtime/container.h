#pragma once

// The commands of berth-shim (README section 3): create, exec, rootfs,
// cleanup. Each prints one JSON line on stdout and returns the process
// status (0 success, 1 error); create and exec leave a long-lived shim
// behind (double fork) that monitors the process.

#include <string>

namespace Berth::Runtime {

// netnsFd >= 0: `--netns-fd` (README 3), a network namespace berthd made
// ahead of time that the container joins instead of getting a new one.
int commandCreate(const std::string &bundle, int netnsFd = -1);
int commandExec(const std::string &bundle, const std::string &execId, int containerPid);
int commandRootfs(const std::string &bundle);
int commandCleanup(const std::string &bundle);

} // namespace Berth::Runtime
