#pragma once

#include <string>
#include <vector>

namespace Berth::Cli::FastRun {

// Finds berth-cli, the Qt command line that does everything the fast path
// does not: next to this executable (the build tree's bin/), then in
// <bindir>/<relative libexec dir>/berth/ (the installed layout).
class CliLauncher
{
public:
    // `selfExe`: this executable's path (/proc/self/exe resolved);
    // `installedRelative`: berth-cli's install directory relative to the
    // install bindir ("../libexec/berth").
    CliLauncher(const std::string &selfExe, const std::string &installedRelative);

    // The places looked at, in order.
    const std::vector<std::string> &candidates() const { return m_candidates; }
    // The first candidate that is an executable file, or empty.
    std::string find() const;

    // Runs berth-cli with the same argv (argv[0] as it is, so every message
    // still says "berth"). Returns only when that failed: the error is
    // printed and the exit code (125) returned.
    int exec(char **argv) const;

private:
    std::vector<std::string> m_candidates;
};

// /proc/self/exe, or empty.
std::string selfExecutable();

} // namespace Berth::Cli::FastRun
