#include "systeminfo.h"

#include <QJsonArray>

namespace Berth::Common {

static QJsonArray stringArray(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

QJsonObject SystemInfo::toJson() const
{
    const QJsonObject registry{
        {QStringLiteral("AllowNondistributableArtifactsCIDRs"), QJsonArray()},
        {QStringLiteral("AllowNondistributableArtifactsHostnames"), QJsonArray()},
        {QStringLiteral("InsecureRegistryCIDRs"), QJsonArray{QStringLiteral("127.0.0.0/8")}},
        {QStringLiteral("IndexConfigs"), QJsonObject{{QStringLiteral("docker.io"), QJsonObject{
            {QStringLiteral("Name"), QStringLiteral("docker.io")},
            {QStringLiteral("Mirrors"), QJsonArray()},
            {QStringLiteral("Secure"), true},
            {QStringLiteral("Official"), true}}}}},
        {QStringLiteral("Mirrors"), QJsonArray()},
    };
    const QJsonObject swarm{
        {QStringLiteral("NodeID"), QString()},
        {QStringLiteral("NodeAddr"), QString()},
        {QStringLiteral("LocalNodeState"), QStringLiteral("inactive")},
        {QStringLiteral("ControlAvailable"), false},
        {QStringLiteral("Error"), QString()},
        {QStringLiteral("RemoteManagers"), QJsonValue::Null},
    };
    const QJsonObject plugins{
        {QStringLiteral("Volume"), QJsonArray{QStringLiteral("local")}},
        {QStringLiteral("Network"), QJsonArray{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("null")}},
        {QStringLiteral("Authorization"), QJsonValue::Null},
        {QStringLiteral("Log"), QJsonArray{QStringLiteral("json-file")}},
    };
    QJsonObject o{
        {QStringLiteral("ID"), id},
        {QStringLiteral("Containers"), containers},
        {QStringLiteral("ContainersRunning"), containersRunning},
        {QStringLiteral("ContainersPaused"), containersPaused},
        {QStringLiteral("ContainersStopped"), containersStopped},
        {QStringLiteral("Images"), images},
        {QStringLiteral("Driver"), driver},
        {QStringLiteral("DriverStatus"), QJsonArray{QJsonArray{QStringLiteral("Backing Filesystem"), QStringLiteral("overlayfs")}}},
        {QStringLiteral("Plugins"), plugins},
        {QStringLiteral("MemoryLimit"), true},
        {QStringLiteral("SwapLimit"), true},
        {QStringLiteral("CpuCfsPeriod"), true},
        {QStringLiteral("CpuCfsQuota"), true},
        {QStringLiteral("CPUShares"), true},
        {QStringLiteral("CPUSet"), true},
        {QStringLiteral("PidsLimit"), true},
        {QStringLiteral("IPv4Forwarding"), true},
        {QStringLiteral("Debug"), debug},
        {QStringLiteral("NFd"), openFds},
        {QStringLiteral("NGoroutines"), threads},
        {QStringLiteral("SystemTime"), systemTime},
        {QStringLiteral("LoggingDriver"), QStringLiteral("json-file")},
        {QStringLiteral("CgroupDriver"), cgroupDriver},
        {QStringLiteral("CgroupVersion"), cgroupVersion},
        {QStringLiteral("NEventsListener"), eventListeners},
        {QStringLiteral("KernelVersion"), kernelVersion},
        {QStringLiteral("OperatingSystem"), operatingSystem},
        {QStringLiteral("OSVersion"), osVersion},
        {QStringLiteral("OSType"), osType},
        {QStringLiteral("Architecture"), architecture},
        {QStringLiteral("IndexServerAddress"), QStringLiteral("https://index.docker.io/v1/")},
        {QStringLiteral("RegistryConfig"), registry},
        {QStringLiteral("NCPU"), ncpu},
        {QStringLiteral("MemTotal"), memTotal},
        {QStringLiteral("GenericResources"), QJsonValue::Null},
        {QStringLiteral("DockerRootDir"), rootDir},
        {QStringLiteral("HttpProxy"), QString()},
        {QStringLiteral("HttpsProxy"), QString()},
        {QStringLiteral("NoProxy"), QString()},
        {QStringLiteral("Name"), name},
        {QStringLiteral("Labels"), QJsonArray()},
        {QStringLiteral("ExperimentalBuild"), false},
        {QStringLiteral("ServerVersion"), serverVersion},
        {QStringLiteral("Runtimes"), QJsonObject{{defaultRuntime, QJsonObject{{QStringLiteral("path"), runtimePath}}}}},
        {QStringLiteral("DefaultRuntime"), defaultRuntime},
        {QStringLiteral("Swarm"), swarm},
        {QStringLiteral("LiveRestoreEnabled"), true},
        {QStringLiteral("Isolation"), QString()},
        {QStringLiteral("InitBinary"), QString()},
        {QStringLiteral("SecurityOptions"), QJsonArray{QStringLiteral("name=seccomp,profile=builtin"), QStringLiteral("name=no-new-privileges")}},
        {QStringLiteral("Warnings"), warnings.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(stringArray(warnings))},
    };
    return o;
}

Result<SystemInfo> SystemInfo::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("ServerVersion")).isString())
        return fail(ErrorCode::Protocol, "info reply lacks ServerVersion");
    SystemInfo s;
    s.id = o.value(QStringLiteral("ID")).toString();
    s.name = o.value(QStringLiteral("Name")).toString();
    s.serverVersion = o.value(QStringLiteral("ServerVersion")).toString();
    s.containers = o.value(QStringLiteral("Containers")).toInt();
    s.containersRunning = o.value(QStringLiteral("ContainersRunning")).toInt();
    s.containersPaused = o.value(QStringLiteral("ContainersPaused")).toInt();
    s.containersStopped = o.value(QStringLiteral("ContainersStopped")).toInt();
    s.images = o.value(QStringLiteral("Images")).toInt();
    s.driver = o.value(QStringLiteral("Driver")).toString();
    s.rootDir = o.value(QStringLiteral("DockerRootDir")).toString();
    s.kernelVersion = o.value(QStringLiteral("KernelVersion")).toString();
    s.operatingSystem = o.value(QStringLiteral("OperatingSystem")).toString();
    s.osVersion = o.value(QStringLiteral("OSVersion")).toString();
    s.osType = o.value(QStringLiteral("OSType")).toString();
    s.architecture = o.value(QStringLiteral("Architecture")).toString();
    s.ncpu = o.value(QStringLiteral("NCPU")).toInt();
    s.memTotal = qint64(o.value(QStringLiteral("MemTotal")).toDouble());
    s.cgroupVersion = o.value(QStringLiteral("CgroupVersion")).toString();
    s.cgroupDriver = o.value(QStringLiteral("CgroupDriver")).toString();
    s.systemTime = o.value(QStringLiteral("SystemTime")).toString();
    s.eventListeners = o.value(QStringLiteral("NEventsListener")).toInt();
    s.openFds = o.value(QStringLiteral("NFd")).toInt();
    s.threads = o.value(QStringLiteral("NGoroutines")).toInt();
    s.defaultRuntime = o.value(QStringLiteral("DefaultRuntime")).toString();
    s.runtimePath = o.value(QStringLiteral("Runtimes")).toObject().value(s.defaultRuntime).toObject()
                        .value(QStringLiteral("path")).toString();
    s.debug = o.value(QStringLiteral("Debug")).toBool();
    const QJsonArray w = o.value(QStringLiteral("Warnings")).toArray();
    for (const QJsonValue &v : w)
        s.warnings.append(v.toString());
    return s;
}

} // namespace Berth::Common
