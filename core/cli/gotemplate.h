#pragma once

#include <base/result.h>

#include <QJsonValue>
#include <QList>
#include <QString>

#include <memory>

namespace Berth::Cli {

// The subset of Go's text/template that docker's --format users rely on
// for single objects: field paths ({{.Server.Version}}, {{.}}), string and
// number literals, pipelines ({{.Name | upper}}) and the functions json,
// upper, lower, title, join, len, index, print, println, plus the
// {{- / -}} whitespace trims. Data is a JSON value; a field is looked up by
// exact key, then case-insensitively (so Go's APIVersion finds "ApiVersion").
// if/range/with are not supported yet and are reported as parse errors.
class GoTemplate
{
public:
    // "json" alone means {{json .}}, as docker's --format does.
    static Result<GoTemplate> parse(const QString &text);

    Result<QString> execute(const QJsonValue &data) const;

    // Go's %v rendering of a value ("map[a:1]", "[x y]", "<no value>").
    static QString toText(const QJsonValue &value);
    // json.Marshal of a value, compact.
    static QString toJson(const QJsonValue &value);

    struct Node;

private:
    std::shared_ptr<const QList<Node>> m_nodes;
};

} // namespace Berth::Cli
