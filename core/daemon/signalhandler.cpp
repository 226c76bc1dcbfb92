#include "signalhandler.h"

#include "daemonlogging.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <sys/signalfd.h>
#include <unistd.h>

namespace Berth::Daemon {

static sigset_t handledSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

void SignalHandler::blockSignals()
{
    const sigset_t set = handledSignals();
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

SignalHandler::SignalHandler(QObject *parent)
    : QObject(parent)
{
}

SignalHandler::~SignalHandler()
{
    delete m_notifier;
}

Status SignalHandler::start()
{
    const sigset_t set = handledSignals();
    // Blocking again is harmless and covers callers that forgot blockSignals().
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    m_fd = UniqueFd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!m_fd)
        return failErrno("signalfd");
    m_notifier = new QSocketNotifier(m_fd.get(), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalHandler::onReadable);
    return {};
}

void SignalHandler::onReadable()
{
    for (;;) {
        signalfd_siginfo info{};
        const ssize_t n = ::read(m_fd.get(), &info, sizeof(info));
        if (n != ssize_t(sizeof(info))) {
            if (n < 0 && errno == EINTR)
                continue;
            return;
        }
        const int sig = int(info.ssi_signo);
        qCDebug(lcDaemon) << "signal" << sig << "from pid" << info.ssi_pid;
        if (sig == SIGHUP)
            emit reloadRequested();
        else
            emit terminateRequested(sig);
    }
}

} // namespace Berth::Daemon
