#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QString>

namespace Berth::Common {

// GET /version (engine-api.md 8.1).
struct VersionInfo
{
    QString platformName;
    QString version;
    QString apiVersion;
    QString minApiVersion;
    QString gitCommit;
    QString goVersion; // docker's field name; Berth reports its toolchain here
    QString os;
    QString arch;
    QString kernelVersion;
    QString buildTime;
    bool experimental = false;

    QJsonObject toJson() const;
    static Result<VersionInfo> fromJson(const QJsonObject &o);
};

} // namespace Berth::Common
