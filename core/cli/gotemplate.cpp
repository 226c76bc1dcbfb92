#include "gotemplate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace Berth::Cli {

namespace {

struct Operand
{
    enum class Kind { Field, String, Number, Function } kind = Kind::Field;
    QStringList path;  // Field: {} is "."
    QString text;      // String literal or function name
    double number = 0;
};

using Command = QList<Operand>;
using Pipeline = QList<Command>;

std::unexpected<Error> templateError(const QString &message)
{
    return fail(ErrorCode::InvalidArgument, "template: " + message.toStdString());
}

bool isSpace(QChar c)
{
    return c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\n') || c == QLatin1Char('\r');
}

Result<Pipeline> parsePipeline(const QString &source)
{
    Pipeline pipeline;
    Command current;
    qsizetype i = 0;
    const qsizetype n = source.size();
    while (true) {
        while (i < n && isSpace(source.at(i)))
            ++i;
        if (i >= n)
            break;
        const QChar c = source.at(i);
        if (c == QLatin1Char('|')) {
            if (current.isEmpty())
                return templateError(QStringLiteral("missing command before '|'"));
            pipeline.append(current);
            current.clear();
            ++i;
            continue;
        }
        Operand op;
        if (c == QLatin1Char('.')) {
            qsizetype j = i + 1;
            while (j < n && !isSpace(source.at(j)) && source.at(j) != QLatin1Char('|'))
                ++j;
            const QString path = source.mid(i + 1, j - i - 1);
            op.kind = Operand::Kind::Field;
            if (!path.isEmpty())
                op.path = path.split(QLatin1Char('.'));
            for (const QString &p : std::as_const(op.path)) {
                if (p.isEmpty())
                    return templateError(QStringLiteral("bad field path '.%1'").arg(path));
            }
            i = j;
        } else if (c == QLatin1Char('"')) {
            QString text;
            qsizetype j = i + 1;
            bool closed = false;
            for (; j < n; ++j) {
                const QChar d = source.at(j);
                if (d == QLatin1Char('\\') && j + 1 < n) {
                    const QChar e = source.at(++j);
                    text += e == QLatin1Char('n') ? QChar(QLatin1Char('\n'))
                            : e == QLatin1Char('t') ? QChar(QLatin1Char('\t')) : e;
                    continue;
                }
                if (d == QLatin1Char('"')) {
                    closed = true;
                    break;
                }
                text += d;
            }
            if (!closed)
                return templateError(QStringLiteral("unterminated quoted string"));
            op.kind = Operand::Kind::String;
            op.text = text;
            i = j + 1;
        } else if (c == QLatin1Char('`')) {
            const qsizetype end = source.indexOf(QLatin1Char('`'), i + 1);
            if (end < 0)
                return templateError(QStringLiteral("unterminated raw quoted string"));
            op.kind = Operand::Kind::String;
            op.text = source.mid(i + 1, end - i - 1);
            i = end + 1;
        } else {
            qsizetype j = i;
            while (j < n && !isSpace(source.at(j)) && source.at(j) != QLatin1Char('|'))
                ++j;
            const QString word = source.mid(i, j - i);
            bool isNumber = false;
            const double v = word.toDouble(&isNumber);
            if (isNumber) {
                op.kind = Operand::Kind::Number;
                op.number = v;
            } else {
                static const QStringList functions = {
                    QStringLiteral("json"), QStringLiteral("upper"), QStringLiteral("lower"),
                    QStringLiteral("title"), QStringLiteral("join"), QStringLiteral("len"),
                    QStringLiteral("index"), QStringLiteral("print"), QStringLiteral("println")};
                static const QStringList unsupported = {
                    QStringLiteral("if"), QStringLiteral("range"), QStringLiteral("with"), QStringLiteral("else"),
                    QStringLiteral("end"), QStringLiteral("define"), QStringLiteral("template"), QStringLiteral("block")};
                if (unsupported.contains(word))
                    return templateError(QStringLiteral("'%1' actions are not supported yet").arg(word));
                if (!functions.contains(word))
                    return templateError(QStringLiteral("function \"%1\" not defined").arg(word));
                op.kind = Operand::Kind::Function;
                op.text = word;
            }
            i = j;
        }
        if (op.kind == Operand::Kind::Function && !current.isEmpty())
            return templateError(QStringLiteral("can't give argument to non-function; '%1' must come first").arg(op.text));
        current.append(op);
    }
    if (current.isEmpty())
        return templateError(QStringLiteral("missing value for command"));
    pipeline.append(current);
    return pipeline;
}

QJsonValue lookup(const QJsonValue &from, const QString &key, bool *found)
{
    *found = false;
    if (!from.isObject())
        return QJsonValue(QJsonValue::Undefined);
    const QJsonObject o = from.toObject();
    auto it = o.constFind(key);
    if (it != o.constEnd()) {
        *found = true;
        return *it;
    }
    for (auto j = o.constBegin(); j != o.constEnd(); ++j) {
        if (j.key().compare(key, Qt::CaseInsensitive) == 0) {
            *found = true;
            return *j;
        }
    }
    return QJsonValue(QJsonValue::Undefined);
}

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String: return QStringLiteral("string");
    case QJsonValue::Double: return QStringLiteral("float64");
    case QJsonValue::Bool: return QStringLiteral("bool");
    case QJsonValue::Array: return QStringLiteral("[]interface {}");
    case QJsonValue::Null: return QStringLiteral("<nil>");
    default: return QStringLiteral("interface {}");
    }
}

} // namespace

