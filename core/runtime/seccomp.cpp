#include "seccomp.h"

#include "log.h"
#include "seccompprofile.h"

#include <base/uniquefd.h>

#include <cstdint>
#include <ctime>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

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

namespace {

// Compiling the profile costs tens of milliseconds (three architectures,
// the ENOSYS tail); the result depends only on the capability mask, the
// libseccomp version and this binary. It is kept in a root-only cache in
// /run, keyed by all three.
std::string cachePath(uint64_t capMask)
{
    struct stat self;
    if (stat("/proc/self/exe", &self) != 0)
        return {};
    const struct scmp_version *v = seccomp_version();
    char name[256];
    std::snprintf(name, sizeof name, "/run/berth-shim/seccomp-%016llx-%u.%u.%u-%llx-%llx-%lld.%09ld.bpf",
                  static_cast<unsigned long long>(capMask), v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
                  static_cast<unsigned long long>(self.st_dev), static_cast<unsigned long long>(self.st_ino),
                  static_cast<long long>(self.st_mtim.tv_sec), self.st_mtim.tv_nsec);
    return name;
}

// The cache file: a header, then the BPF instructions. The file is only
// trusted when every header field matches what this shim would compile and
// the CRC-32 of the instructions is right; anything else (an older format,
// another profile, a truncated or flipped file, a bare BPF program written
// by hand) is ignored and replaced by a fresh compile. The directory is
// root-only, so the checks guard against corruption and staleness: whoever
// can write there is root already.
struct CacheHeader
{
    char magic[8];           // "BRTHSCMP"
    uint32_t format;         // kCacheFormat
    uint32_t count;          // instructions that follow
    uint64_t capMask;        // the capability mask the program was built for
    uint32_t profileCrc;     // CRC-32 of the profile tables (seccompprofile.cpp)
    uint32_t programCrc;     // CRC-32 of the instructions
};
static_assert(sizeof(CacheHeader) == 32);
constexpr char kCacheMagic[8] = {'B', 'R', 'T', 'H', 'S', 'C', 'M', 'P'};
constexpr uint32_t kCacheFormat = 1;

uint32_t crcOf(const void *data, size_t size, uLong crc = 0)
{
    const auto *bytes = static_cast<const Bytef *>(data);
    while (size > 0) {
        const uInt chunk = size > (1U << 30) ? (1U << 30) : static_cast<uInt>(size);
        crc = crc32(crc, bytes, chunk);
        bytes += chunk;
        size -= chunk;
    }
    return static_cast<uint32_t>(crc);
}

// Everything the compile reads besides the capability mask and libseccomp.
uint32_t profileFingerprint()
{
    uLong crc = crc32(0, nullptr, 0);
    auto addNames = [&crc](std::span<const char *const> names) {
        for (const char *name : names)
            crc = crcOf(name, std::strlen(name) + 1, crc);
        crc = crcOf("|", 1, crc);
    };
    addNames(seccompDefaultAllowList());
    addNames(seccompX86AllowList());
    addNames(seccompArmAllowList());
    for (const auto &group : seccompCapabilityGroups()) {
        crc = crcOf(&group.capability, sizeof group.capability, crc);
        addNames(group.syscalls);
    }
    crc = crcOf(&kCloneNamespaceMask, sizeof kCloneNamespaceMask, crc);
    crc = crcOf(kSocketFamiliesAllowed, sizeof kSocketFamiliesAllowed, crc);
    crc = crcOf(kPersonalityAllowed, sizeof kPersonalityAllowed, crc);
    return static_cast<uint32_t>(crc);
}

bool loadCached(const std::string &path, uint64_t capMask, SeccompProgram &out)
{
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return false;
    struct stat st;
    // Only a file root wrote and nobody else can change.
    if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0 ||
        st.st_size <= static_cast<off_t>(sizeof(CacheHeader)) || st.st_size > (1 << 20))
        return false;
    CacheHeader header;
    if (pread(fd.get(), &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header))
        return false;
    const size_t bytes = static_cast<size_t>(st.st_size) - sizeof header;
    if (std::memcmp(header.magic, kCacheMagic, sizeof kCacheMagic) != 0 || header.format != kCacheFormat ||
        header.capMask != capMask || header.profileCrc != profileFingerprint() || header.count == 0 ||
        header.count > BPF_MAXINSNS || bytes != header.count * sizeof(struct sock_filter)) {
        SHIM_WARN("seccomp cache %s does not match this profile: rebuilding it", path.c_str());
        return false;
    }
    out.instructions.resize(header.count);
    if (pread(fd.get(), out.instructions.data(), bytes, sizeof header) != static_cast<ssize_t>(bytes))
        return false;
    if (crcOf(out.instructions.data(), bytes, crc32(0, nullptr, 0)) != header.programCrc) {
        SHIM_WARN("seccomp cache %s is corrupted (checksum): rebuilding it", path.c_str());
        out.instructions.clear();
        return false;
    }
    out.program.len = static_cast<unsigned short>(out.instructions.size());
    out.program.filter = out.instructions.data();
    // Marks the file as in use for pruneUnused(); a failure only makes it
    // look older.
    (void)futimens(fd.get(), nullptr);
    return true;
}

