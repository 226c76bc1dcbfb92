#pragma once

#include "argparser.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace Berth::Cli {

class Context;

// One entry of the command registry: a command (`berth version`,
// `berth container ls`) or a management command grouping subcommands
// (`berth container`, which has no run function).
struct Command
{
    // Where `berth --help` lists the command (docker's grouping).
    enum class Section { Common, Management, Other };

    // The canonical path: "version", "system info", "container ls".
    QString path;
    // Other paths that run it: "info", "container list", "ps".
    QStringList aliases;
    Section section = Section::Other;
    QString shortHelp;         // one line for the command lists
    QString usage;             // after the path: "[OPTIONS]", "[OPTIONS] CONTAINER [CONTAINER...]"
    QString description;       // longer text for `--help`; shortHelp when empty
    QList<OptionSpec> options; // -h/--help is added for every command
    // false: options stop at the first positional (`run IMAGE CMD -x`).
    bool interspersed = true;
    int minArgs = 0;
    int maxArgs = -1;          // -1: any number
    // Returns the exit code. Empty for a management command.
    std::function<int(Context &context, const ParsedArgs &args)> run;

    bool isGroup() const { return !run; }
    // "berth container ls"
    QString fullName() const { return QStringLiteral("berth ") + path; }
};

} // namespace Berth::Cli
