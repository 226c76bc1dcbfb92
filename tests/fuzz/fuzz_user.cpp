// Fuzz target for `-u` resolution inside a container (security-checklist.md
// 3: "/etc/passwd and /etc/group"): the input is split at NUL bytes into a
// user spec, an /etc/passwd and an /etc/group text (both from the image, so
// hostile); parsing and resolution must not crash, and a resolved user must
// come from the spec or the files.

#include "fuzzcheck.h"

#include <runtime/user.h>

#include <cstdint>
#include <string>
#include <string_view>

using namespace Berth::Runtime;
using Berth::Fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    const size_t first = input.find('\0');
    const std::string_view spec = input.substr(0, first);
    const std::string_view rest = first == std::string_view::npos ? std::string_view() : input.substr(first + 1);
    const size_t second = rest.find('\0');
    const std::string passwd(rest.substr(0, second));
    const std::string group(second == std::string_view::npos ? std::string_view() : rest.substr(second + 1));

    for (const PasswdEntry &e : parsePasswd(passwd))
        check(e.name.find(':') == std::string::npos && e.name.find('\n') == std::string::npos, "passwd names are one field");
    for (const GroupEntry &g : parseGroup(group)) {
        check(g.name.find(':') == std::string::npos, "group names are one field");
        for (const std::string &m : g.members)
            check(m.find(',') == std::string::npos, "members are split at commas");
    }
    for (const bool withFiles : {true, false}) {
        const auto user = resolveUser(spec, withFiles ? &passwd : nullptr, withFiles ? &group : nullptr);
        if (user)
            check(!user->home.empty(), "a resolved user has a home");
        else
            check(!user.error().message().empty(), "a refusal says why");
    }
    return 0;
}
