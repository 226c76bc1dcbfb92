#include "pscommand.h"

#include "commandregistry.h"
#include "containerrequests.h"
#include "context.h"
#include "tableformat.h"
#include "units.h"

#include <client/engineclient.h>
#include <common/reference.h>

#include <QDateTime>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>

namespace Berth::Cli {

namespace ContainerRows {

namespace {

QString truncateId(QString id)
{
    if (const qsizetype colon = id.indexOf(QLatin1Char(':')); colon >= 0)
        id = id.mid(colon + 1);
    return id.left(12);
}

QString imageColumn(const QJsonObject &item, bool truncate)
{
    const QString image = item.value(QStringLiteral("Image")).toString();
    if (image.isEmpty())
        return QStringLiteral("<no image>");
    if (!truncate)
        return image;
    const QString imageId = item.value(QStringLiteral("ImageID")).toString();
    if (truncateId(imageId) == truncateId(image))
        return truncateId(imageId);
    auto ref = Common::Reference::parseNormalized(image, Common::Reference::Dialect::DockerCli);
    if (!ref)
        return image;
    QString familiar = ref->familiarName();
    if (!ref->tag().isEmpty())
        familiar += QLatin1Char(':') + ref->tag();
    return familiar;
}

QString goTimeString(qint64 seconds)
{
    // Go's time.Time.String() in the local zone: "2026-11-28 01:32:00 +0000 UTC".
    const QDateTime t = QDateTime::fromSecsSinceEpoch(seconds);
    const int offset = t.offsetFromUtc();
    const QString sign = offset < 0 ? QStringLiteral("-") : QStringLiteral("+");
    const int abs = std::abs(offset);
    QString zone = t.timeZoneAbbreviation();
    if (zone.isEmpty() || zone.startsWith(QLatin1String("UTC+")) || zone.startsWith(QLatin1String("UTC-")))
        zone = offset == 0 ? QStringLiteral("UTC") : QString();
    QString s = t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss ")) + sign
                + QStringLiteral("%1%2").arg(abs / 3600, 2, 10, QLatin1Char('0')).arg((abs % 3600) / 60, 2, 10, QLatin1Char('0'));
    if (!zone.isEmpty())
        s += QLatin1Char(' ') + zone;
    return s;
}

} // namespace

QString ellipsis(const QString &text, int width)
{
    if (text.size() <= width)
        return text;
    if (width <= 0)
        return QString();
    return text.left(width - 1) + QChar(0x2026);
}

QString displayablePorts(const QJsonArray &portsIn)
{
    struct Port { QString ip; int priv; int pub; QString type; };
    QList<Port> ports;
    for (const QJsonValue &v : portsIn) {
        const QJsonObject o = v.toObject();
        ports.append({o.value(QStringLiteral("IP")).toString(), o.value(QStringLiteral("PrivatePort")).toInt(),
                      o.value(QStringLiteral("PublicPort")).toInt(), o.value(QStringLiteral("Type")).toString()});
    }
    std::sort(ports.begin(), ports.end(), [](const Port &a, const Port &b) {
        if (a.priv != b.priv)
            return a.priv < b.priv;
        if (a.ip != b.ip)
            return a.ip < b.ip;
        if (a.pub != b.pub)
            return a.pub < b.pub;
        return a.type < b.type;
    });
    struct Group { int first; int last; };
    QMap<QString, Group> groups;
    QStringList order;
    QStringList result;
    QStringList hostMappings;
    const auto formGroup = [](const QString &key, int start, int last) {
        const QStringList parts = key.split(QLatin1Char('/'));
        QString type = parts.first();
        QString ip;
        if (parts.size() > 1) {
            ip = parts.first();
            type = parts.at(1);
        }
        QString group = QString::number(start);
        if (start != last)
            group += QLatin1Char('-') + QString::number(last);
        if (!ip.isEmpty())
            group = QStringLiteral("%1:%2->%2").arg(ip, group);
        return QString(group + QLatin1Char('/') + type);
    };
    for (const Port &p : std::as_const(ports)) {
        QString key = p.type;
        if (!p.ip.isEmpty()) {
            if (p.pub != p.priv) {
                const QString host = p.ip.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(p.ip).arg(p.pub)
                                                                     : QStringLiteral("%1:%2").arg(p.ip).arg(p.pub);
                hostMappings << QStringLiteral("%1->%2/%3").arg(host).arg(p.priv).arg(p.type);
                continue;
            }
            key = p.ip + QLatin1Char('/') + p.type;
        }
        auto it = groups.find(key);
        if (it == groups.end()) {
            groups.insert(key, {p.priv, p.priv});
            order << key;
            continue;
        }
        if (p.priv == it->last + 1) {
            it->last = p.priv;
            continue;
        }
        result << formGroup(key, it->first, it->last);
        *it = {p.priv, p.priv};
    }
    for (const QString &key : std::as_const(order))
        result << formGroup(key, groups.value(key).first, groups.value(key).last);
    result << hostMappings;
    return result.join(QStringLiteral(", "));
}

QJsonObject row(const QJsonObject &item, bool truncate, qint64 nowSeconds)
{
    QJsonObject r;
    const QString id = item.value(QStringLiteral("Id")).toString();
    r.insert(QStringLiteral("ID"), truncate ? truncateId(id) : id);
    r.insert(QStringLiteral("Image"), imageColumn(item, truncate));
    QString command = item.value(QStringLiteral("Command")).toString();
    if (truncate)
        command = ellipsis(command, 20);
    // strconv.Quote
    QString quoted = QStringLiteral("\"");
    for (QChar c : std::as_const(command)) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            quoted += QLatin1Char('\\') + QString(c);
        else if (c == QLatin1Char('\n'))
            quoted += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            quoted += QStringLiteral("\\t");
        else
            quoted += c;
    }
    quoted += QLatin1Char('"');
    r.insert(QStringLiteral("Command"), quoted);
    const qint64 created = qint64(item.value(QStringLiteral("Created")).toDouble());
    r.insert(QStringLiteral("CreatedAt"), goTimeString(created));
    r.insert(QStringLiteral("RunningFor"), QString(Units::humanDuration((nowSeconds - created) * 1000) + QStringLiteral(" ago")));
    r.insert(QStringLiteral("Ports"), displayablePorts(item.value(QStringLiteral("Ports")).toArray()));
    r.insert(QStringLiteral("State"), item.value(QStringLiteral("State")).toString());
    r.insert(QStringLiteral("Status"), item.value(QStringLiteral("Status")).toString());
    const double sizeRw = item.value(QStringLiteral("SizeRw")).toDouble();
    const double sizeRoot = item.value(QStringLiteral("SizeRootFs")).toDouble();
    QString size = Units::humanSizeWithPrecision(sizeRw, 3);
    if (sizeRoot > 0)
        size = QStringLiteral("%1 (virtual %2)").arg(size, Units::humanSizeWithPrecision(sizeRoot, 3));
    r.insert(QStringLiteral("Size"), size);
    QStringList names;
    for (const QJsonValue &n : item.value(QStringLiteral("Names")).toArray())
        names << n.toString().mid(1);
    if (truncate) {
        for (const QString &n : std::as_const(names)) {
            if (!n.contains(QLatin1Char('/'))) {
                names = QStringList{n};
                break;
            }
        }
    }
    r.insert(QStringLiteral("Names"), names.join(QLatin1Char(',')));
    const QJsonObject labels = item.value(QStringLiteral("Labels")).toObject();
    QStringList joined;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        joined << it.key() + QLatin1Char('=') + it.value().toString();
    r.insert(QStringLiteral("Labels"), joined.join(QLatin1Char(',')));
    r.insert(QStringLiteral("LabelMap"), labels);
    QStringList mounts;
    int localVolumes = 0;
    for (const QJsonValue &m : item.value(QStringLiteral("Mounts")).toArray()) {
        const QJsonObject o = m.toObject();
        QString name = o.value(QStringLiteral("Name")).toString();
        if (name.isEmpty())
            name = o.value(QStringLiteral("Source")).toString();
        if (truncate)
            name = ellipsis(name, 15);
        mounts << name;
        if (o.value(QStringLiteral("Driver")).toString() == QLatin1String("local"))
            ++localVolumes;
    }
    r.insert(QStringLiteral("Mounts"), mounts.join(QLatin1Char(',')));
    r.insert(QStringLiteral("LocalVolumes"), QString::number(localVolumes));
    QStringList networks = item.value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("Networks")).toObject().keys();
    networks.sort();
    r.insert(QStringLiteral("Networks"), networks.join(QLatin1Char(',')));
    return r;
}

