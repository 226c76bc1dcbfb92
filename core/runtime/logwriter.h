#pragma once

// docker's json-file log: one {"log","stream","time"} object per line,
// lines over 16 KiB split, size-based rotation (container.log.1, ...).

#include <base/result.h>
#include <base/uniquefd.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace Berth::Runtime {

class LogWriter
{
public:
    Status open(int dirFd, const std::string &path, int64_t maxSize, int maxFiles);
    bool isOpen() const { return m_fd.isValid(); }
    // Appends output of stream "stdout" or "stderr"; complete lines are
    // written at once, a partial line waits for its end (or 16 KiB).
    void write(std::string_view stream, std::string_view data);
    // Writes what is left without a newline (at exit).
    void flush();

private:
    void writeEntry(std::string_view stream, std::string_view text);
    void rotate();

    UniqueFd m_fd;
    int m_dirFd = -1;
    std::string m_path;
    int64_t m_maxSize = 0;
    int m_maxFiles = 1;
    int64_t m_size = 0;
    std::string m_pending[2]; // stdout, stderr
};

inline constexpr size_t kLogLineMax = 16 * 1024;

} // namespace Berth::Runtime
