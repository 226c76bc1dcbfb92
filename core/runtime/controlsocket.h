#pragma once

// The per-container control socket (README section 4): bound relative to
// the bundle directory (the shim chdirs there, so long roots never exceed
// sun_path), mode 0600.

#include <base/result.h>
#include <base/uniquefd.h>

#include <string>

namespace Berth::Runtime {

// Binds and listens on `name` relative to the current directory; a stale
// socket file is replaced.
Result<UniqueFd> bindControlSocket(const std::string &name);

} // namespace Berth::Runtime
