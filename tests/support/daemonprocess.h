#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace Berth::TestSupport {

// A long-lived child a test starts (berthd, dockerd, containerd ...). It dies
// with the test (PR_SET_PDEATHSIG); stop(), and the destructor, stop it by its
// PID: SIGTERM, then SIGKILL when it has not exited after the grace period.
// Its output is captured (log() reads stderr), written to a log file, or
// forwarded to the test's own output.
class DaemonProcess
{
public:
    static constexpr int DefaultGraceMs = 15 * 1000;

    DaemonProcess(const QString &program, const QStringList &arguments);
    virtual ~DaemonProcess();
    DaemonProcess(const DaemonProcess &) = delete;
    DaemonProcess &operator=(const DaemonProcess &) = delete;

    // Before launch(): the environment (default: the test's own), and where
    // the output goes (default: captured).
    void setEnvironment(const QProcessEnvironment &environment);
    void setLogFile(const QString &path);
    void setOutputForwarded(bool forwarded);

    // Starts the program and waits until it runs. False, with errorString(),
    // when it could not be started.
    bool launch(int timeoutMs = 10000);
    // Polls ready() every 100 ms; false once the process exits or timeoutMs passes.
    bool waitUntil(const std::function<bool()> &ready, int timeoutMs);

    qint64 pid() const { return m_pid; }
    bool isRunning() const;
    bool waitForExit(int timeoutMs);
    QProcess::ExitStatus exitStatus() const { return m_process->exitStatus(); }
    int exitCode() const { return m_process->exitCode(); }
    QString errorString() const { return m_process->errorString(); }
    QString program() const { return m_process->program(); }
    // What it wrote to stderr so far, or the log file's contents.
    QString log();

    // SIGTERM to the PID; true once it has exited within timeoutMs.
    bool terminate(int timeoutMs = DefaultGraceMs);
    // SIGTERM, then SIGKILL after graceMs; returns once it is gone. No-op if
    // it is not running.
    void stop(int graceMs = DefaultGraceMs);

    // The same for a process this test did not start as a child (a helper the
    // application under test started detached): SIGTERM, SIGKILL after
    // graceMs. Only for PIDs the test knows it caused.
    static void stopPid(qint64 pid, int graceMs = DefaultGraceMs);
    // True while pid names a live (not zombie) process.
    static bool isAlive(qint64 pid);

private:
    std::unique_ptr<QProcess> m_process;
    QString m_logFile;
    QString m_stderr;
    qint64 m_pid = 0;
};

} // namespace Berth::TestSupport
