#pragma once

// Network namespaces made ahead of time (design.md: "keep a small pool of
// ready network namespaces"). Creating one (copy_net_ns: loopback
// registration, the ipv4/ipv6 sysctl tables) costs about 1.5 ms, which
// berth-shim otherwise pays inside clone() on every start with --network
// none or bridge. berthd's pool thread calls makeNetns(); the shim checks
// what it was handed with checkHandedNetns() and its child joins it.
//
// Qt-free and allocation-light: this is the runtime's code (style.md D5),
// linked into berthd as the small library Berth::RuntimeNetns so that the
// privileged syscalls stay in core/runtime. Each function acts on the
// calling thread only (/proc/thread-self, per-thread setns), so a
// multi-threaded caller may use it from one dedicated thread.

#include <base/result.h>
#include <base/uniquefd.h>

#include <sys/types.h>

namespace Berth::Runtime {

// The network namespace of the calling thread, open O_RDONLY|O_CLOEXEC.
Result<UniqueFd> openThreadNetns();

// Creates a fresh network namespace with `lo` up and returns it as an
// O_CLOEXEC fd, leaving the calling thread in the namespace `homeNetnsFd`
// names (its own before the call; openThreadNetns()). The namespace lives
// only as long as the returned fd (and whatever later joins it): no bind
// mount, no file. A failure to return home is reported with
// ErrorCode::Internal and `*stranded` set: the calling thread is then in
// the new namespace and must make no further use of the network (it should
// end, which drops its reference).
Result<UniqueFd> makeNetns(int homeNetnsFd, bool *stranded = nullptr);

// The identity of a namespace fd (nsfs inode and device).
struct NamespaceId
{
    dev_t dev = 0;
    ino_t ino = 0;
    friend bool operator==(const NamespaceId &, const NamespaceId &) = default;
};
Result<NamespaceId> namespaceId(int fd);

// The shim's check of a `--netns-fd`: the fd must be a network namespace
// (NS_GET_NSTYPE == CLONE_NEWNET) and not the caller's own (the host's,
// /proc/self/ns/net): a container must never be put into the host network
// by mistake. `what` names the fd in the error.
Status checkHandedNetns(int fd, const char *what = "--netns-fd");

} // namespace Berth::Runtime
