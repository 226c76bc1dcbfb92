#pragma once

#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QStringList>

namespace Berth::Engine {

// How berthd reaches one registry host (HOST[:PORT]).
struct RegistryEndpoint
{
    QString host;        // as in the reference: "localhost:5000", "registry-1.docker.io"
    bool allowHttp = false;   // configured insecure, or loopback (docker's default insecure CIDR)
    bool skipVerify = false;  // configured insecure only: docker skips verification there
    QList<QSslCertificate> extraCaCertificates; // certs.d/HOST[:PORT]/*.crt
};

// The registry part of berthd's configuration (section 2 of issue 6):
// TLS is verified against the system CAs plus the CA files in
// <certsDir>/<HOST:PORT>/*.crt (docker's certs.d layout); plain HTTP only for
// the configured insecure registries and for loopback registries
// (127.0.0.0/8, ::1, "localhost"), which docker treats as insecure too.
// For loopback, HTTPS is still tried first and verified (fail closed); plain
// HTTP is used when the registry does not speak TLS.
struct RegistryConfig
{
    QStringList insecureRegistries; // "host:port", "host" or a CIDR ("10.0.0.0/8")
    QStringList certsDirs{QStringLiteral("/etc/berth/certs.d"), QStringLiteral("/etc/docker/certs.d")};
    int maxConcurrentDownloads = 3;
    int maxConcurrentUploads = 5;
    int maxDownloadAttempts = 5;
    int transferTimeoutMs = 60 * 1000; // a stalled connection fails after this
    qint64 maxManifestBytes = 4 * 1024 * 1024;
    qint64 maxConfigBytes = 8 * 1024 * 1024;
    int maxIndexDepth = 4;
    int maxIndexEntries = 1024;
    qint64 chunkSize = 16 * 1024 * 1024; // push: blobs above this go up in PATCH chunks of this size

    RegistryEndpoint endpointFor(const QString &host) const;

    // "docker.io" -> "registry-1.docker.io"; everything else as it is.
    static QString apiHost(const QString &referenceDomain);
    static bool isLoopbackHost(const QString &hostWithoutPort);
    static QString hostWithoutPort(const QString &host);
};

} // namespace Berth::Engine
