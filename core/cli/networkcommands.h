#pragma once

#include <QJsonObject>
#include <QString>

namespace Berth::Cli {

class CommandRegistry;

// `berth network` ls/inspect/rm/create/prune with docker 28's output.
void registerNetworkCommands(CommandRegistry &registry);

namespace NetworkRows {

// One `network ls` row from a GET /networks entry: the fields docker's
// --format knows (ID, Name, Driver, Scope, IPv4, IPv6, Internal, Labels,
// CreatedAt), the ID cut to 12 characters unless `noTrunc`.
QJsonObject row(const QJsonObject &network, bool noTrunc);

// Go's time.Time.String() of an RFC 3339 time as the API sends it:
// "2026-11-28T07:28:13.414820189Z" -> "2026-11-28 07:28:13.414820189 +0000 UTC"
// (trailing zeros of the fraction dropped, as Go does). Empty for text that
// is not such a time.
QString goTimeString(const QString &rfc3339);

} // namespace NetworkRows

} // namespace Berth::Cli
