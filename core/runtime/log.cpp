#include "log.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <unistd.h>

namespace Berth::Runtime {

namespace {
LogLevel g_level = LogLevel::Warning;
char g_prefix[64] = "berth-shim";
}

void initLog(const char *prefix)
{
    std::snprintf(g_prefix, sizeof g_prefix, "%s", prefix);
    if (const char *env = std::getenv("BERTH_SHIM_LOG")) {
        if (std::strcmp(env, "error") == 0)
            g_level = LogLevel::Error;
        else if (std::strcmp(env, "info") == 0)
            g_level = LogLevel::Info;
        else if (std::strcmp(env, "debug") == 0)
            g_level = LogLevel::Debug;
        else
            g_level = LogLevel::Warning;
    }
}

bool logEnabled(LogLevel level)
{
    return static_cast<int>(level) <= static_cast<int>(g_level);
}

void logMessage(LogLevel level, const char *format, ...)
{
    if (!logEnabled(level))
        return;
    static const char *const names[] = {"error", "warning", "info", "debug"};
    // Wall clock for people, CLOCK_MONOTONIC (µs) to time the create phases
    // across the shim's processes.
    struct timespec ts, mono;
    clock_gettime(CLOCK_REALTIME, &ts);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    char line[2048];
    int n = std::snprintf(line, sizeof line, "%s[%d] %lld.%06ld mono=%lld.%06ld %s: ", g_prefix, static_cast<int>(getpid()),
                          static_cast<long long>(ts.tv_sec), ts.tv_nsec / 1000, static_cast<long long>(mono.tv_sec),
                          mono.tv_nsec / 1000, names[static_cast<int>(level)]);
    va_list args;
    va_start(args, format);
    if (n > 0 && static_cast<size_t>(n) < sizeof line)
        n += std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n), format, args);
    va_end(args);
    if (n < 0)
        return;
    size_t len = static_cast<size_t>(n) < sizeof line - 1 ? static_cast<size_t>(n) : sizeof line - 2;
    line[len++] = '\n';
    // One write per line so lines from several processes do not interleave.
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, line, len);
}

} // namespace Berth::Runtime
