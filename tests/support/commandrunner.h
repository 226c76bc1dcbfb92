#pragma once

#include "commandresult.h"

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

class QProcess;

namespace Berth::TestSupport {

// Runs one command to its end (berth, docker, podman, a script ...) with a
// fixed environment, working directory and timeout, and returns what it left
// in a CommandResult. The child dies with the test (PR_SET_PDEATHSIG), and one
// that outlives its timeout is killed by its PID. stdin gets `input` and is
// then closed, so a command that prompts reads end-of-file instead of waiting.
class CommandRunner
{
public:
    static constexpr int DefaultTimeoutMs = 30 * 1000;

    explicit CommandRunner(const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
                           int timeoutMs = DefaultTimeoutMs);

    QProcessEnvironment environment() const { return m_environment; }
    CommandRunner &setEnvironment(const QProcessEnvironment &environment);
    CommandRunner &setWorkingDirectory(const QString &directory);
    CommandRunner &setTimeout(int timeoutMs);

    // A copy with one more variable set, or with another timeout.
    CommandRunner with(const QString &name, const QString &value) const;
    CommandRunner withTimeout(int timeoutMs) const;

    CommandResult run(const QString &program, const QStringList &arguments, const QByteArray &input = {}) const;

    // The system environment with nothing of the user's docker, podman or
    // berth set-up in it: no DOCKER_HOST, BERTH_HOST, contexts, TLS or
    // containers.conf overrides; DOCKER_CONFIG=dockerConfigDir (which the
    // caller creates) and LC_ALL=C.
    static QProcessEnvironment isolatedEnvironment(const QString &dockerConfigDir);

    // Makes the child get SIGKILL when the test dies (PR_SET_PDEATHSIG), even
    // when ctest kills it outright. Call before QProcess::start().
    static void killWithParent(QProcess &process);

private:
    QProcessEnvironment m_environment;
    QString m_workingDirectory;
    int m_timeoutMs;
};

} // namespace Berth::TestSupport
