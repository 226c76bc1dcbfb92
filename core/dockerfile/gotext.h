#pragma once

#include <base/result.h>

#include <QString>
#include <QStringList>

// Go's text conventions that show up in docker's output (history "created
// by" strings, error messages): fmt's %q and %v of strings and string
// slices, time.Duration parsing and printing, path.Clean.
namespace Berth::Dockerfile::GoText {

// strconv.Quote: "a\"b", non-printable characters as \x, \u or \U escapes.
QString quote(QStringView s);
// strconv.QuoteRune: 'a', '\x00'.
QString quoteRune(char32_t r);
// fmt %q of a []string: ["a" "b"].
QString quoteList(const QStringList &list);
// fmt %v of a []string: [a b].
QString plainList(const QStringList &list);

// time.ParseDuration, in nanoseconds; errors carry Go's message
// (time: invalid duration "x").
Result<qint64> parseDuration(QStringView s);
// time.Duration.String(): 0s, 1.5s, 5m0s, 300ms.
QString formatDuration(qint64 nanoseconds);

// path.Clean: lexical clean-up of a slash-separated path ("" gives ".").
QString cleanPath(QStringView path);

} // namespace Berth::Dockerfile::GoText
