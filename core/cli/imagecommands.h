#pragma once

namespace Berth::Cli {

class CommandRegistry;

// `berth image` and its subcommands with their docker aliases: ls/images,
// inspect, history, tag, rm/rmi, prune; and the generic `berth inspect`.
void registerImageCommands(CommandRegistry &registry);

// `berth image import|load|save` and `import`, `load`, `save`: the
// commands that move image bytes (streamed, never held whole in memory).
void registerImageTransferCommands(CommandRegistry &registry);

} // namespace Berth::Cli
