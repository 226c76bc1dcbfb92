#include "netnspool.h"

#include "daemonlogging.h"

#include <runtime/netnsfactory.h>

#include <QString>

#include <cerrno>
#include <chrono>
#include <csignal>

#include <pthread.h>

namespace Berth::Daemon {

NetnsPool::NetnsPool(int targetSize) : m_target(targetSize > 0 ? targetSize : 1) {}

NetnsPool::~NetnsPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    // m_ready's fds close here: namespaces nobody joined die with them.
}

void NetnsPool::start()
{
    std::lock_guard lock(m_mutex);
    if (m_running || m_stop)
        return;
    m_running = true;
    m_thread = std::thread([this] { run(); });
}

UniqueFd NetnsPool::take()
{
    UniqueFd fd;
    {
        std::lock_guard lock(m_mutex);
        if (m_ready.empty())
            return fd;
        fd = std::move(m_ready.front());
        m_ready.pop_front();
    }
    m_wake.notify_one();
    return fd;
}

int NetnsPool::available() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_ready.size());
}

bool NetnsPool::disabled() const
{
    std::lock_guard lock(m_mutex);
    return m_disabled;
}

std::uint64_t NetnsPool::created() const
{
    std::lock_guard lock(m_mutex);
    return m_created;
}

bool NetnsPool::waitFull(int timeoutMs) const
{
    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] {
        return static_cast<int>(m_ready.size()) >= m_target || m_disabled || !m_running;
    });
    return static_cast<int>(m_ready.size()) >= m_target;
}

void NetnsPool::run()
{
    // Signals are berthd's main thread's business (signalhandler.h).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    pthread_setname_np(pthread_self(), "berthd-netns");

    auto finish = [this](bool disable) {
        std::lock_guard lock(m_mutex);
        m_disabled = m_disabled || disable;
        m_running = false;
        m_changed.notify_all();
    };

    auto home = Runtime::openThreadNetns();
    if (!home) {
        qCWarning(lcDaemon).noquote() << "network namespace pool disabled:"
                                      << QString::fromStdString(home.error().toString());
        return finish(true);
    }
    bool failing = false;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || static_cast<int>(m_ready.size()) < m_target; });
            if (m_stop)
                break;
        }
        bool stranded = false;
        auto made = Runtime::makeNetns(home->get(), &stranded);
        if (made) {
            if (failing)
                qCInfo(lcDaemon) << "network namespace pool: creating namespaces again";
            failing = false;
            std::lock_guard lock(m_mutex);
            m_ready.push_back(std::move(*made));
            ++m_created;
            m_changed.notify_all();
            continue;
        }
        const int err = made.error().sysErrno();
        if (stranded) {
            // This thread is in the namespace it just made: end it (its
            // reference goes with it) rather than create more from there.
            qCCritical(lcDaemon).noquote() << "network namespace pool stopped:"
                                           << QString::fromStdString(made.error().toString());
            return finish(true);
        }
        if (err == EPERM || err == EINVAL || err == ENOSYS) {
            qCWarning(lcDaemon).noquote() << "network namespace pool disabled (containers create their own):"
                                          << QString::fromStdString(made.error().toString());
            return finish(true);
        }
        if (!failing)
            qCWarning(lcDaemon).noquote() << "network namespace pool: cannot create a namespace, retrying later:"
                                          << QString::fromStdString(made.error().toString());
        failing = true;
        std::unique_lock lock(m_mutex);
        const auto before = m_ready.size();
        m_wake.wait_for(lock, std::chrono::milliseconds(kRetryDelayMs),
                        [this, before] { return m_stop || m_ready.size() < before; });
        if (m_stop)
            break;
    }
    finish(false);
}

} // namespace Berth::Daemon
