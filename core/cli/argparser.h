#pragma once

#include <base/result.h>

#include <QChar>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace Berth::Cli {

// One command-line option, docker (pflag) style: "--name", optional "-x".
struct OptionSpec
{
    enum class Kind {
        Bool,  // --rm, --rm=false, bundled -it
        Value, // --format X, --format=X, -fX, -f X; the last one wins
        List,  // --filter a --filter b: every value kept
    };

    QString name;       // long name without dashes: "format"
    QChar shorthand;    // 'f', or null
    Kind kind = Kind::Bool;
    QString valueType;  // shown in help: "string", "list", "filter", "int"
    QString help;       // may hold '\n' for continuation lines
    QString defaultValue; // shown as (default ...) when not empty
    bool hidden = false;
};

// The option tables' shorthand: a Bool option, and one that takes a value.
OptionSpec boolOption(const char *name, char shorthand, const char *help);
OptionSpec valueOption(const char *name, char shorthand, const char *type, const char *help,
                       OptionSpec::Kind kind = OptionSpec::Kind::Value);

// The result of parsing: option values by long name, and the positionals.
class ParsedArgs
{
public:
    bool isSet(const QString &name) const { return m_values.contains(name); }
    // A Bool option: true when given without value or as =true/=1.
    bool flag(const QString &name) const;
    // The last value of a Value option (or of a List).
    QString value(const QString &name, const QString &fallback = QString()) const;
    // Every value of a List option, in order.
    QStringList values(const QString &name) const { return m_values.value(name); }
    const QStringList &positionals() const { return m_positionals; }
    bool helpRequested() const { return flag(QStringLiteral("help")); }

    void setValue(const QString &name, const QString &value) { m_values[name].append(value); }
    void addPositional(const QString &arg) { m_positionals.append(arg); }

private:
    QMap<QString, QStringList> m_values;
    QStringList m_positionals;
};

// The option every command has.
OptionSpec helpOption();

// Parses args (without the program or command name) against specs.
// With `interspersed` false, option parsing stops at the first positional
// (the global options before a command; `run IMAGE CMD...`). "--" ends the
// options either way. Errors carry pflag's wording ("unknown flag: --x",
// "unknown shorthand flag: 'x' in -x", "flag needs an argument: --format").
Result<ParsedArgs> parseArguments(const QList<OptionSpec> &specs, const QStringList &args, bool interspersed);

// The "Options:" block of a help text, laid out as pflag does.
QString formatOptions(const QList<OptionSpec> &specs);

} // namespace Berth::Cli
