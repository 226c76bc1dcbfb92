#include "spec.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <algorithm>
#include <cctype>
#include <iterator>
#include <tuple>
#include <limits>

#include <sys/resource.h>

namespace Berth::Runtime {

namespace {

using Json = nlohmann::json;

std::unexpected<Error> invalid(std::string_view field, std::string_view what)
{
    return fail(ErrorCode::InvalidArgument, "spec field \"" + std::string(field) + "\": " + std::string(what));
}

bool hasNul(const std::string &s)
{
    return s.find('\0') != std::string::npos;
}

// Field readers: a missing field keeps the default; a present field of the
// wrong type is an error.
Status readString(const Json &obj, const char *key, std::string_view field, std::string &out, bool required = false)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required)
            return invalid(field, "missing");
        return {};
    }
    if (!it->is_string())
        return invalid(field, "not a string");
    out = it->get<std::string>();
    if (hasNul(out))
        return invalid(field, "contains a NUL byte");
    return {};
}

Status readBool(const Json &obj, const char *key, std::string_view field, bool &out)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return {};
    if (!it->is_boolean())
        return invalid(field, "not a boolean");
    out = it->get<bool>();
    return {};
}

Status readInt(const Json &obj, const char *key, std::string_view field, int64_t &out, int64_t min, int64_t max)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return {};
    if (!it->is_number_integer())
        return invalid(field, "not an integer");
    int64_t value;
    if (it->is_number_unsigned()) {
        const uint64_t u = it->get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return invalid(field, "out of range");
        value = static_cast<int64_t>(u);
    } else {
        value = it->get<int64_t>();
    }
    if (value < min || value > max)
        return invalid(field, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]: " + std::to_string(value));
    out = value;
    return {};
}

Status readStringList(const Json &obj, const char *key, std::string_view field, std::vector<std::string> &out)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return {};
    if (!it->is_array())
        return invalid(field, "not an array");
    out.clear();
    for (const auto &item : *it) {
        if (!item.is_string())
            return invalid(field, "holds a non-string");
        out.push_back(item.get<std::string>());
        if (hasNul(out.back()))
            return invalid(field, "an entry contains a NUL byte");
    }
    return {};
}

// A path below the bundle or the layers dir: relative, no "..", not empty.
Status checkRelative(const std::string &path, std::string_view field)
{
    if (path.empty())
        return invalid(field, "empty path");
    if (path.front() == '/')
        return invalid(field, "must be relative: " + path);
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        if (path.compare(start, end - start, "..") == 0)
            return invalid(field, "must not contain \"..\": " + path);
        start = end + 1;
    }
    return {};
}

