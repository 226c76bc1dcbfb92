#include "imagerows.h"

#include "units.h"

#include <QDateTime>
#include <QTimeZone>

namespace Berth::Cli::ImageRows {

QString truncateId(const QString &id)
{
    QString s = id;
    const qsizetype colon = s.indexOf(QLatin1Char(':'));
    if (colon >= 0)
        s = s.mid(colon + 1);
    return s.left(12);
}

QString size3(double bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    int i = 0;
    while (bytes >= 1000.0 && i < 8) {
        bytes /= 1000.0;
        ++i;
    }
    return QString::number(bytes, 'g', 3) + QLatin1String(units[i]);
}

QString ellipsis(const QString &text, int width)
{
    const QList<uint> chars = text.toUcs4();
    if (chars.size() <= width)
        return text;
    QList<uint> cut = chars.mid(0, width - 1);
    cut.append(0x2026);
    return QString::fromUcs4(reinterpret_cast<const char32_t *>(cut.constData()), cut.size());
}

static QString offsetText(int seconds, bool colon)
{
    const QChar sign = seconds < 0 ? QLatin1Char('-') : QLatin1Char('+');
    seconds = qAbs(seconds);
    return sign + QStringLiteral("%1").arg(seconds / 3600, 2, 10, QLatin1Char('0')) + (colon ? QStringLiteral(":") : QString())
           + QStringLiteral("%1").arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString goTimeString(qint64 unixSeconds)
{
    const QDateTime t = QDateTime::fromSecsSinceEpoch(unixSeconds);
    QString zone = t.timeZoneAbbreviation();
    const int offset = t.offsetFromUtc();
    if (offset == 0 && (zone.isEmpty() || zone == QLatin1String("GMT")))
        zone = QStringLiteral("UTC");
    return t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss ")) + offsetText(offset, false) + QLatin1Char(' ') + zone;
}

QString rfc3339(qint64 unixSeconds)
{
    const QDateTime t = QDateTime::fromSecsSinceEpoch(unixSeconds);
    const int offset = t.offsetFromUtc();
    return t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + (offset == 0 ? QStringLiteral("Z") : offsetText(offset, true));
}

static QString since(qint64 created, qint64 now)
{
    return Units::humanDuration((now - created) * 1000) + QStringLiteral(" ago");
}

static bool isDangling(const Common::ImageSummary &s)
{
    if (s.repoTags.isEmpty() && s.repoDigests.isEmpty())
        return true;
    return s.repoTags == QStringList{QStringLiteral("<none>:<none>")}
           && s.repoDigests == QStringList{QStringLiteral("<none>@<none>")};
}

QList<QJsonObject> images(const QList<Common::ImageSummary> &summaries, const ListOptions &options)
{
    QList<QJsonObject> rows;
    for (const Common::ImageSummary &s : summaries) {
        QJsonObject base;
        base.insert(QStringLiteral("ID"), options.truncate ? truncateId(s.id) : s.id);
        base.insert(QStringLiteral("CreatedSince"), since(s.created, options.nowSeconds));
        base.insert(QStringLiteral("CreatedAt"), goTimeString(s.created));
        base.insert(QStringLiteral("Size"), size3(double(s.size)));
        base.insert(QStringLiteral("VirtualSize"), Units::humanSize(double(s.size)));
        base.insert(QStringLiteral("Containers"), s.containers < 0 ? QStringLiteral("N/A") : QString::number(s.containers));
        base.insert(QStringLiteral("SharedSize"), s.sharedSize < 0 ? QStringLiteral("N/A") : size3(double(s.sharedSize)));
        base.insert(QStringLiteral("UniqueSize"),
                    s.sharedSize < 0 ? QStringLiteral("N/A") : size3(double(s.size - s.sharedSize)));
        const auto add = [&rows, &base](const QString &repo, const QString &tag, const QString &digest) {
            QJsonObject row = base;
            row.insert(QStringLiteral("Repository"), repo);
            row.insert(QStringLiteral("Tag"), tag);
            row.insert(QStringLiteral("Digest"), digest);
            rows.append(row);
        };
        if (isDangling(s)) {
            add(QStringLiteral("<none>"), QStringLiteral("<none>"), QStringLiteral("<none>"));
            continue;
        }
        // Repositories in first-seen order (docker walks a Go map here, in no fixed order).
        QStringList repos;
        QMap<QString, QStringList> tags;
        QMap<QString, QStringList> digests;
        for (const QString &rt : s.repoTags) {
            const qsizetype colon = rt.lastIndexOf(QLatin1Char(':'));
            if (colon <= 0 || rt.indexOf(QLatin1Char('/'), colon) >= 0)
                continue;
            const QString repo = rt.left(colon);
            if (!repos.contains(repo))
                repos << repo;
            tags[repo] << rt.mid(colon + 1);
        }
        QStringList digestOnly;
        for (const QString &rd : s.repoDigests) {
            const qsizetype at = rd.indexOf(QLatin1Char('@'));
            if (at <= 0)
                continue;
            const QString repo = rd.left(at);
            if (!tags.contains(repo) && !digestOnly.contains(repo))
                digestOnly << repo;
            digests[repo] << rd.mid(at + 1);
        }
        for (const QString &repo : std::as_const(repos)) {
            const QStringList ds = options.digests ? digests.value(repo) : QStringList();
            for (const QString &tag : tags.value(repo)) {
                if (ds.isEmpty()) {
                    add(repo, tag, QStringLiteral("<none>"));
                    continue;
                }
                for (const QString &d : ds)
                    add(repo, tag, d);
            }
        }
        for (const QString &repo : std::as_const(digestOnly)) {
            if (options.digests) {
                for (const QString &d : digests.value(repo))
                    add(repo, QStringLiteral("<none>"), d);
            } else {
                add(repo, QStringLiteral("<none>"), QString());
            }
        }
    }
    return rows;
}

QJsonObject imageHeaders()
{
    return QJsonObject{
        {QStringLiteral("ID"), QStringLiteral("IMAGE ID")},
        {QStringLiteral("Repository"), QStringLiteral("REPOSITORY")},
        {QStringLiteral("Tag"), QStringLiteral("TAG")},
        {QStringLiteral("Digest"), QStringLiteral("DIGEST")},
        {QStringLiteral("CreatedSince"), QStringLiteral("CREATED")},
        {QStringLiteral("CreatedAt"), QStringLiteral("CREATED AT")},
        {QStringLiteral("Size"), QStringLiteral("SIZE")},
        {QStringLiteral("VirtualSize"), QStringLiteral("VIRTUAL SIZE")},
        {QStringLiteral("Containers"), QStringLiteral("CONTAINERS")},
        {QStringLiteral("SharedSize"), QStringLiteral("SHARED SIZE")},
        {QStringLiteral("UniqueSize"), QStringLiteral("UNIQUE SIZE")},
    };
}

QString imageTableFormat(bool digests)
{
    return digests ? QStringLiteral("table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}")
                   : QStringLiteral("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}");
}

QList<QJsonObject> history(const QList<Common::ImageHistoryItem> &items, const HistoryOptions &options)
{
    QList<QJsonObject> rows;
    for (const Common::ImageHistoryItem &item : items) {
        QJsonObject row;
        row.insert(QStringLiteral("ID"), options.truncate ? truncateId(item.id) : item.id);
        row.insert(QStringLiteral("CreatedAt"), rfc3339(item.created));
        row.insert(QStringLiteral("CreatedSince"),
                   options.human ? since(item.created, options.nowSeconds) : rfc3339(item.created));
        QString createdBy = item.createdBy;
        createdBy.replace(QLatin1Char('\t'), QLatin1Char(' '));
        row.insert(QStringLiteral("CreatedBy"), options.truncate ? ellipsis(createdBy, 45) : createdBy);
        row.insert(QStringLiteral("Size"), options.human ? size3(double(item.size)) : QString::number(item.size));
        row.insert(QStringLiteral("Comment"), item.comment);
        rows.append(row);
    }
    return rows;
}

QJsonObject historyHeaders()
{
    return QJsonObject{
        {QStringLiteral("ID"), QStringLiteral("IMAGE")},
        {QStringLiteral("CreatedSince"), QStringLiteral("CREATED")},
        {QStringLiteral("CreatedAt"), QStringLiteral("CREATED AT")},
        {QStringLiteral("CreatedBy"), QStringLiteral("CREATED BY")},
        {QStringLiteral("Size"), QStringLiteral("SIZE")},
        {QStringLiteral("Comment"), QStringLiteral("COMMENT")},
    };
}

QString historyTableFormat(bool human)
{
    return human ? QStringLiteral("table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}")
                 : QStringLiteral("table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}");
}

} // namespace Berth::Cli::ImageRows
