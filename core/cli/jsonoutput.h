#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace Berth::Cli {

// Go's json.Indent(dst, src, "", indent): re-indents raw JSON without
// reordering keys or rewriting numbers and strings, as docker's inspect
// prints the engine's reply. Empty objects and arrays stay "{}" / "[]".
QByteArray indentJson(const QByteArray &raw, const QByteArray &indent = "    ");

// json.Marshal of a value, compact, with Go's HTML-safe escapes of '<', '>'
// and '&' ("<none>" comes out as "\u003cnone\u003e", as docker prints it).
QString goJson(const QJsonValue &value);

} // namespace Berth::Cli
