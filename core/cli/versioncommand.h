#pragma once

#include <QJsonObject>
#include <QString>

namespace Berth::Cli {

class CommandRegistry;

// `berth version`: Client: and Server: sections as `docker version` lays
// them out, or --format.
void registerVersionCommand(CommandRegistry &registry);

// The Client part, with docker's field names (Version, ApiVersion, ...).
QJsonObject clientVersionJson(const QString &negotiatedApiVersion);
// The text of `berth version` for the given parts (server may be empty).
QString versionText(const QJsonObject &client, const QJsonObject &server);
// An RFC 3339 build time in Go's ANSIC layout ("Thu May  7 21:09:36 2026");
// unparseable text comes back unchanged.
QString ansicTime(const QString &rfc3339);

} // namespace Berth::Cli
