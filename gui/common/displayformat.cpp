#include "displayformat.h"

#include "guitr.h"

#include <QLocale>

#include <algorithm>

namespace Berth::Gui {

QString formatSize(qint64 bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double value = double(std::max(qint64(0), bytes));
    int unit = 0;
    while (value >= 999.5 && unit < 5) {
        value /= 1000.0;
        ++unit;
    }
    return QLocale::c().toString(value, 'g', 3) + QLatin1String(units[unit]);
}

QString formatDuration(qint64 seconds)
{
    // go-units' HumanDuration, as docker words Status (engine-api.md 8.11).
    seconds = std::max(qint64(0), seconds);
    if (seconds < 1)
        return Tr::tr("Less than a second");
    if (seconds == 1)
        return Tr::tr("1 second");
    if (seconds < 60)
        return Tr::tr("%1 seconds").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes == 1)
        return Tr::tr("About a minute");
    if (minutes < 60)
        return Tr::tr("%1 minutes").arg(minutes);
    const qint64 hours = (seconds + 1800) / 3600;
    if (hours == 1)
        return Tr::tr("About an hour");
    if (hours < 48)
        return Tr::tr("%1 hours").arg(hours);
    const qint64 days = seconds / 86400;
    if (days < 14)
        return Tr::tr("%1 days").arg(days);
    if (days < 60)
        return Tr::tr("%1 weeks").arg(days / 7);
    if (days < 365 * 2)
        return Tr::tr("%1 months").arg(days / 30);
    return Tr::tr("%1 years").arg(days / 365);
}

QString formatRelativeTime(qint64 unixSeconds, qint64 now)
{
    //: %1 is a duration such as "3 days"
    return Tr::tr("%1 ago").arg(formatDuration(now - unixSeconds));
}

} // namespace Berth::Gui
