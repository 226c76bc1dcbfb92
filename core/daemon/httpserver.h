#pragma once

#include "daemonconfig.h"
#include "peerauthorizer.h"
#include "router.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <QList>
#include <QObject>
#include <QPointer>

class QSocketNotifier;

namespace Berth::Daemon {

class HttpConnection;
class SocketChannel;

// Accepts connections on a listening Unix socket, checks each peer
// (SO_PEERCRED) before any work, caps simultaneous connections, and runs
// each one as an HttpConnection against the router.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    explicit HttpServer(const DaemonConfig &config, QObject *parent = nullptr);
    ~HttpServer() override;

    Router &router() { return m_router; }
    const DaemonConfig &config() const { return m_config; }
    void setAuthorizer(const PeerAuthorizer &authorizer) { m_authorizer = authorizer; }

    // Serves on an already bound and listening socket (ListeningSocket).
    Status listen(UniqueFd listeningFd);
    void stopListening();
    bool isListening() const { return m_listenFd.isValid(); }

    // Stops accepting, ends streams, closes every connection (hijacked
    // ones included); allClosed() follows once they are gone.
    void shutdown();

    // Open connections, hijacked streams included.
    int connectionCount() const;

signals:
    void allClosed();

private:
    void onAcceptReady();
    void refuse(UniqueFd fd, int status, const QString &message);
    void prune();
    void checkAllClosed();

    DaemonConfig m_config;
    Router m_router;
    PeerAuthorizer m_authorizer;
    UniqueFd m_listenFd;
    QSocketNotifier *m_acceptNotifier = nullptr;
    QList<QPointer<HttpConnection>> m_connections;
    QList<QPointer<SocketChannel>> m_hijacked;
    bool m_shuttingDown = false;
};

} // namespace Berth::Daemon
