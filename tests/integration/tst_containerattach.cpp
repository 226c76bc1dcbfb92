// Integration: POST /containers/{id}/attach with logs=1 on a private berthd
// with the real berth-shim (the log replayed before the live stream, in
// the stream's framing, only the streams asked for, logs without stream
// ending after the replay), and `attach` refusals for a stopped and a
// paused container compared between `berth` and the real docker CLI.
// Needs root (style.md C24); skips otherwise. Containers are removed and
// berthd stopped by PID in cleanup, even when a check fails.

#include <support/commandrunner.h>
#include <support/clitext.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocalSocket>


#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;
using Berth::TestSupport::asBerth;
using Berth::TestSupport::withoutIds;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

// A hijacked attach as the docker client does it, read until the server
// closes (or the time is up).
struct AttachReply
{
    QByteArray head;
    QByteArray body;
    bool closed = false;
};

AttachReply attachRaw(const QString &socket, const QString &ref, const QString &query, int timeoutMs = 15000)
{
    AttachReply reply;
    QLocalSocket s;
    s.connectToServer(socket);
    if (!s.waitForConnected(5000))
        return reply;
    s.write(QStringLiteral("POST /v1.41/containers/%1/attach?%2 HTTP/1.1\r\nHost: api.moby.localhost\r\n"
                           "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n").arg(ref, query).toLatin1());
    s.flush();
    QByteArray all;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (s.bytesAvailable() == 0 && !s.waitForReadyRead(200)) {
            if (s.state() != QLocalSocket::ConnectedState) {
                reply.closed = true;
                break;
            }
            continue;
        }
        all += s.readAll();
    }
    all += s.readAll();
    const qsizetype end = all.indexOf("\r\n\r\n");
    reply.head = end < 0 ? all : all.left(end);
    reply.body = end < 0 ? QByteArray() : all.mid(end + 4);
    return reply;
}

// docker's multiplexed frames as "<stream>:<text>" pieces; "bad frame" when torn.
QStringList frames(const QByteArray &body)
{
    QStringList out;
    qsizetype at = 0;
    while (at < body.size()) {
        if (body.size() - at < 8)
            return out << QStringLiteral("bad frame");
        const auto *h = reinterpret_cast<const unsigned char *>(body.constData() + at);
        const quint32 length = (quint32(h[4]) << 24) | (quint32(h[5]) << 16) | (quint32(h[6]) << 8) | quint32(h[7]);
        if (body.size() - at - 8 < qsizetype(length))
            return out << QStringLiteral("bad frame");
        out << QString::number(h[0]) + u':' + QString::fromUtf8(body.mid(at + 8, length));
        at += 8 + length;
    }
    return out;
}

} // namespace

class tst_ContainerAttach : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};

    CommandResult berth(const QStringList &args, const QByteArray &input = {}) { return m_engine.berth(args, input); }
    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }


private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-att");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void cleanup() { m_engine.removeAllContainers(); }

    void cleanupTestCase() { m_engine.tearDown(); }

    void logsWithoutStreamReplaysTheLogAndEnds()
    {
        CommandResult r = berth({"run", "--name", "l1", "--network", "none", "busybox", "sh", "-c", "echo out1; echo err1 >&2; echo out2"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));

        AttachReply a = attachRaw(m_engine.socket(), "l1", "logs=1&stdout=1&stderr=1");
        QVERIFY2(a.head.startsWith("HTTP/1.1 101"), a.head.constData());
        QVERIFY(a.closed);
        QStringList got = frames(a.body);
        // stdout and stderr are separate pipes: only the order within one stream is fixed.
        QCOMPARE(got.filter(QStringLiteral("1:")), QStringList({"1:out1\n", "1:out2\n"}));
        QCOMPARE(got.filter(QStringLiteral("2:")), QStringList({"2:err1\n"}));
        QCOMPARE(got.size(), 3);

        a = attachRaw(m_engine.socket(), "l1", "logs=1&stderr=1");
        QVERIFY(a.closed);
        QCOMPARE(frames(a.body), QStringList({"2:err1\n"}));
        // Neither logs nor stream: docker's 400.
        a = attachRaw(m_engine.socket(), "l1", "stdout=1");
        QVERIFY2(a.head.startsWith("HTTP/1.1 400"), a.head.constData());
    }

    void aTerminalsLogIsReplayedRaw()
    {
        CommandResult r = berth({"run", "-t", "--name", "t1", "--network", "none", "busybox", "echo", "tty-line"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const AttachReply a = attachRaw(m_engine.socket(), "t1", "logs=1&stdout=1&stderr=1");
        QVERIFY2(a.head.startsWith("HTTP/1.1 101"), a.head.constData());
        QCOMPARE(a.body, QByteArray("tty-line\r\n"));
    }

    void logsThenStreamGivesEveryLineOnce()
    {
        CommandResult r = berth({"run", "-d", "--name", "s1", "--network", "none", "busybox", "sh", "-c",
                                 "echo first; sleep 3; echo second"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QTRY_VERIFY_WITH_TIMEOUT(berth({"logs", "s1"}).out == "first\n", 10000);
        const AttachReply a = attachRaw(m_engine.socket(), "s1", "logs=1&stream=1&stdout=1&stderr=1", 20000);
        QVERIFY2(a.head.startsWith("HTTP/1.1 101"), a.head.constData());
        QVERIFY2(a.closed, "the stream did not end with the container");
        QCOMPARE(frames(a.body), QStringList({"1:first\n", "1:second\n"}));
    }

    void attachRefusalsMatchDocker()
    {
        CommandResult r = berth({"run", "--name", "x1", "--network", "none", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const CommandResult b = berth({"attach", "x1"});
        const CommandResult d = docker({"attach", "x1"});
        QCOMPARE(b.exitCode, d.exitCode);
        QCOMPARE(b.out, d.out);
        QCOMPARE(b.err, asBerth(d.err));
        QCOMPARE(d.err, QStringLiteral("You cannot attach to a stopped container, start it first\n"));

        r = berth({"run", "-d", "--name", "x2", "--network", "none", "busybox", "sleep", "300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(berth({"pause", "x2"}).exitCode, 0);
        const CommandResult bp = berth({"attach", "x2"});
        const CommandResult dp = docker({"attach", "x2"});
        QCOMPARE(bp.exitCode, dp.exitCode);
        QCOMPARE(bp.err, asBerth(dp.err));
        QCOMPARE(dp.err, QStringLiteral("You cannot attach to a paused container, unpause it first\n"));
        QCOMPARE(berth({"unpause", "x2"}).exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(tst_ContainerAttach)
#include "tst_containerattach.moc"
