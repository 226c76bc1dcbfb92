// berth-shim: one per container (design.md). This file only reads argv;
// the commands live in container.cpp (crun's src/<verb>.c split).
#include "container.h"
#include "log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>

namespace {

void usage()
{
    std::fprintf(stderr,
                 "usage: berth-shim create --bundle DIR [--netns-fd N]\n"
                 "       berth-shim exec --bundle DIR --exec-id EID --pid CONTAINER_PID\n"
                 "       berth-shim rootfs --bundle DIR\n"
                 "       berth-shim cleanup --bundle DIR\n"
                 "       berth-shim --version\n");
}

int badUsage(const char *message)
{
    std::printf("{\"error\":\"%s\",\"exitCode\":125}\n", message);
    usage();
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
        std::printf("berth-shim %s\n", BERTH_VERSION);
        return 0;
    }
    if (argc < 2)
        return badUsage("no command given");
    Berth::Runtime::initLog("berth-shim");
    const std::string command = argv[1];
    std::string bundle, execId;
    long pid = 0;
    int netnsFd = -1;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            return badUsage("an option is missing its value");
        if (arg == "--bundle")
            bundle = argv[++i];
        else if (arg == "--exec-id")
            execId = argv[++i];
        else if (arg == "--pid") {
            char *end = nullptr;
            pid = std::strtol(argv[++i], &end, 10);
            if (!end || *end || pid <= 0 || pid > 0x7fffffff)
                return badUsage("--pid must be a process id");
        } else if (arg == "--netns-fd") {
            char *end = nullptr;
            const long fd = std::strtol(argv[++i], &end, 10);
            if (!end || *end || fd < 3 || fd > 0x7fffffff)
                return badUsage("--netns-fd must be an inherited file descriptor (3 or above)");
            netnsFd = static_cast<int>(fd);
            // Inherited without close-on-exec; nothing the shim runs may get it.
            if (fcntl(netnsFd, F_SETFD, FD_CLOEXEC) != 0)
                return badUsage("--netns-fd is not an open file descriptor");
        } else
            return badUsage("unknown option");
    }
    if (bundle.empty())
        return badUsage("--bundle is required");
    if (netnsFd >= 0 && command != "create")
        return badUsage("--netns-fd is only for create");
    if (command == "create")
        return Berth::Runtime::commandCreate(bundle, netnsFd);
    if (command == "exec") {
        if (execId.empty() || pid == 0)
            return badUsage("exec needs --exec-id and --pid");
        return Berth::Runtime::commandExec(bundle, execId, static_cast<int>(pid));
    }
    if (command == "rootfs")
        return Berth::Runtime::commandRootfs(bundle);
    if (command == "cleanup")
        return Berth::Runtime::commandCleanup(bundle);
    return badUsage("unknown command");
}
