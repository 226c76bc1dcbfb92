#include "registryconfig.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>

namespace Berth::Engine {

QString RegistryConfig::apiHost(const QString &referenceDomain)
{
    if (referenceDomain == QLatin1String("docker.io") || referenceDomain == QLatin1String("index.docker.io"))
        return QStringLiteral("registry-1.docker.io");
    return referenceDomain;
}

QString RegistryConfig::hostWithoutPort(const QString &host)
{
    if (host.startsWith(u'[')) {
        const qsizetype end = host.indexOf(u']');
        return end > 0 ? host.mid(1, end - 1) : host;
    }
    const qsizetype colon = host.lastIndexOf(u':');
    return colon >= 0 && host.count(u':') == 1 ? host.left(colon) : host;
}

bool RegistryConfig::isLoopbackHost(const QString &hostWithoutPort)
{
    if (hostWithoutPort.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    QHostAddress address;
    return address.setAddress(hostWithoutPort) && address.isLoopback();
}

RegistryEndpoint RegistryConfig::endpointFor(const QString &host) const
{
    RegistryEndpoint e;
    e.host = host;
    const QString bare = hostWithoutPort(host);
    QHostAddress address;
    const bool isAddress = address.setAddress(bare);
    for (const QString &entry : insecureRegistries) {
        bool match = entry == host || entry == bare;
        if (!match && entry.contains(u'/') && isAddress) {
            const auto subnet = QHostAddress::parseSubnet(entry);
            match = subnet.first.protocol() != QAbstractSocket::UnknownNetworkLayerProtocol
                    && address.isInSubnet(subnet);
        }
        if (match) {
            e.allowHttp = true;
            e.skipVerify = true;
        }
    }
    if (isLoopbackHost(bare))
        e.allowHttp = true;
    for (const QString &dir : certsDirs) {
        const QDir hostDir(dir + u'/' + host);
        if (!hostDir.exists())
            continue;
        const QStringList files = hostDir.entryList({QStringLiteral("*.crt")}, QDir::Files | QDir::Readable, QDir::Name);
        for (const QString &name : files) {
            QFile f(hostDir.filePath(name));
            if (f.open(QIODevice::ReadOnly))
                e.extraCaCertificates += QSslCertificate::fromData(f.readAll(), QSsl::Pem);
        }
    }
    return e;
}

} // namespace Berth::Engine
