// Integration: a private berthd in a temporary root, driven by the real docker
// CLI and by berth. Needs root (style.md C24); skips with the reason otherwise.
// Every process the test starts is killed by its PID in cleanup, even when a
// check fails half-way.

#include <support/commandrunner.h>
#include <support/privatehelper.h>

#include <QtTest>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <memory>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::PrivateHelper;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);

} // namespace

class tst_HelperProcess : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_socket;
    QString m_docker;
    CommandRunner m_runner; // the isolated environment, 30 s per command
    // Declared after m_tmp: stopped by PID (in cleanup and on destruction) before it goes.
    std::unique_ptr<PrivateHelper> m_daemon;

    std::unique_ptr<PrivateHelper> makeHelper(const QString &socket) const
    {
        auto helper = std::make_unique<PrivateHelper>(kBerthd, m_root, socket);
        helper->setEnvironment(m_runner.environment());
        return helper;
    }

    CommandResult docker(const QStringList &args, int timeoutMs = CommandRunner::DefaultTimeoutMs)
    {
        return m_runner.with(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + m_socket)
            .withTimeout(timeoutMs)
            .run(m_docker, args);
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
        m_runner.setEnvironment(CommandRunner::isolatedEnvironment(m_tmp->filePath(QStringLiteral("docker-config"))));

        m_daemon = makeHelper(m_socket);
        QVERIFY2(m_daemon->launch(), qPrintable(m_daemon->errorString()));
        QVERIFY2(m_daemon->waitUntilAnswering(),
                 qPrintable(QStringLiteral("berthd did not answer on %1; stderr:\n%2").arg(m_socket, m_daemon->log())));
    }

    void cleanupTestCase()
    {
        if (m_daemon)
            m_daemon->stop();
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
        CommandRunner runner = m_runner;
        QStringList args;
        const QString host = QStringLiteral("unix://") + m_socket;
        if (viaEnvironment)
            runner = runner.with(QStringLiteral("BERTH_HOST"), host);
        else
            args << QStringLiteral("-H") << host;
        args << command;
        const CommandResult r = runner.run(kBerth, args);
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
        const CommandResult r = m_runner.run(kBerth, {QStringLiteral("-H"), QStringLiteral("unix://") + nobody,
                                                      QStringLiteral("version")});
        QVERIFY2(r.exitCode == 1, qPrintable(r.describe()));
        const QStringList lines = r.err.trimmed().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(lines.size() == 1, qPrintable(QStringLiteral("want one line on stderr\n") + r.describe()));
        QVERIFY2(lines.first().contains(nobody), qPrintable(r.describe()));
    }

    void secondHelperOnTheSameRootRefusesToStart()
    {
        const QString otherSocket = m_tmp->filePath(QStringLiteral("second.sock"));
        const std::unique_ptr<PrivateHelper> second = makeHelper(otherSocket); // stopped when it goes out of scope
        QVERIFY(second->launch());
        const bool exited = second->waitForExit(15000);
        const QString err = second->log();
        second->stop();
        QVERIFY2(exited, "a second berthd on the same root kept running");
        QVERIFY2(second->exitStatus() == QProcess::NormalExit && second->exitCode() != 0,
                 qPrintable(QStringLiteral("exit %1\n%2").arg(second->exitCode()).arg(err)));
        QVERIFY2(err.contains(m_root), qPrintable(QStringLiteral("the refusal should name the root:\n") + err));
        QVERIFY2(!PrivateHelper::socketAnswers(otherSocket), "the refused helper left a listening socket");
        QVERIFY2(PrivateHelper::socketAnswers(m_socket), "the first helper stopped answering");
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
        QVERIFY(m_daemon && m_daemon->isRunning());
        QCOMPARE(::kill(static_cast<pid_t>(m_daemon->pid()), SIGTERM), 0);
        QVERIFY2(m_daemon->waitForExit(15000), "berthd did not exit within 15 s of SIGTERM");
        const QString err = m_daemon->log();
        QVERIFY2(m_daemon->exitStatus() == QProcess::NormalExit, qPrintable(err));
        QVERIFY2(m_daemon->exitCode() == 0, qPrintable(QStringLiteral("exit %1\n%2").arg(m_daemon->exitCode()).arg(err)));
        QVERIFY2(!QFileInfo::exists(m_socket), "berthd left its socket behind");

        // The lock on the root is released: a new helper starts on it.
        // It replaces m_daemon, so cleanupTestCase stops it should a check fail.
        m_daemon = makeHelper(m_socket);
        QVERIFY2(m_daemon->start(),
                 qPrintable(QStringLiteral("a new berthd on the same root did not start:\n") + m_daemon->log()));
        QCOMPARE(::kill(static_cast<pid_t>(m_daemon->pid()), SIGTERM), 0);
        QVERIFY(m_daemon->waitForExit(15000));
        QCOMPARE(m_daemon->exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_HelperProcess)
#include "tst_helperprocess.moc"
