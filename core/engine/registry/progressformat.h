#pragma once

#include <QJsonObject>
#include <QString>

namespace Berth::Engine {

// docker's JSON progress messages (jsonmessage.JSONMessage), the shape the
// docker CLI renders as bars and the desktop app reads.
namespace Progress {
QJsonObject status(const QString &status, const QString &id = {});
QJsonObject detail(const QString &status, const QString &id); // with an empty progressDetail
QJsonObject bar(const QString &status, const QString &id, qint64 current, qint64 total);
// docker's HumanSize: 4 significant digits, decimal units ("32.77kB").
QString humanSize(qint64 bytes);
QString progressBar(qint64 current, qint64 total);
} // namespace Progress

} // namespace Berth::Engine
