// The fast path's HTTP connection against core/client's: for the same engine
// replies (good, cut short, malformed, folded, oversized, delimited by the
// end of the connection) both end the same way, with the same ErrorCode,
// message and errno, so that berth prints the same text whichever path ran.

#include <httpconnection.h>

#include <client/endpoint.h>
#include <client/engineclient.h>

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Berth;
namespace FastRun = Berth::Cli::FastRun;

namespace {

// A scripted engine on its own thread: every request other than HEAD /_ping
// gets `reply`, then the connection is closed when `close` says so.
class ScriptedEngine
{
public:
    ScriptedEngine(const std::string &path, QByteArray reply, bool close)
        : m_reply(std::move(reply))
        , m_close(close)
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        ::unlink(path.c_str());
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(m_fd, 8) != 0)
            return;
        m_thread = std::thread([this] { serve(); });
    }
    ~ScriptedEngine()
    {
        m_stop = true;
        ::shutdown(m_fd, SHUT_RDWR);
        if (m_thread.joinable())
            m_thread.join();
        ::close(m_fd);
    }

private:
    void serve()
    {
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0)
                continue;
            QByteArray in;
            bool open = true;
            while (open && !m_stop) {
                char buffer[4096];
                pollfd q{c, POLLIN, 0};
                if (::poll(&q, 1, 50) <= 0)
                    continue;
                const ssize_t n = ::read(c, buffer, sizeof buffer);
                if (n <= 0)
                    break;
                in.append(buffer, n);
                qsizetype end;
                while ((end = in.indexOf("\r\n\r\n")) >= 0) {
                    const QByteArray head = in.left(end);
                    in.remove(0, end + 4);
                    if (head.startsWith("HEAD /_ping ")) {
                        const QByteArray pong = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 0\r\n\r\n";
                        (void)!::write(c, pong.constData(), size_t(pong.size()));
                        continue;
                    }
                    (void)!::write(c, m_reply.constData(), size_t(m_reply.size()));
                    if (m_close) {
                        open = false;
                        break;
                    }
                }
            }
            ::close(c);
        }
    }

    int m_fd = -1;
    QByteArray m_reply;
    bool m_close;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

struct Ending
{
    bool ok = false;
    int status = 0;
    QByteArray body;
    ErrorCode code = ErrorCode::Internal;
    QString message;
    int sysErrno = 0;
};

Ending fastExchange(const std::string &path)
{
    Ending e;
    FastRun::HttpConnection c(path, "unix://" + path);
    FastRun::HttpConnection::Exchange ex;
    ex.request = "POST /v1.41/containers/x/start HTTP/1.1\r\nHost: berth\r\nContent-Length: 0\r\n\r\n";
    ex.timeoutMs = 2000;
    bool done = false;
    ex.onHead = [&](const FastRun::ReplyHead &h) { e.status = h.status; };
    ex.onBody = [&](std::string_view b) { e.body.append(b.data(), qsizetype(b.size())); };
    ex.onDone = [&](const Status &s, bool) {
        done = true;
        e.ok = bool(s);
        if (!s) {
            e.code = s.error().code();
            e.message = QString::fromStdString(s.error().toString());
            e.sysErrno = s.error().sysErrno();
        }
    };
    c.start(std::move(ex));
    while (!done) {
        pollfd p{c.fd(), c.pollEvents(), 0};
        if (p.fd < 0 || !p.events)
            break;
        ::poll(&p, 1, 100);
        if (p.revents)
            c.handleEvents(p.revents);
        c.handleTimeout(FastRun::Clock::now());
    }
    return e;
}

Ending qtExchange(const std::string &path)
{
    Ending e;
    Client::EngineClient client(*Client::Endpoint::parse(QString::fromStdString("unix://" + path)));
    client.setTimeout(2000);
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/x/start");
    const auto r = Client::await(client.send(request));
    e.ok = r.has_value();
    if (r) {
        e.status = r->status;
        e.body = r->body;
    } else {
        e.code = r.error().code();
        e.message = QString::fromStdString(r.error().toString());
        e.sysErrno = r.error().sysErrno();
    }
    return e;
}

} // namespace

class tst_FastRunHttp : public QObject
{
    Q_OBJECT
private slots:
    void repliesEndAsCoreClientsDo_data();
    void repliesEndAsCoreClientsDo();
    void aMissingSocketIsTheSameConnectError();
    void aSilentEngineTimesOutWithTheSameText();
};

void tst_FastRunHttp::repliesEndAsCoreClientsDo_data()
{
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<bool>("close");
    QTest::addColumn<bool>("ok");
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << true;
    QTest::newRow("200 with a body") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") << false << true;
    QTest::newRow("chunked") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                             << false << true;
    QTest::newRow("body to the end of the connection") << QByteArray("HTTP/1.1 200 OK\r\n\r\nuntil close") << true << true;
    QTest::newRow("closed without replying") << QByteArray() << true << false;
    QTest::newRow("closed inside the body") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort") << true << false;
    QTest::newRow("closed inside the head") << QByteArray("HTTP/1.1 200 OK\r\nContent-Len") << true << false;
    QTest::newRow("obs-fold") << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n") << false << false;
    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n") << false << false;
    QTest::newRow("bad chunk size") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << false << false;
    QTest::newRow("two Content-Lengths") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                                         << false << false;
    QTest::newRow("head over 1 MiB") << QByteArray("HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(1100 * 1024, 'a') + "\r\n\r\n")
                                     << false << false;
}

void tst_FastRunHttp::repliesEndAsCoreClientsDo()
{
    QFETCH(QByteArray, reply);
    QFETCH(bool, close);
    QFETCH(bool, ok);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("e.sock")).toStdString();
    Ending fast;
    Ending qt;
    {
        ScriptedEngine engine(path, reply, close);
        fast = fastExchange(path);
    }
    {
        ScriptedEngine engine(path, reply, close);
        qt = qtExchange(path);
    }
    QCOMPARE(qt.ok, ok);
    QCOMPARE(fast.ok, qt.ok);
    QCOMPARE(fast.message, qt.message);
    QCOMPARE(int(fast.code), int(qt.code));
    QCOMPARE(fast.sysErrno, qt.sysErrno);
    if (fast.ok) {
        QCOMPARE(fast.status, qt.status);
        QCOMPARE(fast.body, qt.body);
    }
}

void tst_FastRunHttp::aMissingSocketIsTheSameConnectError()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("nobody.sock")).toStdString();
    const Ending fast = fastExchange(path);
    const Ending qt = qtExchange(path);
    QVERIFY(!fast.ok);
    QCOMPARE(fast.message, qt.message);
    QCOMPARE(int(fast.code), int(ErrorCode::Unavailable));
    QCOMPARE(int(fast.code), int(qt.code));
    QCOMPARE(fast.sysErrno, ENOENT);
    QCOMPARE(fast.sysErrno, qt.sysErrno);
}

void tst_FastRunHttp::aSilentEngineTimesOutWithTheSameText()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("e.sock")).toStdString();
    // An engine that answers the ping and then nothing: the reply never comes.
    ScriptedEngine engine(path, QByteArray(), false);
    const Ending fast = fastExchange(path);
    const Ending qt = qtExchange(path);
    QVERIFY(!fast.ok);
    QCOMPARE(int(fast.code), int(ErrorCode::Timeout));
    QCOMPARE(fast.message, qt.message);
    QCOMPARE(int(fast.code), int(qt.code));
}

QTEST_GUILESS_MAIN(tst_FastRunHttp)
#include "tst_fastrunhttp.moc"
