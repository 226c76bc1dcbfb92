#pragma once

#include <QString>

namespace Berth::Gui {

// Docker's decimal sizes with three significant digits: "4.26MB", "812kB".
QString formatSize(qint64 bytes);

// "3 days ago": formatDuration() of the time since, translated.
QString formatRelativeTime(qint64 unixSeconds, qint64 now);

// Docker's human durations (go-units HumanDuration): "About a minute",
// "5 minutes", "3 days".
QString formatDuration(qint64 seconds);

} // namespace Berth::Gui
