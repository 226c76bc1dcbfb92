#include "seccomp.h"

#include "seccompprofile.h"

#include <base/uniquefd.h>

#include <cerrno>
#include <cstring>

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Berth::Runtime {

namespace {

struct FilterContext
{
    scmp_filter_ctx ctx = nullptr;
    ~FilterContext()
    {
        if (ctx)
            seccomp_release(ctx);
    }
};

std::unexpected<Error> seccompFailure(const std::string &what, int rc)
{
    return fail(Error::fromErrno("seccomp: " + what, -rc));
}

Status allow(scmp_filter_ctx ctx, const char *name, int &highestNative)
{
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return {}; // unknown to libseccomp: nothing to allow
    const int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    if (rc != 0 && rc != -EDOM) // EDOM: not on this architecture
        return seccompFailure(std::string("allow ") + name, rc);
    if (nr >= 0 && nr < 1024 && nr > highestNative)
        highestNative = nr;
    return {};
}

} // namespace

Result<SeccompProgram> buildDefaultSeccomp(uint64_t capMask)
{
    FilterContext f;
    f.ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!f.ctx)
        return fail(ErrorCode::Internal, "seccomp: init the default profile failed");
    // berth-shim sets no_new_privs itself when the spec asks for it.
    seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0);
#if defined(__x86_64__)
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
        const int rc = seccomp_arch_add(f.ctx, arch);
        if (rc != 0 && rc != -EEXIST)
            return seccompFailure("add a sub-architecture", rc);
    }
#elif defined(__aarch64__)
    if (const int rc = seccomp_arch_add(f.ctx, SCMP_ARCH_ARM); rc != 0 && rc != -EEXIST)
        return seccompFailure("add a sub-architecture", rc);
#endif

    int highest = 0;
    for (const char *name : seccompDefaultAllowList()) {
        if (auto st = allow(f.ctx, name, highest); !st)
            return std::unexpected(st.error());
    }
#if defined(__x86_64__) || defined(__i386__)
    for (const char *name : seccompX86AllowList()) {
        if (auto st = allow(f.ctx, name, highest); !st)
            return std::unexpected(st.error());
    }
#endif
    const bool sysAdmin = capMask & (1ULL << CAP_SYS_ADMIN);
    for (const auto &group : seccompCapabilityGroups()) {
        if (!(capMask & (1ULL << group.capability)))
            continue;
        for (const char *name : group.syscalls) {
            if (auto st = allow(f.ctx, name, highest); !st)
                return std::unexpected(st.error());
        }
    }

    // clone: no namespace flags without SYS_ADMIN (flags are argument 0
    // on x86 and arm; s390's swapped order is not a Berth target).
    if (sysAdmin) {
        if (auto st = allow(f.ctx, "clone", highest); !st)
            return std::unexpected(st.error());
    } else {
        const int rc = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                        SCMP_A0(SCMP_CMP_MASKED_EQ, kCloneNamespaceMask, 0));
        if (rc != 0)
            return seccompFailure("allow clone without namespace flags", rc);
        // seccomp cannot read clone3's struct: ENOSYS makes libc fall back to clone.
        const int rc3 = seccomp_rule_add(f.ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        if (rc3 != 0 && rc3 != -EDOM)
            return seccompFailure("clone3 returns ENOSYS", rc3);
        highest = std::max(highest, static_cast<int>(SCMP_SYS(clone3)));
    }

    // personality: only the harmless personas.
    for (uint64_t persona : kPersonalityAllowed) {
        const int rc = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_EQ, persona));
        if (rc != 0)
            return seccompFailure("allow personality", rc);
    }

    // socket: every family but AF_ALG (38) and AF_VSOCK (40).
    {
        const int rc1 = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_LT, kAfAlg));
        const int rc2 = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, kAfAlg + 1));
        const int rc3 = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GT, kAfVsock));
        if (rc1 != 0 || rc2 != 0 || rc3 != 0)
            return seccompFailure("allow socket", rc1 ? rc1 : rc2 ? rc2 : rc3);
    }

    // Syscalls newer than any the profile names: ENOSYS, so that libc's
    // fallbacks work (runc does the same). Only for the native numbering.
    const int nativeMax = 512;
    for (int nr = highest + 1; nr < nativeMax; ++nr) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        const bool known = name != nullptr;
        std::free(name);
        if (!known)
            continue;
        const int rc = seccomp_rule_add_exact(f.ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
        if (rc != 0 && rc != -EEXIST && rc != -EDOM && rc != -EINVAL)
            return seccompFailure("ENOSYS for syscall " + std::to_string(nr), rc);
    }

    UniqueFd memfd(memfd_create("berth-seccomp", MFD_CLOEXEC));
    if (!memfd)
        return failErrno("memfd_create for the seccomp program");
    if (const int rc = seccomp_export_bpf(f.ctx, memfd.get()); rc != 0)
        return seccompFailure("export the BPF program", rc);
    const off_t size = lseek(memfd.get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(struct sock_filter)) != 0)
        return fail(ErrorCode::Internal, "seccomp: the exported BPF program has a bad size");
    SeccompProgram out;
    out.instructions.resize(static_cast<size_t>(size) / sizeof(struct sock_filter));
    if (pread(memfd.get(), out.instructions.data(), static_cast<size_t>(size), 0) != size)
        return failErrno("read back the seccomp program");
    out.program.len = static_cast<unsigned short>(out.instructions.size());
    out.program.filter = out.instructions.data();
    return out;
}

int loadSeccomp(const SeccompProgram &program)
{
    if (program.empty())
        return 0;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program.program) != 0)
        return -errno;
    return 0;
}

} // namespace Berth::Runtime
