#pragma once

#include <base/uniquefd.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace Berth::Daemon {

// A few network namespaces made ahead of time (design.md; issue 4): a
// container start with --network none or bridge takes one and hands it to
// `berth-shim create --netns-fd`, so the ~1.5 ms copy_net_ns of a fresh
// namespace is off the start's critical path.
//
// One dedicated std::thread fills the pool up to its target size and
// refills it after each take(); the namespaces themselves are made by the
// runtime's Berth::Runtime::makeNetns() (core/runtime/netnsfactory.h: the
// privileged syscalls stay in core/runtime, style.md D5). They exist only
// as O_CLOEXEC fds held here: no bind mount, no file, so berthd exiting or
// being killed frees every one of them. Each is handed out once.
//
// take() never waits: an empty pool (still filling, or namespaces cannot be
// made here: EPERM without privilege, ENOSPC from user.max_net_namespaces)
// returns an invalid fd and the caller goes the old way. A failure is
// logged once per run of failures; EPERM/EINVAL/ENOSYS stop the filler for
// good, anything else is retried after kRetryDelayMs or at the next take().
class NetnsPool
{
public:
    static constexpr int kDefaultSize = 4;
    static constexpr int kRetryDelayMs = 5000;

    explicit NetnsPool(int targetSize = kDefaultSize);
    // Stops the filler and closes every namespace not taken.
    ~NetnsPool();
    NetnsPool(const NetnsPool &) = delete;
    NetnsPool &operator=(const NetnsPool &) = delete;

    // Starts the filler thread (once).
    void start();
    // A ready namespace (O_RDONLY|O_CLOEXEC, lo up), or an invalid fd when
    // none is ready. Never blocks on the filler.
    UniqueFd take();

    int targetSize() const { return m_target; }
    int available() const;
    // The filler gave up for good (namespaces cannot be made here).
    bool disabled() const;
    // Namespaces made since start().
    std::uint64_t created() const;
    // Waits (for tests and start-up) until the pool is full, disabled or its
    // filler not running (also: start() not called), at most timeoutMs;
    // true when full.
    bool waitFull(int timeoutMs) const;

private:
    void run();

    const int m_target;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;            // filler: something was taken, or stop
    mutable std::condition_variable m_changed; // waitFull(): a namespace was added, or the filler ended
    std::deque<UniqueFd> m_ready;
    std::uint64_t m_created = 0;
    bool m_stop = false;
    bool m_disabled = false;
    bool m_running = false;
    std::thread m_thread;
};

} // namespace Berth::Daemon
