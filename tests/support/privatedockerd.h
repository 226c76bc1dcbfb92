#pragma once

#include "cgrouptrees.h"
#include "daemonprocess.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <memory>

namespace Berth::TestSupport {

// Debian's dockerd as a peer to compare with, started as
// tests/bench/lib/peers.sh starts it: its own containerd, no bridge, no
// iptables, no userland proxy, everything (data, exec root, sockets, logs)
// under one directory. Both daemons are stopped by PID, dockerd first; the
// "docker" cgroups dockerd made below the hierarchy roots go with them
// (CgroupTrees), and whatever it left mounted under its directory is
// detached. Root only.
class PrivateDockerd
{
public:
    // `directory` is made if missing; `name` names its containerd
    // namespaces, so parallel peers never share containerd state.
    PrivateDockerd(const QString &directory, const QString &name);
    PrivateDockerd(const PrivateDockerd &) = delete;
    PrivateDockerd &operator=(const PrivateDockerd &) = delete;
    ~PrivateDockerd();

    // Starts containerd, then dockerd, with `environment`; empty once dockerd
    // answers on its socket, otherwise why not and which log to read.
    QString start(const QProcessEnvironment &environment);

    // Removes its containers (through the docker CLI), stops dockerd and
    // containerd, detaches what stayed mounted under the directory and
    // removes the cgroups dockerd made. Returns what could not be cleaned up
    // (empty when everything went). Idempotent; the destructor runs it.
    QStringList stop();

    bool isRunning() const;
    QString socket() const { return m_directory + QStringLiteral("/docker.sock"); }
    QString host() const { return QStringLiteral("unix://") + socket(); }
    QString directory() const { return m_directory; }

private:
    std::unique_ptr<DaemonProcess> launch(const QString &program, const QStringList &arguments, const QString &log) const;

    QString m_directory;
    QString m_name;
    QProcessEnvironment m_environment;
    std::unique_ptr<CgroupTrees> m_cgroups;
    std::unique_ptr<DaemonProcess> m_containerd;
    std::unique_ptr<DaemonProcess> m_dockerd;
};

} // namespace Berth::TestSupport
