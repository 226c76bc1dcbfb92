#pragma once

namespace Berth::Cli {

class CommandRegistry;

// `berth container` and its subcommands with docker's top-level aliases:
// create, run, start, stop, restart, kill, wait, rm, rename, port, logs,
// attach, exec, top, inspect, prune, ls/ps, stats, cp.
void registerContainerCommands(CommandRegistry &registry);

// `berth volume` ls/create/inspect/rm/prune.
void registerVolumeCommands(CommandRegistry &registry);

} // namespace Berth::Cli
