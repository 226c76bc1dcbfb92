#pragma once

#include "error.h"

#include <expected>
#include <utility>

namespace Berth {

// Every fallible function returns a Result; nothing throws (style.md C3).
template<typename T>
using Result = std::expected<T, Error>;

// A Result that carries no value on success.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, int sysErrno = 0)
{
    return std::unexpected<Error>(Error(code, std::move(message), sysErrno));
}

inline std::unexpected<Error> fail(Error error)
{
    return std::unexpected<Error>(std::move(error));
}

// For a failed OS call: captures errno at the call site.
std::unexpected<Error> failErrno(std::string_view operation);

} // namespace Berth
