// berth-shim: one per container (design.md). Until the runtime lands it only
// identifies itself and refuses to run anything, so nothing pretends to work.
#include <cstdio>
#include <cstring>

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
        std::printf("berth-shim %s\n", BERTH_VERSION);
        return 0;
    }
    std::fprintf(stderr, "berth-shim: the container runtime is not built yet\n");
    return 125;
}
