#pragma once

// Capability sets for the container process (docker: bounding = permitted =
// effective = the spec's list for uid 0; inheritable and ambient empty).
// prepare() runs in the shim (libcap, may allocate); apply*() run in the
// container child between clone and execve and only make syscalls.

#include <base/result.h>

#include <cstdint>
#include <string>
#include <vector>

namespace Berth::Runtime {

struct CapabilityPlan
{
    uint64_t keep = 0; // bit n = capability n
    int lastCap = 0;   // /proc/sys/kernel/cap_last_cap
};

// Names as in the spec ("CAP_CHOWN"; "CHOWN" accepted too). privileged:
// every capability the kernel knows.
Result<CapabilityPlan> prepareCapabilities(const std::vector<std::string> &names, bool privileged);

// Async-signal-safe. Drops every capability outside `keep` from the bounding
// set (needs CAP_SETPCAP, so before applyFinal) and asks the kernel to keep
// the permitted set across the uid change. Returns 0 or -errno.
int applyBounding(const CapabilityPlan &plan);
// Async-signal-safe. After setresuid: permitted = effective = keep,
// inheritable = 0, ambient cleared. Returns 0 or -errno.
int applyFinal(const CapabilityPlan &plan);

} // namespace Berth::Runtime
