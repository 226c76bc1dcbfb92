#include "enginefixture.h"

#include "clitext.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace Berth::TestSupport {

namespace {

QStringList lines(const QString &text)
{
    return text.split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

EngineFixture::EngineFixture(const QString &berthd, const QString &berth)
    : m_berthd(berthd)
    , m_berth(berth)
{
}

EngineFixture::~EngineFixture()
{
    tearDown();
}

QString EngineFixture::setUp(const Options &options)
{
    m_options = options;
    if (!QFileInfo(m_berthd).isExecutable())
        return QStringLiteral("berthd is not built: ") + m_berthd;
    if (!QFileInfo(m_berth).isExecutable())
        return QStringLiteral("berth is not built: ") + m_berth;
    m_docker = QStandardPaths::findExecutable(QStringLiteral("docker"));
    if (m_docker.isEmpty())
        return QStringLiteral("no docker CLI on PATH (/usr/local/bin/docker on these machines)");

    m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/%1-XXXXXX").arg(options.tempPrefix));
    if (!m_tmp->isValid())
        return QStringLiteral("cannot make a temp dir: ") + m_tmp->errorString();
    m_socket = path(QStringLiteral("b.sock"));
    m_root = path(QStringLiteral("root"));
    const QString dockerConfig = path(QStringLiteral("docker-config"));
    if (!QDir().mkpath(dockerConfig))
        return QStringLiteral("cannot make ") + dockerConfig;

    QProcessEnvironment env = CommandRunner::isolatedEnvironment(dockerConfig);
    env.insert(QStringLiteral("TZ"), QStringLiteral("UTC"));
    env.insert(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + m_socket);
    env.insert(QStringLiteral("BERTH_HOST"), QStringLiteral("unix://") + m_socket);
    m_runner = CommandRunner(env, options.commandTimeoutMs);
    m_runner.setWorkingDirectory(m_tmp->path());

    if (QString failed = startDaemon(nullptr); !failed.isEmpty())
        return failed;

    if (options.importBusybox) {
        const QString tar = path(QStringLiteral("busybox.tar"));
        const CommandResult made = CommandRunner(QProcessEnvironment::systemEnvironment(), 120 * 1000)
                                       .run(QStringLiteral("bash"),
                                            {QStringLiteral(BERTH_SOURCE_DIR "/installer/make-default-image.sh"), tar});
        if (made.exitCode != 0)
            return made.describe();
        const CommandResult imported = berth({QStringLiteral("import"), QStringLiteral("-c"), QStringLiteral("CMD [\"sh\"]"),
                                              tar, QStringLiteral("busybox:latest")});
        if (imported.exitCode != 0)
            return imported.describe();
    }
    return {};
}

QString EngineFixture::startDaemon(PrivateHelper *previous)
{
    if (previous)
        m_daemon = std::make_unique<PrivateHelper>(m_berthd, m_root, m_socket, *previous);
    else
        m_daemon = std::make_unique<PrivateHelper>(m_berthd, m_root, m_socket, m_options.berthdArguments);
    if (!m_daemon->launch())
        return m_daemon->errorString() + QLatin1Char('\n') + m_daemon->log();
    if (!m_daemon->waitUntilAnswering())
        return QStringLiteral("berthd did not answer on ") + m_socket + QLatin1Char('\n') + m_daemon->log();
    return {};
}

QString EngineFixture::restart()
{
    if (!m_daemon)
        return QStringLiteral("berthd was never started");
    std::unique_ptr<PrivateHelper> previous = std::move(m_daemon);
    previous->stop();
    // The new one takes over the bridge and the cgroup parent; the old one
    // then removes nothing when it goes.
    QString failed = startDaemon(previous.get());
    previous.reset();
    return failed;
}

void EngineFixture::removeAllContainers()
{
    if (!isRunning())
        return;
    const QStringList paused = lines(
        docker({QStringLiteral("ps"), QStringLiteral("-q"), QStringLiteral("--no-trunc"), QStringLiteral("--filter"),
                QStringLiteral("status=paused")})
            .out);
    if (!paused.isEmpty())
        docker(QStringList{QStringLiteral("unpause")} + paused);
    const QStringList all = lines(docker({QStringLiteral("ps"), QStringLiteral("-aq"), QStringLiteral("--no-trunc")}).out);
    if (!all.isEmpty())
        docker(QStringList{QStringLiteral("rm"), QStringLiteral("-f")} + all);
}

void EngineFixture::removeAllVolumes()
{
    if (!isRunning())
        return;
    const QStringList volumes = lines(docker({QStringLiteral("volume"), QStringLiteral("ls"), QStringLiteral("-q")}).out);
    if (!volumes.isEmpty())
        docker(QStringList{QStringLiteral("volume"), QStringLiteral("rm"), QStringLiteral("-f")} + volumes);
}

void EngineFixture::tearDown()
{
    removeAllContainers();
    removeAllVolumes();
    m_daemon.reset(); // stops it by PID, removes its bridge and cgroup parent
}

CommandResult EngineFixture::berth(const QStringList &arguments, const QByteArray &input) const
{
    return m_runner.run(m_berth, arguments, input);
}

CommandResult EngineFixture::docker(const QStringList &arguments, const QByteArray &input) const
{
    return m_runner.run(m_docker, arguments, input);
}

QString EngineFixture::inspect(const QString &ref, const QString &format) const
{
    return docker({QStringLiteral("inspect"), QStringLiteral("-f"), format, ref}).out.trimmed();
}

QString EngineFixture::tempDir() const
{
    return m_tmp ? m_tmp->path() : QString();
}

QString EngineFixture::path(const QString &name) const
{
    return m_tmp ? m_tmp->filePath(name) : QString();
}

void EngineFixture::compareBoth(const QStringList &arguments, bool sameOut) const
{
    const CommandResult b = berth(arguments);
    const CommandResult d = docker(arguments);
    QVERIFY2(b.exitCode == d.exitCode, qPrintable(QStringLiteral("berth: %1\ndocker: %2").arg(b.describe(), d.describe())));
    if (sameOut)
        QCOMPARE(withoutIds(b.out), withoutIds(d.out));
    QCOMPARE(withoutIds(b.err), withoutIds(asBerth(d.err)));
}

} // namespace Berth::TestSupport
