#include "statscommand.h"

#include "containerrequests.h"
#include "context.h"
#include "tableformat.h"
#include "terminal.h"
#include "units.h"

#include <client/engineclient.h>
#include <client/jsonsplitter.h>
#include <client/responsestream.h>

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <memory>

namespace Berth::Cli {

namespace StatsRows {

namespace {

double number(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toDouble();
}

} // namespace

QJsonObject row(const QJsonObject &stats, const QString &container, bool truncate)
{
    const QJsonObject cpu = stats.value(QStringLiteral("cpu_stats")).toObject();
    const QJsonObject precpu = stats.value(QStringLiteral("precpu_stats")).toObject();
    const double cpuDelta = number(cpu.value(QStringLiteral("cpu_usage")).toObject(), "total_usage")
                            - number(precpu.value(QStringLiteral("cpu_usage")).toObject(), "total_usage");
    const double systemDelta = number(cpu, "system_cpu_usage") - number(precpu, "system_cpu_usage");
    double online = number(cpu, "online_cpus");
    if (online == 0)
        online = cpu.value(QStringLiteral("cpu_usage")).toObject().value(QStringLiteral("percpu_usage")).toArray().size();
    double cpuPercent = 0;
    if (systemDelta > 0 && cpuDelta > 0)
        cpuPercent = cpuDelta / systemDelta * online * 100.0;

    const QJsonObject memory = stats.value(QStringLiteral("memory_stats")).toObject();
    const QJsonObject memoryStats = memory.value(QStringLiteral("stats")).toObject();
    double usage = number(memory, "usage");
    // cgroup v1 reports total_inactive_file, v2 inactive_file.
    if (memoryStats.contains(QStringLiteral("total_inactive_file"))) {
        const double inactive = number(memoryStats, "total_inactive_file");
        if (inactive < usage)
            usage -= inactive;
    } else if (memoryStats.contains(QStringLiteral("inactive_file"))) {
        const double inactive = number(memoryStats, "inactive_file");
        if (inactive < usage)
            usage -= inactive;
    }
    const double limit = number(memory, "limit");
    const double memPercent = limit != 0 ? usage / limit * 100.0 : 0;

    double rx = 0;
    double tx = 0;
    const QJsonObject networks = stats.value(QStringLiteral("networks")).toObject();
    for (auto it = networks.begin(); it != networks.end(); ++it) {
        rx += number(it.value().toObject(), "rx_bytes");
        tx += number(it.value().toObject(), "tx_bytes");
    }
    double read = 0;
    double write = 0;
    for (const QJsonValue &e : stats.value(QStringLiteral("blkio_stats")).toObject().value(QStringLiteral("io_service_bytes_recursive")).toArray()) {
        const QString op = e.toObject().value(QStringLiteral("op")).toString().toLower();
        if (op == QLatin1String("read"))
            read += number(e.toObject(), "value");
        else if (op == QLatin1String("write"))
            write += number(e.toObject(), "value");
    }
    QString id = stats.value(QStringLiteral("id")).toString();
    if (truncate)
        id = id.left(12);
    QString name = stats.value(QStringLiteral("name")).toString();
    if (name.startsWith(QLatin1Char('/')))
        name = name.mid(1);
    const bool dead = stats.value(QStringLiteral("read")).toString().startsWith(QLatin1String("0001-01-01"))
                      && number(memory, "usage") == 0 && cpuDelta == 0;
    QJsonObject r;
    r.insert(QStringLiteral("ID"), id);
    r.insert(QStringLiteral("Name"), dead && name.isEmpty() ? QStringLiteral("--") : name);
    r.insert(QStringLiteral("Container"), container);
    r.insert(QStringLiteral("CPUPerc"), QString::asprintf("%.2f%%", cpuPercent));
    r.insert(QStringLiteral("MemUsage"), QString(Units::bytesSize(usage) + QStringLiteral(" / ") + Units::bytesSize(limit)));
    r.insert(QStringLiteral("MemPerc"), QString::asprintf("%.2f%%", memPercent));
    r.insert(QStringLiteral("NetIO"), QString(Units::humanSizeWithPrecision(rx, 3) + QStringLiteral(" / ") + Units::humanSizeWithPrecision(tx, 3)));
    r.insert(QStringLiteral("BlockIO"), QString(Units::humanSizeWithPrecision(read, 3) + QStringLiteral(" / ") + Units::humanSizeWithPrecision(write, 3)));
    r.insert(QStringLiteral("PIDs"), QString::number(qint64(number(stats.value(QStringLiteral("pids_stats")).toObject(), "current"))));
    return r;
}

QJsonObject headers()
{
    return QJsonObject{{QStringLiteral("ID"), QStringLiteral("CONTAINER ID")},
                       {QStringLiteral("Name"), QStringLiteral("NAME")},
                       {QStringLiteral("Container"), QStringLiteral("CONTAINER")},
                       {QStringLiteral("CPUPerc"), QStringLiteral("CPU %")},
                       {QStringLiteral("MemUsage"), QStringLiteral("MEM USAGE / LIMIT")},
                       {QStringLiteral("MemPerc"), QStringLiteral("MEM %")},
                       {QStringLiteral("NetIO"), QStringLiteral("NET I/O")},
                       {QStringLiteral("BlockIO"), QStringLiteral("BLOCK I/O")},
                       {QStringLiteral("PIDs"), QStringLiteral("PIDS")}};
}

} // namespace StatsRows

QList<OptionSpec> statsOptions()
{
    const auto flag = [](const char *name, char shorthand, const char *help) {
        OptionSpec o;
        o.name = QLatin1String(name);
        if (shorthand)
            o.shorthand = QLatin1Char(shorthand);
        o.help = QLatin1String(help);
        return o;
    };
    return {flag("all", 'a', "Show all containers (default shows just running)"), formatOption(false),
            flag("no-stream", 0, "Disable streaming stats and only pull the first result"),
            flag("no-trunc", 0, "Do not truncate output")};
}

namespace {

// One container's stats stream (stream=1) or single sample (stream=0).
struct Sampler
{
    QString container;
    std::unique_ptr<Client::ResponseStream> stream;
    Client::JsonSplitter splitter;
    QJsonObject latest;
    bool finished = false;
    Status result;
};

} // namespace

int runStats(Context &context, const ParsedArgs &args)
{
    const bool noStream = args.flag(QStringLiteral("no-stream"));
    const bool truncate = !args.flag(QStringLiteral("no-trunc"));
    QString format = args.value(QStringLiteral("format"));
    if (format.isEmpty() || format == QLatin1String("table"))
        format = QStringLiteral("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}");
    auto tableFormat = TableFormat::parse(format, format);
    if (!tableFormat) {
        context.err() << QString::fromStdString(tableFormat.error().message()) << Qt::endl;
        return 1;
    }
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());

