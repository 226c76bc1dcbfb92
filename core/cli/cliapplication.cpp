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

    Context context(m_registry, options);
    auto parsed = parseArguments(command->options, rest, command->interspersed);
    if (!parsed)
        return context.reportUsageError(*command, QString::fromStdString(parsed.error().message()));
    if (parsed->helpRequested()) {
        context.out() << m_registry.commandHelp(*command) << Qt::flush;
        return 0;
    }
    const qsizetype count = parsed->positionals().size();
    if (count < command->minArgs || (command->maxArgs >= 0 && count > command->maxArgs)) {
        QString message;
        if (command->maxArgs == 0)
            message = QStringLiteral("\"%1\" accepts no arguments.").arg(command->fullName());
        else if (command->minArgs == command->maxArgs)
            message = QStringLiteral("\"%1\" requires exactly %2 argument%3.").arg(command->fullName()).arg(command->minArgs)
                          .arg(command->minArgs == 1 ? QString() : QStringLiteral("s"));
        else if (count < command->minArgs)
            message = QStringLiteral("\"%1\" requires at least %2 argument%3.").arg(command->fullName()).arg(command->minArgs)
                          .arg(command->minArgs == 1 ? QString() : QStringLiteral("s"));
        else
            message = QStringLiteral("\"%1\" requires at most %2 argument%3.").arg(command->fullName()).arg(command->maxArgs)
                          .arg(command->maxArgs == 1 ? QString() : QStringLiteral("s"));
        context.err() << message << "\nSee '" << command->fullName() << " --help'.\n\n"
                      << CommandRegistry::usageLine(*command) << "\n\n"
                      << (command->shortHelp) << Qt::endl;
        return 1;
    }
    return command->run(context, *parsed);
}

} // namespace Berth::Cli
