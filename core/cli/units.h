#pragma once

#include <QString>

#include <optional>

namespace Berth::Cli::Units {

// go-units HumanSize: decimal units, 4 significant digits ("1.5kB", "23.5GB").
QString humanSize(double bytes);
// go-units HumanSizeWithPrecision: decimal units, `precision` significant
// digits (docker ps SIZE, stats NET I/O, cp's "Successfully copied 2.05kB").
QString humanSizeWithPrecision(double bytes, int precision);
// go-units BytesSize: binary units, 4 significant digits ("23.54GiB").
QString bytesSize(double bytes);
// go-units HumanDuration (engine-api.md 8.11): "Less than a second",
// "About a minute", "3 hours", "2 weeks", ...
QString humanDuration(qint64 milliseconds);
// A Go duration ("1h30m", "10m", "2.5s", "300ms") in milliseconds.
std::optional<qint64> parseDuration(const QString &text);
// RFC 3339 with nine fraction digits in local time, as docker prints
// event times: "2026-11-27T22:37:26.928751940Z".
QString rfc3339NanoFixed(qint64 unixNanoseconds);
// Docker's --since/--until argument (Unix seconds "1795819023[.5]", an
// RFC 3339 date or date-time, or a duration back from `nowSeconds`) as the
// Unix-seconds string the API takes.
std::optional<QString> timestampOption(const QString &text, qint64 nowSeconds);

} // namespace Berth::Cli::Units
