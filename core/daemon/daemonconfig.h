#pragma once

#include <common/apiversion.h>

#include <QString>
#include <QStringList>

namespace Berth::Daemon {

// Everything berthd is told at start-up. Unit tests build a server from one
// with a private root and socket and small timeouts.
struct DaemonConfig
{
    QString root = QString::fromLatin1(Common::kDefaultRoot);
    QString socketPath = QString::fromLatin1(Common::kDefaultSocket);
    // Members of this group may use the socket (style.md C25).
    QString group = QStringLiteral("berth");
    bool debug = false;
    // The berth-shim executable reported in /info (and exec'ed later).
    QString runtimePath;

    // Peer check: root and the helper's own euid are trusted by default.
    bool trustRoot = true;
    bool trustOwnUid = true;

    // A request head (and each stall inside a body) must arrive within this.
    int requestTimeoutMs = 30 * 1000;
    // An idle keep-alive connection is closed after this.
    int idleTimeoutMs = 120 * 1000;
    // Simultaneous connections (hijacked streams included); beyond: 503.
    int maxConnections = 512;
    // Cap on a buffered request body; beyond: 413.
    qint64 maxBufferedBody = 16 * 1024 * 1024;
    // Cap on one layer's unpacked size (a decompression bomb stops here).
    quint64 maxLayerBytes = quint64(256) * 1024 * 1024 * 1024;
    // Registries: plain-HTTP (and unverified TLS) registries besides loopback,
    // and where per-registry CA files live (HOST:PORT/ca.crt).
    QStringList insecureRegistries;
    QStringList registryCertsDirs{QStringLiteral("/etc/berth/certs.d"), QStringLiteral("/etc/docker/certs.d")};
    // Containers: the bridge berthd's containers attach to, its subnet
    // (the gateway is the first address), and the cgroup below which each
    // container's cgroup is made (v1: in every hierarchy; v2: unified).
    QString bridge = QStringLiteral("berth0");
    QString bridgeSubnet = QStringLiteral("172.30.0.0/16");
    QString cgroupParent = QStringLiteral("berth");
    // Events kept for replay (docker keeps 256).
    int eventHistory = 256;
};

} // namespace Berth::Daemon
