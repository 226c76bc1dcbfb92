#include "containerstatsroutes.h"

#include "containersupervisor.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"

#include <engine/containerstore.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <pwd.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace Berth::Daemon {

namespace {

QByteArray readProc(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

// The cgroup directories holding `pid`: the v2 unified one, or the v1
// pids/memory/cpu hierarchy one (whichever lists processes).
QStringList procsFiles(qint64 pid)
{
    QStringList files;
    const QList<QByteArray> lines = readProc(QStringLiteral("/proc/%1/cgroup").arg(pid)).split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> parts = line.split(':');
        if (parts.size() < 3)
            continue;
        const QByteArray controllers = parts.at(1);
        const QString path = QString::fromUtf8(line.mid(parts.at(0).size() + controllers.size() + 2));
        if (controllers.isEmpty()) {
            files.append(QStringLiteral("/sys/fs/cgroup%1/cgroup.procs").arg(path));
            files.append(QStringLiteral("/sys/fs/cgroup/unified%1/cgroup.procs").arg(path));
        } else if (controllers.split(',').contains("pids")) {
            files.prepend(QStringLiteral("/sys/fs/cgroup/pids%1/cgroup.procs").arg(path));
        }
    }
    return files;
}

QString formatCpuTime(qint64 seconds)
{
    const qint64 days = seconds / 86400;
    const QString hms = QStringLiteral("%1:%2:%3")
                            .arg((seconds / 3600) % 24, 2, 10, QLatin1Char('0'))
                            .arg((seconds / 60) % 60, 2, 10, QLatin1Char('0'))
                            .arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return days > 0 ? QStringLiteral("%1-%2").arg(days).arg(hms) : hms;
}

QString ttyName(qint64 ttyNr)
{
    if (ttyNr == 0)
        return QStringLiteral("?");
    const unsigned maj = major(dev_t(ttyNr));
    const unsigned min = minor(dev_t(ttyNr));
    if (maj >= 136 && maj <= 143)
        return QStringLiteral("pts/%1").arg((maj - 136) * 256 + min);
    if (maj == 4 && min < 64)
        return QStringLiteral("tty%1").arg(min);
    return QStringLiteral("?");
}


// The cgroup directories of `pid` by controller ("memory", "cpuacct",
// "cpu", "pids", "blkio"; "" for the v2 unified hierarchy).
QHash<QString, QString> cgroupDirs(qint64 pid)
{
    QHash<QString, QString> dirs;
    const QList<QByteArray> lines = readProc(QStringLiteral("/proc/%1/cgroup").arg(pid)).split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> parts = line.split(':');
        if (parts.size() < 3)
            continue;
        const QString controllers = QString::fromUtf8(parts.at(1));
        const QString path = QString::fromUtf8(line.mid(parts.at(0).size() + parts.at(1).size() + 2));
        if (controllers.isEmpty()) {
            for (const QString &base : {QStringLiteral("/sys/fs/cgroup"), QStringLiteral("/sys/fs/cgroup/unified")}) {
                if (QFile::exists(base + path + QStringLiteral("/cgroup.controllers"))) {
                    dirs.insert(QString(), base + path);
                    break;
                }
            }
            continue;
        }
        for (const QString &c : controllers.split(u',')) {
            for (const QString &mount : {controllers, c}) {
                const QString dir = QStringLiteral("/sys/fs/cgroup/") + mount + path;
                if (QFile::exists(dir)) {
                    dirs.insert(c, dir);
                    break;
                }
            }
        }
    }
    return dirs;
}

qint64 readNumber(const QString &path, qint64 fallback = 0)
{
    bool ok = false;
    const qint64 v = readProc(path).trimmed().toLongLong(&ok);
    return ok ? v : fallback;
}

// "key value" lines (memory.stat, cpu.stat, cpuacct.stat).
QHash<QByteArray, qint64> readKeyValues(const QString &path)
{
    QHash<QByteArray, qint64> out;
    for (const QByteArray &line : readProc(path).split('\n')) {
        const QList<QByteArray> kv = line.simplified().split(' ');
        if (kv.size() == 2)
            out.insert(kv.at(0), kv.at(1).toLongLong());
    }
    return out;
}

qint64 hostMemory()
{
    for (const QByteArray &line : readProc(QStringLiteral("/proc/meminfo")).split('\n')) {
        if (line.startsWith("MemTotal:"))
            return line.mid(9).simplified().split(' ').value(0).toLongLong() * 1024;
    }
    return 0;
}

