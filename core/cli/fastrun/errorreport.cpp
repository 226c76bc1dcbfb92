#include "errorreport.h"

#include <base/httpstatus.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <clocale>

#include <unistd.h>

namespace Berth::Cli::FastRun {

namespace {

// The length of the white space character (QChar::isSpace) at text[i], 0 if none.
size_t spaceAt(std::string_view text, size_t i)
{
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    const auto byte = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
    if (c == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0))
        return 2; // U+0085, U+00A0
    if (c == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80)
        return 3; // U+1680
    if (c == 0xE2 && byte(1) == 0x80 && ((byte(2) >= 0x80 && byte(2) <= 0x8A) || byte(2) == 0xA8 || byte(2) == 0xA9 || byte(2) == 0xAF))
        return 3; // U+2000..U+200A, U+2028, U+2029, U+202F
    if (c == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F)
        return 3; // U+205F
    if (c == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80)
        return 3; // U+3000
    return 0;
}

// The start of the white space character that ends text[0, end), or end.
size_t spaceBefore(std::string_view text, size_t end)
{
    for (size_t len = 1; len <= 3 && len <= end; ++len) {
        const size_t at = end - len;
        if (spaceAt(text, at) == len)
            return at;
    }
    return end;
}

} // namespace

std::string trimmedText(std::string_view text)
{
    size_t begin = 0;
    while (begin < text.size()) {
        const size_t n = spaceAt(text, begin);
        if (n == 0)
            break;
        begin += n;
    }
    size_t end = text.size();
    while (end > begin) {
        const size_t at = spaceBefore(text, end);
        if (at == end || at < begin)
            break;
        end = at;
    }
    return std::string(text.substr(begin, end - begin));
}

std::string messageFromErrorBody(std::string_view body)
{
    const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
        const auto it = doc.find("message");
        if (it != doc.end() && it->is_string())
            return trimmedText(it->get_ref<const std::string &>());
    }
    return trimmedText(body);
}

Error errorFromReply(int status, std::string_view body, const std::string &path)
{
    std::string message = messageFromErrorBody(body);
    if (message.empty()) {
        message = "request returned " + std::to_string(status) + " " + httpReasonPhrase(status) + " for API route " + path
                  + ", check if the server supports the requested API version";
    }
    return Error(errorCodeForHttpStatus(status), message);
}

bool isHelperUnreachable(const Error &error)
{
    return error.sysErrno() != 0
           && (error.code() == ErrorCode::Unavailable || error.code() == ErrorCode::PermissionDenied
               || error.code() == ErrorCode::Timeout);
}

bool isFatal(const Error &error)
{
    return isHelperUnreachable(error) || error.code() == ErrorCode::Protocol || error.code() == ErrorCode::Io
           || error.code() == ErrorCode::Timeout;
}

int startErrorExitCode(const Error &error)
{
    const std::string &m = error.message();
    if (m.find("executable file not found") != std::string::npos || m.find("no such file or directory") != std::string::npos
        || m.find("system cannot find the file specified") != std::string::npos)
        return 127;
    if (m.find("permission denied") != std::string::npos || m.find("is a directory") != std::string::npos)
        return 126;
    return 125;
}

void useEnvironmentLocale()
{
    static bool done = false;
    if (!done) {
        done = true;
        std::setlocale(LC_ALL, "");
    }
}

void writeAll(int fd, std::string_view bytes)
{
    const char *p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += n;
        left -= size_t(n);
    }
}

ErrorReport::ErrorReport(std::string url, std::string socketPath)
    : m_url(std::move(url))
    , m_socketPath(std::move(socketPath))
{}

int ErrorReport::reportError(const Error &error, int exitCode) const
{
    useEnvironmentLocale(); // toString() words the errno with strerror()
    if (isHelperUnreachable(error)) {
        if (error.sysErrno() == EACCES) {
            writeAll(2, "permission denied while trying to connect to the Berth helper at " + m_url
                            + ": run as root or as a member of the berth group\n");
        } else {
            writeAll(2, "Cannot connect to the Berth helper at " + m_url + ". Is berthd running? Start it with: sudo berthd --socket "
                            + m_socketPath + "\n");
        }
        return exitCode;
    }
    switch (error.code()) {
    case ErrorCode::Timeout:
    case ErrorCode::Protocol:
    case ErrorCode::Io:
        writeAll(2, "error during connect: " + error.toString() + "\n");
        break;
    case ErrorCode::Unavailable:
    case ErrorCode::Internal:
    case ErrorCode::InvalidArgument:
    case ErrorCode::NotFound:
    case ErrorCode::Conflict:
    case ErrorCode::NotModified:
    case ErrorCode::Unauthorized:
    case ErrorCode::PermissionDenied:
    case ErrorCode::TooLarge:
    case ErrorCode::NotImplemented:
        writeAll(2, "Error response from daemon: " + error.message() + "\n");
        break;
    }
    return exitCode;
}

int ErrorReport::runError(const std::string &message, int exitCode) const
{
    writeAll(2, "berth: " + message + "\n\nRun 'berth run --help' for more information\n");
    return exitCode;
}

int ErrorReport::runDaemonError(const Error &error, int exitCode) const
{
    if (isFatal(error))
        return reportError(error, exitCode);
    return runError("Error response from daemon: " + error.message(), exitCode);
}

} // namespace Berth::Cli::FastRun
