#include "netnsfactory.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

constexpr const char *kThreadNetns = "/proc/thread-self/ns/net";

// lo is down in a fresh namespace; the same ioctl the container child uses
// (child.cpp), no netlink needed.
Status bringLoopbackUp()
{
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return failErrno("open a socket to bring lo up in a new network namespace");
    struct ifreq ifr = {};
    std::memcpy(ifr.ifr_name, "lo", 3);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
        return failErrno("read the flags of lo in a new network namespace");
    ifr.ifr_flags |= IFF_UP;
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0)
        return failErrno("bring up lo in a new network namespace");
    return {};
}

} // namespace

Result<UniqueFd> openThreadNetns()
{
    UniqueFd fd(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
    if (!fd)
        return failErrno(std::string("open ") + kThreadNetns);
    return fd;
}

Result<UniqueFd> makeNetns(int homeNetnsFd, bool *stranded)
{
    if (stranded)
        *stranded = false;
    if (homeNetnsFd < 0)
        return fail(ErrorCode::InvalidArgument, "make a network namespace: no home namespace fd");
    if (::unshare(CLONE_NEWNET) != 0)
        return failErrno("create a network namespace (unshare CLONE_NEWNET)");
    // From here on the thread is in the new namespace: every path back
    // must go through setns(homeNetnsFd).
    UniqueFd created(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
    const int openErrno = errno;
    Status lo = created ? bringLoopbackUp() : Status();
    if (::setns(homeNetnsFd, CLONE_NEWNET) != 0) {
        if (stranded)
            *stranded = true;
        return fail(Error::fromErrno("return to the original network namespace after creating one", errno));
    }
    if (!created)
        return fail(Error::fromErrno(std::string("open the new network namespace at ") + kThreadNetns, openErrno));
    if (!lo)
        return fail(std::move(lo.error()));
    return created;
}

Result<NamespaceId> namespaceId(int fd)
{
    struct stat st;
    if (::fstat(fd, &st) != 0)
        return failErrno("stat namespace fd " + std::to_string(fd));
    return NamespaceId{st.st_dev, st.st_ino};
}

Status checkHandedNetns(int fd, const char *what)
{
    const std::string name = std::string(what) + " " + std::to_string(fd);
    if (fd < 0)
        return fail(ErrorCode::InvalidArgument, name + ": not a file descriptor");
    const int type = ::ioctl(fd, NS_GET_NSTYPE);
    if (type < 0) {
        const int err = errno;
        if (err == EBADF)
            return fail(Error::fromErrno(name + ": not an open file descriptor", err));
        // ENOTTY: a file, pipe or socket, not a namespace.
        return fail(ErrorCode::InvalidArgument, name + ": not a namespace (NS_GET_NSTYPE: " + std::strerror(err) + ")", err);
    }
    if (type != CLONE_NEWNET)
        return fail(ErrorCode::InvalidArgument, name + ": a namespace, but not a network namespace");
    auto handed = namespaceId(fd);
    if (!handed)
        return fail(std::move(handed.error()));
    struct stat own;
    if (::stat("/proc/self/ns/net", &own) != 0)
        return failErrno("stat /proc/self/ns/net");
    if (handed->dev == own.st_dev && handed->ino == own.st_ino)
        return fail(ErrorCode::InvalidArgument, name + ": the shim's own (host) network namespace; a container needs a new one");
    return {};
}

} // namespace Berth::Runtime