QJsonObject headers()
{
    return QJsonObject{{QStringLiteral("ID"), QStringLiteral("CONTAINER ID")},
                       {QStringLiteral("Image"), QStringLiteral("IMAGE")},
                       {QStringLiteral("Command"), QStringLiteral("COMMAND")},
                       {QStringLiteral("CreatedAt"), QStringLiteral("CREATED AT")},
                       {QStringLiteral("RunningFor"), QStringLiteral("CREATED")},
                       {QStringLiteral("Ports"), QStringLiteral("PORTS")},
                       {QStringLiteral("State"), QStringLiteral("STATE")},
                       {QStringLiteral("Status"), QStringLiteral("STATUS")},
                       {QStringLiteral("Size"), QStringLiteral("SIZE")},
                       {QStringLiteral("Names"), QStringLiteral("NAMES")},
                       {QStringLiteral("Labels"), QStringLiteral("LABELS")},
                       {QStringLiteral("Mounts"), QStringLiteral("MOUNTS")},
                       {QStringLiteral("Networks"), QStringLiteral("NETWORKS")},
                       {QStringLiteral("LocalVolumes"), QStringLiteral("LOCAL VOLUMES")}};
}

QString defaultTableFormat(bool size)
{
    QString f = QStringLiteral("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}");
    if (size)
        f += QStringLiteral("\t{{.Size}}");
    return f;
}

} // namespace ContainerRows

