#include "fakedaemon.h"

#include <QFile>
#include <QLocalSocket>
#include <QPointer>
#include <QSocketNotifier>
#include <QTimer>

#include <unistd.h>

namespace Berth::Tests {

struct FakeDaemon::Peer
{
    int id = 0;
    QPointer<QLocalSocket> socket;
    std::unique_ptr<Common::HttpParser> parser;
    QByteArray buffer;
    RecordedRequest current;
    bool complete = false;
    bool busy = false;
    int echoFd = -1;
    QSocketNotifier *notifier = nullptr;
};

FakeDaemon::FakeDaemon(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QLocalServer::newConnection, this, &FakeDaemon::onNewConnection);
}

FakeDaemon::~FakeDaemon()
{
    closeAllConnections();
}

void FakeDaemon::closeAllConnections()
{
    for (Peer *p : std::as_const(m_peers)) {
        if (p->notifier)
            delete p->notifier;
        if (p->echoFd >= 0)
            ::close(p->echoFd);
        if (p->socket) {
            QObject::disconnect(p->socket, nullptr, this, nullptr);
            p->socket->abort();
            p->socket->deleteLater();
        }
        delete p;
    }
    m_peers.clear();
}

bool FakeDaemon::start()
{
    if (!m_dir.isValid())
        return false;
    m_server.setSocketOptions(QLocalServer::WorldAccessOption);
    return m_server.listen(socketPath());
}

QString FakeDaemon::socketPath() const
{
    return m_dir.filePath(QStringLiteral("berth.sock"));
}

QString FakeDaemon::url() const
{
    return QStringLiteral("unix://") + socketPath();
}

void FakeDaemon::on(const QByteArray &method, const QByteArray &path, const Reply &reply)
{
    m_routes[method + ' ' + path].append(reply);
}

void FakeDaemon::on(const QByteArray &method, const QByteArray &path, const QByteArray &bytes)
{
    Reply r;
    r.pieces = {bytes};
    on(method, path, r);
}

QByteArray FakeDaemon::httpReply(int status, const QByteArray &body, const QByteArray &contentType, bool chunked,
                                 const QList<QByteArray> &extraHeaders)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " Status\r\n";
    out += "Api-Version: 1.41\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    out += "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/0.1.0-fake (linux)\r\n";
    for (const QByteArray &h : extraHeaders)
        out += h + "\r\n";
    if (chunked) {
        out += "Transfer-Encoding: chunked\r\n\r\n";
        if (!body.isEmpty())
            out += QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n";
        out += "0\r\n\r\n";
    } else {
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    }
    return out;
}

QByteArray FakeDaemon::pingReply(const QByteArray &apiVersion)
{
    QByteArray out = "HTTP/1.1 200 OK\r\n";
    if (!apiVersion.isEmpty())
        out += "Api-Version: " + apiVersion + "\r\n";
    out += "Content-Length: 0\r\nContent-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\n"
           "Ostype: linux\r\n\r\n";
    return out;
}

static QList<QByteArray> capturedPieces(const QString &relativePath, const QByteArray &direction)
{
    QFile f(QStringLiteral(BERTH_TEST_DATA_DIR "/api-captures/") + relativePath);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open capture %s", qPrintable(f.fileName()));
    const QByteArray all = f.readAll();
    QList<QByteArray> out;
    qsizetype pos = 0;
    while (true) {
        const qsizetype start = all.indexOf("=== ", pos);
        if (start < 0)
            break;
        const qsizetype lineEnd = all.indexOf('\n', start);
        const QByteArray header = all.mid(start, lineEnd - start);
        const qsizetype lenAt = header.indexOf("len=");
        const int len = header.mid(lenAt + 4, header.indexOf(' ', lenAt) - lenAt - 4).toInt();
        const QByteArray bytes = all.mid(lineEnd + 1, len);
        if (header.contains(direction) && len > 0)
            out.append(bytes);
        pos = lineEnd + 1 + len;
    }
    return out;
}

QList<QByteArray> FakeDaemon::capturedReplies(const QString &relativePath)
{
    return capturedPieces(relativePath, "<<S2C");
}

QList<QByteArray> FakeDaemon::capturedRequests(const QString &relativePath)
{
    return capturedPieces(relativePath, ">>C2S");
}

