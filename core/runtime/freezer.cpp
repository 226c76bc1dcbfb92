#include "freezer.h"

#include "cgroup.h"
#include "syscalls.h"

#include <cerrno>
#include <ctime>
#include <sstream>

#include <fcntl.h>

namespace Berth::Runtime {

namespace {

long long monotonicMs()
{
    struct timespec ts = {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    return s;
}

// The value of "key value" in a flat-keyed cgroup file (cgroup.events).
std::string keyedValue(const std::string &text, const std::string &key)
{
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string k, v;
        words >> k >> v;
        if (k == key)
            return v;
    }
    return {};
}

} // namespace

Result<Freezer> Freezer::forCgroup(const Cgroup &cgroup)
{
    if (cgroup.isUnified())
        return Freezer(cgroup.paths().front(), true);
    std::string dir = cgroup.controllerPath("freezer");
    if (dir.empty())
        return fail(ErrorCode::NotImplemented, "pause: the cgroup v1 freezer controller is not mounted on this host");
    return Freezer(std::move(dir), false);
}

Freezer Freezer::atPath(std::string directory, bool unified)
{
    return Freezer(std::move(directory), unified);
}

Status Freezer::request(bool frozen) const
{
    const std::string file = m_path + (m_unified ? "/cgroup.freeze" : "/freezer.state");
    const char *value = m_unified ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
    if (auto st = writeFileAt(AT_FDCWD, file.c_str(), value); !st)
        return std::unexpected(std::move(st.error()).wrap(std::string(frozen ? "freeze" : "thaw") + " cgroup " + m_path));
    return {};
}

Result<bool> Freezer::reached(bool frozen) const
{
    if (m_unified) {
        const std::string file = m_path + "/cgroup.events";
        auto text = readFileAt(AT_FDCWD, file.c_str(), file);
        if (!text)
            return std::unexpected(std::move(text.error()));
        return keyedValue(*text, "frozen") == (frozen ? "1" : "0");
    }
    const std::string file = m_path + "/freezer.state";
    auto text = readFileAt(AT_FDCWD, file.c_str(), file);
    if (!text)
        return std::unexpected(std::move(text.error()));
    return trimmed(*text) == (frozen ? "FROZEN" : "THAWED");
}

Status Freezer::waitFor(bool frozen, int timeoutMs) const
{
    const long long deadline = monotonicMs() + timeoutMs;
    long long sleepUs = 100;
    for (;;) {
        auto done = reached(frozen);
        if (!done)
            return std::unexpected(std::move(done.error()));
        if (*done)
            return {};
        if (monotonicMs() >= deadline)
            break;
        // v1: a task that was in an uninterruptible sleep makes the state
        // stay FREEZING; writing FROZEN again retries the freeze (runc does
        // the same). v2 retries by itself.
        if (!m_unified && frozen) {
            if (auto st = request(true); !st)
                return st;
        }
        struct timespec ts = {0, static_cast<long>(sleepUs * 1000)};
        nanosleep(&ts, nullptr);
        sleepUs = sleepUs < 10000 ? sleepUs * 2 : 10000;
    }
    return fail(ErrorCode::Timeout,
                std::string(frozen ? "freeze" : "thaw") + " cgroup " + m_path + ": not " + (frozen ? "frozen" : "thawed")
                    + " after " + std::to_string(timeoutMs) + " ms: ETIMEDOUT",
                ETIMEDOUT);
}

Status Freezer::freeze(int timeoutMs) const
{
    if (auto st = request(true); !st)
        return st;
    if (auto st = waitFor(true, timeoutMs); !st) {
        // Never leave a container half frozen behind a failed pause.
        (void)request(false);
        return st;
    }
    return {};
}

Status Freezer::thaw(int timeoutMs) const
{
    if (auto st = request(false); !st)
        return st;
    return waitFor(false, timeoutMs);
}

Result<bool> Freezer::isFrozen() const
{
    if (m_unified) {
        const std::string file = m_path + "/cgroup.freeze";
        auto text = readFileAt(AT_FDCWD, file.c_str(), file);
        if (!text)
            return std::unexpected(std::move(text.error()));
        return trimmed(*text) == "1";
    }
    const std::string file = m_path + "/freezer.state";
    auto text = readFileAt(AT_FDCWD, file.c_str(), file);
    if (!text)
        return std::unexpected(std::move(text.error()));
    const std::string state = trimmed(*text);
    return state == "FROZEN" || state == "FREEZING";
}

} // namespace Berth::Runtime
