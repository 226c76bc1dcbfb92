#include "commandrunner.h"

#include <QProcess>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>

namespace Berth::TestSupport {

CommandRunner::CommandRunner(const QProcessEnvironment &environment, int timeoutMs)
    : m_environment(environment)
    , m_timeoutMs(timeoutMs)
{
}

CommandRunner &CommandRunner::setEnvironment(const QProcessEnvironment &environment)
{
    m_environment = environment;
    return *this;
}

CommandRunner &CommandRunner::setWorkingDirectory(const QString &directory)
{
    m_workingDirectory = directory;
    return *this;
}

CommandRunner &CommandRunner::setTimeout(int timeoutMs)
{
    m_timeoutMs = timeoutMs;
    return *this;
}

CommandRunner CommandRunner::with(const QString &name, const QString &value) const
{
    CommandRunner copy = *this;
    copy.m_environment.insert(name, value);
    return copy;
}

CommandRunner CommandRunner::withTimeout(int timeoutMs) const
{
    CommandRunner copy = *this;
    copy.m_timeoutMs = timeoutMs;
    return copy;
}

CommandResult CommandRunner::run(const QString &program, const QStringList &arguments, const QByteArray &input) const
{
    CommandResult r;
    r.command = QStringList(QStringList{program} + arguments).join(u' ');
    QProcess p;
    p.setProcessEnvironment(m_environment);
    if (!m_workingDirectory.isEmpty())
        p.setWorkingDirectory(m_workingDirectory);
    killWithParent(p);
    p.start(program, arguments);
    if (!p.waitForStarted(10000)) {
        r.err = QStringLiteral("could not start %1: %2").arg(program, p.errorString());
        return r;
    }
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(m_timeoutMs)) {
        r.timedOut = true;
        const qint64 pid = p.processId();
        if (pid > 0)
            ::kill(pid_t(pid), SIGKILL);
        p.waitForFinished(5000);
    }
    r.crashed = !r.timedOut && p.exitStatus() == QProcess::CrashExit;
    r.exitCode = r.timedOut || r.crashed ? -1 : p.exitCode();
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

QProcessEnvironment CommandRunner::isolatedEnvironment(const QString &dockerConfigDir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
                             "DOCKER_API_VERSION", "BERTH_HOST", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF"})
        env.remove(QLatin1String(name));
    env.insert(QStringLiteral("DOCKER_CONFIG"), dockerConfigDir);
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    return env;
}

void CommandRunner::killWithParent(QProcess &process)
{
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

} // namespace Berth::TestSupport
