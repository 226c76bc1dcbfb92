#pragma once

// docker's default seccomp profile built with libseccomp in the shim and
// exported as BPF, so the container child only needs one syscall to load it.

#include <base/result.h>

#include <cstdint>
#include <vector>

#include <linux/filter.h>

namespace Berth::Runtime {

struct SeccompProgram
{
    std::vector<struct sock_filter> instructions;
    struct sock_fprog program = {};
    bool empty() const { return instructions.empty(); }
};

// The default profile for a process keeping the capabilities in `capMask`
// (bit n = capability n): syscalls unlocked by those capabilities are
// allowed, clone without SYS_ADMIN may not create namespaces, clone3 and
// syscalls newer than the profile fail with ENOSYS.
Result<SeccompProgram> buildDefaultSeccomp(uint64_t capMask);

// Async-signal-safe: loads the program. Returns 0 or -errno.
int loadSeccomp(const SeccompProgram &program);

} // namespace Berth::Runtime
