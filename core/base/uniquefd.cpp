#include "uniquefd.h"
#include "result.h"

#include <cerrno>
#include <unistd.h>

namespace Berth {

void UniqueFd::reset(int fd)
{
    if (m_fd >= 0) {
        const int saved = errno;
        ::close(m_fd); // close(2) must not be retried on Linux, even on EINTR
        errno = saved;
    }
    m_fd = fd;
}

std::unexpected<Error> failErrno(std::string_view operation)
{
    return std::unexpected<Error>(Error::fromErrno(operation, errno));
}

} // namespace Berth
