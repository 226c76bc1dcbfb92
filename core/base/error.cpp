#include "error.h"

#include <cerrno>
#include <cstring>

namespace Berth {

const char *errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Internal: return "internal";
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::NotModified: return "not modified";
    case ErrorCode::Unauthorized: return "unauthorized";
    case ErrorCode::PermissionDenied: return "permission denied";
    case ErrorCode::TooLarge: return "too large";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Unavailable: return "unavailable";
    case ErrorCode::NotImplemented: return "not implemented";
    case ErrorCode::Io: return "i/o";
    case ErrorCode::Protocol: return "protocol";
    }
    return "unknown";
}

Error::Error(ErrorCode code, std::string message, int sysErrno)
    : m_code(code), m_errno(sysErrno), m_message(std::move(message))
{}

Error Error::fromErrno(std::string_view operation, int sysErrno)
{
    ErrorCode code = ErrorCode::Io;
    switch (sysErrno) {
    case ENOENT: code = ErrorCode::NotFound; break;
    case EEXIST:
    case EBUSY: code = ErrorCode::Conflict; break;
    case EACCES:
    case EPERM: code = ErrorCode::PermissionDenied; break;
    case EINVAL: code = ErrorCode::InvalidArgument; break;
    case ETIMEDOUT: code = ErrorCode::Timeout; break;
    case ECONNREFUSED: code = ErrorCode::Unavailable; break;
    default: break;
    }
    return Error(code, std::string(operation), sysErrno);
}

Error &Error::wrap(std::string context) &
{
    m_contexts.push_back(std::move(context));
    return *this;
}

Error &&Error::wrap(std::string context) &&
{
    m_contexts.push_back(std::move(context));
    return std::move(*this);
}

std::string Error::toString() const
{
    std::string out;
    for (auto it = m_contexts.rbegin(); it != m_contexts.rend(); ++it) {
        out += *it;
        out += ": ";
    }
    out += m_message;
    if (m_errno != 0) {
        out += ": ";
        out += errnoName(m_errno);
        out += " (";
        out += std::strerror(m_errno);
        out += ")";
    }
    return out;
}

std::string errnoName(int sysErrno)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (const char *name = strerrorname_np(sysErrno))
        return name;
#endif
    return "errno " + std::to_string(sysErrno);
}

} // namespace Berth
