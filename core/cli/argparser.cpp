#include "argparser.h"

namespace Berth::Cli {

static std::unexpected<Error> usageError(const QString &message)
{
    return fail(ErrorCode::InvalidArgument, message.toStdString());
}

static std::optional<bool> parseBool(const QString &text)
{
    static const QStringList yes = {QStringLiteral("1"), QStringLiteral("t"), QStringLiteral("T"),
                                    QStringLiteral("true"), QStringLiteral("TRUE"), QStringLiteral("True")};
    static const QStringList no = {QStringLiteral("0"), QStringLiteral("f"), QStringLiteral("F"),
                                   QStringLiteral("false"), QStringLiteral("FALSE"), QStringLiteral("False")};
    if (yes.contains(text))
        return true;
    if (no.contains(text))
        return false;
    return std::nullopt;
}

bool ParsedArgs::flag(const QString &name) const
{
    const QStringList v = m_values.value(name);
    if (v.isEmpty())
        return false;
    return parseBool(v.last()).value_or(false);
}

QString ParsedArgs::value(const QString &name, const QString &fallback) const
{
    const QStringList v = m_values.value(name);
    return v.isEmpty() ? fallback : v.last();
}

OptionSpec boolOption(const char *name, char shorthand, const char *help)
{
    OptionSpec o;
    o.name = QLatin1String(name);
    if (shorthand)
        o.shorthand = QLatin1Char(shorthand);
    o.help = QLatin1String(help);
    return o;
}

OptionSpec valueOption(const char *name, char shorthand, const char *type, const char *help, OptionSpec::Kind kind)
{
    OptionSpec o = boolOption(name, shorthand, help);
    o.kind = kind;
    o.valueType = QLatin1String(type);
    return o;
}

OptionSpec helpOption()
{
    OptionSpec o;
    o.name = QStringLiteral("help");
    o.shorthand = QLatin1Char('h');
    o.help = QStringLiteral("Print usage");
    o.hidden = true;
    return o;
}

static const OptionSpec *findLong(const QList<OptionSpec> &specs, const QString &name)
{
    for (const OptionSpec &s : specs) {
        if (s.name == name)
            return &s;
    }
    return nullptr;
}

static const OptionSpec *findShort(const QList<OptionSpec> &specs, QChar c)
{
    for (const OptionSpec &s : specs) {
        if (!s.shorthand.isNull() && s.shorthand == c)
            return &s;
    }
    return nullptr;
}

Result<ParsedArgs> parseArguments(const QList<OptionSpec> &specsIn, const QStringList &args, bool interspersed)
{
    QList<OptionSpec> specs = specsIn;
    if (!findLong(specs, QStringLiteral("help")))
        specs.append(helpOption());

    ParsedArgs out;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg == QLatin1String("--")) {
            for (++i; i < args.size(); ++i)
                out.addPositional(args.at(i));
            break;
        }
        if (arg.startsWith(QLatin1String("--"))) {
            const QString body = arg.mid(2);
            const qsizetype eq = body.indexOf(QLatin1Char('='));
            const QString name = eq < 0 ? body : body.left(eq);
            const OptionSpec *spec = findLong(specs, name);
            if (!spec)
                return usageError(QStringLiteral("unknown flag: --") + name);
            if (spec->kind == OptionSpec::Kind::Bool) {
                QString value = QStringLiteral("true");
                if (eq >= 0) {
                    value = body.mid(eq + 1);
                    if (!parseBool(value))
                        return usageError(QStringLiteral("invalid argument \"%1\" for \"--%2\" flag: strconv.ParseBool: parsing \"%1\": invalid syntax")
                                              .arg(value, name));
                }
                out.setValue(name, value);
                continue;
            }
            if (eq >= 0) {
                out.setValue(name, body.mid(eq + 1));
                continue;
            }
            if (i + 1 >= args.size())
                return usageError(QStringLiteral("flag needs an argument: --") + name);
            out.setValue(name, args.at(++i));
            continue;
        }
        if (arg.startsWith(QLatin1Char('-')) && arg.size() > 1) {
            // A bundle of shorthands: -it, -fjson, -f json, -n=5.
            for (qsizetype j = 1; j < arg.size(); ++j) {
                const QChar c = arg.at(j);
                const OptionSpec *spec = findShort(specs, c);
                if (!spec)
                    return usageError(QStringLiteral("unknown shorthand flag: '%1' in %2").arg(c).arg(arg));
                if (spec->kind == OptionSpec::Kind::Bool) {
                    if (j + 1 < arg.size() && arg.at(j + 1) == QLatin1Char('=')) {
                        const QString value = arg.mid(j + 2);
                        if (!parseBool(value))
                            return usageError(QStringLiteral("invalid argument \"%1\" for \"-%2, --%3\" flag: strconv.ParseBool: parsing \"%1\": invalid syntax")
                                                  .arg(value, QString(c), spec->name));
                        out.setValue(spec->name, value);
                        break;
                    }
                    out.setValue(spec->name, QStringLiteral("true"));
                    continue;
                }
                QString rest = arg.mid(j + 1);
                if (rest.startsWith(QLatin1Char('=')))
                    rest = rest.mid(1);
                if (!rest.isEmpty() || j + 1 < arg.size()) {
                    out.setValue(spec->name, rest);
                } else {
                    if (i + 1 >= args.size())
                        return usageError(QStringLiteral("flag needs an argument: '%1' in -%1").arg(c));
                    out.setValue(spec->name, args.at(++i));
                }
                break;
            }
            continue;
        }
        out.addPositional(arg);
        if (!interspersed) {
            for (++i; i < args.size(); ++i)
                out.addPositional(args.at(i));
            break;
        }
    }
    return out;
}

QString formatOptions(const QList<OptionSpec> &specs)
{
    struct Row { QString left; QString help; };
    QList<Row> rows;
    qsizetype width = 0;
    for (const OptionSpec &s : specs) {
        if (s.hidden)
            continue;
        QString left;
        if (s.shorthand.isNull())
            left = QStringLiteral("      --") + s.name;
        else
            left = QStringLiteral("  -") + s.shorthand + QStringLiteral(", --") + s.name;
        if (s.kind != OptionSpec::Kind::Bool)
            left += QLatin1Char(' ') + (s.valueType.isEmpty() ? QStringLiteral("string") : s.valueType);
        QString help = s.help;
        if (!s.defaultValue.isEmpty())
            help += QStringLiteral(" (default %1)").arg(s.defaultValue);
        rows.append({left, help});
        width = qMax(width, left.size());
    }
    QString out;
    const qsizetype column = width + 3;
    for (const Row &r : std::as_const(rows)) {
        const QStringList lines = r.help.split(QLatin1Char('\n'));
        out += r.left.leftJustified(column, QLatin1Char(' ')) + lines.first() + QLatin1Char('\n');
        for (qsizetype k = 1; k < lines.size(); ++k)
            out += QString(column, QLatin1Char(' ')) + lines.at(k) + QLatin1Char('\n');
    }
    return out;
}

} // namespace Berth::Cli
