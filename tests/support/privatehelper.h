#pragma once

#include "daemonprocess.h"

#include <QString>

namespace Berth::TestSupport {

// A private berthd for one test: `berthd --root ROOT --socket SOCKET`, run as
// a DaemonProcess (dies with the test, stopped by its PID in stop() and in the
// destructor). The berthd path comes from the test's compile definitions
// (BERTHD_PATH, BERTH_BIN_DIR); keep the socket path short, it must fit a
// sockaddr_un (108 bytes).
class PrivateHelper : public DaemonProcess
{
public:
    PrivateHelper(const QString &berthd, const QString &root, const QString &socket);

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
    QString m_root;
    QString m_socket;
};

} // namespace Berth::TestSupport