// /proc/stat's cpu line in nanoseconds (docker's system_cpu_usage).
qint64 systemCpuUsage()
{
    const QByteArray first = readProc(QStringLiteral("/proc/stat")).split('\n').value(0);
    if (!first.startsWith("cpu "))
        return 0;
    qint64 ticks = 0;
    const QList<QByteArray> fields = first.simplified().split(' ');
    for (qsizetype i = 1; i < fields.size() && i <= 7; ++i)
        ticks += fields.at(i).toLongLong();
    return ticks * (1000000000LL / ::sysconf(_SC_CLK_TCK));
}

QJsonObject networksOf(qint64 pid)
{
    QJsonObject out;
    const QList<QByteArray> lines = readProc(QStringLiteral("/proc/%1/net/dev").arg(pid)).split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        const QString name = QString::fromUtf8(line.left(colon).trimmed());
        const QList<QByteArray> f = line.mid(colon + 1).simplified().split(' ');
        if (name == QLatin1String("lo") || f.size() < 16)
            continue;
        out.insert(name, QJsonObject{{QStringLiteral("rx_bytes"), f.at(0).toLongLong()},
                                     {QStringLiteral("rx_packets"), f.at(1).toLongLong()},
                                     {QStringLiteral("rx_errors"), f.at(2).toLongLong()},
                                     {QStringLiteral("rx_dropped"), f.at(3).toLongLong()},
                                     {QStringLiteral("tx_bytes"), f.at(8).toLongLong()},
                                     {QStringLiteral("tx_packets"), f.at(9).toLongLong()},
                                     {QStringLiteral("tx_errors"), f.at(10).toLongLong()},
                                     {QStringLiteral("tx_dropped"), f.at(11).toLongLong()}});
    }
    return out;
}

QString nowRfc3339()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

const QString kZeroTime = QStringLiteral("0001-01-01T00:00:00Z");

QJsonObject emptyCpu()
{
    return QJsonObject{{QStringLiteral("cpu_usage"), QJsonObject{{QStringLiteral("total_usage"), 0},
                                                                 {QStringLiteral("usage_in_kernelmode"), 0},
                                                                 {QStringLiteral("usage_in_usermode"), 0}}},
                       {QStringLiteral("throttling_data"), QJsonObject{{QStringLiteral("periods"), 0},
                                                                       {QStringLiteral("throttled_periods"), 0},
                                                                       {QStringLiteral("throttled_time"), 0}}}};
}

} // namespace

ContainerStatsRoutes::ContainerStatsRoutes(ContainerSupervisor *supervisor)
    : m_supervisor(supervisor)
{
}

void ContainerStatsRoutes::registerRoutes(Router &router)
{
    router.addReplyRoute("GET", QStringLiteral("/containers/{id}/top"), [this](const HttpRequest &r) { return top(r); });
    router.addRoute("GET", QStringLiteral("/containers/{id}/stats"), [this](HttpExchange &e) { stats(e); });
}

