#include "portspec.h"

#include <QJsonArray>

#include <arpa/inet.h>

namespace Berth::Cli {

namespace {

std::unexpected<Error> invalid(const QString &message)
{
    return fail(ErrorCode::InvalidArgument, message.toStdString());
}

// net.ParseIP: dotted-quad IPv4 or IPv6, nothing looser (no "1.2.3").
bool isIpAddress(const QString &text)
{
    const QByteArray bytes = text.toLatin1();
    unsigned char buffer[16];
    return ::inet_pton(AF_INET, bytes.constData(), buffer) == 1 || ::inet_pton(AF_INET6, bytes.constData(), buffer) == 1;
}

std::optional<int> parsePort(const QString &text)
{
    // strconv.ParseUint(s, 10, 16): digits only, no sign, fits 16 bits.
    if (text.isEmpty())
        return std::nullopt;
    for (QChar c : text) {
        if (!c.isDigit() || c.unicode() > 127)
            return std::nullopt;
    }
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value > 65535)
        return std::nullopt;
    return int(value);
}

// nat.SplitProtoPort: "80/udp" -> ("udp", "80"); no proto -> tcp.
std::pair<QString, QString> splitProtoPort(const QString &raw)
{
    const QStringList parts = raw.split(QLatin1Char('/'));
    if (raw.isEmpty() || parts.first().isEmpty())
        return {QString(), QString()};
    if (parts.size() == 1)
        return {QStringLiteral("tcp"), raw};
    if (parts.at(1).isEmpty())
        return {QStringLiteral("tcp"), parts.first()};
    return {parts.at(1), parts.first()};
}

Status validateProto(const QString &proto)
{
    if (proto == QLatin1String("tcp") || proto == QLatin1String("udp") || proto == QLatin1String("sctp"))
        return {};
    return invalid(QStringLiteral("invalid proto: ") + proto);
}

} // namespace

Result<std::pair<int, int>> parsePortRange(const QString &text)
{
    if (text.isEmpty())
        return invalid(QStringLiteral("empty string specified for ports"));
    if (!text.contains(QLatin1Char('-'))) {
        const auto port = parsePort(text);
        if (!port)
            return invalid(QStringLiteral("invalid port: ") + text);
        return std::pair{*port, *port};
    }
    const QStringList parts = text.split(QLatin1Char('-'));
    if (parts.size() != 2)
        return invalid(QStringLiteral("invalid port range: ") + text);
    const auto start = parsePort(parts.at(0));
    const auto end = parsePort(parts.at(1));
    if (!start || !end)
        return invalid(QStringLiteral("invalid port range: ") + text);
    if (*end < *start)
        return invalid(QStringLiteral("invalid range specified for port: ") + text);
    return std::pair{*start, *end};
}

Result<QList<PortMapping>> parsePortSpec(const QString &spec)
{
    const QStringList parts = spec.split(QLatin1Char(':'));
    const qsizetype n = parts.size();
    QString ip;
    QString hostPort;
    QString containerPart = parts.last();
    if (n == 2) {
        hostPort = parts.at(0);
    } else if (n == 3) {
        ip = parts.at(0);
        hostPort = parts.at(1);
    } else if (n > 3) {
        ip = parts.mid(0, n - 2).join(QLatin1Char(':'));
        hostPort = parts.at(n - 2);
    }
    auto [proto, containerPort] = splitProtoPort(containerPart);
    if (ip.startsWith(QLatin1Char('['))) {
        if (!ip.endsWith(QLatin1Char(']')))
            return invalid(QStringLiteral("invalid IP address %1: missing ']' in address").arg(ip));
        ip = ip.mid(1, ip.size() - 2);
    }
    if (!ip.isEmpty() && !isIpAddress(ip))
        return invalid(QStringLiteral("invalid IP address: ") + ip);
    if (containerPort.isEmpty())
        return invalid(QStringLiteral("no port specified: %1<empty>").arg(spec));
    const auto containerRange = parsePortRange(containerPort);
    if (!containerRange)
        return invalid(QStringLiteral("invalid containerPort: ") + containerPort);
    std::pair<int, int> hostRange{0, 0};
    if (!hostPort.isEmpty()) {
        const auto r = parsePortRange(hostPort);
        if (!r)
            return invalid(QStringLiteral("invalid hostPort: ") + hostPort);
        hostRange = *r;
    }
    const auto [start, end] = *containerRange;
    if (!hostPort.isEmpty() && (end - start) != (hostRange.second - hostRange.first) && end != start) {
        return invalid(QStringLiteral("invalid ranges specified for container and host Ports: %1 and %2")
                           .arg(containerPort, hostPort));
    }
    proto = proto.toLower();
    if (auto s = validateProto(proto); !s)
        return fail(s.error());
    const int count = end - start + 1;
    QList<PortMapping> out;
    out.reserve(count);
    for (int i = 0; i < count; ++i) {
        PortMapping m;
        m.port = QStringLiteral("%1/%2").arg(start + i).arg(proto);
        m.hostIp = ip;
        if (!hostPort.isEmpty()) {
            m.hostPort = QString::number(hostRange.first + i);
            if (count == 1 && hostRange.first != hostRange.second)
                m.hostPort += QLatin1Char('-') + QString::number(hostRange.second);
        }
        out.append(m);
    }
    return out;
}

Result<QStringList> parseExposeSpec(const QString &spec)
{
    auto [proto, port] = splitProtoPort(spec);
    proto = proto.toLower();
    if (auto s = validateProto(proto); !s)
        return fail(s.error());
    const auto range = parsePortRange(port);
    if (!range)
        return invalid(QStringLiteral("invalid range format for --expose: %1, error: %2")
                           .arg(spec, QString::fromStdString(range.error().message())));
    QStringList out;
    for (int p = range->first; p <= range->second; ++p)
        out << QStringLiteral("%1/%2").arg(p).arg(proto);
    return out;
}

Result<PublishedPorts> buildPublishedPorts(const QStringList &publish, const QStringList &expose)
{
    PublishedPorts out;
    for (const QString &spec : publish) {
        auto mappings = parsePortSpec(spec);
        if (!mappings)
            return fail(mappings.error());
        for (const PortMapping &m : std::as_const(*mappings)) {
            out.exposedPorts.insert(m.port, QJsonObject());
            QJsonArray bindings = out.portBindings.value(m.port).toArray();
            bindings.append(QJsonObject{{QStringLiteral("HostIp"), m.hostIp}, {QStringLiteral("HostPort"), m.hostPort}});
            out.portBindings.insert(m.port, bindings);
        }
    }
    for (const QString &spec : expose) {
        auto ports = parseExposeSpec(spec);
        if (!ports)
            return fail(ports.error());
        for (const QString &p : std::as_const(*ports)) {
            if (!out.exposedPorts.contains(p))
                out.exposedPorts.insert(p, QJsonObject());
        }
    }
    return out;
}

} // namespace Berth::Cli
