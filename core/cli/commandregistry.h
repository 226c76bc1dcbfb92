#pragma once

#include "command.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace Berth::Cli {

// Every command the CLI knows, looked up by path or alias. Commands are
// registered once at start (see registerBuiltinCommands) instead of being
// chosen in an if-chain.
class CommandRegistry
{
public:
    // Registers a command or a management group. A subcommand's group
    // ("container" for "container ls") must be added too.
    void add(Command command);

    // The command whose path or alias is made of the first words of
    // `words`; `consumed` tells how many words that was. A group is returned
    // when no subcommand follows or matches. nullptr when nothing matches.
    const Command *resolve(const QStringList &words, int *consumed) const;

    const Command *find(const QString &path) const;

    // The subcommands of a group, in registration order.
    QList<const Command *> children(const QString &groupPath) const;
    // Top-level entries (paths and aliases of one word) in a section, sorted,
    // with the name they are listed under.
    QList<QPair<QString, const Command *>> topLevel(Command::Section section) const;

    // The help texts.
    QString mainHelp(const QList<OptionSpec> &globalOptions) const;
    QString commandHelp(const Command &command) const;
    // "Usage:  berth version [OPTIONS]"
    static QString usageLine(const Command &command);

private:
    std::vector<std::unique_ptr<Command>> m_commands;
};

} // namespace Berth::Cli
