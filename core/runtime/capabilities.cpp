#include "capabilities.h"

#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Berth::Runtime {

Result<CapabilityPlan> prepareCapabilities(const std::vector<std::string> &names, bool privileged)
{
    CapabilityPlan plan;
    plan.lastCap = static_cast<int>(cap_max_bits()) - 1;
    if (plan.lastCap < 0 || plan.lastCap > 63)
        return fail(ErrorCode::Internal, "read the kernel's last capability: out of range");
    if (privileged) {
        plan.keep = plan.lastCap == 63 ? ~0ULL : ((1ULL << (plan.lastCap + 1)) - 1);
        return plan;
    }
    for (const auto &name : names) {
        std::string lower;
        for (char c : name)
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.rfind("cap_", 0) != 0)
            lower = "cap_" + lower;
        cap_value_t value;
        if (cap_from_name(lower.c_str(), &value) != 0)
            return fail(ErrorCode::InvalidArgument, "spec field \"process.capabilities\": unknown capability " + name);
        if (value > plan.lastCap)
            return fail(ErrorCode::InvalidArgument, "spec field \"process.capabilities\": " + name + " is not known to this kernel");
        plan.keep |= 1ULL << value;
    }
    return plan;
}

int applyBounding(const CapabilityPlan &plan)
{
    for (int cap = 0; cap <= plan.lastCap; ++cap) {
        if (plan.keep & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            return -errno;
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
        return -errno;
    return 0;
}

int applyFinal(const CapabilityPlan &plan)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {};
    data[0].effective = data[0].permitted = static_cast<uint32_t>(plan.keep & 0xffffffffu);
    data[1].effective = data[1].permitted = static_cast<uint32_t>(plan.keep >> 32);
    if (syscall(SYS_capset, &header, data) != 0)
        return -errno;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return -errno;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
        return -errno;
    return 0;
}

} // namespace Berth::Runtime