Result<QJsonObject> ContainerStatsRoutes::topOf(qint64 pid)
{
    QList<qint64> pids;
    for (const QString &file : procsFiles(pid)) {
        const QByteArray data = readProc(file);
        if (data.isEmpty())
            continue;
        for (const QByteArray &p : data.split('\n')) {
            bool ok = false;
            const qint64 v = p.trimmed().toLongLong(&ok);
            if (ok)
                pids.append(v);
        }
        if (!pids.isEmpty())
            break;
    }
    if (pids.isEmpty())
        pids.append(pid);
    std::sort(pids.begin(), pids.end());

    const long ticks = ::sysconf(_SC_CLK_TCK);
    const QList<QByteArray> uptimeParts = readProc(QStringLiteral("/proc/uptime")).split(' ');
    const double uptime = uptimeParts.isEmpty() ? 0 : uptimeParts.first().toDouble();
    const qint64 bootSecs = QDateTime::currentSecsSinceEpoch() - qint64(uptime);
    const QDate today = QDate::currentDate();

    QJsonArray processes;
    for (qint64 p : std::as_const(pids)) {
        const QByteArray stat = readProc(QStringLiteral("/proc/%1/stat").arg(p));
        const qsizetype close = stat.lastIndexOf(')');
        if (stat.isEmpty() || close < 0)
            continue; // exited meanwhile
        const QList<QByteArray> f = stat.mid(close + 2).split(' ');
        if (f.size() < 20)
            continue;
        // fields after "(comm) ": state ppid pgrp session tty_nr ... utime(11) stime(12) ... starttime(19)
        const qint64 ppid = f.at(1).toLongLong();
        const qint64 ttyNr = f.at(4).toLongLong();
        const qint64 cpuTicks = f.at(11).toLongLong() + f.at(12).toLongLong();
        const qint64 startTicks = f.at(19).toLongLong();
        uid_t uid = 0;
        for (const QByteArray &line : readProc(QStringLiteral("/proc/%1/status").arg(p)).split('\n')) {
            if (line.startsWith("Uid:")) {
                uid = uid_t(line.mid(4).simplified().split(' ').value(0).toUInt());
                break;
            }
        }
        QString user = QString::number(uid);
        struct passwd pw;
        struct passwd *found = nullptr;
        char buf[4096];
        if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
            user = QString::fromLocal8Bit(pw.pw_name);
        const double elapsed = uptime - double(startTicks) / double(ticks);
        const int c = elapsed > 0 ? int(double(cpuTicks) / double(ticks) * 100.0 / elapsed) : 0;
        const QDateTime started = QDateTime::fromSecsSinceEpoch(bootSecs + startTicks / ticks);
        const QString stime = started.date() == today ? started.toString(QStringLiteral("HH:mm"))
                                                      : started.toString(QStringLiteral("MMMdd"));
        QByteArray cmdline = readProc(QStringLiteral("/proc/%1/cmdline").arg(p));
        while (cmdline.endsWith('\0'))
            cmdline.chop(1);
        QString cmd = QString::fromUtf8(cmdline.replace('\0', ' '));
        if (cmd.isEmpty())
            cmd = u'[' + QString::fromUtf8(stat.mid(stat.indexOf('(') + 1, close - stat.indexOf('(') - 1)) + u']';
        processes.append(QJsonArray{user, QString::number(p), QString::number(ppid), QString::number(c), stime,
                                    ttyName(ttyNr), formatCpuTime(cpuTicks / ticks), cmd});
    }
    QJsonObject o;
    o.insert(QStringLiteral("Titles"), QJsonArray{QStringLiteral("UID"), QStringLiteral("PID"), QStringLiteral("PPID"),
                                                  QStringLiteral("C"), QStringLiteral("STIME"), QStringLiteral("TTY"),
                                                  QStringLiteral("TIME"), QStringLiteral("CMD")});
    o.insert(QStringLiteral("Processes"), processes);
    return o;
}

HttpResponse ContainerStatsRoutes::top(const HttpRequest &request) const
{
    auto record = m_supervisor->store().find(request.capture(QStringLiteral("id")));
    if (!record)
        return HttpResponse::error(record.error());
    const QString args = request.query(QStringLiteral("ps_args")).trimmed();
    if (!args.isEmpty() && args != u"-ef")
        return HttpResponse::error(501, QStringLiteral("ps_args \"%1\" is not supported: top reports docker's default "
                                                       "(-ef) columns")
                                            .arg(args));
    if (!record->isRunning() || record->state.pid <= 0)
        return HttpResponse::error(409, QStringLiteral("Container %1 is not running").arg(record->id));
    auto result = topOf(record->state.pid);
    if (!result)
        return HttpResponse::error(result.error());
    return HttpResponse::json(200, *result);
}

