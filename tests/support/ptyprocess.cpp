#include "ptyprocess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QList>

#include <vector>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace Berth::TestSupport {

PtyProcess::~PtyProcess()
{
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
    }
    if (m_master >= 0)
        ::close(m_master);
}

bool PtyProcess::start(const QString &program, const QStringList &arguments, const QProcessEnvironment &environment,
                       int rows, int columns)
{
    // Everything the child needs is built before fork().
    QList<QByteArray> argvBytes{QFile::encodeName(program)};
    for (const QString &a : arguments)
        argvBytes << a.toLocal8Bit();
    QList<QByteArray> envBytes;
    for (const QString &e : environment.toStringList())
        envBytes << e.toLocal8Bit();
    std::vector<char *> argv;
    for (QByteArray &a : argvBytes)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char *> envp;
    for (QByteArray &e : envBytes)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(columns);
    m_pid = ::forkpty(&m_master, nullptr, nullptr, &ws);
    if (m_pid < 0)
        return false;
    if (m_pid == 0) {
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::fcntl(m_master, F_SETFL, ::fcntl(m_master, F_GETFL) | O_NONBLOCK);
    return true;
}

void PtyProcess::write(const QByteArray &bytes)
{
    [[maybe_unused]] const ssize_t n = ::write(m_master, bytes.constData(), size_t(bytes.size()));
}

bool PtyProcess::waitFor(const QByteArray &pattern, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!m_output.contains(pattern)) {
        if (t.elapsed() > timeoutMs)
            return false;
        if (!readSome(200) && m_eof)
            return m_output.contains(pattern);
    }
    return true;
}

int PtyProcess::waitExit(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        readSome(50);
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            while (readSome(50)) {
            }
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
    return -1;
}

bool PtyProcess::slaveIsCanonical() const
{
    termios t{};
    if (::tcgetattr(m_master, &t) != 0)
        return false;
    return (t.c_lflag & ICANON) && (t.c_lflag & ECHO);
}

bool PtyProcess::readSome(int timeoutMs)
{
    pollfd p{m_master, POLLIN, 0};
    if (::poll(&p, 1, timeoutMs) <= 0)
        return false;
    char buffer[4096];
    const ssize_t n = ::read(m_master, buffer, sizeof buffer);
    if (n <= 0) {
        m_eof = true;
        return false;
    }
    m_output.append(buffer, n);
    return true;
}

} // namespace Berth::TestSupport
