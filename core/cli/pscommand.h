#pragma once

#include "argparser.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Berth::Cli {

class Context;

// `berth ps` / `container ls`: docker's flags, filters and --format fields
// (.ID .Image .Command .CreatedAt .RunningFor .Ports .State .Status .Size
// .Names .Labels .Label "k" .Mounts .Networks .LocalVolumes).
QList<OptionSpec> psOptions();
int runPs(Context &context, const ParsedArgs &args);

namespace ContainerRows {

// One GET /containers/json item as the strings docker's ContainerContext
// prints. `truncate` is false with --no-trunc; `nowSeconds` gives RunningFor.
QJsonObject row(const QJsonObject &item, bool truncate, qint64 nowSeconds);
QJsonObject headers();
// docker's DisplayablePorts: "0.0.0.0:8080->80/tcp, 9000-9001/udp".
QString displayablePorts(const QJsonArray &ports);
// docker's Ellipsis: at most `width` characters, the last one "…".
QString ellipsis(const QString &text, int width);
QString defaultTableFormat(bool size);

} // namespace ContainerRows

} // namespace Berth::Cli
