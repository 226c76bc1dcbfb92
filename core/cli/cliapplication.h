#pragma once

#include "commandregistry.h"

#include <QStringList>

namespace Berth::Cli {

// `berth [OPTIONS] COMMAND [ARGS...]`: parses the global options, finds the
// command in the registry, parses its options and runs it.
class CliApplication
{
public:
    // Registers the built-in commands.
    CliApplication();

    CommandRegistry &registry() { return m_registry; }

    static QList<OptionSpec> globalOptions();

    // `arguments` without the program name. Returns the exit code:
    // 0 success, 1 command failure or unknown command, 125 usage error.
    int run(const QStringList &arguments);

private:
    CommandRegistry m_registry;
};

// Adds every command Berth has today (version, info, events, system ...).
void registerBuiltinCommands(CommandRegistry &registry);

} // namespace Berth::Cli