    QStringList containers = args.positionals();
    const bool listed = containers.isEmpty();
    if (listed) {
        Client::Request list;
        list.path = QStringLiteral("/containers/json");
        if (args.flag(QStringLiteral("all")))
            list.query.addQueryItem(QStringLiteral("all"), QStringLiteral("1"));
        auto reply = ContainerRequests::send(context, list);
        if (!reply)
            return context.reportError(reply.error());
        for (const QJsonValue &v : QJsonDocument::fromJson(reply->body).array())
            containers << v.toObject().value(QStringLiteral("Id")).toString().left(12);
    }

    std::vector<std::unique_ptr<Sampler>> samplers;
    QEventLoop loop;
    int open = 0;
    for (const QString &c : std::as_const(containers)) {
        auto s = std::make_unique<Sampler>();
        s->container = c;
        Client::Request request;
        request.path = QStringLiteral("/containers/%1/stats").arg(c);
        request.query.addQueryItem(QStringLiteral("stream"), noStream ? QStringLiteral("0") : QStringLiteral("1"));
        s->stream.reset((*client)->openStream(request));
        Sampler *raw = s.get();
        ++open;
        QObject::connect(raw->stream.get(), &Client::ResponseStream::data, &loop, [raw](const QByteArray &bytes) {
            raw->splitter.append(bytes);
            for (;;) {
                auto next = raw->splitter.next();
                if (!next || !*next)
                    break;
                raw->latest = QJsonDocument::fromJson(**next).object();
            }
        });
        QObject::connect(raw->stream.get(), &Client::ResponseStream::finished, &loop, [raw, &open, &loop](const Status &r) {
            raw->finished = true;
            raw->result = r;
            if (--open == 0)
                loop.quit();
        });
        samplers.push_back(std::move(s));
    }

    const auto render = [&]() -> int {
        QList<QJsonObject> rows;
        for (const auto &s : samplers) {
            if (s->latest.isEmpty())
                continue;
            rows << StatsRows::row(s->latest, s->container, truncate);
        }
        auto text = tableFormat->render(rows, StatsRows::headers());
        if (!text) {
            context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
            return 1;
        }
        if (!noStream && RawTerminal::isTerminal(1))
            context.out() << "\033[2J\033[H";
        context.out() << *text << Qt::flush;
        return 0;
    };

    if (noStream) {
        if (open > 0)
            loop.exec();
        QStringList errors;
        for (const auto &s : samplers) {
            if (!s->result) {
                if (ContainerRequests::isFatal(s->result.error()))
                    return context.reportError(s->result.error());
                errors << QStringLiteral("Error response from daemon: ") + QString::fromStdString(s->result.error().message());
            }
        }
        if (!errors.isEmpty() && !listed) {
            context.err() << errors.join(QLatin1Char('\n')) << Qt::endl;
            return 1;
        }
        return render();
    }
    QTimer timer;
    timer.setInterval(500);
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] { render(); });
    timer.start();
    if (open > 0)
        loop.exec();
    timer.stop();
    for (const auto &s : samplers) {
        if (!s->result && !listed)
            return context.reportError(s->result.error());
    }
    return render();
}

} // namespace Berth::Cli