struct RlimitName
{
    const char *name;
    int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

Status parseProcess(const Json &obj, ProcessSpec &p)
{
    if (!obj.is_object())
        return invalid("process", "not an object");
    if (auto st = readStringList(obj, "args", "process.args", p.args); !st)
        return st;
    if (p.args.empty())
        return invalid("process.args", "no command given");
    if (p.args.front().empty())
        return invalid("process.args", "empty command name");
    if (auto st = readStringList(obj, "env", "process.env", p.env); !st)
        return st;
    for (const auto &e : p.env) {
        const size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0)
            return invalid("process.env", "not NAME=value: " + e);
    }
    if (auto st = readString(obj, "cwd", "process.cwd", p.cwd); !st)
        return st;
    if (p.cwd.empty())
        p.cwd = "/";
    if (p.cwd.front() != '/')
        return invalid("process.cwd", "the working directory must be absolute: " + p.cwd);
    if (auto st = readString(obj, "user", "process.user", p.user); !st)
        return st;
    if (p.user.find_first_of(" \t\n") != std::string::npos || std::count(p.user.begin(), p.user.end(), ':') > 1)
        return invalid("process.user", "not user, uid, user:group or uid:gid: " + p.user);
    if (auto st = readBool(obj, "terminal", "process.terminal", p.terminal); !st)
        return st;
    if (auto st = readBool(obj, "openStdin", "process.openStdin", p.openStdin); !st)
        return st;
    if (auto st = readBool(obj, "stdinOnce", "process.stdinOnce", p.stdinOnce); !st)
        return st;
    if (auto it = obj.find("consoleSize"); it != obj.end() && !it->is_null()) {
        if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_unsigned() || !(*it)[1].is_number_unsigned())
            return invalid("process.consoleSize", "not [height, width]");
        const uint64_t h = (*it)[0].get<uint64_t>();
        const uint64_t w = (*it)[1].get<uint64_t>();
        if (h > 65535 || w > 65535)
            return invalid("process.consoleSize", "out of range");
        p.consoleHeight = static_cast<unsigned short>(h);
        p.consoleWidth = static_cast<unsigned short>(w);
    }
    if (auto st = readStringList(obj, "capabilities", "process.capabilities", p.capabilities); !st)
        return st;
    if (auto st = readBool(obj, "noNewPrivileges", "process.noNewPrivileges", p.noNewPrivileges); !st)
        return st;
    if (auto st = readString(obj, "seccomp", "process.seccomp", p.seccomp); !st)
        return st;
    if (p.seccomp != "default" && p.seccomp != "unconfined")
        return invalid("process.seccomp", "must be \"default\" or \"unconfined\": " + p.seccomp);
    if (auto it = obj.find("rlimits"); it != obj.end() && !it->is_null()) {
        if (!it->is_array())
            return invalid("process.rlimits", "not an array");
        for (const auto &item : *it) {
            if (!item.is_object())
                return invalid("process.rlimits", "holds a non-object");
            Rlimit r;
            if (auto st = readString(item, "type", "process.rlimits[].type", r.name, true); !st)
                return st;
            bool known = false;
            for (const auto &entry : kRlimits) {
                if (r.name == entry.name) {
                    r.resource = entry.resource;
                    known = true;
                }
            }
            if (!known)
                return invalid("process.rlimits[].type", "unknown limit " + r.name);
            for (const char *key : {"soft", "hard"}) {
                auto v = item.find(key);
                if (v == item.end() || !v->is_number_unsigned())
                    return invalid(std::string("process.rlimits[].") + key, "missing or not a non-negative integer");
                (std::string_view(key) == "soft" ? r.soft : r.hard) = v->get<uint64_t>();
            }
            if (r.soft > r.hard)
                return invalid("process.rlimits", r.name + ": soft limit above the hard limit");
            p.rlimits.push_back(std::move(r));
        }
    }
    return {};
}

Result<Json> parseObject(std::string_view text)
{
    Json doc = Json::parse(text, nullptr, false);
    if (doc.is_discarded())
        return fail(ErrorCode::InvalidArgument, "parse spec: not valid JSON");
    if (!doc.is_object())
        return fail(ErrorCode::InvalidArgument, "parse spec: not a JSON object");
    return doc;
}

bool isHostname(const std::string &h)
{
    if (h.empty() || h.size() > 64)
        return false;
    for (unsigned char c : h) {
        if (!std::isalnum(c) && c != '-' && c != '.' && c != '_')
            return false;
    }
    return true;
}

} // namespace

Status validateContainerPath(std::string_view path, std::string_view field)
{
    if (path.empty() || path.front() != '/')
        return invalid(field, "must be an absolute path: " + std::string(path));
    if (path.find('\0') != std::string_view::npos)
        return invalid(field, "contains a NUL byte");
    return {};
}

// "/a/./b/../c" -> "/a/c" (lexically, as filepath.Clean), so the checks
// below see the path the kernel will walk.
std::string cleanAbsolute(const std::string &path)
{
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < path.size()) {
        const size_t j = path.find('/', i);
        const std::string part = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        if (j == std::string::npos)
            break;
        i = j + 1;
    }
    std::string out;
    for (const auto &p : parts)
        out += "/" + p;
    return out.empty() ? "/" : out;
}

