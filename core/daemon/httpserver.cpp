#include "httpserver.h"

#include "daemonlogging.h"
#include "httpconnection.h"
#include "httpresponse.h"
#include "socketchannel.h"

#include <common/errors.h>

#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace Berth::Daemon {

HttpServer::HttpServer(const DaemonConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_authorizer(config)
{
}

HttpServer::~HttpServer()
{
    stopListening();
    for (const QPointer<HttpConnection> &c : std::as_const(m_connections)) {
        if (c)
            c->disconnect(this);
    }
}

Status HttpServer::listen(UniqueFd listeningFd)
{
    if (!listeningFd)
        return fail(ErrorCode::InvalidArgument, "listen: no socket");
    stopListening();
    m_listenFd = std::move(listeningFd);
    m_acceptNotifier = new QSocketNotifier(m_listenFd.get(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &HttpServer::onAcceptReady);
    m_shuttingDown = false;
    return {};
}

void HttpServer::stopListening()
{
    delete m_acceptNotifier;
    m_acceptNotifier = nullptr;
    m_listenFd.reset();
}

void HttpServer::prune()
{
    m_connections.removeIf([](const QPointer<HttpConnection> &c) { return !c || c->isClosed(); });
    m_hijacked.removeIf([](const QPointer<SocketChannel> &c) { return !c || !c->isOpen(); });
}

int HttpServer::connectionCount() const
{
    int n = 0;
    for (const auto &c : m_connections)
        n += (c && !c->isClosed()) ? 1 : 0;
    for (const auto &h : m_hijacked)
        n += (h && h->isOpen()) ? 1 : 0;
    return n;
}

void HttpServer::refuse(UniqueFd fd, int status, const QString &message)
{
    // Never blocking; the refused request is drained briefly, not parsed.
    const HttpResponse r = HttpResponse::error(status, message);
    Common::HttpHeaders headers = r.headers;
    HttpResponse::addStandardHeaders(headers);
    headers.set("Content-Length", QByteArray::number(r.body.size()));
    headers.set("Connection", "close");
    auto *channel = new SocketChannel(std::move(fd), this);
    connect(channel, &SocketChannel::closed, channel, &QObject::deleteLater);
    channel->write(HttpResponse::statusLine(status) + headers.serialize() + "\r\n" + r.body);
    channel->closeAfterWrite(500);
}

void HttpServer::onAcceptReady()
{
    for (;;) {
        UniqueFd fd(::accept4(m_listenFd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EINTR)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: back off instead of spinning on the notifier.
                qCWarning(lcDaemonHttp) << "accept:" << ::strerror(errno) << "- pausing accepts";
                m_acceptNotifier->setEnabled(false);
                QTimer::singleShot(100, this, [this] {
                    if (m_acceptNotifier)
                        m_acceptNotifier->setEnabled(true);
                });
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
                qCWarning(lcDaemonHttp) << "accept:" << ::strerror(errno);
            }
            return;
        }
        prune();
        if (connectionCount() >= m_config.maxConnections) {
            qCWarning(lcDaemonHttp) << "connection limit" << m_config.maxConnections << "reached; refusing";
            refuse(std::move(fd), 503, QStringLiteral("too many connections (limit %1)").arg(m_config.maxConnections));
            continue;
        }
        const Status allowed = m_authorizer.authorizeSocket(fd.get());
        auto *connection = new HttpConnection(std::make_unique<SocketChannel>(std::move(fd)), m_router,
                                              m_config, this);
        if (!allowed) {
            qCWarning(lcDaemonHttp).noquote() << "refusing connection:" << Common::toQString(allowed.error());
            connection->setRejection(Common::toQString(allowed.error()));
        }
        connect(connection, &HttpConnection::closed, this, [this](HttpConnection *c) {
            c->deleteLater();
            prune();
            checkAllClosed();
        });
        connect(connection, &HttpConnection::hijacked, this, [this](SocketChannel *channel) {
            m_hijacked.append(channel);
            connect(channel, &SocketChannel::closed, this, [this] {
                prune();
                checkAllClosed();
            });
            connect(channel, &QObject::destroyed, this, [this] {
                prune();
                checkAllClosed();
            });
        });
        m_connections.append(connection);
        connection->start();
    }
}

void HttpServer::shutdown()
{
    m_shuttingDown = true;
    stopListening();
    const auto connections = m_connections;
    for (const QPointer<HttpConnection> &c : connections) {
        if (c)
            c->shutdown();
    }
    const auto hijacked = m_hijacked;
    for (const QPointer<SocketChannel> &h : hijacked) {
        if (h)
            h->abort();
    }
    prune();
    checkAllClosed();
}

void HttpServer::checkAllClosed()
{
    if (m_shuttingDown && connectionCount() == 0) {
        m_shuttingDown = false;
        emit allClosed();
    }
}

} // namespace Berth::Daemon
