// The Qt-free `berth run` and berth-cli (BERTH_NO_FASTPATH=1) against a
// recording engine on a Unix socket: the same requests in the same order on
// the same connections (request line, query, Host, User-Agent, Upgrade,
// Content-Type and Content-Length headers, the create body as JSON), the same
// stdout, stderr and exit code, for attached and detached runs, a start that
// fails, create warnings, a wait error, and a create refusal that the fast
// path hands to berth-cli. Which binary made each connection is read from the
// peer's /proc/PID/exe, so a fast path that silently always fell back fails.

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <sys/socket.h>

namespace {

const QString kBerth = QStringLiteral(BERTH_BINARY);
const QByteArray kId = "4f1d0b3a9c2e7d6f8a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f";

// What the engine answers: the scripted parts of a run.
struct Script
{
    int createStatus = 201;
    QByteArray createReply = "{\"Id\":\"" + kId + "\",\"Warnings\":[]}";
    int startStatus = 204;
    QByteArray startReply;
    QByteArray stdoutBytes = "hello\n";
    QByteArray stderrBytes = "oops\n";
    QByteArray waitBody = "{\"StatusCode\":0,\"Error\":null}";
    QByteArray attachRaw;      // bytes after the frames, as they are
    bool closeWait = false;    // end the wait reply's connection instead of answering
    bool holdUntilKill = false; // the container "runs" until a kill request comes
    QByteArray apiVersion = "1.41"; // the ping's Api-Version, none when empty
    bool dropCreate = false;        // close the connection on create, no reply
};

struct Request
{
    int connection = -1; // in the order the engine accepted them
    QString client;      // the peer's executable name
    QByteArray method;
    QByteArray target;
    QMap<QByteArray, QByteArray> headers; // the ones both paths must agree on
    QByteArray body;

