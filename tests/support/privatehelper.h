#pragma once

#include "daemonprocess.h"

#include <QString>
#include <QStringList>

namespace Berth::TestSupport {

// A private berthd for one test: `berthd --root ROOT --socket SOCKET`, run as
// a DaemonProcess (dies with the test, stopped by its PID in stop() and in the
// destructor). The berthd path comes from the test's compile definitions
// (BERTHD_PATH, BERTH_BIN_DIR); keep the socket path short, it must fit a
// sockaddr_un (108 bytes).
//
// Each helper gets its own bridge name, bridge subnet and cgroup parent
// (berthd --bridge/--bridge-subnet/--cgroup-parent), so helpers of parallel
// tests never share a network or a cgroup; the destructor stops berthd and
// then deletes the bridge and the (by then empty) cgroup parent dirs.
class PrivateHelper : public DaemonProcess
{
public:
    PrivateHelper(const QString &berthd, const QString &root, const QString &socket);
    // The same with more berthd options after the private ones (for example
    // --registry-certs-dir DIR).
    PrivateHelper(const QString &berthd, const QString &root, const QString &socket, const QStringList &extraArguments);
    // A helper on the same network and cgroup parent as `previous` (a
    // restart of berthd over the same root); the network and cgroups then
    // belong to the new one: `previous` no longer removes them.
    PrivateHelper(const QString &berthd, const QString &root, const QString &socket, PrivateHelper &previous);
    ~PrivateHelper() override;

    QString bridge() const { return m_bridge; }
    QString bridgeSubnet() const { return m_subnet; }
    QString cgroupParent() const { return m_cgroupParent; }
    // Deletes the bridge and the cgroup parent dirs (berthd must be stopped
    // and its containers gone). Idempotent; also run by the destructor.
    void removeNetworkAndCgroups();

    QString root() const { return m_root; }
    QString socket() const { return m_socket; }
    QString host() const { return QStringLiteral("unix://") + m_socket; }

    // launch() and waitUntilAnswering(): false when berthd did not start or
    // did not answer in time; errorString() and log() say why.
    bool start(int timeoutMs = 15000);
    // Waits until the socket answers GET /_ping; false if berthd exits first.
    bool waitUntilAnswering(int timeoutMs = 15000);

    // True when a Docker-API socket (berthd's or dockerd's) answers
    // GET /_ping with 200 "OK".
    static bool socketAnswers(const QString &socket);

private:
    struct Unique
    {
        QString bridge, subnet, cgroupParent;
    };
    static Unique makeUnique();
    PrivateHelper(const QString &berthd, const QString &root, const QString &socket, const Unique &unique,
                  const QStringList &extraArguments = {});

    QString m_root;
    QString m_socket;
    QString m_bridge;
    QString m_subnet;
    QString m_cgroupParent;
    bool m_ownsNetwork = true;
};

} // namespace Berth::TestSupport
