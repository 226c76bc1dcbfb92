#include "controlsocket.h"

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace Berth::Runtime {

Result<UniqueFd> bindControlSocket(const std::string &name)
{
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (name.size() >= sizeof addr.sun_path)
        return fail(ErrorCode::InvalidArgument, "bind control socket " + name + ": name too long");
    std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        return failErrno("create control socket " + name);
    struct stat st;
    if (lstat(name.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(ErrorCode::Conflict, "bind control socket " + name + ": the path exists and is not a socket");
        unlink(name.c_str());
    }
    const mode_t old = umask(0177);
    const int rc = bind(fd.get(), reinterpret_cast<struct sockaddr *>(&addr), sizeof addr);
    umask(old);
    if (rc != 0)
        return failErrno("bind control socket " + name);
    if (listen(fd.get(), 64) != 0)
        return failErrno("listen on control socket " + name);
    return fd;
}

} // namespace Berth::Runtime
