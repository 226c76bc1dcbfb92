#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <sys/types.h>

namespace Berth::TestSupport {

// A command on the slave side of a pseudo-terminal, as a person at a
// terminal runs it: its own session with the pty as controlling terminal
// (forkpty). The test writes keystrokes to the master and reads what the
// terminal shows. Killed by its PID if it outlives the test step.
class PtyProcess
{
public:
    PtyProcess() = default;
    PtyProcess(const PtyProcess &) = delete;
    PtyProcess &operator=(const PtyProcess &) = delete;
    ~PtyProcess();

    bool start(const QString &program, const QStringList &arguments, const QProcessEnvironment &environment,
               int rows = 24, int columns = 80);

    void write(const QByteArray &bytes);

    // Reads until `pattern` appears in what came so far, or the time is up.
    bool waitFor(const QByteArray &pattern, int timeoutMs = 20000);

    // Waits for the exit: the exit code, 128 + signal, or -1 on timeout
    // (the process is then killed by the destructor).
    int waitExit(int timeoutMs = 20000);

    // True when the slave is in canonical mode with echo (a shell's cooked
    // terminal), false when a program put it in raw mode.
    bool slaveIsCanonical() const;

    // Everything read from the master so far.
    const QByteArray &output() const { return m_output; }

private:
    bool readSome(int timeoutMs);

    pid_t m_pid = -1;
    int m_master = -1;
    QByteArray m_output;
    bool m_eof = false;
};

} // namespace Berth::TestSupport
