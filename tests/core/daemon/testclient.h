#pragma once

// Test helpers for driving an in-process berthd server with raw bytes over
// QLocalSocket and reading the replies with Common::HttpParser.

#include <common/httpparser.h>
#include <daemon/daemonconfig.h>
#include <daemon/httpserver.h>
#include <daemon/listeningsocket.h>

#include <QLocalSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <deque>
#include <memory>
#include <sys/socket.h>

namespace BerthTest {

struct Reply
{
    int status = 0;
    Berth::Common::HttpHeaders headers;
    QByteArray body;
    bool complete = false;
};

class TestClient
{
public:
    explicit TestClient(const QString &socketPath)
    {
        m_parser.onHead = [this](const Berth::Common::HttpMessageHead &head) {
            Reply r;
            r.status = head.status;
            r.headers = head.headers;
            m_replies.push_back(r);
            const bool skip = !m_expectHead.empty() && m_expectHead.front() && head.status >= 200;
            if (head.status >= 200 && !m_expectHead.empty())
                m_expectHead.pop_front();
            return skip ? Berth::Common::HttpParser::HeadAction::SkipBody
                        : Berth::Common::HttpParser::HeadAction::Continue;
        };
        m_parser.onBody = [this](const char *data, qsizetype size) {
            if (!m_replies.empty())
                m_replies.back().body.append(data, size);
        };
        m_parser.onMessageComplete = [this] {
            if (!m_replies.empty())
                m_replies.back().complete = true;
            return false;
        };
        QObject::connect(&m_socket, &QLocalSocket::readyRead, &m_socket, [this] { onReadyRead(); });
        QObject::connect(&m_socket, &QLocalSocket::disconnected, &m_socket, [this] { m_closed = true; });
        m_socket.connectToServer(socketPath);
        m_connected = m_socket.waitForConnected(2000);
    }

    bool isConnected() const { return m_connected; }
    QLocalSocket &socket() { return m_socket; }

    // Declares that the next request is a HEAD (its reply has no body).
    void send(const QByteArray &bytes, bool isHead = false)
    {
        m_expectHead.push_back(isHead);
        sendRaw(bytes);
    }
    void sendRaw(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    void shutdownWrite() { ::shutdown(int(m_socket.socketDescriptor()), SHUT_WR); }

    bool waitForReplies(int count, int timeoutMs = 5000)
    {
        return QTest::qWaitFor([&] { return completeCount() >= count || m_error; }, timeoutMs) && !m_error;
    }
    bool waitForHead(int index, int timeoutMs = 5000)
    {
        return QTest::qWaitFor([&] { return int(m_replies.size()) > index; }, timeoutMs);
    }
    bool waitForClosed(int timeoutMs = 5000)
    {
        return QTest::qWaitFor([&] { return m_closed; }, timeoutMs);
    }
    bool waitForRaw(const QByteArray &needle, int timeoutMs = 5000)
    {
        return QTest::qWaitFor([&] { return m_raw.contains(needle); }, timeoutMs);
    }

    int completeCount() const
    {
        int n = 0;
        for (const Reply &r : m_replies)
            n += r.complete ? 1 : 0;
        return n;
    }
    std::deque<Reply> &replies() { return m_replies; }
    // A reply, or an empty one (status 0) when it has not arrived.
    Reply reply(int index) const { return index < int(m_replies.size()) ? m_replies[size_t(index)] : Reply(); }
    // Bytes after an upgrade, and bytes that were not HTTP.
    QByteArray &raw() { return m_raw; }
    bool isClosed() const { return m_closed; }
    bool parseError() const { return m_error; }

private:
    void onReadyRead()
    {
        const QByteArray data = m_socket.readAll();
        if (m_upgraded || m_error) {
            m_raw += data;
            return;
        }
        m_pending += data;
        const auto fed = m_parser.feed(m_pending);
        if (!fed) {
            m_error = true;
            m_raw += m_pending;
            m_pending.clear();
            return;
        }
        m_pending.remove(0, *fed);
        if (m_parser.isUpgrade()) {
            m_upgraded = true;
            m_raw += m_pending;
            m_pending.clear();
        }
    }

    QLocalSocket m_socket;
    Berth::Common::HttpParser m_parser{Berth::Common::HttpParser::Kind::Response};
    std::deque<Reply> m_replies;
    std::deque<bool> m_expectHead;
    QByteArray m_pending;
    QByteArray m_raw;
    bool m_connected = false;
    bool m_closed = false;
    bool m_upgraded = false;
    bool m_error = false;
};

// An HttpServer on a private socket in a temporary directory.
class TestServer
{
public:
    explicit TestServer(Berth::Daemon::DaemonConfig config = {})
    {
        config.root = m_dir.path() + QStringLiteral("/root");
        config.socketPath = m_dir.path() + QStringLiteral("/berth.sock");
        config.group.clear();
        m_config = config;
        m_server = std::make_unique<Berth::Daemon::HttpServer>(m_config);
    }

    bool listen()
    {
        auto s = Berth::Daemon::ListeningSocket::create(m_config.socketPath, QString());
        if (!s)
            return false;
        m_socket = std::move(*s);
        return bool(m_server->listen(m_socket.takeFd()));
    }

    Berth::Daemon::HttpServer &server() { return *m_server; }
    Berth::Daemon::Router &router() { return m_server->router(); }
    const Berth::Daemon::DaemonConfig &config() const { return m_config; }
    QString socketPath() const { return m_config.socketPath; }
    std::unique_ptr<TestClient> connect() { return std::make_unique<TestClient>(m_config.socketPath); }

private:
    QTemporaryDir m_dir;
    Berth::Daemon::DaemonConfig m_config;
    std::unique_ptr<Berth::Daemon::HttpServer> m_server;
    Berth::Daemon::ListeningSocket m_socket;
};

inline QByteArray get(const QByteArray &path, const QByteArray &method = "GET")
{
    return method + ' ' + path + " HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: test\r\n\r\n";
}

// One request on a fresh connection, with a JSON body when `body` is not
// empty; the reply, or an empty Reply when none came.
inline Reply roundTrip(const QString &socketPath, const QByteArray &method, const QByteArray &path,
                       const QByteArray &body = {})
{
    TestClient client(socketPath);
    if (!client.isConnected())
        return {};
    QByteArray req = method + ' ' + path + " HTTP/1.1\r\nHost: api.moby.localhost\r\n";
    if (!body.isEmpty())
        req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    else
        req += "Content-Length: 0\r\n";
    req += "\r\n" + body;
    client.send(req);
    if (!client.waitForReplies(1))
        return {};
    return client.reply(0);
}

} // namespace BerthTest
