#include <cli/argparser.h>
#include <cli/cliapplication.h>
#include <cli/commandregistry.h>

#include <QTest>

using namespace Berth;
using namespace Berth::Cli;

class tst_ArgParser : public QObject
{
    Q_OBJECT
private slots:
    void parsesDockerStyleArguments_data();
    void parsesDockerStyleArguments();
    void rejectsBadArgumentsWithPflagWording_data();
    void rejectsBadArgumentsWithPflagWording();
    void registryResolvesPathsAndAliases_data();
    void registryResolvesPathsAndAliases();
    void optionsHelpIsAlignedLikePflag();

private:
    static QList<OptionSpec> specs();
    static QString render(const ParsedArgs &args);
};

QList<OptionSpec> tst_ArgParser::specs()
{
    auto flag = [](const char *name, char shorthand) {
        OptionSpec o;
        o.name = QLatin1String(name);
        if (shorthand)
            o.shorthand = QLatin1Char(shorthand);
        return o;
    };
    OptionSpec format = flag("format", 'f');
    format.kind = OptionSpec::Kind::Value;
    OptionSpec env = flag("env", 'e');
    env.kind = OptionSpec::Kind::List;
    OptionSpec name = flag("name", 0);
    name.kind = OptionSpec::Kind::Value;
    return {flag("interactive", 'i'), flag("tty", 't'), flag("rm", 0), format, env, name};
}

// "opt=v1,v2 opt2=v | pos1 pos2"
QString tst_ArgParser::render(const ParsedArgs &args)
{
    QStringList opts;
    for (const char *n : {"interactive", "tty", "rm", "format", "env", "name", "help"}) {
        const QString name = QLatin1String(n);
        if (args.isSet(name))
            opts << name + QLatin1Char('=') + args.values(name).join(QLatin1Char(','));
    }
    return opts.join(QLatin1Char(' ')) + QStringLiteral(" | ") + args.positionals().join(QLatin1Char(' '));
}

void tst_ArgParser::parsesDockerStyleArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("interspersed");
    QTest::addColumn<QString>("expected");

    QTest::newRow("bundled shorthands -it") << QStringList{"-it", "busybox"} << true
                                            << "interactive=true tty=true | busybox";
    QTest::newRow("--opt=value") << QStringList{"--format={{.ID}}"} << true << "format={{.ID}} | ";
    QTest::newRow("--opt value") << QStringList{"--format", "{{json .}}"} << true << "format={{json .}} | ";
    QTest::newRow("-f value and -fvalue") << QStringList{"-f", "a", "-fb"} << true << "format=a,b | ";
    QTest::newRow("-f=value") << QStringList{"-f=json"} << true << "format=json | ";
    QTest::newRow("bundle ending in a value flag") << QStringList{"-itf", "json"} << true
                                                   << "interactive=true tty=true format=json | ";
    QTest::newRow("repeated list option") << QStringList{"-e", "A=1", "--env", "B=2", "--env=C=3"} << true
                                          << "env=A=1,B=2,C=3 | ";
    QTest::newRow("bool with explicit value") << QStringList{"--rm=false", "--tty=true"} << true
                                              << "tty=true rm=false | ";
    QTest::newRow("-- ends options") << QStringList{"--rm", "--", "-it", "--x"} << true << "rm=true | -it --x";
    QTest::newRow("interspersed positionals") << QStringList{"a", "--rm", "b"} << true << "rm=true | a b";
    QTest::newRow("not interspersed: stop at the image")
        << QStringList{"--rm", "-it", "busybox", "sh", "-c", "--rm"} << false
        << "interactive=true tty=true rm=true | busybox sh -c --rm";
    QTest::newRow("lone dash is positional") << QStringList{"-"} << true << " | -";
    QTest::newRow("help everywhere") << QStringList{"--help"} << true << "help=true | ";
    QTest::newRow("-h") << QStringList{"-h"} << true << "help=true | ";
    QTest::newRow("empty value") << QStringList{"--name="} << true << "name= | ";
}

void tst_ArgParser::parsesDockerStyleArguments()
{
    QFETCH(QStringList, args);
    QFETCH(bool, interspersed);
    QFETCH(QString, expected);
    const auto parsed = parseArguments(specs(), args, interspersed);
    QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().message().c_str());
    QCOMPARE(render(*parsed), expected);
}

void tst_ArgParser::rejectsBadArgumentsWithPflagWording_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown long") << QStringList{"--x"} << "unknown flag: --x";
    QTest::newRow("unknown long with value") << QStringList{"--nope=1"} << "unknown flag: --nope";
    QTest::newRow("unknown shorthand") << QStringList{"-z"} << "unknown shorthand flag: 'z' in -z";
    QTest::newRow("unknown in bundle") << QStringList{"-itz"} << "unknown shorthand flag: 'z' in -itz";
    QTest::newRow("missing long value") << QStringList{"--format"} << "flag needs an argument: --format";
    QTest::newRow("missing short value") << QStringList{"-f"} << "flag needs an argument: 'f' in -f";
    QTest::newRow("bad bool") << QStringList{"--rm=maybe"}
                              << "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax";
}

void tst_ArgParser::rejectsBadArgumentsWithPflagWording()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const auto parsed = parseArguments(specs(), args, true);
    QVERIFY(!parsed);
    QCOMPARE(QString::fromStdString(parsed.error().message()), message);
}

void tst_ArgParser::registryResolvesPathsAndAliases_data()
{
    QTest::addColumn<QStringList>("words");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("consumed");
    QTest::newRow("plain command") << QStringList{"version", "-f", "x"} << "version" << 1;
    QTest::newRow("top-level alias") << QStringList{"info"} << "system info" << 1;
    QTest::newRow("management path") << QStringList{"system", "info"} << "system info" << 2;
    QTest::newRow("events alias") << QStringList{"events", "--since", "1"} << "system events" << 1;
    QTest::newRow("group alone") << QStringList{"system"} << "system" << 1;
    QTest::newRow("group, unknown subcommand") << QStringList{"system", "nope"} << "system" << 1;
    QTest::newRow("unknown") << QStringList{"foo"} << QString() << 0;
}

void tst_ArgParser::registryResolvesPathsAndAliases()
{
    QFETCH(QStringList, words);
    QFETCH(QString, path);
    QFETCH(int, consumed);
    CommandRegistry registry;
    registerBuiltinCommands(registry);
    int used = -1;
    const Command *c = registry.resolve(words, &used);
    QCOMPARE(c ? c->path : QString(), path);
    QCOMPARE(used, consumed);
}

void tst_ArgParser::optionsHelpIsAlignedLikePflag()
{
    OptionSpec format;
    format.name = QStringLiteral("format");
    format.shorthand = QLatin1Char('f');
    format.kind = OptionSpec::Kind::Value;
    format.help = QStringLiteral("Format output\nsecond line");
    OptionSpec since;
    since.name = QStringLiteral("since");
    since.kind = OptionSpec::Kind::Value;
    since.help = QStringLiteral("Show all events created since timestamp");
    QCOMPARE(formatOptions({format, since}),
             QStringLiteral("  -f, --format string   Format output\n"
                            "                        second line\n"
                            "      --since string    Show all events created since timestamp\n"));
}

QTEST_GUILESS_MAIN(tst_ArgParser)
#include "tst_argparser.moc"