    QString describe() const
    {
        QString h;
        for (auto it = headers.begin(); it != headers.end(); ++it)
            h += QString::fromLatin1(" %1=%2").arg(QString::fromLatin1(it.key()), QString::fromLatin1(it.value()));
        return QStringLiteral("#%1 %2 %3%4").arg(connection).arg(QString::fromLatin1(method), QString::fromLatin1(target), h);
    }
};

QByteArray frame(int stream, const QByteArray &payload)
{
    QByteArray out(8, '\0');
    out[0] = char(stream);
    const quint32 n = quint32(payload.size());
    out[4] = char(n >> 24);
    out[5] = char(n >> 16);
    out[6] = char(n >> 8);
    out[7] = char(n);
    return out + payload;
}

QString peerExecutable(qintptr fd)
{
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(int(fd), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return QStringLiteral("?");
    return QFileInfo(QFile::symLinkTarget(QStringLiteral("/proc/%1/exe").arg(cred.pid))).fileName();
}

// A tiny engine: records every request, answers as Script says.
class RecordingEngine : public QObject
{
public:
    RecordingEngine(const QString &path, const Script &script)
        : m_script(script)
    {
        QLocalServer::removeServer(path);
        m_server.listen(path);
        QObject::connect(&m_server, &QLocalServer::newConnection, this, [this] {
            while (QLocalSocket *s = m_server.nextPendingConnection()) {
                const int index = m_connections++;
                const QString client = peerExecutable(s->socketDescriptor());
                auto buffer = std::make_shared<QByteArray>();
                QObject::connect(s, &QLocalSocket::readyRead, this, [this, s, index, client, buffer] {
                    *buffer += s->readAll();
                    if (s == m_attach)
                        return; // nothing comes in on a run without -i
                    while (takeRequest(s, index, client, *buffer)) {
                    }
                });
                QObject::connect(s, &QLocalSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

    bool isListening() const { return m_server.isListening(); }
    const QList<Request> &requests() const { return m_requests; }

private:
    bool takeRequest(QLocalSocket *s, int index, const QString &client, QByteArray &buffer)
    {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        Request r;
        r.connection = index;
        r.client = client;
        const QList<QByteArray> start = lines.value(0).trimmed().split(' ');
        r.method = start.value(0);
        r.target = start.value(1);
        qsizetype length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            if (name == "host" || name == "user-agent" || name == "connection" || name == "upgrade" || name == "content-type"
                || name == "content-length" || name == "transfer-encoding")
                r.headers.insert(name, value);
        }
        if (buffer.size() < end + 4 + length)
            return false;
        r.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        m_requests.append(r);
        answer(s, r);
        return true;
    }

    static QByteArray reply(int status, const QByteArray &body, const QByteArray &type = "application/json")
    {
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nApi-Version: 1.41\r\nServer: recording\r\n";
        if (!body.isEmpty())
            out += "Content-Type: " + type + "\r\n";
        return out + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    }

    void answer(QLocalSocket *s, const Request &r)
    {
        const QByteArray path = r.target.contains('?') ? r.target.left(r.target.indexOf('?')) : r.target;
        if (r.method == "HEAD" && path == "/_ping") {
            QByteArray head = "HTTP/1.1 200 OK\r\n";
            if (!m_script.apiVersion.isEmpty())
                head += "Api-Version: " + m_script.apiVersion + "\r\n";
            s->write(head + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n");
        } else if (path.endsWith("/containers/create")) {
            if (m_script.dropCreate) {
                s->disconnectFromServer();
                return;
            }
            s->write(reply(m_script.createStatus, m_script.createReply));
        } else if (path.endsWith("/attach")) {
            s->write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
                     "Upgrade: tcp\r\n\r\n");
            m_attach = s;
        } else if (path.endsWith("/wait")) {
            s->write("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            m_wait = s;
        } else if (path.endsWith("/start")) {
            if (m_script.startStatus == 204) {
                s->write(reply(204, {}));
                s->flush();
                if (m_script.holdUntilKill)
                    return;
                if (m_attach) {
                    m_attach->write(frame(1, m_script.stdoutBytes));
                    m_attach->write(frame(2, m_script.stderrBytes));
                    m_attach->write(m_script.attachRaw);
                }
            } else {
                s->write(reply(m_script.startStatus, m_script.startReply));
            }
            s->flush();
            exitContainer();
        } else if (path.endsWith("/kill")) {
            s->write(reply(204, {}));
            s->flush();
            if (m_script.holdUntilKill && m_attach) {
                m_attach->write(frame(1, "killed with " + r.target.mid(r.target.indexOf("signal=") + 7) + "\n"));
                exitContainer();
            }
        } else {
            s->write(reply(404, "{\"message\":\"page not found\"}"));
        }
        s->flush();
    }

    // The attach stream ends, then the wait reply.
    void exitContainer()
    {
        if (m_attach) {
            m_attach->flush();
            m_attach->disconnectFromServer();
        }
        if (m_wait) {
            if (m_script.closeWait) {
                m_wait->write("1f\r\n{\"StatusCode\":");
                m_wait->flush();
                m_wait->disconnectFromServer();
                return;
            }
            const QByteArray body = m_script.waitBody + "\n";
            m_wait->write(QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n");
            m_wait->flush();
        }
    }

    Script m_script;
    QLocalServer m_server;
    QList<Request> m_requests;
    QPointer<QLocalSocket> m_attach;
    QPointer<QLocalSocket> m_wait;
    int m_connections = 0;
};

struct Outcome
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QList<Request> requests;
};

} // namespace

Q_DECLARE_METATYPE(Script)

class tst_FastRunWire : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void bothPathsSendTheSameRequests_data();
    void bothPathsSendTheSameRequests();
    void aSignalIsForwardedAsAKillRequest_data();
    void aSignalIsForwardedAsAKillRequest();
    void aCreateRefusalIsLeftToBerthCli();
    void aMissingBerthCliIsNamedWithThePathsTried();

private:
    // With `signal`, sends it to berth once berth catches it (the proxy is
    // up) and the container "runs".
    Outcome runBerth(const QStringList &argv, const Script &script, bool fast, int signal = 0);
    void compareRequests(const QList<Request> &fast, const QList<Request> &slow);

    QTemporaryDir m_dir;
    int m_runs = 0;
};

void tst_FastRunWire::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo(QFileInfo(kBerth).dir().filePath(QStringLiteral("berth-cli"))).isExecutable(),
             "berth-cli is not built next to berth");
}

Outcome tst_FastRunWire::runBerth(const QStringList &argvIn, const Script &script, bool fast, int signal)
{
    Outcome outcome;
    const QString socket = m_dir.filePath(QStringLiteral("e%1.sock").arg(m_runs++));
    RecordingEngine engine(socket, script);
    if (!engine.isListening())
        return outcome;
    QStringList argv = argvIn;
    argv.replaceInStrings(QStringLiteral("@SOCKET@"), socket);

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"BERTH_HOST", "DOCKER_HOST", "BERTH_NO_FASTPATH", "QT_LOGGING_RULES", "QT_LOGGING_CONF"})
        env.remove(QLatin1String(name));
    env.insert(QStringLiteral("BERTH_HOST"), QStringLiteral("unix://") + socket);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_CONFIG_DIRS"), m_dir.filePath(QStringLiteral("xdg")));
    // English messages; UTF-8, or Qt 6.5 and later warn on stderr that they switched to C.UTF-8.
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    if (!fast)
        env.insert(QStringLiteral("BERTH_NO_FASTPATH"), QStringLiteral("1"));

    QProcess p;
    p.setProcessEnvironment(env);
    p.start(kBerth, argv);
    p.closeWriteChannel();
    if (!p.waitForStarted(10000))
        return outcome;
    if (signal) {
        // SigCgt in /proc/PID/status: the handler berth installs once started.
        const auto catches = [&] {
            QFile status(QStringLiteral("/proc/%1/status").arg(p.processId()));
            if (!status.open(QIODevice::ReadOnly))
                return false;
            for (const QByteArray &line : status.readAll().split('\n')) {
                if (line.startsWith("SigCgt:"))
                    return ((line.mid(7).trimmed().toULongLong(nullptr, 16) >> (signal - 1)) & 1) != 0;
            }
            return false;
        };
        if (!QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning || catches(); }, 20000))
            return outcome;
        ::kill(pid_t(p.processId()), signal);
    }
    // The engine lives in this thread's event loop: spin it while berth runs.
    if (!QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, 20000)) {
        p.kill();
        p.waitForFinished();
        return outcome;
    }
    outcome.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    outcome.out = p.readAllStandardOutput().replace(socket.toUtf8(), "@SOCKET@");
    outcome.err = p.readAllStandardError().replace(socket.toUtf8(), "@SOCKET@");
    // Renumber the sockets' paths away: each run has its own.
    for (Request r : engine.requests()) {
        r.target.replace(socket.toUtf8(), "@SOCKET@");
        outcome.requests.append(r);
    }
    return outcome;
}

