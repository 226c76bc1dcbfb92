#include "containerstatsroutes.h"

#include "containersupervisor.h"
#include "httprequest.h"

#include <engine/containerstore.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QSet>

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

} // namespace

ContainerStatsRoutes::ContainerStatsRoutes(ContainerSupervisor *supervisor)
    : m_supervisor(supervisor)
{
}

void ContainerStatsRoutes::registerRoutes(Router &router)
{
    router.addReplyRoute("GET", QStringLiteral("/containers/{id}/top"), [this](const HttpRequest &r) { return top(r); });
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

} // namespace Berth::Daemon
