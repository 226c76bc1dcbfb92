#include "runplan.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdlib>
#include <map>
#include <span>

#include <unistd.h>

namespace Berth::Cli::FastRun {

namespace {

constexpr std::string_view kUnixScheme = "unix://";
constexpr std::string_view kDefaultSocket = "/run/berth/berth.sock";

// An option the fast path knows, as core/cli/argparser.h describes it.
struct Spec
{
    std::string_view name;
    char shorthand = 0;
    enum class Kind { Bool, Value, List } kind = Kind::Bool;
};

// The values given to the known options, and the positionals.
struct Parsed
{
    std::map<std::string, std::vector<std::string>, std::less<>> values;
    std::vector<std::string> positionals;

    bool isSet(std::string_view name) const { return values.find(name) != values.end(); }
    const std::vector<std::string> *all(std::string_view name) const
    {
        const auto it = values.find(name);
        return it == values.end() ? nullptr : &it->second;
    }
    std::string last(std::string_view name, std::string fallback = {}) const
    {
        const auto *v = all(name);
        return v && !v->empty() ? v->back() : fallback;
    }
};

// strconv.ParseBool as argparser.cpp's parseBool.
std::optional<bool> parseBool(std::string_view text)
{
    for (std::string_view yes : {"1", "t", "T", "true", "TRUE", "True"}) {
        if (text == yes)
            return true;
    }
    for (std::string_view no : {"0", "f", "F", "false", "FALSE", "False"}) {
        if (text == no)
            return false;
    }
    return std::nullopt;
}

const Spec *findLong(std::span<const Spec> specs, std::string_view name)
{
    for (const Spec &s : specs) {
        if (s.name == name)
            return &s;
    }
    return nullptr;
}

const Spec *findShort(std::span<const Spec> specs, char c)
{
    for (const Spec &s : specs) {
        if (s.shorthand && s.shorthand == c)
            return &s;
    }
    return nullptr;
}

// argparser.cpp's parseArguments() with interspersed=false, over the
// options the fast path takes. Every option it does not know (including
// --help, which berth-cli adds to every table), every value berth-cli would
// refuse and every argument that is missing ends the fast path: berth-cli
// then parses the same argv and says what is wrong.
std::expected<Parsed, std::string> parse(std::span<const Spec> specs, std::span<const std::string> args)
{
    Parsed out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--") {
            for (++i; i < args.size(); ++i)
                out.positionals.push_back(args[i]);
            break;
        }
        if (arg.starts_with("--")) {
            const std::string_view body = std::string_view(arg).substr(2);
            const size_t eq = body.find('=');
            const std::string_view name = eq == std::string_view::npos ? body : body.substr(0, eq);
            const Spec *spec = findLong(specs, name);
            if (!spec)
                return std::unexpected("option --" + std::string(name));
            if (spec->kind == Spec::Kind::Bool) {
                std::string value = "true";
                if (eq != std::string_view::npos) {
                    value = std::string(body.substr(eq + 1));
                    if (!parseBool(value))
                        return std::unexpected("bad boolean for --" + std::string(name));
                }
                out.values[std::string(name)].push_back(value);
                continue;
            }
            if (eq != std::string_view::npos) {
                out.values[std::string(name)].push_back(std::string(body.substr(eq + 1)));
                continue;
            }
            if (i + 1 >= args.size())
                return std::unexpected("no value for --" + std::string(name));
            out.values[std::string(name)].push_back(args[++i]);
            continue;
        }
        if (arg.starts_with('-') && arg.size() > 1) {
            // A bundle of shorthands: -dt, -eA=1, -e A, -d=true.
            for (size_t j = 1; j < arg.size(); ++j) {
                const char c = arg[j];
                const Spec *spec = findShort(specs, c);
                if (!spec)
                    return std::unexpected(std::string("shorthand -") + c);
                if (spec->kind == Spec::Kind::Bool) {
                    if (j + 1 < arg.size() && arg[j + 1] == '=') {
                        const std::string value = arg.substr(j + 2);
                        if (!parseBool(value))
                            return std::unexpected(std::string("bad boolean for -") + c);
                        out.values[std::string(spec->name)].push_back(value);
                        break;
                    }
                    out.values[std::string(spec->name)].push_back("true");
                    continue;
                }
                std::string rest = arg.substr(j + 1);
                if (rest.starts_with('='))
                    rest.erase(0, 1);
                if (!rest.empty() || j + 1 < arg.size()) {
                    out.values[std::string(spec->name)].push_back(rest);
                } else {
                    if (i + 1 >= args.size())
                        return std::unexpected(std::string("no value for -") + c);
                    out.values[std::string(spec->name)].push_back(args[++i]);
                }
                break;
            }
            continue;
        }
        // interspersed=false: the first positional ends the options.
        for (; i < args.size(); ++i)
            out.positionals.push_back(args[i]);
        break;
    }
    return out;
}