Result<MountSpec> parseMount(const Json &item)
{
    if (!item.is_object())
        return invalid("mounts", "holds a non-object");
    MountSpec m;
    std::string type = "bind";
    if (auto st = readString(item, "type", "mounts[].type", type); !st)
        return std::unexpected(st.error());
    if (type == "bind")
        m.type = MountSpec::Type::Bind;
    else if (type == "tmpfs")
        m.type = MountSpec::Type::Tmpfs;
    else
        return invalid("mounts[].type", "unknown mount type: " + type);
    if (auto st = readString(item, "destination", "mounts[].destination", m.destination, true); !st)
        return std::unexpected(st.error());
    if (auto st = readBool(item, "readonly", "mounts[].readonly", m.readonly); !st)
        return std::unexpected(st.error());
    if (auto st = validateContainerPath(m.destination, "mounts[].destination"); !st)
        return std::unexpected(st.error());
    m.destination = cleanAbsolute(m.destination);
    if (m.destination == "/")
        return invalid("mounts[].destination", "cannot mount over /");
    // runc's checkProcMount: nothing but procfs itself goes on /proc.
    if (m.destination == "/proc" || m.destination.starts_with("/proc/"))
        return invalid("mounts[].destination", m.destination + " cannot be mounted because it is inside /proc");
    if (m.type == MountSpec::Type::Bind) {
        if (auto st = readString(item, "source", "mounts[].source", m.source, true); !st)
            return std::unexpected(st.error());
        if (auto st = validateContainerPath(m.source, "mounts[].source"); !st)
            return std::unexpected(st.error());
        if (auto st = readString(item, "propagation", "mounts[].propagation", m.propagation); !st)
            return std::unexpected(st.error());
        static const char *const propagations[] = {"", "private", "rprivate", "shared", "rshared", "slave", "rslave"};
        if (std::find(std::begin(propagations), std::end(propagations), m.propagation) == std::end(propagations))
            return invalid("mounts[].propagation", "unknown propagation: " + m.propagation);
        if (auto st = readBool(item, "copyUp", "mounts[].copyUp", m.copyUp); !st)
            return std::unexpected(st.error());
        return m;
    }
    if (auto st = readStringList(item, "options", "mounts[].options", m.options); !st)
        return std::unexpected(st.error());
    // Only data options tmpfs knows, with plain values: nothing reaches
    // fsconfig that could name another filesystem's behaviour.
    for (const auto &opt : m.options) {
        const size_t eq = opt.find('=');
        const std::string key = opt.substr(0, eq);
        static const char *const keys[] = {"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks"};
        if (eq == std::string::npos || std::find(std::begin(keys), std::end(keys), key) == std::end(keys))
            return invalid("mounts[].options", "not a tmpfs option: " + opt);
        const std::string value = opt.substr(eq + 1);
        if (value.empty() || value.find_first_not_of("0123456789kKmMgG%") != std::string::npos)
            return invalid("mounts[].options", "bad value: " + opt);
    }
    for (auto [key, out] : {std::pair{"noexec", &m.noexec}, std::pair{"nosuid", &m.nosuid}, std::pair{"nodev", &m.nodev}}) {
        if (auto st = readBool(item, key, std::string("mounts[].") + key, *out); !st)
            return std::unexpected(st.error());
    }
    return m;
}

