#pragma once

#include "commandresult.h"
#include "commandrunner.h"
#include "privatehelper.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <memory>

class QTemporaryDir;

namespace Berth::TestSupport {

// What an integration test of the container workflow starts from: a temp
// dir, a private berthd on a socket in it (PrivateHelper: its own bridge and
// cgroup parent), the default busybox image imported as busybox:latest with
// CMD ["sh"], and `berth` and the real docker CLI pointed at that socket
// with an isolated environment (DOCKER_HOST and BERTH_HOST set, no user
// configuration, TZ=UTC, LC_ALL=C).
//
// Declare it as a member of the test object, call setUp() in initTestCase()
// and removeAllContainers() in cleanup(); the destructor (or tearDown())
// removes what is left and stops berthd by its PID, then deletes its bridge
// and cgroup parent. Root only: the caller skips when not root.
class EngineFixture
{
public:
    struct Options
    {
        // The temp dir is /tmp/<tempPrefix>-XXXXXX; short, so the socket
        // path fits a sockaddr_un.
        QString tempPrefix = QStringLiteral("berth-it");
        int commandTimeoutMs = 120 * 1000;
        bool importBusybox = true;
        // More berthd options after the private ones.
        QStringList berthdArguments;
    };

    // `berthd` and `berth` are the built executables (the test's compile
    // definitions BERTHD_PATH and BERTH_PATH).
    EngineFixture(const QString &berthd, const QString &berth);
    EngineFixture(const EngineFixture &) = delete;
    EngineFixture &operator=(const EngineFixture &) = delete;
    ~EngineFixture();

    // Empty when the engine answers and the image is there; otherwise what
    // failed, with berthd's log or the command's output (for QVERIFY2).
    QString setUp(const Options &options);
    QString setUp() { return setUp(Options()); }

    // Starts berthd again over the same root, socket, bridge and cgroup
    // parent after it stopped or was killed (the durability tests).
    QString restart();

    // Every container removed by force; paused ones are thawed first so that
    // nothing frozen outlives a failed test. Nothing when berthd is down.
    void removeAllContainers();
    // Every volume removed (removeAllContainers() first).
    void removeAllVolumes();
    // removeAllContainers() and berthd stopped; also run by the destructor.
    void tearDown();

    CommandResult berth(const QStringList &arguments, const QByteArray &input = {}) const;
    CommandResult docker(const QStringList &arguments, const QByteArray &input = {}) const;
    // The same arguments through both CLIs against this berthd: same exit
    // code and stderr (docker's name replaced), and the same stdout unless
    // `sameOut` is false; full IDs are masked. Fails the current test
    // function (QTest) on a difference.
    void compareBoth(const QStringList &arguments, bool sameOut = true) const;
    // `docker inspect -f FORMAT REF`, trimmed.
    QString inspect(const QString &ref, const QString &format) const;

    bool isRunning() const { return m_daemon && m_daemon->isRunning(); }
    PrivateHelper &daemon() { return *m_daemon; }
    const PrivateHelper &daemon() const { return *m_daemon; }

    // The temp dir (the CLIs' working directory), and a path inside it.
    QString tempDir() const;
    QString path(const QString &name) const;
    QString root() const { return m_root; }
    QString socket() const { return m_socket; }
    QString dockerProgram() const { return m_docker; }
    QString berthProgram() const { return m_berth; }
    QProcessEnvironment environment() const { return m_runner.environment(); }
    const CommandRunner &runner() const { return m_runner; }

private:
    QString startDaemon(PrivateHelper *previous);

    QString m_berthd;
    QString m_berth;
    QString m_docker;
    Options m_options;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_socket;
    CommandRunner m_runner;
    // Declared after m_tmp: stopped by PID before the dir goes.
    std::unique_ptr<PrivateHelper> m_daemon;
};

} // namespace Berth::TestSupport