struct GoTemplate::Node
{
    QString text;          // literal text, or
    Pipeline pipeline;     // an action when not empty
};

Result<GoTemplate> GoTemplate::parse(const QString &textIn)
{
    const QString text = textIn == QLatin1String("json") ? QStringLiteral("{{json .}}") : textIn;
    auto nodes = std::make_shared<QList<Node>>();
    qsizetype pos = 0;
    bool trimNextText = false;
    while (pos <= text.size()) {
        const qsizetype open = text.indexOf(QLatin1String("{{"), pos);
        QString literal = text.mid(pos, open < 0 ? -1 : open - pos);
        if (trimNextText) {
            qsizetype k = 0;
            while (k < literal.size() && isSpace(literal.at(k)))
                ++k;
            literal = literal.mid(k);
            trimNextText = false;
        }
        if (open < 0) {
            if (!literal.isEmpty())
                nodes->append(Node{literal, {}});
            break;
        }
        qsizetype start = open + 2;
        if (text.mid(start, 2) == QLatin1String("- ")) {
            while (!literal.isEmpty() && isSpace(literal.back()))
                literal.chop(1);
            start += 2;
        }
        if (!literal.isEmpty())
            nodes->append(Node{literal, {}});
        const qsizetype close = text.indexOf(QLatin1String("}}"), start);
        if (close < 0)
            return templateError(QStringLiteral("unclosed action"));
        qsizetype end = close;
        if (close - start >= 2 && text.mid(close - 2, 2) == QLatin1String(" -")) {
            end = close - 2;
            trimNextText = true;
        }
        const QString action = text.mid(start, end - start);
        if (action.trimmed().startsWith(QLatin1String("/*"))) {
            pos = close + 2;
            continue;
        }
        auto pipeline = parsePipeline(action);
        if (!pipeline)
            return fail(pipeline.error());
        nodes->append(Node{QString(), *pipeline});
        pos = close + 2;
    }
    GoTemplate t;
    t.m_nodes = nodes;
    return t;
}

QString GoTemplate::toText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (std::floor(d) == d && std::fabs(d) < 1e18)
            return QString::number(qint64(d));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null:
        return QStringLiteral("<nil>");
    case QJsonValue::Array: {
        QStringList parts;
        const QJsonArray a = value.toArray();
        for (const QJsonValue &v : a)
            parts << toText(v);
        return QLatin1Char('[') + parts.join(QLatin1Char(' ')) + QLatin1Char(']');
    }
    case QJsonValue::Object: {
        QStringList parts;
        const QJsonObject o = value.toObject();
        for (auto it = o.constBegin(); it != o.constEnd(); ++it) // QJsonObject keeps keys sorted, as Go prints maps
            parts << it.key() + QLatin1Char(':') + toText(it.value());
        return QStringLiteral("map[") + parts.join(QLatin1Char(' ')) + QLatin1Char(']');
    }
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("<no value>");
}

QString GoTemplate::toJson(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isUndefined())
        return QStringLiteral("null");
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

static Result<QJsonValue> evalOperand(const Operand &op, const QJsonValue &dot)
{
    switch (op.kind) {
    case Operand::Kind::String:
        return QJsonValue(op.text);
    case Operand::Kind::Number:
        return QJsonValue(op.number);
    case Operand::Kind::Field: {
        QJsonValue v = dot;
        for (const QString &key : op.path) {
            if (!v.isObject()) {
                if (v.isUndefined() || v.isNull())
                    return QJsonValue(QJsonValue::Undefined);
                return templateError(QStringLiteral("can't evaluate field %1 in type %2").arg(key, typeName(v)));
            }
            bool found = false;
            v = lookup(v, key, &found);
        }
        return v;
    }
    case Operand::Kind::Function:
        break;
    }
    return templateError(QStringLiteral("function used as a value"));
}

