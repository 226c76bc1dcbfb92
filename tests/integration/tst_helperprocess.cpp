// Integration: a private berthd in a temporary root, driven by the real docker
// CLI and by berth. Needs root (style.md C24); skips with the reason otherwise.
// Every process the test starts is killed by its PID in cleanup, even when a
// check fails half-way.

#include <QtTest>

#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QLocalSocket>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <memory>
#include <vector>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
constexpr int kCommandTimeoutMs = 30 * 1000;

struct CommandResult
{
    int exitCode = -1;
    bool crashed = false;
    bool timedOut = false;
    QString out;
    QString err;

    QString describe() const
    {
        return QStringLiteral("exit %1%2%3\n--- stdout ---\n%4\n--- stderr ---\n%5")
            .arg(exitCode)
            .arg(crashed ? QStringLiteral(" (crashed)") : QString())
            .arg(timedOut ? QStringLiteral(" (timed out)") : QString())
            .arg(out, err);
    }
};

} // namespace

class tst_HelperProcess : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_socket;
    QString m_docker;
    QProcessEnvironment m_env;
    // Every long-lived process started here; cleanup kills them by PID.
    std::vector<std::unique_ptr<QProcess>> m_started;
    QProcess *m_daemon = nullptr;

    QProcess *startDaemon(const QString &root, const QString &socket)
    {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(m_env);
        p->setProgram(kBerthd);
        p->setArguments({QStringLiteral("--root"), root, QStringLiteral("--socket"), socket});
        // Should this test be killed outright (ctest's timeout), the helper goes too.
        p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        p->start();
        QProcess *raw = p.get();
        m_started.push_back(std::move(p));
        return raw;
    }

    static bool socketAnswers(const QString &socket)
    {
        QLocalSocket s;
        s.connectToServer(socket);
        if (!s.waitForConnected(500))
            return false;
        s.write("GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        QByteArray reply;
        while (s.waitForReadyRead(1000))
            reply += s.readAll();
        return reply.startsWith("HTTP/1.1 200") && reply.endsWith("OK");
    }

    // Waits until the socket answers GET /_ping, or the process exits.
    static bool waitUntilAnswering(QProcess *p, const QString &socket, int timeoutMs = 15000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (p->state() == QProcess::NotRunning)
                return false;
            if (QFileInfo(socket).exists() && socketAnswers(socket))
                return true;
            p->waitForFinished(100);
        }
        return false;
    }

    static void killByPid(QProcess *p)
    {
        if (p->state() == QProcess::NotRunning)
            return;
        const qint64 pid = p->processId();
        if (pid > 0)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
        p->waitForFinished(5000);
    }

    CommandResult run(const QString &program, const QStringList &args,
                      const QProcessEnvironment &env, int timeoutMs = kCommandTimeoutMs)
    {
        QProcess p;
        p.setProcessEnvironment(env);
        p.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        p.start(program, args);
        CommandResult r;
        if (!p.waitForStarted(10000)) {
            r.err = QStringLiteral("could not start %1: %2").arg(program, p.errorString());
            return r;
        }
        if (!p.waitForFinished(timeoutMs)) {
            r.timedOut = true;
            killByPid(&p);
        }
        r.crashed = p.exitStatus() == QProcess::CrashExit;
        r.exitCode = r.timedOut || r.crashed ? -1 : p.exitCode();
        r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
        r.err = QString::fromLocal8Bit(p.readAllStandardError());
        return r;
    }

    QProcessEnvironment dockerEnv(const QString &socket) const
    {
        QProcessEnvironment env = m_env;
        env.insert(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + socket);
        return env;
    }

    CommandResult docker(const QStringList &args, int timeoutMs = kCommandTimeoutMs)
    {
        return run(m_docker, args, dockerEnv(m_socket), timeoutMs);
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd is the privileged helper (run the suite as root; CI does)");
        QVERIFY2(QFileInfo(kBerthd).isExecutable(), qPrintable(kBerthd + QStringLiteral(" is not built")));
        QVERIFY2(QFileInfo(kBerth).isExecutable(), qPrintable(kBerth + QStringLiteral(" is not built")));
        m_docker = QStandardPaths::findExecutable(QStringLiteral("docker"));
        QVERIFY2(!m_docker.isEmpty(), "no docker CLI on PATH (/usr/local/bin/docker on these machines)");

        // Short path: the socket must fit a sockaddr_un (108 bytes).
        m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/berth-it-XXXXXX"));
        QVERIFY(m_tmp->isValid());
        m_root = m_tmp->filePath(QStringLiteral("root"));
        m_socket = m_tmp->filePath(QStringLiteral("berth.sock"));
        QVERIFY(QDir().mkpath(m_tmp->filePath(QStringLiteral("docker-config"))));

        // Nothing of the user's docker or berth set-up leaks in, nothing leaks out.
        m_env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
                                 "DOCKER_API_VERSION", "BERTH_HOST"})
            m_env.remove(QLatin1String(name));
        m_env.insert(QStringLiteral("DOCKER_CONFIG"), m_tmp->filePath(QStringLiteral("docker-config")));
        m_env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));

        m_daemon = startDaemon(m_root, m_socket);
        QVERIFY2(m_daemon->waitForStarted(10000), qPrintable(m_daemon->errorString()));
        QVERIFY2(waitUntilAnswering(m_daemon, m_socket),
                 qPrintable(QStringLiteral("berthd did not answer on %1; stderr:\n%2")
                                .arg(m_socket, QString::fromLocal8Bit(m_daemon->readAllStandardError()))));
    }

    void cleanupTestCase()
    {
        for (auto &p : m_started)
            killByPid(p.get());
        m_started.clear();
    }

    void dockerVersionShowsBerthsServerSection()
    {
        const CommandResult r = docker({QStringLiteral("version")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const qsizetype server = r.out.indexOf(QLatin1String("Server: Berth Engine"));
        QVERIFY2(server >= 0, qPrintable(r.describe()));
        const QString section = r.out.mid(server);
        QVERIFY2(section.contains(QRegularExpression(QStringLiteral("\\n\\s+Version:\\s+")
                                                     + QRegularExpression::escape(QStringLiteral(BERTH_VERSION)))),
                 qPrintable(r.describe()));
        QVERIFY2(section.contains(QRegularExpression(QStringLiteral("\\n\\s+API version:\\s+1\\.41\\b"))),
                 qPrintable(r.describe()));
    }

    void dockerInfoShowsTheRootDirectory()
    {
        const CommandResult r = docker({QStringLiteral("info")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains(QStringLiteral("Docker Root Dir: ") + m_root), qPrintable(r.describe()));
    }

    void berthVersionAndInfoWork_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("viaEnvironment");
        QTest::newRow("version with -H") << QStringLiteral("version") << false;
        QTest::newRow("version with BERTH_HOST") << QStringLiteral("version") << true;
        QTest::newRow("info with -H") << QStringLiteral("info") << false;
        QTest::newRow("info with BERTH_HOST") << QStringLiteral("info") << true;
    }
    void berthVersionAndInfoWork()
    {
        QFETCH(QString, command);
        QFETCH(bool, viaEnvironment);
        QProcessEnvironment env = m_env;
        QStringList args;
        const QString host = QStringLiteral("unix://") + m_socket;
        if (viaEnvironment)
            env.insert(QStringLiteral("BERTH_HOST"), host);
        else
            args << QStringLiteral("-H") << host;
        args << command;
        const CommandResult r = run(kBerth, args, env);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        if (command == QLatin1String("version")) {
            QVERIFY2(r.out.contains(QStringLiteral(BERTH_VERSION)), qPrintable(r.describe()));
            QVERIFY2(r.out.contains(QLatin1String("1.41")), qPrintable(r.describe()));
        } else {
            QVERIFY2(r.out.contains(m_root), qPrintable(r.describe()));
        }
    }

    void berthVersionWithoutHelperNamesTheSocket()
    {
        const QString nobody = m_tmp->filePath(QStringLiteral("nobody-listens.sock"));
        const CommandResult r = run(kBerth, {QStringLiteral("-H"), QStringLiteral("unix://") + nobody,
                                             QStringLiteral("version")}, m_env);
        QVERIFY2(r.exitCode == 1, qPrintable(r.describe()));
        const QStringList lines = r.err.trimmed().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(lines.size() == 1, qPrintable(QStringLiteral("want one line on stderr\n") + r.describe()));
        QVERIFY2(lines.first().contains(nobody), qPrintable(r.describe()));
    }

    void secondHelperOnTheSameRootRefusesToStart()
    {
        const QString otherSocket = m_tmp->filePath(QStringLiteral("second.sock"));
        QProcess *second = startDaemon(m_root, otherSocket);
        QVERIFY(second->waitForStarted(10000));
        const bool exited = second->waitForFinished(15000);
        const QString err = QString::fromLocal8Bit(second->readAllStandardError());
        killByPid(second);
        QVERIFY2(exited, "a second berthd on the same root kept running");
        QVERIFY2(second->exitStatus() == QProcess::NormalExit && second->exitCode() != 0,
                 qPrintable(QStringLiteral("exit %1\n%2").arg(second->exitCode()).arg(err)));
        QVERIFY2(err.contains(m_root), qPrintable(QStringLiteral("the refusal should name the root:\n") + err));
        QVERIFY2(!socketAnswers(otherSocket), "the refused helper left a listening socket");
        QVERIFY2(socketAnswers(m_socket), "the first helper stopped answering");
    }

    void dockerEventsWithSinceAndUntilReturns()
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const CommandResult r = docker({QStringLiteral("events"), QStringLiteral("--since"), QString::number(now),
                                        QStringLiteral("--until"), QString::number(now + 1)},
                                       20000);
        QVERIFY2(!r.timedOut, qPrintable(r.describe()));
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    }

    void dockerInspectOfAnUnknownObjectSaysNoSuchObject()
    {
        const CommandResult r = docker({QStringLiteral("inspect"), QStringLiteral("nosuch")});
        QVERIFY2(r.exitCode == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(QLatin1String("Error: No such object: nosuch")), qPrintable(r.describe()));
    }

    // Last: it stops the helper the other checks use.
    void sigtermShutsTheHelperDownCleanly()
    {
        QVERIFY(m_daemon && m_daemon->state() == QProcess::Running);
        QCOMPARE(::kill(static_cast<pid_t>(m_daemon->processId()), SIGTERM), 0);
        QVERIFY2(m_daemon->waitForFinished(15000), "berthd did not exit within 15 s of SIGTERM");
        const QString err = QString::fromLocal8Bit(m_daemon->readAllStandardError());
        QVERIFY2(m_daemon->exitStatus() == QProcess::NormalExit, qPrintable(err));
        QVERIFY2(m_daemon->exitCode() == 0, qPrintable(QStringLiteral("exit %1\n%2").arg(m_daemon->exitCode()).arg(err)));
        QVERIFY2(!QFileInfo::exists(m_socket), "berthd left its socket behind");

        // The lock on the root is released: a new helper starts on it.
        QProcess *again = startDaemon(m_root, m_socket);
        QVERIFY2(waitUntilAnswering(again, m_socket),
                 qPrintable(QStringLiteral("a new berthd on the same root did not start:\n")
                            + QString::fromLocal8Bit(again->readAllStandardError())));
        QCOMPARE(::kill(static_cast<pid_t>(again->processId()), SIGTERM), 0);
        QVERIFY(again->waitForFinished(15000));
        QCOMPARE(again->exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_HelperProcess)
#include "tst_helperprocess.moc"
