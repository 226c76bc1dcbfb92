#include "logwriter.h"

#include "log.h"
#include "syscalls.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Runtime {

Status LogWriter::open(int dirFd, const std::string &path, int64_t maxSize, int maxFiles)
{
    m_dirFd = dirFd;
    m_path = path;
    m_maxSize = maxSize;
    m_maxFiles = maxFiles < 1 ? 1 : maxFiles;
    m_fd = UniqueFd(openat(dirFd, path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!m_fd)
        return failErrno("open log " + path);
    struct stat st;
    m_size = fstat(m_fd.get(), &st) == 0 ? st.st_size : 0;
    return {};
}

void LogWriter::write(std::string_view stream, std::string_view data)
{
    if (!m_fd)
        return;
    std::string &pending = m_pending[stream == "stderr" ? 1 : 0];
    pending.append(data);
    size_t start = 0;
    for (;;) {
        const size_t nl = pending.find('\n', start);
        if (nl == std::string::npos || nl - start >= kLogLineMax) {
            // No newline within 16 KiB: emit full 16 KiB parts without one.
            if (pending.size() - start >= kLogLineMax) {
                writeEntry(stream, std::string_view(pending).substr(start, kLogLineMax));
                start += kLogLineMax;
                continue;
            }
            break;
        }
        writeEntry(stream, std::string_view(pending).substr(start, nl - start + 1));
        start = nl + 1;
    }
    pending.erase(0, start);
}

void LogWriter::flush()
{
    for (int i = 0; i < 2; ++i) {
        if (!m_pending[i].empty()) {
            writeEntry(i == 0 ? "stdout" : "stderr", m_pending[i]);
            m_pending[i].clear();
        }
    }
}

void LogWriter::writeEntry(std::string_view stream, std::string_view text)
{
    nlohmann::json entry;
    entry["log"] = std::string(text);
    entry["stream"] = std::string(stream);
    entry["time"] = rfc3339Now();
    // Invalid UTF-8 from the container becomes U+FFFD instead of failing.
    std::string line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += '\n';
    if (m_maxSize > 0 && m_size > 0 && m_size + static_cast<int64_t>(line.size()) > m_maxSize)
        rotate();
    if (auto st = writeAll(m_fd.get(), line, m_path); !st) {
        SHIM_WARN("%s", st.error().toString().c_str());
        return;
    }
    m_size += static_cast<int64_t>(line.size());
}

void LogWriter::rotate()
{
    // container.log.(n-2) -> .(n-1), ..., container.log -> .1
    if (m_maxFiles <= 1) {
        if (ftruncate(m_fd.get(), 0) != 0)
            SHIM_WARN("truncate log %s: %s", m_path.c_str(), std::strerror(errno));
        m_size = 0;
        return;
    }
    const std::string oldest = m_path + "." + std::to_string(m_maxFiles - 1);
    unlinkat(m_dirFd, oldest.c_str(), 0);
    for (int i = m_maxFiles - 2; i >= 1; --i) {
        const std::string from = m_path + "." + std::to_string(i);
        const std::string to = m_path + "." + std::to_string(i + 1);
        if (renameat(m_dirFd, from.c_str(), m_dirFd, to.c_str()) != 0 && errno != ENOENT)
            SHIM_WARN("rotate log %s: %s", from.c_str(), std::strerror(errno));
    }
    const std::string first = m_path + ".1";
    if (renameat(m_dirFd, m_path.c_str(), m_dirFd, first.c_str()) != 0)
        SHIM_WARN("rotate log %s: %s", m_path.c_str(), std::strerror(errno));
    UniqueFd fresh(openat(m_dirFd, m_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fresh) {
        SHIM_WARN("reopen log %s: %s", m_path.c_str(), std::strerror(errno));
        return;
    }
    m_fd = std::move(fresh);
    m_size = 0;
}

} // namespace Berth::Runtime