static Result<QJsonValue> callFunction(const QString &name, const QList<QJsonValue> &args)
{
    auto wantArgs = [&](int n) -> Status {
        if (args.size() != n)
            return templateError(QStringLiteral("wrong number of args for %1: want %2 got %3").arg(name).arg(n).arg(args.size()));
        return {};
    };
    if (name == QLatin1String("json")) {
        if (auto s = wantArgs(1); !s)
            return fail(s.error());
        return QJsonValue(GoTemplate::toJson(args.at(0)));
    }
    if (name == QLatin1String("upper") || name == QLatin1String("lower") || name == QLatin1String("title")) {
        if (auto s = wantArgs(1); !s)
            return fail(s.error());
        const QString text = GoTemplate::toText(args.at(0));
        if (name == QLatin1String("upper"))
            return QJsonValue(text.toUpper());
        if (name == QLatin1String("lower"))
            return QJsonValue(text.toLower());
        QString out = text;
        bool startOfWord = true;
        for (QChar &c : out) {
            if (startOfWord && c.isLetter())
                c = c.toUpper();
            startOfWord = !c.isLetterOrNumber();
        }
        return QJsonValue(out);
    }
    if (name == QLatin1String("join")) {
        if (auto s = wantArgs(2); !s)
            return fail(s.error());
        QStringList parts;
        const QJsonArray a = args.at(0).toArray();
        for (const QJsonValue &v : a)
            parts << GoTemplate::toText(v);
        return QJsonValue(parts.join(GoTemplate::toText(args.at(1))));
    }
    if (name == QLatin1String("len")) {
        if (auto s = wantArgs(1); !s)
            return fail(s.error());
        const QJsonValue &v = args.at(0);
        if (v.isArray())
            return QJsonValue(double(v.toArray().size()));
        if (v.isObject())
            return QJsonValue(double(v.toObject().size()));
        if (v.isString())
            return QJsonValue(double(v.toString().toUtf8().size()));
        return templateError(QStringLiteral("len of type %1").arg(typeName(v)));
    }
    if (name == QLatin1String("index")) {
        if (args.size() < 2)
            return templateError(QStringLiteral("wrong number of args for index: want at least 2 got %1").arg(args.size()));
        QJsonValue v = args.at(0);
        for (qsizetype i = 1; i < args.size(); ++i) {
            if (v.isArray()) {
                v = v.toArray().at(int(args.at(i).toDouble()));
            } else if (v.isObject()) {
                v = v.toObject().value(GoTemplate::toText(args.at(i)));
            } else {
                return templateError(QStringLiteral("can't index item of type %1").arg(typeName(v)));
            }
        }
        return v;
    }
    if (name == QLatin1String("print") || name == QLatin1String("println")) {
        QStringList parts;
        for (const QJsonValue &v : args)
            parts << GoTemplate::toText(v);
        QString out = parts.join(name == QLatin1String("println") ? QStringLiteral(" ") : QString());
        if (name == QLatin1String("println"))
            out += QLatin1Char('\n');
        return QJsonValue(out);
    }
    return templateError(QStringLiteral("function \"%1\" not defined").arg(name));
}

Result<QString> GoTemplate::execute(const QJsonValue &data) const
{
    QString out;
    if (!m_nodes)
        return out;
    for (const Node &node : *m_nodes) {
        if (node.pipeline.isEmpty()) {
            out += node.text;
            continue;
        }
        std::optional<QJsonValue> piped;
        for (const Command &command : node.pipeline) {
            QJsonValue result;
            if (command.first().kind == Operand::Kind::Function) {
                QList<QJsonValue> args;
                for (qsizetype i = 1; i < command.size(); ++i) {
                    auto v = evalOperand(command.at(i), data);
                    if (!v)
                        return fail(v.error());
                    args << *v;
                }
                if (piped)
                    args << *piped;
                auto r = callFunction(command.first().text, args);
                if (!r)
                    return fail(r.error());
                result = *r;
            } else {
                if (command.size() > 1 || piped)
                    return templateError(QStringLiteral("can't give argument to non-function"));
                auto v = evalOperand(command.first(), data);
                if (!v)
                    return fail(v.error());
                result = *v;
            }
            piped = result;
        }
        out += toText(*piped);
    }
    return out;
}

} // namespace Berth::Cli
