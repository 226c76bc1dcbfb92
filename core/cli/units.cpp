#include "units.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>

#include <cmath>

namespace Berth::Cli::Units {

static QString customSize(double size, double base, const char *const *units, int unitCount)
{
    int i = 0;
    while (size >= base && i < unitCount - 1) {
        size /= base;
        ++i;
    }
    return QString::number(size, 'g', 4) + QLatin1String(units[i]);
}

QString humanSize(double bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    return customSize(bytes, 1000.0, units, 9);
}

QString humanSizeWithPrecision(double bytes, int precision)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    int i = 0;
    while (bytes >= 1000.0 && i < 8) {
        bytes /= 1000.0;
        ++i;
    }
    return QString::number(bytes, 'g', precision) + QLatin1String(units[i]);
}

QString bytesSize(double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
    return customSize(bytes, 1024.0, units, 9);
}

QString humanDuration(qint64 milliseconds)
{
    const qint64 seconds = milliseconds / 1000;
    if (seconds < 1)
        return QStringLiteral("Less than a second");
    if (seconds == 1)
        return QStringLiteral("1 second");
    if (seconds < 60)
        return QStringLiteral("%1 seconds").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes == 1)
        return QStringLiteral("About a minute");
    if (minutes < 60)
        return QStringLiteral("%1 minutes").arg(minutes);
    const double exactHours = double(milliseconds) / 3600000.0;
    const qint64 hours = qint64(std::round(exactHours));
    if (hours == 1)
        return QStringLiteral("About an hour");
    if (hours < 48)
        return QStringLiteral("%1 hours").arg(hours);
    if (hours < 24 * 7 * 2)
        return QStringLiteral("%1 days").arg(hours / 24);
    if (hours < 24 * 30 * 2)
        return QStringLiteral("%1 weeks").arg(hours / 24 / 7);
    if (hours < 24 * 365 * 2)
        return QStringLiteral("%1 months").arg(hours / 24 / 30);
    return QStringLiteral("%1 years").arg(qint64(exactHours) / 24 / 365);
}

std::optional<qint64> parseDuration(const QString &text)
{
    static const QRegularExpression part(QStringLiteral("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)"));
    if (text.isEmpty())
        return std::nullopt;
    double total = 0;
    qsizetype pos = 0;
    QString t = text;
    bool negative = false;
    if (t.startsWith(QLatin1Char('-')) || t.startsWith(QLatin1Char('+'))) {
        negative = t.startsWith(QLatin1Char('-'));
        t = t.mid(1);
    }
    if (t == QLatin1String("0"))
        return 0;
    while (pos < t.size()) {
        const auto m = part.match(t, pos, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
        if (!m.hasMatch())
            return std::nullopt;
        const double value = m.captured(1).toDouble();
        const QString unit = m.captured(2);
        double ms = 0;
        if (unit == QLatin1String("ns"))
            ms = value / 1e6;
        else if (unit == QLatin1String("us") || unit == QStringLiteral("µs"))
            ms = value / 1e3;
        else if (unit == QLatin1String("ms"))
            ms = value;
        else if (unit == QLatin1String("s"))
            ms = value * 1000;
        else if (unit == QLatin1String("m"))
            ms = value * 60000;
        else
            ms = value * 3600000;
        total += ms;
        pos = m.capturedEnd();
    }
    return qint64(negative ? -total : total);
}

QString rfc3339NanoFixed(qint64 unixNanoseconds)
{
    const qint64 seconds = unixNanoseconds / 1000000000;
    const qint64 nanos = unixNanoseconds % 1000000000;
    const QDateTime t = QDateTime::fromSecsSinceEpoch(seconds);
    const int offset = t.offsetFromUtc();
    QString zone;
    if (offset == 0) {
        zone = QStringLiteral("Z");
    } else {
        const int a = qAbs(offset) / 60;
        zone = QStringLiteral("%1%2:%3").arg(offset < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                   .arg(a / 60, 2, 10, QLatin1Char('0')).arg(a % 60, 2, 10, QLatin1Char('0'));
    }
    return t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + QLatin1Char('.')
           + QStringLiteral("%1").arg(nanos, 9, 10, QLatin1Char('0')) + zone;
}

std::optional<QString> timestampOption(const QString &text, qint64 nowSeconds)
{
    if (text.isEmpty())
        return std::nullopt;
    static const QRegularExpression unixSeconds(QStringLiteral("^\\d+(\\.\\d{1,9})?$"));
    if (unixSeconds.match(text).hasMatch())
        return text;
    if (auto d = parseDuration(text)) {
        const double at = double(nowSeconds) - double(*d) / 1000.0;
        return QString::number(qint64(std::floor(at)));
    }
    // RFC 3339 date-time, or a date alone (taken as local midnight, as docker does).
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate date = QDate::fromString(text, Qt::ISODate);
        if (date.isValid())
            t = date.startOfDay();
    }
    if (!t.isValid())
        return std::nullopt;
    const qint64 ms = t.toMSecsSinceEpoch();
    if (ms % 1000 == 0)
        return QString::number(ms / 1000);
    return QStringLiteral("%1.%2").arg(ms / 1000).arg(ms % 1000, 3, 10, QLatin1Char('0'));
}

} // namespace Berth::Cli::Units
