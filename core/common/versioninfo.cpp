#include "versioninfo.h"

#include <QJsonArray>

namespace Berth::Common {

QJsonObject VersionInfo::toJson() const
{
    QJsonObject details{
        {QStringLiteral("ApiVersion"), apiVersion},
        {QStringLiteral("MinAPIVersion"), minApiVersion},
        {QStringLiteral("GitCommit"), gitCommit},
        {QStringLiteral("GoVersion"), goVersion},
        {QStringLiteral("Os"), os},
        {QStringLiteral("Arch"), arch},
        {QStringLiteral("KernelVersion"), kernelVersion},
        {QStringLiteral("BuildTime"), buildTime},
        {QStringLiteral("Experimental"), experimental ? QStringLiteral("true") : QStringLiteral("false")},
    };
    QJsonObject engine{
        {QStringLiteral("Name"), QStringLiteral("Engine")},
        {QStringLiteral("Version"), version},
        {QStringLiteral("Details"), details},
    };
    return QJsonObject{
        {QStringLiteral("Platform"), QJsonObject{{QStringLiteral("Name"), platformName}}},
        {QStringLiteral("Components"), QJsonArray{engine}},
        {QStringLiteral("Version"), version},
        {QStringLiteral("ApiVersion"), apiVersion},
        {QStringLiteral("MinAPIVersion"), minApiVersion},
        {QStringLiteral("GitCommit"), gitCommit},
        {QStringLiteral("GoVersion"), goVersion},
        {QStringLiteral("Os"), os},
        {QStringLiteral("Arch"), arch},
        {QStringLiteral("KernelVersion"), kernelVersion},
        {QStringLiteral("Experimental"), experimental},
        {QStringLiteral("BuildTime"), buildTime},
    };
}

Result<VersionInfo> VersionInfo::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("Version")).isString() || !o.value(QStringLiteral("ApiVersion")).isString())
        return fail(ErrorCode::Protocol, "version reply lacks Version or ApiVersion");
    VersionInfo v;
    v.platformName = o.value(QStringLiteral("Platform")).toObject().value(QStringLiteral("Name")).toString();
    v.version = o.value(QStringLiteral("Version")).toString();
    v.apiVersion = o.value(QStringLiteral("ApiVersion")).toString();
    v.minApiVersion = o.value(QStringLiteral("MinAPIVersion")).toString();
    v.gitCommit = o.value(QStringLiteral("GitCommit")).toString();
    v.goVersion = o.value(QStringLiteral("GoVersion")).toString();
    v.os = o.value(QStringLiteral("Os")).toString();
    v.arch = o.value(QStringLiteral("Arch")).toString();
    v.kernelVersion = o.value(QStringLiteral("KernelVersion")).toString();
    v.buildTime = o.value(QStringLiteral("BuildTime")).toString();
    const QJsonValue exp = o.value(QStringLiteral("Experimental"));
    v.experimental = exp.isBool() ? exp.toBool() : exp.toString() == QLatin1String("true");
    return v;
}

} // namespace Berth::Common