Result<ContainerSpec> parseContainerSpec(std::string_view text)
{
    auto parsed = parseObject(text);
    if (!parsed)
        return std::unexpected(parsed.error());
    const Json &doc = *parsed;
    ContainerSpec s;

    if (auto st = readString(doc, "id", "id", s.id, true); !st)
        return std::unexpected(st.error());
    if (s.id.size() != 64 || s.id.find_first_not_of("0123456789abcdef") != std::string::npos)
        return invalid("id", "not 64 lowercase hex digits: " + s.id);

    auto rootfs = doc.find("rootfs");
    if (rootfs == doc.end() || !rootfs->is_object())
        return invalid("rootfs", "missing or not an object");
    RootfsSpec &r = s.rootfs;
    if (auto st = readString(*rootfs, "layersDir", "rootfs.layersDir", r.layersDir); !st)
        return std::unexpected(st.error());
    if (auto st = readStringList(*rootfs, "lower", "rootfs.lower", r.lower); !st)
        return std::unexpected(st.error());
    if (r.lower.empty())
        return invalid("rootfs.lower", "no lower layer (an image without layers gets one empty dir)");
    if (auto st = validateContainerPath(r.layersDir, "rootfs.layersDir"); !st)
        return std::unexpected(st.error());
    for (const auto &l : r.lower) {
        if (auto st = checkRelative(l, "rootfs.lower"); !st)
            return std::unexpected(st.error());
        if (l.find_first_of(",:") != std::string::npos)
            return invalid("rootfs.lower", "overlayfs cannot take ',' or ':' in a layer path: " + l);
    }
    using Field = std::tuple<const char *, const char *, std::string *>;
    for (auto [key, field, value] : {Field{"upper", "rootfs.upper", &r.upper}, Field{"work", "rootfs.work", &r.work},
                                     Field{"mountPoint", "rootfs.mountPoint", &r.mountPoint}}) {
        if (auto st = readString(*rootfs, key, field, *value); !st)
            return std::unexpected(st.error());
        if (auto st = checkRelative(*value, field); !st)
            return std::unexpected(st.error());
    }
    if (auto st = readBool(*rootfs, "readonly", "rootfs.readonly", r.readonly); !st)
        return std::unexpected(st.error());
    if (auto st = readBool(*rootfs, "volatile", "rootfs.volatile", r.volatileUpper); !st)
        return std::unexpected(st.error());

    auto process = doc.find("process");
    if (process == doc.end())
        return invalid("process", "missing");
    if (auto st = parseProcess(*process, s.process); !st)
        return std::unexpected(st.error());

    if (auto st = readBool(doc, "init", "init", s.init); !st)
        return std::unexpected(st.error());
    if (auto st = readBool(doc, "privileged", "privileged", s.privileged); !st)
        return std::unexpected(st.error());
    if (auto st = readString(doc, "hostname", "hostname", s.hostname); !st)
        return std::unexpected(st.error());
    if (s.hostname.empty())
        s.hostname = s.id.substr(0, 12);
    if (!isHostname(s.hostname))
        return invalid("hostname", "not a valid host name: " + s.hostname);

    if (auto etc = doc.find("etcFiles"); etc != doc.end() && !etc->is_null()) {
        if (!etc->is_object())
            return invalid("etcFiles", "not an object");
        using Field = std::tuple<const char *, const char *, std::string *>;
        for (auto [key, field, value] : {Field{"hostname", "etcFiles.hostname", &s.etcHostname},
                                         Field{"hosts", "etcFiles.hosts", &s.etcHosts},
                                         Field{"resolv.conf", "etcFiles.resolv.conf", &s.etcResolvConf}}) {
            if (auto st = readString(*etc, key, field, *value); !st)
                return std::unexpected(st.error());
            if (!value->empty()) {
                if (auto st = checkRelative(*value, field); !st)
                    return std::unexpected(st.error());
            }
        }
    }

    if (auto mounts = doc.find("mounts"); mounts != doc.end() && !mounts->is_null()) {
        if (!mounts->is_array())
            return invalid("mounts", "not an array");
        for (const auto &item : *mounts) {
            if (!item.is_object())
                return invalid("mounts", "holds a non-object");
            auto parsedMount = parseMount(item);
            if (!parsedMount)
                return std::unexpected(parsedMount.error());
            s.mounts.push_back(std::move(*parsedMount));
        }
    }

    if (auto net = doc.find("network"); net != doc.end() && !net->is_null()) {
        if (!net->is_object())
            return invalid("network", "not an object");
        NetworkConfig &n = s.network;
        int64_t prefix = n.prefixLength, mtu = n.mtu;
        if (auto st = readString(*net, "mode", "network.mode", n.mode); !st)
            return std::unexpected(st.error());
        if (auto st = readString(*net, "bridge", "network.bridge", n.bridge); !st)
            return std::unexpected(st.error());
        if (auto st = readString(*net, "gateway", "network.gateway", n.gateway); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*net, "prefixLength", "network.prefixLength", prefix, 1, 32); !st)
            return std::unexpected(st.error());
        if (auto st = readString(*net, "address", "network.address", n.address); !st)
            return std::unexpected(st.error());
        if (auto st = readString(*net, "mac", "network.mac", n.mac); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*net, "mtu", "network.mtu", mtu, 68, 65535); !st)
            return std::unexpected(st.error());
        n.prefixLength = static_cast<int>(prefix);
        n.mtu = static_cast<int>(mtu);
        if (auto ports = net->find("ports"); ports != net->end() && !ports->is_null()) {
            if (!ports->is_array())
                return invalid("network.ports", "not an array");
            for (const auto &item : *ports) {
                if (!item.is_object())
                    return invalid("network.ports", "holds a non-object");
                PortMapping pm;
                int64_t hostPort = 0, containerPort = 0;
                if (auto st = readString(item, "protocol", "network.ports[].protocol", pm.protocol); !st)
                    return std::unexpected(st.error());
                if (pm.protocol != "tcp" && pm.protocol != "udp")
                    return invalid("network.ports[].protocol", "must be tcp or udp: " + pm.protocol);
                if (auto st = readString(item, "hostIp", "network.ports[].hostIp", pm.hostIp); !st)
                    return std::unexpected(st.error());
                if (auto st = readInt(item, "hostPort", "network.ports[].hostPort", hostPort, 0, 65535); !st)
                    return std::unexpected(st.error());
                if (auto st = readInt(item, "containerPort", "network.ports[].containerPort", containerPort, 1, 65535); !st)
                    return std::unexpected(st.error());
                int64_t hostPortEnd = 0;
                if (auto st = readInt(item, "hostPortEnd", "network.ports[].hostPortEnd", hostPortEnd, 0, 65535); !st)
                    return std::unexpected(st.error());
                if (hostPortEnd != 0 && (hostPort == 0 || hostPortEnd < hostPort))
                    return invalid("network.ports[].hostPortEnd", "must be 0 or at least hostPort (not 0)");
                pm.hostPort = static_cast<uint16_t>(hostPort);
                pm.containerPort = static_cast<uint16_t>(containerPort);
                pm.hostPortEnd = static_cast<uint16_t>(hostPortEnd == hostPort ? 0 : hostPortEnd);
                n.ports.push_back(std::move(pm));
            }
        }
        if (n.mode != "bridge" && n.mode != "host" && n.mode != "none")
            return invalid("network.mode", "must be bridge, host or none: " + n.mode);
        if (n.mode != "bridge" && !n.ports.empty())
            return invalid("network.ports", "published ports need network mode bridge");
    } else {
        s.network.mode = "none";
    }
    s.network.containerId = s.id;

    if (auto cg = doc.find("cgroup"); cg != doc.end() && !cg->is_null()) {
        if (!cg->is_object())
            return invalid("cgroup", "not an object");
        CgroupSpec &c = s.cgroup;
        constexpr int64_t big = std::numeric_limits<int64_t>::max();
        if (auto st = readString(*cg, "parent", "cgroup.parent", c.parent); !st)
            return std::unexpected(st.error());
        if (auto st = checkRelative(c.parent, "cgroup.parent"); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*cg, "memory", "cgroup.memory", c.memory, 0, big); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*cg, "memorySwap", "cgroup.memorySwap", c.memorySwap, -1, big); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*cg, "cpuQuota", "cgroup.cpuQuota", c.cpuQuota, 0, big); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*cg, "cpuPeriod", "cgroup.cpuPeriod", c.cpuPeriod, 0, 1000000); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*cg, "cpuShares", "cgroup.cpuShares", c.cpuShares, 0, 262144); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*cg, "pidsLimit", "cgroup.pidsLimit", c.pidsLimit, -1, big); !st)
            return std::unexpected(st.error());
        if (c.cpuPeriod == 0)
            c.cpuPeriod = 100000;
        if (c.cpuQuota != 0 && c.cpuQuota < 1000)
            return invalid("cgroup.cpuQuota", "below the kernel's minimum of 1000 microseconds");
        if (c.memory != 0 && c.memory < 6 * 1024 * 1024)
            return invalid("cgroup.memory", "Minimum memory limit allowed is 6MB");
        if (c.memorySwap > 0 && c.memory > 0 && c.memorySwap < c.memory)
            return invalid("cgroup.memorySwap", "Minimum memoryswap limit should be larger than memory limit");
    }

    if (auto lg = doc.find("log"); lg != doc.end() && !lg->is_null()) {
        if (!lg->is_object())
            return invalid("log", "not an object");
        int64_t maxFiles = s.log.maxFiles;
        if (auto st = readString(*lg, "path", "log.path", s.log.path); !st)
            return std::unexpected(st.error());
        if (auto st = checkRelative(s.log.path, "log.path"); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*lg, "maxSize", "log.maxSize", s.log.maxSize, 0, std::numeric_limits<int64_t>::max()); !st)
            return std::unexpected(st.error());
        if (auto st = readInt(*lg, "maxFiles", "log.maxFiles", maxFiles, 1, 1000); !st)
            return std::unexpected(st.error());
        s.log.maxFiles = static_cast<int>(maxFiles);
    }

    int64_t stopSignal = s.stopSignal;
    if (auto st = readInt(doc, "stopSignal", "stopSignal", stopSignal, 1, 64); !st)
        return std::unexpected(st.error());
    s.stopSignal = static_cast<int>(stopSignal);
    return s;
}

Result<ExecSpec> parseExecSpec(std::string_view text)
{
    auto parsed = parseObject(text);
    if (!parsed)
        return std::unexpected(parsed.error());
    ExecSpec s;
    if (auto st = readString(*parsed, "id", "id", s.id, true); !st)
        return std::unexpected(st.error());
    if (s.id.empty() || s.id.size() > 128 || s.id.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        return invalid("id", "not a hex exec id: " + s.id);
    auto process = parsed->find("process");
    if (process == parsed->end())
        return invalid("process", "missing");
    if (auto st = parseProcess(*process, s.process); !st)
        return std::unexpected(st.error());
    return s;
}

} // namespace Berth::Runtime
