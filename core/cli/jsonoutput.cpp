#include "jsonoutput.h"

#include "gotemplate.h"

namespace Berth::Cli {

QByteArray indentJson(const QByteArray &raw, const QByteArray &indent)
{
    QByteArray out;
    out.reserve(raw.size() * 2);
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    bool needIndent = false; // an opening bracket waits for its first member
    const auto newline = [&out, &indent](int level) {
        out += '\n';
        for (int i = 0; i < level; ++i)
            out += indent;
    };
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw.at(i);
        if (inString) {
            out += c;
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (needIndent && c != ']' && c != '}') {
            newline(depth);
            needIndent = false;
        }
        switch (c) {
        case '{':
        case '[':
            out += c;
            ++depth;
            needIndent = true;
            break;
        case '}':
        case ']':
            --depth;
            if (needIndent)
                needIndent = false; // empty: "{}" / "[]"
            else
                newline(depth);
            out += c;
            break;
        case ',':
            out += c;
            newline(depth);
            break;
        case ':':
            out += ": ";
            break;
        case '"':
            inString = true;
            out += c;
            break;
        default:
            out += c;
            break;
        }
    }
    return out;
}

QString goJson(const QJsonValue &value)
{
    QString text = GoTemplate::toJson(value);
    text.replace(QLatin1Char('<'), QLatin1String("\\u003c"));
    text.replace(QLatin1Char('>'), QLatin1String("\\u003e"));
    text.replace(QLatin1Char('&'), QLatin1String("\\u0026"));
    return text;
}

} // namespace Berth::Cli
