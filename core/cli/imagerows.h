#pragma once

#include <common/imagehistoryitem.h>
#include <common/imagesummary.h>

#include <QJsonObject>
#include <QList>
#include <QString>

namespace Berth::Cli {

// The rows docker's image formatters make, as objects of strings keyed by
// the template field names ({{.Repository}}, {{.CreatedSince}}, ...).
namespace ImageRows {

// "sha256:abc..." -> "abc..." cut to 12 (stringid.TruncateID).
QString truncateId(const QString &id);
// go-units HumanSizeWithPrecision(size, 3): "2.14MB", as images and history print sizes.
QString size3(double bytes);
// Cuts to `width` characters with a trailing "…" (formatter.Ellipsis).
QString ellipsis(const QString &text, int width);
// time.Time.String() in local time: "2026-11-27 23:30:00 +0000 UTC".
QString goTimeString(qint64 unixSeconds);
// time.RFC3339 in local time: "2026-11-27T23:30:00Z" / "...+01:00".
QString rfc3339(qint64 unixSeconds);

struct ListOptions
{
    bool digests = false;  // --digests: a row per digest
    bool truncate = true;  // not --no-trunc
    qint64 nowSeconds = 0;
};
// One row per repository:tag (and per digest with --digests), dangling
// images as <none> <none>, in the order the engine listed them.
QList<QJsonObject> images(const QList<Common::ImageSummary> &summaries, const ListOptions &options);
QJsonObject imageHeaders();
// docker's default columns.
QString imageTableFormat(bool digests);

struct HistoryOptions
{
    bool human = true;
    bool truncate = true;
    qint64 nowSeconds = 0;
};
QList<QJsonObject> history(const QList<Common::ImageHistoryItem> &items, const HistoryOptions &options);
QJsonObject historyHeaders();
QString historyTableFormat(bool human);

} // namespace ImageRows
} // namespace Berth::Cli
