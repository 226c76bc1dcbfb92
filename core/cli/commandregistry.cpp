#include "commandregistry.h"

#include <algorithm>

namespace Berth::Cli {

void CommandRegistry::add(Command command)
{
    m_commands.push_back(std::make_unique<Command>(std::move(command)));
}

const Command *CommandRegistry::find(const QString &path) const
{
    for (const auto &c : m_commands) {
        if (c->path == path || c->aliases.contains(path))
            return c.get();
    }
    return nullptr;
}

const Command *CommandRegistry::resolve(const QStringList &words, int *consumed) const
{
    *consumed = 0;
    if (words.isEmpty())
        return nullptr;
    // Longest match first: "container ls" before "container".
    if (words.size() >= 2) {
        if (const Command *c = find(words.at(0) + QLatin1Char(' ') + words.at(1))) {
            *consumed = 2;
            return c;
        }
    }
    if (const Command *c = find(words.at(0))) {
        *consumed = 1;
        return c;
    }
    return nullptr;
}

QList<const Command *> CommandRegistry::children(const QString &groupPath) const
{
    QList<const Command *> out;
    const QString prefix = groupPath + QLatin1Char(' ');
    for (const auto &c : m_commands) {
        if (c->path.startsWith(prefix))
            out.append(c.get());
    }
    std::sort(out.begin(), out.end(), [](const Command *a, const Command *b) { return a->path < b->path; });
    return out;
}

QList<QPair<QString, const Command *>> CommandRegistry::topLevel(Command::Section section) const
{
    QList<QPair<QString, const Command *>> out;
    for (const auto &c : m_commands) {
        if (c->section != section)
            continue;
        if (!c->path.contains(QLatin1Char(' ')))
            out.append({c->path, c.get()});
        for (const QString &a : c->aliases) {
            if (!a.contains(QLatin1Char(' ')))
                out.append({a, c.get()});
        }
    }
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    return out;
}

static QString commandList(const QList<QPair<QString, const Command *>> &entries)
{
    qsizetype width = 10;
    for (const auto &e : entries)
        width = qMax(width, e.first.size() + 1);
    QString out;
    for (const auto &e : entries)
        out += QStringLiteral("  ") + e.first.leftJustified(width + 1, QLatin1Char(' ')) + e.second->shortHelp + QLatin1Char('\n');
    return out;
}

QString CommandRegistry::usageLine(const Command &command)
{
    if (command.isGroup())
        return QStringLiteral("Usage:  ") + command.fullName() + QStringLiteral(" COMMAND");
    QString line = QStringLiteral("Usage:  ") + command.fullName();
    if (!command.usage.isEmpty())
        line += QLatin1Char(' ') + command.usage;
    return line;
}

QString CommandRegistry::mainHelp(const QList<OptionSpec> &globalOptions) const
{
    QString out = QStringLiteral("\nUsage:  berth [OPTIONS] COMMAND\n\n"
                                 "A native desktop and command line for containers, with its own engine\n");
    const struct { Command::Section section; const char *title; } sections[] = {
        {Command::Section::Common, "Common Commands:"},
        {Command::Section::Management, "Management Commands:"},
        {Command::Section::Other, "Commands:"},
    };
    for (const auto &s : sections) {
        const auto entries = topLevel(s.section);
        if (entries.isEmpty())
            continue;
        out += QLatin1Char('\n') + QLatin1String(s.title) + QLatin1Char('\n') + commandList(entries);
    }
    out += QStringLiteral("\nGlobal Options:\n") + formatOptions(globalOptions);
    out += QStringLiteral("\nRun 'berth COMMAND --help' for more information on a command.\n");
    return out;
}

QString CommandRegistry::commandHelp(const Command &command) const
{
    QString out = QLatin1Char('\n') + usageLine(command) + QStringLiteral("\n\n");
    out += (command.description.isEmpty() ? command.shortHelp : command.description) + QLatin1Char('\n');
    if (command.isGroup()) {
        QList<QPair<QString, const Command *>> entries;
        const QString prefix = command.path + QLatin1Char(' ');
        for (const Command *c : children(command.path))
            entries.append({c->path.mid(prefix.size()), c});
        if (!entries.isEmpty())
            out += QStringLiteral("\nCommands:\n") + commandList(entries);
        out += QStringLiteral("\nRun '%1 COMMAND --help' for more information on a command.\n").arg(command.fullName());
        return out;
    }
    if (!command.aliases.isEmpty()) {
        QStringList all;
        all << command.fullName();
        for (const QString &a : command.aliases)
            all << QStringLiteral("berth ") + a;
        out += QStringLiteral("\nAliases:\n  ") + all.join(QStringLiteral(", ")) + QLatin1Char('\n');
    }
    const QString options = formatOptions(command.options);
    if (!options.isEmpty())
        out += QStringLiteral("\nOptions:\n") + options;
    return out;
}

} // namespace Berth::Cli
