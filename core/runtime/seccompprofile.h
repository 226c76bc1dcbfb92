#pragma once

// docker's default seccomp profile (moby profiles/seccomp/default.json) as
// data: the unconditional allow list, the groups unlocked by a capability,
// and the argument-filtered rules. seccomp.cpp turns it into a filter.

#include <cstdint>
#include <span>

namespace Berth::Runtime {

struct SeccompCapabilityGroup
{
    int capability; // CAP_*
    std::span<const char *const> syscalls;
};

// Syscalls allowed for every container.
std::span<const char *const> seccompDefaultAllowList();
// Syscalls allowed when the container keeps the capability.
std::span<const SeccompCapabilityGroup> seccompCapabilityGroups();
// x86_64/x86 only (arch_prctl, modify_ldt).
std::span<const char *const> seccompX86AllowList();
// aarch64/arm only (the arm cache and TLS calls).
std::span<const char *const> seccompArmAllowList();

// The argument filters.
inline constexpr uint64_t kCloneNamespaceMask = 0x7E020000; // every CLONE_NEW* flag
inline constexpr uint64_t kPersonalityAllowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
// socket(): the address families a container may open, as inclusive
// ranges. Everything else (among them AF_DECnet 12, AF_ECONET 19, AF_ATMSVC
// 20, AF_IRDA 23, AF_WANPIPE 25, AF_ISDN 34, AF_CAIF 37, AF_ALG 38,
// AF_VSOCK 40 and families newer than AF_MCTP 45) fails with EPERM.
struct SocketFamilyRange
{
    int first;
    int last;
};
inline constexpr SocketFamilyRange kSocketFamiliesAllowed[] = {
    {0, 11}, {13, 18}, {21, 22}, {24, 24}, {26, 33}, {35, 36}, {39, 39}, {41, 45},
};

} // namespace Berth::Runtime
