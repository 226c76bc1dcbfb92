#include "tableformat.h"

#include "jsonoutput.h"
#include "tabwriter.h"

namespace Berth::Cli {

Result<TableFormat> TableFormat::parse(const QString &format, const QString &defaultFormat)
{
    QString text = format.isEmpty() || format == QLatin1String("table") ? defaultFormat : format;
    TableFormat f;
    if (text.startsWith(QLatin1String("table"))) {
        f.m_table = true;
        text = text.mid(5);
    } else if (text.trimmed() == QLatin1String("json")) {
        f.m_json = true;
        text = QStringLiteral("{{json .}}");
    }
    text = text.trimmed();
    text.replace(QLatin1String("\\t"), QLatin1String("\t"));
    text.replace(QLatin1String("\\n"), QLatin1String("\n"));
    if (text.trimmed() == QLatin1String("{{json .}}"))
        f.m_json = true;
    auto t = GoTemplate::parse(text);
    if (!t)
        return fail(ErrorCode::InvalidArgument, "template parsing error: " + t.error().message());
    f.m_template = *t;
    return f;
}

Result<QString> TableFormat::render(const QList<QJsonObject> &rows, const QJsonObject &headers) const
{
    QString out;
    if (m_table) {
        auto head = m_template.execute(headers);
        if (!head)
            return fail(head.error());
        out += *head + QLatin1Char('\n');
    }
    for (const QJsonObject &row : rows) {
        if (m_json && !m_table) {
            out += goJson(row) + QLatin1Char('\n');
            continue;
        }
        auto line = m_template.execute(row);
        if (!line)
            return fail(ErrorCode::InvalidArgument, "template parsing error: " + line.error().message());
        out += *line + QLatin1Char('\n');
    }
    return m_table ? alignColumns(out, 10, 3) : out;
}

} // namespace Berth::Cli
