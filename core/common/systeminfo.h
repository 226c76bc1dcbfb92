#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QString>

namespace Berth::Common {

// GET /info (engine-api.md 8.2): what the engine knows about itself and its host.
struct SystemInfo
{
    QString id;
    QString name; // host name
    QString serverVersion;
    int containers = 0;
    int containersRunning = 0;
    int containersPaused = 0;
    int containersStopped = 0;
    int images = 0;
    QString driver = QStringLiteral("overlay2");
    QString rootDir;
    QString kernelVersion;
    QString operatingSystem;
    QString osVersion;
    QString osType = QStringLiteral("linux");
    QString architecture;
    int ncpu = 0;
    qint64 memTotal = 0;
    QString cgroupVersion; // "1" or "2"
    QString cgroupDriver = QStringLiteral("cgroupfs");
    QString systemTime;    // RFC 3339 with nanoseconds
    int eventListeners = 0;
    int openFds = 0;
    int threads = 0;
    QString defaultRuntime = QStringLiteral("berth-shim");
    QString runtimePath;
    bool debug = false;
    QStringList warnings;

    QJsonObject toJson() const;
    static Result<SystemInfo> fromJson(const QJsonObject &o);
};

} // namespace Berth::Common
