#include "errortext.h"

#include "guitr.h"

#include <common/errors.h>

namespace Berth::Gui {

QString errorSummary(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Unavailable:
        return Tr::tr("The helper is not answering.");
    case ErrorCode::Timeout:
        return Tr::tr("The helper took too long to answer.");
    case ErrorCode::PermissionDenied:
    case ErrorCode::Unauthorized:
        return Tr::tr("Permission denied.");
    case ErrorCode::NotFound:
        return Tr::tr("Not found.");
    case ErrorCode::InvalidArgument:
        return Tr::tr("The request was not valid.");
    case ErrorCode::Conflict:
        return Tr::tr("The object is in the wrong state for this.");
    case ErrorCode::NotModified:
        return Tr::tr("Nothing to do.");
    case ErrorCode::TooLarge:
        return Tr::tr("The request is too large.");
    case ErrorCode::NotImplemented:
        return Tr::tr("The helper does not support this.");
    case ErrorCode::Io:
        return Tr::tr("A system call failed.");
    case ErrorCode::Protocol:
        return Tr::tr("The helper answered something unexpected.");
    case ErrorCode::Internal:
        break;
    }
    return Tr::tr("Internal error.");
}

QString errorText(const Error &error)
{
    //: %1 is a translated summary, %2 the engine's technical English message
    return Tr::tr("%1 (%2)").arg(errorSummary(error.code()), Common::toQString(error));
}

} // namespace Berth::Gui
