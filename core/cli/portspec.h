#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QList>
#include <QString>

namespace Berth::Cli {

// One container port of a -p/--publish value and the host address it is
// bound to (go-connections nat.PortMapping).
struct PortMapping
{
    QString port;     // "80/tcp"
    QString hostIp;   // "" = every address
    QString hostPort; // "" = ephemeral; "8000-8010" = a range to pick from
};

// docker's -p syntax (nat.ParsePortSpec): CTR, HOST:CTR, IP:HOST:CTR,
// IP::CTR, [IPv6]:HOST:CTR, each port part a number or a range (8000-8010),
// CTR optionally /tcp, /udp or /sctp. A host range with one container port
// is a range to allocate from. Errors carry docker's text ("invalid
// hostPort: 99999", "invalid ranges specified for container and host
// Ports: 80-81 and 8000-8010").
Result<QList<PortMapping>> parsePortSpec(const QString &spec);

// A port range "80" or "8000-8010" (nat.ParsePortRange): first and last.
Result<std::pair<int, int>> parsePortRange(const QString &text);

// --expose values: "80", "80/udp", "8000-8010/tcp" as "80/tcp" keys.
Result<QStringList> parseExposeSpec(const QString &spec);

// Config.ExposedPorts and HostConfig.PortBindings for every -p and --expose
// value, in the form the create body carries.
struct PublishedPorts
{
    QJsonObject exposedPorts; // {"80/tcp":{}}
    QJsonObject portBindings; // {"80/tcp":[{"HostIp":"","HostPort":"8080"}]}
};
Result<PublishedPorts> buildPublishedPorts(const QStringList &publish, const QStringList &expose);

} // namespace Berth::Cli
