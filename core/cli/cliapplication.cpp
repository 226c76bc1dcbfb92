#include "cliapplication.h"

#include "context.h"

#include <QLoggingCategory>
#include <QTextStream>

#include <cstdio>

namespace Berth::Cli {

CliApplication::CliApplication()
{
    registerBuiltinCommands(m_registry);
}

QList<OptionSpec> CliApplication::globalOptions()
{
    QList<OptionSpec> specs;
    OptionSpec debug;
    debug.name = QStringLiteral("debug");
    debug.shorthand = QLatin1Char('D');
    debug.help = QStringLiteral("Enable debug mode");
    specs << debug;
    OptionSpec host;
    host.name = QStringLiteral("host");
    host.shorthand = QLatin1Char('H');
    host.kind = OptionSpec::Kind::List;
    host.valueType = QStringLiteral("list");
    host.help = QStringLiteral("Helper socket to connect to (default\n\"unix:///run/berth/berth.sock\", or $BERTH_HOST)");
    specs << host;
    OptionSpec version;
    version.name = QStringLiteral("version");
    version.shorthand = QLatin1Char('v');
    version.help = QStringLiteral("Print version information and quit");
    specs << version;
    return specs;
}

int CliApplication::run(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);

    auto globals = parseArguments(globalOptions(), arguments, false);
    if (!globals) {
        err << QString::fromStdString(globals.error().message()) << "\nSee 'berth --help'." << Qt::endl;
        return 125;
    }
    if (globals->flag(QStringLiteral("version"))) {
        out << "Berth version " << BERTH_VERSION << Qt::endl;
        return 0;
    }
    if (globals->helpRequested() || globals->positionals().isEmpty()) {
        out << m_registry.mainHelp(globalOptions()) << Qt::flush;
        return 0;
    }

    GlobalOptions options;
    options.host = globals->value(QStringLiteral("host"));
    options.debug = globals->flag(QStringLiteral("debug"));
    if (options.debug)
        QLoggingCategory::setFilterRules(QStringLiteral("berth.*.debug=true"));

    QStringList words = globals->positionals();
    if (words.first() == QLatin1String("help")) {
        // `berth help` and `berth help COMMAND`, as docker has.
        words.removeFirst();
        if (words.isEmpty()) {
            out << m_registry.mainHelp(globalOptions()) << Qt::flush;
            return 0;
        }
        words << QStringLiteral("--help");
    }

    int consumed = 0;
    const Command *command = m_registry.resolve(words, &consumed);
    if (!command) {
        err << "berth: '" << words.first() << "' is not a berth command.\nSee 'berth --help'" << Qt::endl;
        return 1;
    }
    const QStringList rest = words.mid(consumed);

    if (command->isGroup()) {
        // A management command without a (known) subcommand.
        if (rest.isEmpty() || rest.first() == QLatin1String("--help") || rest.first() == QLatin1String("-h")) {
            out << m_registry.commandHelp(*command) << Qt::flush;
            return 0;
        }
        if (rest.first().startsWith(QLatin1Char('-'))) {
            Context context(m_registry, options);
            return context.reportUsageError(*command, QStringLiteral("unknown flag: ") + rest.first());
        }
        err << "berth: '" << command->path << ' ' << rest.first() << "' is not a berth command.\nSee '"
            << command->fullName() << " --help'" << Qt::endl;
        return 1;
    }

    // Usage errors name the command as it was typed: `berth run` for the
    // alias, `berth container run` for the full path (docker does the same).
    Command invoked = *command;
    if (const QString typed = words.mid(0, consumed).join(QLatin1Char(' ')); typed != invoked.path && invoked.aliases.contains(typed))
        invoked.path = typed;
    Context context(m_registry, options);
    auto parsed = parseArguments(command->options, rest, command->interspersed);
    if (!parsed)
        return context.reportUsageError(invoked, QString::fromStdString(parsed.error().message()));
    if (parsed->helpRequested()) {
        context.out() << m_registry.commandHelp(*command) << Qt::flush;
        return 0;
    }
    const qsizetype count = parsed->positionals().size();
    if (count < command->minArgs || (command->maxArgs >= 0 && count > command->maxArgs)) {
        // docker 28's cli/required.go wording, "See" or "Run" as it has them.
        auto arguments = [](int n) { return n == 1 ? QStringLiteral("argument") : QStringLiteral("arguments"); };
        QString message;
        QString lead = QStringLiteral("Run");
        if (command->maxArgs == 0) {
            message = QStringLiteral("accepts no arguments");
        } else if (command->minArgs == command->maxArgs) {
            message = QStringLiteral("requires %1 %2").arg(command->minArgs).arg(arguments(command->minArgs));
        } else if (command->maxArgs < 0) {
            message = QStringLiteral("requires at least %1 %2").arg(command->minArgs).arg(arguments(command->minArgs));
            lead = QStringLiteral("See");
        } else if (command->minArgs == 0) {
            message = QStringLiteral("requires at most %1 %2").arg(command->maxArgs).arg(arguments(command->maxArgs));
            lead = QStringLiteral("See");
        } else {
            message = QStringLiteral("requires at least %1 and at most %2 %3").arg(command->minArgs).arg(command->maxArgs)
                          .arg(arguments(command->maxArgs));
        }
        context.out().flush();
        context.err() << "berth: '" << invoked.fullName() << "' " << message << "\n\n"
                      << CommandRegistry::usageLine(invoked) << "\n\n"
                      << lead << " '" << invoked.fullName() << " --help' for more information" << Qt::endl;
        return 1;
    }
    return command->run(context, *parsed);
}

} // namespace Berth::Cli