void tst_FastRunWire::compareRequests(const QList<Request> &fast, const QList<Request> &slow)
{
    QStringList f;
    QStringList s;
    for (const Request &r : fast)
        f << r.describe();
    for (const Request &r : slow)
        s << r.describe();
    QCOMPARE(f.join(QLatin1Char('\n')), s.join(QLatin1Char('\n')));
    for (qsizetype i = 0; i < fast.size(); ++i) {
        if (fast.at(i).target.contains("/containers/create")) {
            QJsonParseError pe;
            const QJsonDocument a = QJsonDocument::fromJson(fast.at(i).body, &pe);
            QCOMPARE(pe.error, QJsonParseError::NoError);
            const QJsonDocument b = QJsonDocument::fromJson(slow.at(i).body, &pe);
            QCOMPARE(pe.error, QJsonParseError::NoError);
            QVERIFY(a.isObject());
            QCOMPARE(a.object(), b.object());
        } else {
            QCOMPARE(fast.at(i).body, slow.at(i).body);
        }
    }
}

void tst_FastRunWire::bothPathsSendTheSameRequests_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<Script>("script");
    QTest::addColumn<int>("exitCode");

    const Script plain;
    QTest::newRow("--rm, attached, exit 0") << QStringList{"run", "--rm", "--network", "none", "busybox", "true"} << plain << 0;

    Script three;
    three.waitBody = "{\"StatusCode\":3,\"Error\":null}";
    three.stdoutBytes = QByteArray(100000, 'o') + "\n";
    QTest::newRow("exit 3, --name, -e, big stdout")
        << QStringList{"run", "--name", "fr_wire", "-e", "A=1", "-eHOME", "busybox", "sh", "-c", "exit 3"} << three << 3;

    QTest::newRow("-d prints the ID") << QStringList{"run", "-d", "--rm", "busybox", "sleep", "9"} << plain << 0;

    QTest::newRow("-H, container run, -w -u --entrypoint")
        << QStringList{"-H", "unix://@SOCKET@", "container", "run", "-w", "/tmp", "-u", "0", "--entrypoint", "sh", "busybox",
                       "-c", "true"}
        << plain << 0;

    Script missing;
    missing.startStatus = 400;
    missing.startReply = "{\"message\":\"failed to create task for container: exec: \\\"nope\\\": executable file not found in $PATH\"}";
    QTest::newRow("start fails: 127") << QStringList{"run", "--rm", "busybox", "nope"} << missing << 127;

    Script denied = missing;
    denied.startStatus = 500;
    denied.startReply = "{\"message\":\"exec: \\\"/etc\\\": permission denied\"}";
    QTest::newRow("start fails: 126, detached") << QStringList{"run", "-d", "busybox", "/etc"} << denied << 126;

    Script warned;
    warned.createReply = "{\"Id\":\"" + kId + "\",\"Warnings\":[\"first warning\",\"second\"]}";
    QTest::newRow("create warnings") << QStringList{"run", "busybox"} << warned << 0;

    Script waitError;
    waitError.waitBody = "{\"StatusCode\":0,\"Error\":{\"Message\":\"the container vanished\"}}";
    QTest::newRow("wait error") << QStringList{"run", "busybox"} << waitError << 125;

    Script cutFrame;
    cutFrame.attachRaw = QByteArray("\x01\x00\x00", 3);
    QTest::newRow("attach ends inside a frame") << QStringList{"run", "busybox"} << cutFrame << 125;

    Script badHeader;
    badHeader.attachRaw = frame(7, "what");
    QTest::newRow("attach frame of stream 7") << QStringList{"run", "busybox"} << badHeader << 125;

    Script lostWait;
    lostWait.closeWait = true;
    QTest::newRow("wait connection lost") << QStringList{"run", "--rm", "busybox"} << lostWait << 125;

    QTest::newRow("odd name and values, percent-encoded alike")
        << QStringList{"run", "--name", QString::fromUtf8("fr wire/\xc3\xbc+&=?#"), "-e", QString::fromUtf8("K=\xed\x95\x9c \"q\""),
                       "busybox", "echo", QString::fromUtf8("\xf0\x9f\x90\xb3")}
        << plain << 0;

    for (const QByteArray &version : {QByteArray("1.40"), QByteArray("1.45"), QByteArray("2.0"), QByteArray()}) {
        Script older;
        older.apiVersion = version;
        QTest::addRow("engine API version '%s'", version.constData()) << QStringList{"run", "busybox"} << older << 0;
    }

    Script createGarbage;
    createGarbage.createReply = "[\"not an object\"]";
    QTest::newRow("create reply not a JSON object: no second create") << QStringList{"run", "busybox"} << createGarbage << 125;

    Script dropped;
    dropped.dropCreate = true;
    QTest::newRow("create dropped without a reply: no fallback") << QStringList{"run", "busybox"} << dropped << 125;

    Script noId;
    noId.createReply = "{\"Warnings\":null}";
    QTest::newRow("create reply without Id") << QStringList{"run", "busybox"} << noId << 0;

    Script waitGarbage;
    waitGarbage.waitBody = "not json";
    QTest::newRow("wait reply not JSON") << QStringList{"run", "busybox"} << waitGarbage << 125;
}

