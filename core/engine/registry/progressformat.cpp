#include "progressformat.h"

namespace Berth::Engine::Progress {

QJsonObject status(const QString &status, const QString &id)
{
    QJsonObject o{{QStringLiteral("status"), status}};
    if (!id.isEmpty())
        o.insert(QStringLiteral("id"), id);
    return o;
}

QJsonObject detail(const QString &status, const QString &id)
{
    return QJsonObject{{QStringLiteral("status"), status},
                       {QStringLiteral("progressDetail"), QJsonObject{}},
                       {QStringLiteral("id"), id}};
}

QJsonObject bar(const QString &status, const QString &id, qint64 current, qint64 total)
{
    return QJsonObject{{QStringLiteral("status"), status},
                       {QStringLiteral("progressDetail"),
                        QJsonObject{{QStringLiteral("current"), current}, {QStringLiteral("total"), total}}},
                       {QStringLiteral("progress"), progressBar(current, total)},
                       {QStringLiteral("id"), id}};
}

QString humanSize(qint64 bytes)
{
    static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 5) {
        v /= 1000.0;
        ++u;
    }
    return QString::number(v, 'g', 4) + QLatin1String(units[u]);
}

QString progressBar(qint64 current, qint64 total)
{
    constexpr int width = 50;
    if (total <= 0)
        return humanSize(current);
    const qint64 clamped = std::min(current, total);
    const int filled = int(double(clamped) * width / double(total));
    QString bar(width, u' ');
    for (int i = 0; i < filled; ++i)
        bar[i] = u'=';
    if (filled < width)
        bar[filled] = u'>';
    return QStringLiteral("[%1] %2/%3").arg(bar, humanSize(current).rightJustified(8), humanSize(total));
}

} // namespace Berth::Engine::Progress
