#pragma once

#include "argparser.h"

#include <QJsonObject>
#include <QList>

namespace Berth::Cli {

class Context;

// `berth stats` (--no-stream, --all, --no-trunc, --format): docker's columns
// computed from GET /containers/{id}/stats as its CLI does.
QList<OptionSpec> statsOptions();
int runStats(Context &context, const ParsedArgs &args);

namespace StatsRows {
// One stats object as docker's formatter fields (.ID .Name .Container
// .CPUPerc .MemUsage .MemPerc .NetIO .BlockIO .PIDs).
QJsonObject row(const QJsonObject &stats, const QString &container, bool truncate);
QJsonObject headers();
} // namespace StatsRows

} // namespace Berth::Cli
