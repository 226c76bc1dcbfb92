#pragma once

#include <QString>

namespace Berth::Daemon {

// Facts about the host and this process for /version and /info, read from
// uname, /etc/os-release, /proc and statfs.
class HostInfo
{
public:
    static QString hostName();
    static QString kernelVersion();  // uname release
    static QString machine();        // uname machine ("x86_64")
    static QString goArch();         // Go's name for it ("amd64"), as /version reports
    static QString osPrettyName();   // PRETTY_NAME from /etc/os-release
    static QString osVersionId();    // VERSION_ID
    static int cpuCount();
    static qint64 memTotalBytes();   // MemTotal in /proc/meminfo
    static QString cgroupVersion(const QString &mountPoint = QStringLiteral("/sys/fs/cgroup")); // "2" or "1"
    static int openFdCount();
    static int threadCount();
    static QString rfc3339Nano();    // now, UTC, nanoseconds
    static QString buildTime();      // of this binary, RFC 3339
    static QString compilerVersion();

    // Reads KEY=value (optionally quoted) from an os-release style text.
    static QString osReleaseValue(const QByteArray &text, const QByteArray &key);
};

} // namespace Berth::Daemon
