#pragma once

#include "gotemplate.h"

#include <base/result.h>

#include <QJsonObject>
#include <QList>
#include <QString>

namespace Berth::Cli {

// docker's --format for list commands (images, history): "table" (the
// command's default columns), "table TEMPLATE" (a header row and columns
// aligned as Go's tabwriter with minwidth 10 and padding 3), "json" (one
// JSON object per row) or a bare TEMPLATE (one line per row). A literal
// "\t" or "\n" in the text becomes a tab or a newline, as in docker.
class TableFormat
{
public:
    // `format` as given (empty: `defaultFormat`, itself "table ..." or a
    // template such as "{{.ID}}" for -q).
    static Result<TableFormat> parse(const QString &format, const QString &defaultFormat);

    bool isTable() const { return m_table; }

    // Rows are objects of strings keyed by field name; `headers` maps the
    // same names to the column titles.
    Result<QString> render(const QList<QJsonObject> &rows, const QJsonObject &headers) const;

private:
    GoTemplate m_template;
    bool m_table = false;
    bool m_json = false;
};

} // namespace Berth::Cli