bool flag(const Parsed &p, std::string_view name)
{
    const auto *v = p.all(name);
    return v && !v->empty() && parseBool(v->back()).value_or(false);
}

// QDir::cleanPath() would leave it as it is.
bool isCleanAbsolutePath(std::string_view path)
{
    if (!path.starts_with('/'))
        return false;
    if (path == "/")
        return true;
    if (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/.."))
        return false;
    return path.find("//") == std::string_view::npos && path.find("/./") == std::string_view::npos
           && path.find("/../") == std::string_view::npos;
}

// Endpoint::parse() for the addresses whose result the fast path can tell
// without Qt: "unix://" and a clean absolute path that fits a sockaddr_un.
std::expected<std::string, std::string> socketOf(std::string_view host)
{
    if (!host.starts_with(kUnixScheme))
        return std::unexpected("engine address is not unix://");
    const std::string_view path = host.substr(kUnixScheme.size());
    if (!isCleanAbsolutePath(path))
        return std::unexpected("socket path is not clean and absolute");
    if (path.size() >= 108)
        return std::unexpected("socket path too long");
    for (const char c : path) {
        // QString::trimmed() and the UTF-8 round trip leave these alone.
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return std::unexpected("socket path is not printable ASCII");
    }
    return std::string(path);
}

// The run options the fast path handles, as containerCreateOptions(true)
// declares them.
constexpr std::array kRunSpecs = {
    Spec{"detach", 'd', Spec::Kind::Bool},
    Spec{"entrypoint", 0, Spec::Kind::Value},
    Spec{"env", 'e', Spec::Kind::List},
    Spec{"name", 0, Spec::Kind::Value},
    Spec{"network", 0, Spec::Kind::Value},
    Spec{"net", 0, Spec::Kind::Value},
    Spec{"rm", 0, Spec::Kind::Bool},
    Spec{"user", 'u', Spec::Kind::Value},
    Spec{"workdir", 'w', Spec::Kind::Value},
};

// CliApplication::globalOptions() minus -D, -v and --help.
constexpr std::array kGlobalSpecs = {
    Spec{"host", 'H', Spec::Kind::List},
};

nlohmann::json listOrNull(const std::vector<std::string> &list)
{
    if (list.empty())
        return nullptr;
    return nlohmann::json(list);
}

} // namespace

EnvLookup processEnvironment()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char *value = ::getenv(std::string(name).c_str());
        if (!value)
            return std::nullopt;
        return std::string(value);
    };
}

