// berth: the docker-syntax command line. The common `berth run` is handled
// here without Qt (RunPlan, FastRunner); everything else, and every run the
// fast path cannot do exactly as berth-cli would, is exec'd to berth-cli
// with the same argv before anything observable happened.

#include "clilauncher.h"
#include "fastrunner.h"
#include "runplan.h"

#include <string>
#include <vector>

int main(int argc, char **argv)
{
    using namespace Berth::Cli::FastRun;
    const CliLauncher launcher(selfExecutable(), BERTH_CLI_RELATIVE_DIR);

    const EnvLookup env = processEnvironment();
    // BERTH_NO_FASTPATH set to anything but "" or "0": berth-cli does it all.
    const auto forced = env("BERTH_NO_FASTPATH");
    if (!forced || forced->empty() || *forced == "0") {
        std::vector<std::string> args(argv + 1, argv + argc);
        if (auto plan = planRun(args, env); plan && !qtLoggingConfigured(env)) {
            FastRunner runner(std::move(*plan));
            const Outcome outcome = runner.run();
            if (!outcome.fallback)
                return outcome.exitCode;
        }
    }
    return launcher.exec(argv);
}
