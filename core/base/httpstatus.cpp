#include "httpstatus.h"

namespace Berth {

int httpStatusForError(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return 400;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::PermissionDenied: return 403;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Timeout: return 408;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::TooLarge: return 413;
    case ErrorCode::NotModified: return 304;
    case ErrorCode::NotImplemented: return 501;
    case ErrorCode::Unavailable: return 503;
    case ErrorCode::Protocol: return 400;
    case ErrorCode::Io:
    case ErrorCode::Internal: return 500;
    }
    return 500;
}

ErrorCode errorCodeForHttpStatus(int status)
{
    switch (status) {
    case 304: return ErrorCode::NotModified;
    case 400: return ErrorCode::InvalidArgument;
    case 401: return ErrorCode::Unauthorized;
    case 403: return ErrorCode::PermissionDenied;
    case 404: return ErrorCode::NotFound;
    case 408: return ErrorCode::Timeout;
    case 409: return ErrorCode::Conflict;
    case 413:
    case 431: return ErrorCode::TooLarge;
    case 501: return ErrorCode::NotImplemented;
    case 502:
    case 503: return ErrorCode::Unavailable;
    default: break;
    }
    if (status >= 400 && status < 500)
        return ErrorCode::InvalidArgument;
    return ErrorCode::Internal;
}

const char *httpReasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "UPGRADED";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: break;
    }
    return "Status";
}

} // namespace Berth
