#pragma once

// docker's -u inside the container: /etc/passwd and /etc/group parsing and
// resolution (moby/sys/user's GetExecUser semantics), on file contents read
// from the container's root.

#include <base/result.h>

#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace Berth::Runtime {

struct ExecUser
{
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> supplementaryGroups;
    std::string home = "/";
};

struct PasswdEntry
{
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
};

struct GroupEntry
{
    std::string name;
    gid_t gid = 0;
    std::vector<std::string> members;
};

std::vector<PasswdEntry> parsePasswd(std::string_view text);
std::vector<GroupEntry> parseGroup(std::string_view text);

// `spec` is "", "name", "uid", "name:group", "uid:gid" (group parts may be
// names or numbers). `passwd`/`group` are nullptr when the file is absent.
Result<ExecUser> resolveUser(std::string_view spec, const std::string *passwd, const std::string *group);

} // namespace Berth::Runtime