QList<OptionSpec> psOptions()
{
    const auto opt = [](const char *name, char shorthand, const char *type, const char *help, OptionSpec::Kind kind) {
        OptionSpec o;
        o.name = QLatin1String(name);
        if (shorthand)
            o.shorthand = QLatin1Char(shorthand);
        o.kind = kind;
        if (type)
            o.valueType = QLatin1String(type);
        o.help = QLatin1String(help);
        return o;
    };
    using K = OptionSpec::Kind;
    OptionSpec last = opt("last", 'n', "int", "Show n last created containers (includes all states)", K::Value);
    last.defaultValue = QStringLiteral("-1");
    return {opt("all", 'a', nullptr, "Show all containers (default shows just running)", K::Bool),
            opt("filter", 'f', "filter", "Filter output based on conditions provided", K::List),
            formatOption(false),
            last,
            opt("latest", 'l', nullptr, "Show the latest created container (includes all states)", K::Bool),
            opt("no-trunc", 0, nullptr, "Don't truncate output", K::Bool),
            opt("quiet", 'q', nullptr, "Only display container IDs", K::Bool),
            opt("size", 's', nullptr, "Display total file sizes", K::Bool)};
}

int runPs(Context &context, const ParsedArgs &args)
{
    const bool quiet = args.flag(QStringLiteral("quiet"));
    bool size = args.flag(QStringLiteral("size"));
    const bool truncate = !args.flag(QStringLiteral("no-trunc"));
    int limit = -1;
    if (args.isSet(QStringLiteral("last"))) {
        bool ok = false;
        limit = args.value(QStringLiteral("last")).toInt(&ok);
        if (!ok)
            return context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("container ls")),
                                            QStringLiteral("invalid argument \"%1\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"%1\": invalid syntax")
                                                .arg(args.value(QStringLiteral("last"))));
    }
    if (args.flag(QStringLiteral("latest")))
        limit = 1;

    QJsonObject filters;
    for (const QString &f : args.values(QStringLiteral("filter"))) {
        const qsizetype eq = f.indexOf(QLatin1Char('='));
        if (eq < 0)
            return context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("container ls")),
                                            QStringLiteral("invalid argument \"%1\" for \"-f, --filter\" flag: bad format of filter (expected name=value)").arg(f));
        const QString key = f.left(eq).trimmed().toLower();
        QJsonObject set = filters.value(key).toObject();
        set.insert(f.mid(eq + 1).trimmed(), true);
        filters.insert(key, set);
    }

    QString format = args.value(QStringLiteral("format"));
    if (quiet && (format.isEmpty() || format == QLatin1String("table")))
        format = QStringLiteral("{{.ID}}");
    if (format.isEmpty() || format == QLatin1String("table"))
        format = ContainerRows::defaultTableFormat(size);
    else if (format.contains(QLatin1String(".Size")))
        size = true;
    // .Label "key" is a method in docker's context: read it from LabelMap.
    static const QRegularExpression labelCall(QStringLiteral("\\.Label\\s+(\"(?:[^\"\\\\]|\\\\.)*\")"));
    QJsonObject headerLabels;
    for (auto it = labelCall.globalMatch(format); it.hasNext();) {
        const auto m = it.next();
        const QString key = QJsonDocument::fromJson("[" + m.captured(1).toUtf8() + "]").array().at(0).toString();
        // docker's header: the key's last dot-separated part, '-' and '_' as spaces.
        QString header = key.section(QLatin1Char('.'), -1);
        header.replace(QLatin1Char('-'), QLatin1Char(' ')).replace(QLatin1Char('_'), QLatin1Char(' '));
        headerLabels.insert(key, header);
    }
    format.replace(labelCall, QStringLiteral("index .LabelMap \\1"));

    Client::Request request;
    request.path = QStringLiteral("/containers/json");
    if (args.flag(QStringLiteral("all")))
        request.query.addQueryItem(QStringLiteral("all"), QStringLiteral("1"));
    if (limit > 0)
        request.query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (size)
        request.query.addQueryItem(QStringLiteral("size"), QStringLiteral("1"));
    if (!filters.isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"), QString::fromUtf8(QJsonDocument(filters).toJson(QJsonDocument::Compact)));
    auto reply = ContainerRequests::send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &pe);
    if (pe.error != QJsonParseError::NoError || !(doc.isArray() || doc.isNull()))
        return context.reportError(Error(ErrorCode::Protocol, "GET /containers/json: the reply is not a JSON array"));

    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const bool json = format.trimmed() == QLatin1String("json") || format.trimmed() == QLatin1String("{{json .}}");
    QList<QJsonObject> rows;
    for (const QJsonValue &v : doc.array()) {
        QJsonObject r = ContainerRows::row(v.toObject(), truncate, now);
        if (json) {
            // docker's JSON lines carry the (API 1.41: always null) platform.
            r.remove(QStringLiteral("LabelMap"));
            r.insert(QStringLiteral("Platform"), QJsonValue::Null);
        } else {
            // .Label "k" of a container without that label prints nothing.
            QJsonObject labels = r.value(QStringLiteral("LabelMap")).toObject();
            for (auto it = headerLabels.constBegin(); it != headerLabels.constEnd(); ++it) {
                if (!labels.contains(it.key()))
                    labels.insert(it.key(), QString());
            }
            r.insert(QStringLiteral("LabelMap"), labels);
        }
        rows << r;
    }
    QJsonObject headers = ContainerRows::headers();
    headers.insert(QStringLiteral("LabelMap"), headerLabels);
    auto f = TableFormat::parse(format, format);
    if (!f) {
        context.err() << QString::fromStdString(f.error().message()) << Qt::endl;
        return 1;
    }
    auto text = f->render(rows, headers);
    if (!text) {
        context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
        return 1;
    }
    context.out() << *text << Qt::flush;
    return 0;
}

} // namespace Berth::Cli
