#include "user.h"

#include <cstdint>
#include <charconv>
#include <limits>

namespace Berth::Runtime {

namespace {

std::vector<std::string_view> splitFields(std::string_view line, char sep)
{
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        const size_t pos = line.find(sep, start);
        if (pos == std::string_view::npos) {
            out.push_back(line.substr(start));
            return out;
        }
        out.push_back(line.substr(start, pos - start));
        start = pos + 1;
    }
}

bool parseId(std::string_view text, uint32_t &out)
{
    if (text.empty())
        return false;
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value > std::numeric_limits<uint32_t>::max() - 1)
        return false;
    out = static_cast<uint32_t>(value);
    return true;
}

template<typename F>
void forEachLine(std::string_view text, F fn)
{
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        if (line.empty() || line.front() == '#')
            continue;
        fn(line);
    }
}

} // namespace

std::vector<PasswdEntry> parsePasswd(std::string_view text)
{
    std::vector<PasswdEntry> out;
    forEachLine(text, [&](std::string_view line) {
        const auto f = splitFields(line, ':');
        if (f.size() < 4 || f[0].empty())
            return;
        PasswdEntry e;
        e.name = std::string(f[0]);
        if (!parseId(f[2], e.uid) || !parseId(f[3], e.gid))
            return;
        if (f.size() > 5)
            e.home = std::string(f[5]);
        out.push_back(std::move(e));
    });
    return out;
}

std::vector<GroupEntry> parseGroup(std::string_view text)
{
    std::vector<GroupEntry> out;
    forEachLine(text, [&](std::string_view line) {
        const auto f = splitFields(line, ':');
        if (f.size() < 3 || f[0].empty())
            return;
        GroupEntry e;
        e.name = std::string(f[0]);
        if (!parseId(f[2], e.gid))
            return;
        if (f.size() > 3 && !f[3].empty()) {
            for (auto m : splitFields(f[3], ','))
                if (!m.empty())
                    e.members.emplace_back(m);
        }
        out.push_back(std::move(e));
    });
    return out;
}

Result<ExecUser> resolveUser(std::string_view spec, const std::string *passwd, const std::string *group)
{
    std::string_view userPart = spec;
    std::string_view groupPart;
    bool hasGroup = false;
    if (const size_t colon = spec.find(':'); colon != std::string_view::npos) {
        userPart = spec.substr(0, colon);
        groupPart = spec.substr(colon + 1);
        hasGroup = true;
    }

    const std::vector<PasswdEntry> users = passwd ? parsePasswd(*passwd) : std::vector<PasswdEntry>();
    const std::vector<GroupEntry> groups = group ? parseGroup(*group) : std::vector<GroupEntry>();

    ExecUser result;
    const PasswdEntry *matched = nullptr;
    uint32_t numericUid = 0;
    const bool userIsNumeric = parseId(userPart, numericUid);
    if (userPart.empty()) {
        userPart = "0";
        numericUid = 0;
    }
    if (userIsNumeric || userPart == "0") {
        for (const auto &u : users) {
            if (u.uid == numericUid) {
                matched = &u;
                break;
            }
        }
        result.uid = numericUid;
    } else {
        for (const auto &u : users) {
            if (u.name == userPart) {
                matched = &u;
                break;
            }
        }
        if (!matched) {
            if (!passwd)
                return fail(ErrorCode::NotFound, "unable to find user " + std::string(userPart) + ": no matching entries in passwd file (the image has no /etc/passwd)");
            return fail(ErrorCode::NotFound, "unable to find user " + std::string(userPart) + ": no matching entries in passwd file");
        }
        result.uid = matched->uid;
    }
    if (matched) {
        result.gid = matched->gid;
        if (!matched->home.empty())
            result.home = matched->home;
    }

    if (hasGroup) {
        uint32_t numericGid = 0;
        if (parseId(groupPart, numericGid)) {
            result.gid = numericGid;
        } else {
            const GroupEntry *g = nullptr;
            for (const auto &candidate : groups) {
                if (candidate.name == groupPart) {
                    g = &candidate;
                    break;
                }
            }
            if (!g)
                return fail(ErrorCode::NotFound, "unable to find group " + std::string(groupPart) + ": no matching entries in group file");
            result.gid = g->gid;
        }
    }

    // Supplementary groups: every group that lists the user by name.
    if (matched) {
        for (const auto &g : groups) {
            for (const auto &m : g.members) {
                if (m == matched->name) {
                    bool dup = false;
                    for (gid_t have : result.supplementaryGroups)
                        dup = dup || have == g.gid;
                    if (!dup)
                        result.supplementaryGroups.push_back(g.gid);
                    break;
                }
            }
        }
    }
    return result;
}

} // namespace Berth::Runtime
