#pragma once

// The shim's leveled stderr logger (conmon's nwarn/ninfo/ndebug). The level
// comes from BERTH_SHIM_LOG (error, warning, info, debug; default warning).
// Never call it between clone() and execve() (style.md D5).

namespace Berth::Runtime {

enum class LogLevel { Error = 0, Warning = 1, Info = 2, Debug = 3 };

void initLog(const char *prefix);
bool logEnabled(LogLevel level);
void logMessage(LogLevel level, const char *format, ...) __attribute__((format(printf, 2, 3)));

} // namespace Berth::Runtime

#define SHIM_ERROR(...) ::Berth::Runtime::logMessage(::Berth::Runtime::LogLevel::Error, __VA_ARGS__)
#define SHIM_WARN(...) ::Berth::Runtime::logMessage(::Berth::Runtime::LogLevel::Warning, __VA_ARGS__)
#define SHIM_INFO(...) ::Berth::Runtime::logMessage(::Berth::Runtime::LogLevel::Info, __VA_ARGS__)
#define SHIM_DEBUG(...) ::Berth::Runtime::logMessage(::Berth::Runtime::LogLevel::Debug, __VA_ARGS__)
