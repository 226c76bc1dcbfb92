#pragma once

namespace Berth::Cli {

class CommandRegistry;

// pull, push, login, logout (docker's syntax and output).
void registerRegistryCommands(CommandRegistry &registry);

} // namespace Berth::Cli
