#include "hostinfo.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLocale>
#include <QSysInfo>
#include <QTimeZone>

#include <chrono>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace Berth::Daemon {

static QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QString HostInfo::hostName()
{
    return QSysInfo::machineHostName();
}

QString HostInfo::kernelVersion()
{
    utsname u{};
    if (::uname(&u) != 0)
        return {};
    return QString::fromLocal8Bit(u.release);
}

QString HostInfo::machine()
{
    utsname u{};
    if (::uname(&u) != 0)
        return {};
    return QString::fromLocal8Bit(u.machine);
}

QString HostInfo::goArch()
{
    const QString m = machine();
    if (m == QLatin1String("x86_64"))
        return QStringLiteral("amd64");
    if (m == QLatin1String("aarch64"))
        return QStringLiteral("arm64");
    if (m.startsWith(QLatin1String("armv7")) || m.startsWith(QLatin1String("armv6")))
        return QStringLiteral("arm");
    if (m == QLatin1String("i686") || m == QLatin1String("i386"))
        return QStringLiteral("386");
    return m;
}

QString HostInfo::osReleaseValue(const QByteArray &text, const QByteArray &key)
{
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &raw : lines) {
        const QByteArray line = raw.trimmed();
        if (!line.startsWith(QByteArray(key + "=")))
            continue;
        QByteArray v = line.mid(key.size() + 1);
        if (v.size() >= 2 && (v.startsWith('"') || v.startsWith('\'')) && v.endsWith(v.front()))
            v = v.mid(1, v.size() - 2);
        return QString::fromUtf8(v);
    }
    return {};
}

static QByteArray osRelease()
{
    QByteArray text = readFile(QStringLiteral("/etc/os-release"));
    if (text.isEmpty())
        text = readFile(QStringLiteral("/usr/lib/os-release"));
    return text;
}

QString HostInfo::osPrettyName()
{
    const QString v = osReleaseValue(osRelease(), "PRETTY_NAME");
    return v.isEmpty() ? QStringLiteral("Linux") : v;
}

QString HostInfo::osVersionId()
{
    return osReleaseValue(osRelease(), "VERSION_ID");
}

int HostInfo::cpuCount()
{
    const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? int(n) : 1;
}

qint64 HostInfo::memTotalBytes()
{
    const QList<QByteArray> lines = readFile(QStringLiteral("/proc/meminfo")).split('\n');
    for (const QByteArray &line : lines) {
        if (!line.startsWith("MemTotal:"))
            continue;
        const QList<QByteArray> parts = line.mid(9).simplified().split(' ');
        qint64 value = parts.value(0).toLongLong();
        if (parts.value(1).compare("kB", Qt::CaseInsensitive) == 0)
            value *= 1024;
        return value;
    }
    return 0;
}

QString HostInfo::cgroupVersion(const QString &mountPoint)
{
    struct statfs fs{};
    if (::statfs(QFile::encodeName(mountPoint).constData(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
        return QStringLiteral("2");
    return QStringLiteral("1");
}

int HostInfo::openFdCount()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot).size());
}

int HostInfo::threadCount()
{
    const QList<QByteArray> lines = readFile(QStringLiteral("/proc/self/status")).split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toInt();
    }
    return 1;
}

QString HostInfo::rfc3339Nano()
{
    using namespace std::chrono;
    const qint64 ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
    const QDateTime t = QDateTime::fromSecsSinceEpoch(ns / 1000000000, QTimeZone::utc());
    return t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + QLatin1Char('.')
        + QStringLiteral("%1").arg(ns % 1000000000, 9, 10, QLatin1Char('0')) + QLatin1Char('Z');
}

QString HostInfo::buildTime()
{
    // __DATE__ is "Nov 27 2026" (day space-padded), __TIME__ "22:35:08".
    const QString stamp = QString::fromLatin1(__DATE__ " " __TIME__).simplified();
    QDateTime t = QLocale::c().toDateTime(stamp, QStringLiteral("MMM d yyyy HH:mm:ss"));
    if (!t.isValid())
        return {};
    t.setTimeZone(QTimeZone::utc());
    return t.toString(Qt::ISODate);
}

QString HostInfo::compilerVersion()
{
#if defined(__clang__)
    return QStringLiteral("clang " __clang_version__);
#elif defined(__GNUC__)
    return QStringLiteral("gcc " __VERSION__);
#else
    return QStringLiteral("c++");
#endif
}

} // namespace Berth::Daemon