// A cache file is keyed by the shim binary, so every rebuilt or upgraded
// shim leaves its files behind. Removes those nobody used for a day (a load
// refreshes the time), never `keep`. Runs only after a compile.
constexpr time_t kCacheUnusedSeconds = 24 * 60 * 60;

void pruneUnused(const std::string &keep)
{
    const size_t slash = keep.rfind('/');
    const std::string dir = keep.substr(0, slash);
    const std::string kept = keep.substr(slash + 1);
    UniqueFd dirFd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!dirFd)
        return;
    DIR *d = fdopendir(dup(dirFd.get()));
    if (!d)
        return;
    const time_t now = time(nullptr);
    std::vector<std::string> stale;
    while (const struct dirent *e = readdir(d)) {
        const std::string name = e->d_name;
        if (name == kept || name.rfind("seccomp-", 0) != 0 || name.find(".bpf") == std::string::npos)
            continue;
        struct stat st;
        if (fstatat(dirFd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > kCacheUnusedSeconds)
            stale.push_back(name);
    }
    closedir(d);
    for (const auto &name : stale)
        unlinkat(dirFd.get(), name.c_str(), 0);
}

void storeCached(const std::string &path, uint64_t capMask, const SeccompProgram &program)
{
    if (mkdir("/run/berth-shim", 0700) != 0 && errno != EEXIST)
        return;
    const std::string temp = path + ".tmp." + std::to_string(getpid());
    UniqueFd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return;
    const size_t size = program.instructions.size() * sizeof(struct sock_filter);
    CacheHeader header = {};
    std::memcpy(header.magic, kCacheMagic, sizeof kCacheMagic);
    header.format = kCacheFormat;
    header.count = static_cast<uint32_t>(program.instructions.size());
    header.capMask = capMask;
    header.profileCrc = profileFingerprint();
    header.programCrc = crcOf(program.instructions.data(), size, crc32(0, nullptr, 0));
    struct iovec parts[2] = {{&header, sizeof header}, {const_cast<struct sock_filter *>(program.instructions.data()), size}};
    // No fsync: /run is tmpfs, and a torn file fails the checks above.
    if (writev(fd.get(), parts, 2) != static_cast<ssize_t>(sizeof header + size) || rename(temp.c_str(), path.c_str()) != 0) {
        unlink(temp.c_str());
        return;
    }
    pruneUnused(path);
}

Result<SeccompProgram> compileDefaultSeccomp(uint64_t capMask);

} // namespace

Result<SeccompProgram> buildDefaultSeccomp(uint64_t capMask)
{
    const std::string cache = cachePath(capMask);
    SeccompProgram cached;
    if (!cache.empty() && loadCached(cache, capMask, cached))
        return cached;
    auto built = compileDefaultSeccomp(capMask);
    if (built && !cache.empty())
        storeCached(cache, capMask, *built);
    return built;
}

namespace {

Result<SeccompProgram> compileDefaultSeccomp(uint64_t capMask)
{
    FilterContext f;
    f.ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!f.ctx)
        return fail(ErrorCode::Internal, "seccomp: init the default profile failed");
    // berth-shim sets no_new_privs itself when the spec asks for it.
    seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0);
    // A binary tree over the syscall numbers instead of one compare per
    // allowed syscall in a row: the kernel emulates the filter for every
    // syscall number of every architecture when it is loaded (the action
    // cache), and each syscall it does not cache walks it too.
    if (const int rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0)
        return seccompFailure("choose the binary tree layout", rc);
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
#elif defined(__aarch64__) || defined(__arm__)
    for (const char *name : seccompArmAllowList()) {
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

    // socket: only the families in kSocketFamiliesAllowed.
    for (const auto &range : kSocketFamiliesAllowed) {
        for (int family = range.first; family <= range.last; ++family) {
            const int rc = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                            SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family)));
            if (rc != 0)
                return seccompFailure("allow socket family " + std::to_string(family), rc);
        }
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

} // namespace

int loadSeccomp(const SeccompProgram &program)
{
    if (program.empty())
        return 0;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program.program) != 0)
        return -errno;
    return 0;
}

} // namespace Berth::Runtime