QJsonObject ContainerStatsRoutes::statsOf(const Engine::ContainerRecord &record, const QJsonObject &previous)
{
    QJsonObject out{{QStringLiteral("id"), record.id},
                    {QStringLiteral("name"), QString(u'/' + record.name)},
                    {QStringLiteral("read"), kZeroTime},
                    {QStringLiteral("preread"), kZeroTime},
                    {QStringLiteral("pids_stats"), QJsonObject()},
                    {QStringLiteral("blkio_stats"), QJsonObject{{QStringLiteral("io_service_bytes_recursive"), QJsonValue()}}},
                    {QStringLiteral("num_procs"), 0},
                    {QStringLiteral("storage_stats"), QJsonObject()},
                    {QStringLiteral("cpu_stats"), emptyCpu()},
                    {QStringLiteral("precpu_stats"), emptyCpu()},
                    {QStringLiteral("memory_stats"), QJsonObject()}};
    const qint64 pid = record.state.pid;
    if (!record.isRunning() || pid <= 0)
        return out;
    const QHash<QString, QString> dirs = cgroupDirs(pid);
    const QString v2 = dirs.value(QString());
    const bool unified = !v2.isEmpty() && !dirs.contains(QStringLiteral("memory"));
    const qint64 nsPerTick = 1000000000LL / ::sysconf(_SC_CLK_TCK);
    const qint64 hostMem = hostMemory();

    QJsonObject cpuUsage;
    QJsonObject throttling;
    QJsonObject memory;
    QJsonObject pidsStats;
    QJsonArray blkio;
    if (unified) {
        const auto cpu = readKeyValues(v2 + QStringLiteral("/cpu.stat"));
        cpuUsage = QJsonObject{{QStringLiteral("total_usage"), cpu.value("usage_usec") * 1000},
                               {QStringLiteral("usage_in_kernelmode"), cpu.value("system_usec") * 1000},
                               {QStringLiteral("usage_in_usermode"), cpu.value("user_usec") * 1000}};
        throttling = QJsonObject{{QStringLiteral("periods"), cpu.value("nr_periods")},
                                 {QStringLiteral("throttled_periods"), cpu.value("nr_throttled")},
                                 {QStringLiteral("throttled_time"), cpu.value("throttled_usec") * 1000}};
        QJsonObject stat;
        const auto mem = readKeyValues(v2 + QStringLiteral("/memory.stat"));
        for (auto it = mem.begin(); it != mem.end(); ++it)
            stat.insert(QString::fromLatin1(it.key()), it.value());
        const qint64 limit = readNumber(v2 + QStringLiteral("/memory.max"), hostMem);
        memory = QJsonObject{{QStringLiteral("usage"), readNumber(v2 + QStringLiteral("/memory.current"))},
                             {QStringLiteral("limit"), limit > 0 && limit < hostMem ? limit : hostMem},
                             {QStringLiteral("stats"), stat}};
        pidsStats.insert(QStringLiteral("current"), readNumber(v2 + QStringLiteral("/pids.current")));
        if (const qint64 max = readNumber(v2 + QStringLiteral("/pids.max")); max > 0)
            pidsStats.insert(QStringLiteral("limit"), max);
        for (const QByteArray &line : readProc(v2 + QStringLiteral("/io.stat")).split('\n')) {
            const QList<QByteArray> f = line.simplified().split(' ');
            const QList<QByteArray> dev = f.value(0).split(':');
            if (dev.size() != 2)
                continue;
            for (qsizetype i = 1; i < f.size(); ++i) {
                const QList<QByteArray> kv = f.at(i).split('=');
                if (kv.size() != 2 || (kv.at(0) != "rbytes" && kv.at(0) != "wbytes"))
                    continue;
                blkio.append(QJsonObject{{QStringLiteral("major"), dev.at(0).toLongLong()},
                                         {QStringLiteral("minor"), dev.at(1).toLongLong()},
                                         {QStringLiteral("op"), kv.at(0) == "rbytes" ? QStringLiteral("read") : QStringLiteral("write")},
                                         {QStringLiteral("value"), kv.at(1).toLongLong()}});
            }
        }
    } else {
        const QString cpuacct = dirs.value(QStringLiteral("cpuacct"));
        const auto ticks = readKeyValues(cpuacct + QStringLiteral("/cpuacct.stat"));
        QJsonArray percpu;
        for (const QByteArray &v : readProc(cpuacct + QStringLiteral("/cpuacct.usage_percpu")).simplified().split(' ')) {
            if (!v.isEmpty())
                percpu.append(v.toLongLong());
        }
        cpuUsage = QJsonObject{{QStringLiteral("total_usage"), readNumber(cpuacct + QStringLiteral("/cpuacct.usage"))},
                               {QStringLiteral("percpu_usage"), percpu},
                               {QStringLiteral("usage_in_kernelmode"), ticks.value("system") * nsPerTick},
                               {QStringLiteral("usage_in_usermode"), ticks.value("user") * nsPerTick}};
        const auto cpu = readKeyValues(dirs.value(QStringLiteral("cpu")) + QStringLiteral("/cpu.stat"));
        throttling = QJsonObject{{QStringLiteral("periods"), cpu.value("nr_periods")},
                                 {QStringLiteral("throttled_periods"), cpu.value("nr_throttled")},
                                 {QStringLiteral("throttled_time"), cpu.value("throttled_time")}};
        const QString mem = dirs.value(QStringLiteral("memory"));
        QJsonObject stat;
        const auto values = readKeyValues(mem + QStringLiteral("/memory.stat"));
        for (auto it = values.begin(); it != values.end(); ++it)
            stat.insert(QString::fromLatin1(it.key()), it.value());
        const qint64 limit = readNumber(mem + QStringLiteral("/memory.limit_in_bytes"), hostMem);
        memory = QJsonObject{{QStringLiteral("usage"), readNumber(mem + QStringLiteral("/memory.usage_in_bytes"))},
                             {QStringLiteral("max_usage"), readNumber(mem + QStringLiteral("/memory.max_usage_in_bytes"))},
                             {QStringLiteral("limit"), limit > 0 && limit < hostMem ? limit : hostMem},
                             {QStringLiteral("stats"), stat}};
        const QString pids = dirs.value(QStringLiteral("pids"));
        pidsStats.insert(QStringLiteral("current"), readNumber(pids + QStringLiteral("/pids.current")));
        if (const qint64 max = readNumber(pids + QStringLiteral("/pids.max")); max > 0)
            pidsStats.insert(QStringLiteral("limit"), max);
        const QString blk = dirs.value(QStringLiteral("blkio"));
        for (const QByteArray &line : readProc(blk + QStringLiteral("/blkio.throttle.io_service_bytes_recursive")).split('\n')) {
            const QList<QByteArray> f = line.simplified().split(' ');
            const QList<QByteArray> dev = f.value(0).split(':');
            if (f.size() != 3 || dev.size() != 2)
                continue;
            blkio.append(QJsonObject{{QStringLiteral("major"), dev.at(0).toLongLong()},
                                     {QStringLiteral("minor"), dev.at(1).toLongLong()},
                                     {QStringLiteral("op"), QString::fromLatin1(f.at(1))},
                                     {QStringLiteral("value"), f.at(2).toLongLong()}});
        }
    }
    out.insert(QStringLiteral("read"), nowRfc3339());
    out.insert(QStringLiteral("cpu_stats"), QJsonObject{{QStringLiteral("cpu_usage"), cpuUsage},
                                                        {QStringLiteral("system_cpu_usage"), systemCpuUsage()},
                                                        {QStringLiteral("online_cpus"), int(::sysconf(_SC_NPROCESSORS_ONLN))},
                                                        {QStringLiteral("throttling_data"), throttling}});
    out.insert(QStringLiteral("memory_stats"), memory);
    out.insert(QStringLiteral("pids_stats"), pidsStats);
    out.insert(QStringLiteral("blkio_stats"), QJsonObject{{QStringLiteral("io_service_bytes_recursive"),
                                                           blkio.isEmpty() ? QJsonValue() : QJsonValue(blkio)}});
    const QJsonObject networks = networksOf(pid);
    if (!networks.isEmpty())
        out.insert(QStringLiteral("networks"), networks);
    if (!previous.isEmpty()) {
        out.insert(QStringLiteral("preread"), previous.value(QStringLiteral("read")));
        out.insert(QStringLiteral("precpu_stats"), previous.value(QStringLiteral("cpu_stats")));
    }
    return out;
}

