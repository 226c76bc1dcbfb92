#include "clilauncher.h"

#include "errorreport.h"

#include <cerrno>
#include <climits>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Cli::FastRun {

namespace {
constexpr const char kCliName[] = "berth-cli";
}

std::string selfExecutable()
{
    char buffer[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer);
    if (n <= 0 || size_t(n) >= sizeof buffer)
        return {};
    return std::string(buffer, size_t(n));
}

CliLauncher::CliLauncher(const std::string &selfExe, const std::string &installedRelative)
{
    const size_t slash = selfExe.rfind('/');
    if (slash == std::string::npos)
        return;
    const std::string dir = selfExe.substr(0, slash);
    m_candidates.push_back(dir + "/" + kCliName);
    if (!installedRelative.empty())
        m_candidates.push_back(dir + "/" + installedRelative + "/" + kCliName);
}

std::string CliLauncher::find() const
{
    for (const std::string &c : m_candidates) {
        struct stat st{};
        if (::stat(c.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(c.c_str(), X_OK) == 0)
            return c;
    }
    return {};
}

int CliLauncher::exec(char **argv) const
{
    const std::string cli = find();
    if (cli.empty()) {
        std::string tried;
        for (const std::string &c : m_candidates)
            tried += (tried.empty() ? "" : ", ") + c;
        if (tried.empty())
            tried = "(this executable's path is unknown: /proc/self/exe)";
        writeAll(2, "berth: cannot find berth-cli, the part of berth that runs this command: tried " + tried + "\n");
        return 125;
    }
    ::execv(cli.c_str(), argv);
    const int err = errno;
    useEnvironmentLocale();
    writeAll(2, "berth: exec " + cli + ": " + std::strerror(err) + "\n");
    return 125;
}

} // namespace Berth::Cli::FastRun
