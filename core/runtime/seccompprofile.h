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

// The argument filters.
inline constexpr uint64_t kCloneNamespaceMask = 0x7E020000; // every CLONE_NEW* flag
inline constexpr uint64_t kPersonalityAllowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
inline constexpr int kAfAlg = 38;
inline constexpr int kAfVsock = 40;

} // namespace Berth::Runtime