void ContainerStatsRoutes::stats(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto record = m_supervisor->store().find(request.capture(QStringLiteral("id")));
    if (!record)
        return exchange.respondError(record.error());
    auto stream = request.queryBool(QStringLiteral("stream"));
    if (!stream)
        return exchange.respondError(stream.error());
    const bool streaming = request.query(QStringLiteral("stream")).isEmpty() ? true : *stream;
    const bool oneShot = request.queryBool(QStringLiteral("one-shot")).value_or(false);
    if (oneShot && streaming)
        return exchange.respondError(400, QStringLiteral("cannot have stream=true and one-shot=true"));
    const QString id = record->id;
    Engine::ContainerStore *store = &m_supervisor->store();
    const QJsonObject first = statsOf(*record, {});
    if (!record->isRunning()) {
        // docker 20.10: a stopped container gives one zeroed object.
        return exchange.respond(HttpResponse::json(200, first));
    }
    if (!streaming && oneShot)
        return exchange.respond(HttpResponse::json(200, first));
    exchange.beginStream(200);
    if (streaming)
        exchange.writeJson(first);
    // One sample a second on a timer owned by the exchange: it dies with
    // the connection, and stops when the container does.
    auto *timer = new QTimer(&exchange);
    timer->setInterval(1000);
    auto previous = std::make_shared<QJsonObject>(first);
    QPointer<HttpExchange> guard(&exchange);
    QObject::connect(timer, &QTimer::timeout, &exchange, [guard, timer, store, id, previous, streaming] {
        if (!guard || guard->isFinished() || guard->isClientGone()) {
            timer->stop();
            return;
        }
        const std::optional<Engine::ContainerRecord> now = store->get(id);
        if (!now || !now->isRunning()) {
            timer->stop();
            return guard->endStream();
        }
        const QJsonObject sample = statsOf(*now, *previous);
        *previous = sample;
        // Behind a slow client: skip a sample rather than queue them.
        if (guard->pendingOutput() < 64 * 1024)
            guard->writeJson(sample);
        if (!streaming) {
            timer->stop();
            guard->endStream();
        }
    });
    QObject::connect(&exchange, &HttpExchange::clientGone, timer, &QTimer::stop);
    timer->start();
}

} // namespace Berth::Daemon
