#include "terminal.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Berth::Cli {

RawTerminal::~RawTerminal()
{
    restore();
}

Status RawTerminal::makeRaw(int fd)
{
    termios t{};
    if (::tcgetattr(fd, &t) != 0)
        return fail(Error::fromErrno("tcgetattr on the local terminal", errno));
    m_saved = t;
    // moby/term MakeRaw (cfmakeraw): no input translation, no output
    // processing (the container's pty already wrote "\r\n"), no echo.
    t.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~tcflag_t(OPOST);
    t.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~tcflag_t(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSANOW, &t) != 0)
        return fail(Error::fromErrno("tcsetattr raw mode on the local terminal", errno));
    m_fd = fd;
    return {};
}

void RawTerminal::restore()
{
    if (m_fd < 0)
        return;
    ::tcsetattr(m_fd, TCSANOW, &m_saved);
    m_fd = -1;
}

bool RawTerminal::isTerminal(int fd)
{
    return ::isatty(fd) == 1;
}

std::optional<std::pair<int, int>> RawTerminal::size(int fd)
{
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) != 0)
        return std::nullopt;
    return std::pair<int, int>{ws.ws_row, ws.ws_col};
}

namespace {
int g_signalWriteFd = -1;

void onSignal(int signal)
{
    const int saved = errno;
    const unsigned char byte = static_cast<unsigned char>(signal);
    if (g_signalWriteFd >= 0)
        [[maybe_unused]] ssize_t n = ::write(g_signalWriteFd, &byte, 1);
    errno = saved;
}

int g_signalReadFd = -1;
} // namespace

SignalNotifier::SignalNotifier(const QList<int> &signalList, QObject *parent)
    : QObject(parent)
    , m_signals(signalList)
{
    if (g_signalWriteFd < 0) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0)
            return;
        g_signalReadFd = fds[0];
        g_signalWriteFd = fds[1];
    }
    m_notifier = new QSocketNotifier(g_signalReadFd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalNotifier::drain);
    for (int s : std::as_const(m_signals)) {
        struct sigaction sa{};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        struct sigaction old{};
        ::sigaction(s, &sa, &old);
        m_previous.append(old);
    }
}

SignalNotifier::~SignalNotifier()
{
    for (qsizetype i = 0; i < m_signals.size(); ++i)
        ::sigaction(m_signals.at(i), &m_previous.at(i), nullptr);
}

void SignalNotifier::drain()
{
    unsigned char buffer[64];
    for (;;) {
        const ssize_t n = ::read(g_signalReadFd, buffer, sizeof buffer);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; ++i)
            emit received(buffer[i]);
    }
}

QString SignalNotifier::signalName(int signal)
{
    if (const char *abbrev = ::sigabbrev_np(signal))
        return QString::fromLatin1(abbrev);
    return QString::number(signal);
}

} // namespace Berth::Cli