void tst_FastRunWire::bothPathsSendTheSameRequests()
{
    QFETCH(QStringList, argv);
    QFETCH(Script, script);
    QFETCH(int, exitCode);

    const Outcome fast = runBerth(argv, script, true);
    const Outcome slow = runBerth(argv, script, false);
    QVERIFY(!fast.requests.isEmpty());
    for (const Request &r : fast.requests)
        QCOMPARE(r.client, QStringLiteral("berth"));
    for (const Request &r : slow.requests)
        QCOMPARE(r.client, QStringLiteral("berth-cli"));

    QCOMPARE(slow.exitCode, exitCode);
    QCOMPARE(fast.exitCode, slow.exitCode);
    // A create whose connection closed without a reply may have made the
    // container: neither path sends it again.
    const auto creates = [](const QList<Request> &requests) {
        return std::count_if(requests.begin(), requests.end(),
                             [](const Request &r) { return r.target.contains("/containers/create"); });
    };
    QCOMPARE(creates(slow.requests), qsizetype(1));
    QCOMPARE(creates(fast.requests), qsizetype(1));
    QCOMPARE(fast.out, slow.out);
    QCOMPARE(fast.err, slow.err);
    compareRequests(fast.requests, slow.requests);
}

void tst_FastRunWire::aSignalIsForwardedAsAKillRequest_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<QByteArray>("name");
    QTest::newRow("SIGTERM") << int(SIGTERM) << QByteArray("TERM");
    QTest::newRow("SIGINT") << int(SIGINT) << QByteArray("INT");
    QTest::newRow("SIGUSR1") << int(SIGUSR1) << QByteArray("USR1");
}

