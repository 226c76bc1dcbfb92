#pragma once

#include <QJsonObject>
#include <QString>

namespace Berth::Cli {

class CommandRegistry;

// `berth info` / `berth system info`: Client and Server sections as
// `docker info` lays them out, or --format.
void registerInfoCommand(CommandRegistry &registry);

// The Server: section for a GET /info reply (warnings not included).
QString serverInfoText(const QJsonObject &info);

} // namespace Berth::Cli