void FakeDaemon::onNewConnection()
{
    while (QLocalSocket *socket = m_server.nextPendingConnection()) {
        auto *peer = new Peer;
        peer->id = ++m_connections;
        peer->socket = socket;
        socket->setParent(this);
        peer->parser = std::make_unique<Common::HttpParser>(Common::HttpParser::Kind::Request);
        peer->parser->onHead = [peer](const Common::HttpMessageHead &head) {
            peer->current = RecordedRequest();
            peer->current.method = head.method;
            peer->current.target = head.target;
            peer->current.headers = head.headers;
            peer->current.connection = peer->id;
            return Common::HttpParser::HeadAction::Continue;
        };
        peer->parser->onBody = [peer](const char *data, qsizetype size) { peer->current.body.append(data, size); };
        peer->parser->onMessageComplete = [peer] {
            peer->complete = true;
            return true;
        };
        m_peers.append(peer);
        connect(socket, &QLocalSocket::readyRead, this, [this, peer] { onBytes(peer); });
    }
}

void FakeDaemon::onBytes(Peer *peer)
{
    if (peer->socket)
        peer->buffer.append(peer->socket->readAll());
    while (!peer->busy && !peer->buffer.isEmpty()) {
        peer->complete = false;
        auto consumed = peer->parser->feed(peer->buffer);
        if (!consumed) {
            peer->socket->abort();
            return;
        }
        peer->buffer.remove(0, *consumed);
        if (!peer->complete)
            return;
        peer->parser->resume();
        peer->busy = true;
        m_requests.append(peer->current);
        emit requestReceived();
        answer(peer, peer->current);
    }
}

void FakeDaemon::answer(Peer *peer, const RecordedRequest &request)
{
    QByteArray path = request.target;
    const qsizetype q = path.indexOf('?');
    if (q >= 0)
        path.truncate(q);
    auto it = m_routes.find(request.method + ' ' + path);
    Reply reply;
    if (it == m_routes.end() || it->isEmpty())
        reply.pieces = {httpReply(404, "{\"message\":\"page not found\"}")};
    else
        reply = it->size() > 1 ? it->takeFirst() : it->first();
    if (reply.silent)
        return;
    writePieces(peer, reply, 0);
}

void FakeDaemon::writePieces(Peer *peer, const Reply &reply, int index)
{
    if (!peer->socket)
        return;
    if (index < reply.pieces.size()) {
        peer->socket->write(reply.pieces.at(index));
        peer->socket->flush();
        if (index + 1 < reply.pieces.size() && reply.delayMs > 0) {
            QTimer::singleShot(reply.delayMs, peer->socket, [this, peer, reply, index] { writePieces(peer, reply, index + 1); });
            return;
        }
        writePieces(peer, reply, index + 1);
        return;
    }
    if (reply.hijackEcho) {
        startEcho(peer);
        return;
    }
    if (reply.closeAfter) {
        peer->socket->disconnectFromServer();
        return;
    }
    peer->busy = false;
    if (!peer->buffer.isEmpty())
        QTimer::singleShot(0, peer->socket, [this, peer] { onBytes(peer); });
}

void FakeDaemon::startEcho(Peer *peer)
{
    // Take the connection over as a raw fd, so a half-close from the client
    // can be seen (read() == 0) while this side keeps writing.
    peer->socket->flush();
    peer->echoFd = ::dup(int(peer->socket->socketDescriptor()));
    QObject::disconnect(peer->socket, nullptr, this, nullptr);
    peer->socket->abort();
    const QByteArray early = std::exchange(peer->buffer, QByteArray());
    if (!early.isEmpty())
        (void)!::write(peer->echoFd, early.constData(), size_t(early.size()));
    peer->notifier = new QSocketNotifier(peer->echoFd, QSocketNotifier::Read, this);
    connect(peer->notifier, &QSocketNotifier::activated, this, [peer] {
        char buf[4096];
        const ssize_t n = ::read(peer->echoFd, buf, sizeof buf);
        if (n > 0) {
            (void)!::write(peer->echoFd, buf, size_t(n));
            return;
        }
        if (n < 0 && errno == EAGAIN)
            return;
        (void)!::write(peer->echoFd, "bye\n", 4);
        peer->notifier->setEnabled(false);
        ::close(peer->echoFd);
        peer->echoFd = -1;
    });
}

} // namespace Berth::Tests