bool isValidUtf8(std::string_view text)
{
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    const auto *end = p + text.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        unsigned cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int k = 1; k <= extra; ++k) {
            if ((p[k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[k] & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

std::string qtDataDirectory()
{
#ifdef BERTH_QT_DATA_DIR
    return BERTH_QT_DATA_DIR;
#else
    return {};
#endif
}

bool qtLoggingConfigured(const EnvLookup &env)
{
    for (std::string_view name : {"QT_LOGGING_RULES", "QT_LOGGING_CONF"}) {
        if (env(name))
            return true;
    }
    // QLoggingRegistry reads QLibraryInfo's data path and every
    // QStandardPaths::GenericConfigLocation (XDG_CONFIG_HOME or ~/.config,
    // then XDG_CONFIG_DIRS or /etc/xdg) for QtProject/qtlogging.ini.
    std::vector<std::string> dirs;
    if (std::string data = qtDataDirectory(); !data.empty())
        dirs.push_back(std::move(data));
    if (auto home = env("XDG_CONFIG_HOME"); home && !home->empty())
        dirs.push_back(*home + "/QtProject");
    else if (auto h = env("HOME"); h && !h->empty())
        dirs.push_back(*h + "/.config/QtProject");
    std::string system = env("XDG_CONFIG_DIRS").value_or(std::string());
    if (system.empty())
        system = "/etc/xdg";
    size_t from = 0;
    while (from <= system.size()) {
        const size_t colon = std::min(system.find(':', from), system.size());
        if (colon > from)
            dirs.push_back(system.substr(from, colon - from) + "/QtProject");
        from = colon + 1;
    }
    for (const std::string &dir : dirs) {
        if (::access((dir + "/qtlogging.ini").c_str(), F_OK) == 0)
            return true;
    }
    return false;
}

std::expected<RunPlan, std::string> planRun(const std::vector<std::string> &args, const EnvLookup &env)
{
    for (const std::string &a : args) {
        // QCoreApplication would see these bytes differently (U+FFFD, a
        // dropped BOM) or drop the argument (-qmljsdebugger).
        if (!isValidUtf8(a) || a.starts_with("\xEF\xBB\xBF"))
            return std::unexpected("an argument is not plain UTF-8");
        if (a.starts_with("-qmljsdebugger") || a.starts_with("--qmljsdebugger"))
            return std::unexpected("QCoreApplication takes -qmljsdebugger");
    }

    auto globals = parse(kGlobalSpecs, args);
    if (!globals)
        return std::unexpected("global " + globals.error());
    const std::vector<std::string> &words = globals->positionals;
    size_t consumed = 0;
    if (!words.empty() && words[0] == "run")
        consumed = 1;
    else if (words.size() >= 2 && words[0] == "container" && words[1] == "run")
        consumed = 2;
    else
        return std::unexpected("not a run");

    RunPlan plan;
    if (const auto *hosts = globals->all("host")) {
        if (hosts->size() != 1)
            return std::unexpected("more than one -H");
        auto socket = socketOf(hosts->front());
        if (!socket)
            return std::unexpected(socket.error());
        plan.socketPath = *socket;
    } else if (auto fromEnv = env("BERTH_HOST"); fromEnv && !fromEnv->empty()) {
        auto socket = socketOf(*fromEnv);
        if (!socket)
            return std::unexpected("BERTH_HOST: " + socket.error());
        plan.socketPath = *socket;
    } else {
        plan.socketPath = kDefaultSocket;
    }

    auto run = parse(kRunSpecs, std::span(words).subspan(consumed));
    if (!run)
        return std::unexpected(run.error());
    if (run->positionals.empty())
        return std::unexpected("no image");

    plan.image = run->positionals.front();
    plan.command.assign(run->positionals.begin() + 1, run->positionals.end());
    plan.autoRemove = flag(*run, "rm");
    plan.detach = flag(*run, "detach");
    plan.name = run->last("name");
    // QUrlQuery reads "%XX" in a value as an escape: keep names that have none.
    if (plan.name.find('%') != std::string::npos)
        return std::unexpected("a name with '%'");
    plan.user = run->last("user");
    plan.workdir = run->last("workdir");
    if (run->isSet("entrypoint"))
        plan.entrypoint = run->last("entrypoint");
    plan.network = run->last("network", run->last("net"));
    if (plan.network.empty())
        plan.network = "default";
    if (const auto *values = run->all("env")) {
        for (const std::string &e : *values) {
            // envfile.cpp's resolveEnvValue(): A=B as given, a bare A from
            // the environment when it is set there.
            const size_t eq = e.find('=');
            const std::string key = e.substr(0, eq);
            if (key.empty())
                return std::unexpected("bad -e value");
            if (eq != std::string::npos) {
                plan.env.push_back(e);
                continue;
            }
            if (auto v = env(key)) {
                if (!isValidUtf8(*v))
                    return std::unexpected("an environment value is not UTF-8");
                plan.env.push_back(key + "=" + *v);
            } else {
                plan.env.push_back(e);
            }
        }
    }
    return plan;
}

std::string RunPlan::createBody() const
{
    using nlohmann::json;
    const bool attached = !detach;
    json b = json::object();
    b["Hostname"] = "";
    b["Domainname"] = "";
    b["User"] = user;
    b["AttachStdin"] = false;
    b["AttachStdout"] = attached;
    b["AttachStderr"] = attached;
    b["Tty"] = false;
    b["OpenStdin"] = false;
    b["StdinOnce"] = false;
    b["Env"] = listOrNull(env);
    b["Cmd"] = listOrNull(command);
    b["Image"] = image;
    b["Volumes"] = json::object();
    b["WorkingDir"] = workdir;
    b["Entrypoint"] = entrypoint ? json::array({*entrypoint}) : json(nullptr);
    b["OnBuild"] = nullptr;
    b["Labels"] = json::object();

    json h = json::object();
    h["Binds"] = nullptr;
    h["ContainerIDFile"] = "";
    h["LogConfig"] = {{"Type", ""}, {"Config", json::object()}};
    h["NetworkMode"] = network;
    h["PortBindings"] = json::object();
    h["RestartPolicy"] = {{"Name", "no"}, {"MaximumRetryCount", 0}};
    h["AutoRemove"] = autoRemove;
    h["VolumeDriver"] = "";
    h["VolumesFrom"] = nullptr;
    h["ConsoleSize"] = json::array({0, 0});
    h["CapAdd"] = nullptr;
    h["CapDrop"] = nullptr;
    h["CgroupnsMode"] = "";
    h["Dns"] = json::array();
    h["DnsOptions"] = json::array();
    h["DnsSearch"] = json::array();
    h["ExtraHosts"] = nullptr;
    h["GroupAdd"] = nullptr;
    h["IpcMode"] = "";
    h["Cgroup"] = "";
    h["Links"] = nullptr;
    h["OomScoreAdj"] = 0;
    h["PidMode"] = "";
    h["Privileged"] = false;
    h["PublishAllPorts"] = false;
    h["ReadonlyRootfs"] = false;
    h["SecurityOpt"] = nullptr;
    h["UTSMode"] = "";
    h["UsernsMode"] = "";
    h["ShmSize"] = 0;
    h["Isolation"] = "";
    h["CpuShares"] = 0;
    h["Memory"] = 0;
    h["NanoCpus"] = 0;
    h["CgroupParent"] = "";
    h["CpuPeriod"] = 0;
    h["CpuQuota"] = 0;
    h["CpusetCpus"] = "";
    h["CpusetMems"] = "";
    h["Devices"] = json::array();
    h["MemoryReservation"] = 0;
    h["MemorySwap"] = 0;
    h["MemorySwappiness"] = -1;
    h["OomKillDisable"] = false;
    h["PidsLimit"] = 0;
    h["Ulimits"] = json::array();
    b["HostConfig"] = std::move(h);

    json endpoint = {{"IPAMConfig", nullptr}, {"Links", nullptr}, {"Aliases", nullptr}, {"MacAddress", ""},
                     {"DriverOpts", nullptr}, {"NetworkID", ""}, {"EndpointID", ""}, {"Gateway", ""},
                     {"IPAddress", ""}, {"IPPrefixLen", 0}, {"IPv6Gateway", ""}, {"GlobalIPv6Address", ""},
                     {"GlobalIPv6PrefixLen", 0}, {"DNSNames", nullptr}};
    json endpoints = json::object();
    endpoints[network] = std::move(endpoint);
    b["NetworkingConfig"] = {{"EndpointsConfig", std::move(endpoints)}};
    // Every string was checked to be UTF-8, so dump() cannot fail.
    return b.dump();
}

} // namespace Berth::Cli::FastRun