void tst_FastRunWire::aSignalIsForwardedAsAKillRequest()
{
    QFETCH(int, signal);
    QFETCH(QByteArray, name);
    Script held;
    held.holdUntilKill = true;
    held.waitBody = "{\"StatusCode\":143,\"Error\":null}";
    const QStringList argv{"run", "--rm", "busybox", "sleep", "60"};
    const Outcome fast = runBerth(argv, held, true, signal);
    const Outcome slow = runBerth(argv, held, false, signal);
    QCOMPARE(slow.exitCode, 143);
    QCOMPARE(slow.out, QByteArray(QByteArray("killed with ") + name + "\n"));
    QCOMPARE(fast.exitCode, slow.exitCode);
    QCOMPARE(fast.out, slow.out);
    QCOMPARE(fast.err, slow.err);
    for (const Request &r : fast.requests)
        QCOMPARE(r.client, QStringLiteral("berth"));
    compareRequests(fast.requests, slow.requests);
    QVERIFY(fast.requests.last().target.endsWith(QByteArray(QByteArray("/kill?signal=") + name)));
}

void tst_FastRunWire::aCreateRefusalIsLeftToBerthCli()
{
    Script conflict;
    conflict.createStatus = 409;
    conflict.createReply = "{\"message\":\"Conflict. The container name \\\"/taken\\\" is already in use by container \\\"" + kId
                           + "\\\". You have to remove (or rename) that container to be able to reuse that name.\"}";
    const QStringList argv{"run", "--name", "taken", "busybox"};
    const Outcome fast = runBerth(argv, conflict, true);
    const Outcome slow = runBerth(argv, conflict, false);
    QCOMPARE(slow.exitCode, 125);
    QCOMPARE(fast.exitCode, slow.exitCode);
    QCOMPARE(fast.out, slow.out);
    QCOMPARE(fast.err, slow.err);
    QVERIFY(slow.err.contains("is already in use"));

    // The fast path asked once (ping, create), then berth-cli did it all again.
    QList<Request> first;
    QList<Request> rest;
    for (const Request &r : fast.requests)
        (r.client == QLatin1String("berth") ? first : rest).append(r);
    QCOMPARE(first.size(), 2);
    QCOMPARE(first.at(0).method, QByteArray("HEAD"));
    QVERIFY(first.at(1).target.startsWith("/v1.41/containers/create?name=taken"));
    const int offset = rest.value(0).connection;
    for (Request &r : rest)
        r.connection -= offset;
    compareRequests(rest, slow.requests);
    QCOMPARE(first.at(1).body, rest.at(1).body);
}

void tst_FastRunWire::aMissingBerthCliIsNamedWithThePathsTried()
{
    // berth alone in a directory: nothing to hand `ps` (or a run the engine
    // refuses) to.
    const QString dir = m_dir.filePath(QStringLiteral("alone/bin"));
    QVERIFY(QDir().mkpath(dir));
    const QString lonely = dir + QStringLiteral("/berth");
    QFile::remove(lonely);
    QVERIFY(QFile::copy(kBerth, lonely));
    QVERIFY(QFile::setPermissions(lonely, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    for (const QStringList &argv : {QStringList{"ps"}, QStringList{"run", "busybox", "true"}}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("BERTH_NO_FASTPATH"));
        env.insert(QStringLiteral("BERTH_HOST"), QStringLiteral("unix://") + m_dir.filePath(QStringLiteral("nobody.sock")));
        p.setProcessEnvironment(env);
        p.start(lonely, argv);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 125);
        QCOMPARE(p.readAllStandardOutput(), QByteArray());
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(err, QStringLiteral("berth: cannot find berth-cli, the part of berth that runs this command: tried %1/berth-cli, "
                                     "%1/../libexec/berth/berth-cli\n")
                          .arg(dir));
    }
}

QTEST_GUILESS_MAIN(tst_FastRunWire)
#include "tst_fastrunwire.moc"
