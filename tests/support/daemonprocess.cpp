#include "daemonprocess.h"

#include "commandrunner.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QThread>

#include <csignal>
#include <sys/types.h>

namespace Berth::TestSupport {

DaemonProcess::DaemonProcess(const QString &program, const QStringList &arguments)
    : m_process(std::make_unique<QProcess>())
{
    m_process->setProgram(program);
    m_process->setArguments(arguments);
    CommandRunner::killWithParent(*m_process);
}

DaemonProcess::~DaemonProcess()
{
    stop();
}

void DaemonProcess::setEnvironment(const QProcessEnvironment &environment)
{
    m_process->setProcessEnvironment(environment);
}

void DaemonProcess::setLogFile(const QString &path)
{
    m_logFile = path;
    // Both streams append to one file: two truncating opens would overwrite
    // each other's output.
    m_process->setStandardOutputFile(path, QIODevice::Append);
    m_process->setStandardErrorFile(path, QIODevice::Append);
}

void DaemonProcess::setOutputForwarded(bool forwarded)
{
    m_process->setProcessChannelMode(forwarded ? QProcess::ForwardedChannels : QProcess::SeparateChannels);
}

bool DaemonProcess::launch(int timeoutMs)
{
    m_process->start();
    if (!m_process->waitForStarted(timeoutMs))
        return false;
    m_pid = m_process->processId();
    return true;
}

bool DaemonProcess::waitUntil(const std::function<bool()> &ready, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning)
            return false;
        if (ready())
            return true;
        m_process->waitForFinished(100);
    }
    return false;
}

bool DaemonProcess::isRunning() const
{
    return m_process->state() != QProcess::NotRunning;
}

bool DaemonProcess::waitForExit(int timeoutMs)
{
    return m_process->state() == QProcess::NotRunning || m_process->waitForFinished(timeoutMs);
}

QString DaemonProcess::log()
{
    if (!m_logFile.isEmpty()) {
        QFile file(m_logFile);
        return file.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(file.readAll()) : QString();
    }
    if (m_process->processChannelMode() == QProcess::SeparateChannels)
        m_stderr += QString::fromLocal8Bit(m_process->readAllStandardError());
    return m_stderr;
}

bool DaemonProcess::terminate(int timeoutMs)
{
    if (m_process->state() == QProcess::NotRunning)
        return true;
    if (m_pid <= 0 || ::kill(pid_t(m_pid), SIGTERM) != 0)
        return false;
    return m_process->waitForFinished(timeoutMs);
}

void DaemonProcess::stop(int graceMs)
{
    if (m_process->state() == QProcess::NotRunning)
        return;
    const qint64 pid = m_pid > 0 ? m_pid : m_process->processId();
    if (pid > 0)
        ::kill(pid_t(pid), SIGTERM);
    if (!m_process->waitForFinished(graceMs) && pid > 0) {
        ::kill(pid_t(pid), SIGKILL);
        m_process->waitForFinished(5000);
    }
}

bool DaemonProcess::isAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype paren = line.lastIndexOf(')');
    return paren < 0 || paren + 2 >= line.size() || line.at(paren + 2) != 'Z';
}

void DaemonProcess::stopPid(qint64 pid, int graceMs)
{
    if (!isAlive(pid))
        return;
    ::kill(pid_t(pid), SIGTERM);
    QDeadlineTimer deadline(graceMs);
    while (!deadline.hasExpired() && isAlive(pid))
        QThread::msleep(50);
    if (isAlive(pid))
        ::kill(pid_t(pid), SIGKILL);
}

} // namespace Berth::TestSupport
