#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace Berth {

// What kind of failure an Error is. berthd maps it to an HTTP status,
// the clients map HTTP statuses back to it, and the GUI maps it to a
// translated sentence (style.md C3, C6).
enum class ErrorCode {
    Internal,        // a bug or an unexpected state: 500
    InvalidArgument, // the caller sent something wrong: 400
    NotFound,        // the named object does not exist: 404
    Conflict,        // the object exists but is in the wrong state: 409
    NotModified,     // nothing to do (stop of a stopped container): 304
    Unauthorized,    // credentials missing or wrong: 401
    PermissionDenied,// the caller may not do this: 403
    TooLarge,        // a request or a payload is over a limit: 413
    Timeout,         // a peer took too long: 408 / client-side timeout
    Unavailable,     // the helper (or a registry) cannot be reached
    NotImplemented,  // deliberately unsupported: 501
    Io,              // an OS call failed; errno says which way
    Protocol,        // a peer spoke something that is not the protocol
};

const char *errorCodeName(ErrorCode code);

// An error as data: a code, the errno when an OS call failed, an English
// technical message, and the context added on the way up (crun_error_wrap).
class Error
{
public:
    Error() = default;
    Error(ErrorCode code, std::string message, int sysErrno = 0);

    // "<operation> <object>: <strerror>" for a failed OS call.
    static Error fromErrno(std::string_view operation, int sysErrno);

    ErrorCode code() const { return m_code; }
    int sysErrno() const { return m_errno; }
    // The innermost message, without the context chain.
    const std::string &message() const { return m_message; }
    const std::vector<std::string> &contexts() const { return m_contexts; }

    // Adds an outer context ("start helper", "read /etc/hosts").
    Error &wrap(std::string context) &;
    Error &&wrap(std::string context) &&;

    // "outer: inner: message" with the errno name when there is one.
    std::string toString() const;

    // Needed by std::expected's operator== (and so by QMetaType, which
    // probes for equality when Result/Status travel in queued signals).
    friend bool operator==(const Error &a, const Error &b) = default;

private:
    ErrorCode m_code = ErrorCode::Internal;
    int m_errno = 0;
    std::string m_message;
    std::vector<std::string> m_contexts; // outermost last
};

// The symbolic errno name ("ENOENT"), or the number when unknown.
std::string errnoName(int sysErrno);

} // namespace Berth
