#include "networkfirewall.h"

#include <nftables/libnftables.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <type_traits>
#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <memory>
#include <unistd.h>
#include <vector>

namespace Berth::Runtime {

namespace {

// libnftables (with libnftnl, libxtables, libjansson and libgmp behind it)
// is loaded on first use, only by the bridge-mode paths: a shim for
// --network none/host never maps it (the exec of every shim paid for its
// relocations). Types and prototypes come from the header; the symbols
// from dlsym.
struct NftLibrary
{
    decltype(&::nft_ctx_new) nft_ctx_new = nullptr;
    decltype(&::nft_ctx_free) nft_ctx_free = nullptr;
    decltype(&::nft_ctx_output_set_flags) nft_ctx_output_set_flags = nullptr;
    decltype(&::nft_ctx_buffer_output) nft_ctx_buffer_output = nullptr;
    decltype(&::nft_ctx_buffer_error) nft_ctx_buffer_error = nullptr;
    decltype(&::nft_ctx_get_output_buffer) nft_ctx_get_output_buffer = nullptr;
    decltype(&::nft_ctx_get_error_buffer) nft_ctx_get_error_buffer = nullptr;
    decltype(&::nft_run_cmd_from_buffer) nft_run_cmd_from_buffer = nullptr;
};

constexpr const char *kNftablesSoname = "libnftables.so.1";
const NftLibrary *g_nft = nullptr; // set once loaded, before any context exists

Result<const NftLibrary *> loadNftablesOnce()
{
    void *handle = dlopen(kNftablesSoname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        return fail(ErrorCode::Unavailable, std::string("load ") + kNftablesSoname + " for the bridge firewall: "
                                                + (why ? why : "unknown error"));
    }
    static NftLibrary lib;
    bool ok = true;
    auto bind = [&](auto &slot, const char *name) {
        void *sym = dlsym(handle, name);
        ok = ok && sym;
        slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(sym);
    };
    bind(lib.nft_ctx_new, "nft_ctx_new");
    bind(lib.nft_ctx_free, "nft_ctx_free");
    bind(lib.nft_ctx_output_set_flags, "nft_ctx_output_set_flags");
    bind(lib.nft_ctx_buffer_output, "nft_ctx_buffer_output");
    bind(lib.nft_ctx_buffer_error, "nft_ctx_buffer_error");
    bind(lib.nft_ctx_get_output_buffer, "nft_ctx_get_output_buffer");
    bind(lib.nft_ctx_get_error_buffer, "nft_ctx_get_error_buffer");
    bind(lib.nft_run_cmd_from_buffer, "nft_run_cmd_from_buffer");
    if (!ok) {
        dlclose(handle);
        return fail(ErrorCode::Unavailable, std::string(kNftablesSoname) + " lacks a libnftables 1.x symbol");
    }
    g_nft = &lib; // the handle stays open for the process's life
    return g_nft;
}

Result<const NftLibrary *> loadNftables()
{
    static const Result<const NftLibrary *> loaded = loadNftablesOnce();
    return loaded;
}

struct NftDeleter
{
    void operator()(nft_ctx *ctx) const { g_nft->nft_ctx_free(ctx); }
};
using NftContext = std::unique_ptr<nft_ctx, NftDeleter>;

struct ForwardChain
{
    std::string family;
    std::string table;
    std::string name;
};

std::string commentFor(const std::string &bridge)
{
    return "berth:" + bridge;
}

Status checkBridgeName(const std::string &bridge)
{
    bool ok = !bridge.empty() && bridge.size() < 16;
    for (unsigned char c : bridge) {
        if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == ':')
            ok = false;
    }
    if (!ok)
        return fail(ErrorCode::InvalidArgument, "invalid bridge name \"" + bridge + "\"");
    return {};
}

Result<NftContext> openContext()
{
    auto nft = loadNftables();
    if (!nft)
        return std::unexpected(nft.error());
    NftContext ctx((*nft)->nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx)
        return fail(ErrorCode::Io, "open an nftables context", ENOMEM);
    // JSON in and out: no quoting problems with table and chain names.
    g_nft->nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
    if (g_nft->nft_ctx_buffer_output(ctx.get()) != 0 || g_nft->nft_ctx_buffer_error(ctx.get()) != 0)
        return fail(ErrorCode::Io, "buffer nftables output", ENOMEM);
    return ctx;
}

// Runs one command; its JSON output on success.
Result<nlohmann::json> run(nft_ctx *ctx, const std::string &command, const std::string &operation)
{
    if (g_nft->nft_run_cmd_from_buffer(ctx, command.c_str()) != 0) {
        std::string message = g_nft->nft_ctx_get_error_buffer(ctx);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
            message.pop_back();
        return fail(ErrorCode::Io, operation + ": nftables: " + message);
    }
    const char *output = g_nft->nft_ctx_get_output_buffer(ctx);
    if (!output || !*output)
        return nlohmann::json::object();
    nlohmann::json parsed = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
        return fail(ErrorCode::Protocol, operation + ": nftables printed something that is not JSON");
    return parsed;
}

// obj[key] when it is a string, else "" (never throws on odd input).
std::string stringField(const nlohmann::json &obj, const char *key)
{
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The "nftables" array of a listing, or an empty array.
const nlohmann::json &items(const nlohmann::json &listing)
{
    static const nlohmann::json empty = nlohmann::json::array();
    if (!listing.is_object())
        return empty;
    auto it = listing.find("nftables");
    return it != listing.end() && it->is_array() ? *it : empty;
}

Result<std::vector<ForwardChain>> forwardChains(nft_ctx *ctx)
{
    auto listing = run(ctx, "list chains", "list nftables chains");
    if (!listing)
        return fail(std::move(listing.error()));
    std::vector<ForwardChain> chains;
    for (const auto &item : items(*listing)) {
        if (!item.is_object() || !item.contains("chain"))
            continue;
        const auto &chain = item["chain"];
        if (!chain.is_object())
            continue;
        const std::string family = stringField(chain, "family");
        const std::string hook = stringField(chain, "hook");
        if (hook != "forward" || (family != "ip" && family != "inet"))
            continue;
        chains.push_back({family, stringField(chain, "table"), stringField(chain, "name")});
    }
    return chains;
}

nlohmann::json chainRef(const ForwardChain &chain)
{
    return {{"family", chain.family}, {"table", chain.table}, {"chain", chain.name}};
}

std::string describe(const ForwardChain &chain)
{
    return chain.family + " " + chain.table + " " + chain.name;
}

// Handles of the rules in chain whose comment is `comment`, or (with
// orOwnedBy) any of the bridge's comments ("berth:<bridge>" and
// "berth:<bridge>:...").
Result<std::vector<int64_t>> rulesWithComment(nft_ctx *ctx, const ForwardChain &chain,
                                              const std::string &comment, bool orOwnedBy = false)
{
    auto matches = [&](const std::string &text) {
        return text == comment || (orOwnedBy && text.starts_with(comment + ":"));
    };
    const nlohmann::json command = {
        {"nftables",
         nlohmann::json::array({{{"list",
                                  {{"chain",
                                    {{"family", chain.family},
                                     {"table", chain.table},
                                     {"name", chain.name}}}}}}})}};
    auto listing = run(ctx, command.dump(), "list chain " + describe(chain));
    if (!listing)
        return fail(std::move(listing.error()));
    std::vector<int64_t> handles;
    for (const auto &item : items(*listing)) {
        if (!item.is_object() || !item.contains("rule"))
            continue;
        const auto &rule = item["rule"];
        if (rule.is_object() && matches(stringField(rule, "comment")) && rule.contains("handle")
            && rule["handle"].is_number_integer())
            handles.push_back(rule["handle"].get<int64_t>());
    }
    return handles;
}

// Serializes Berth's "look, then insert" on the ruleset across processes
// (two shims starting containers at once would otherwise both see no rule
// and both add one). Best effort: without /run/lock it runs unlocked.
class FirewallLock
{
public:
    FirewallLock()
        : m_fd(::open("/run/lock/berth-firewall.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600))
    {
        if (m_fd >= 0) {
            while (flock(m_fd, LOCK_EX) != 0 && errno == EINTR) {
            }
        }
    }
    ~FirewallLock()
    {
        if (m_fd >= 0)
            ::close(m_fd); // releases the lock
    }
    FirewallLock(const FirewallLock &) = delete;
    FirewallLock &operator=(const FirewallLock &) = delete;

private:
    int m_fd;
};

const ForwardChain NatChain{"ip", "berth", "postrouting"};

Result<bool> natChainExists(nft_ctx *ctx)
{
    auto listing = run(ctx, "list chains", "list nftables chains");
    if (!listing)
        return fail(std::move(listing.error()));
    for (const auto &item : items(*listing)) {
        if (!item.is_object() || !item.contains("chain") || !item["chain"].is_object())
            continue;
        const auto &chain = item["chain"];
        if (stringField(chain, "family") == NatChain.family && stringField(chain, "table") == NatChain.table
            && stringField(chain, "name") == NatChain.name)
            return true;
    }
    return false;
}

nlohmann::json metaMatch(const char *key, const char *op, const std::string &value)
{
    return {{"match", {{"op", op}, {"left", {{"meta", {{"key", key}}}}}, {"right", value}}}};
}

Status insertRule(nft_ctx *ctx, const ForwardChain &chain, const std::string &comment,
                  nlohmann::json expr, const char *verb = "insert")
{
    nlohmann::json rule = chainRef(chain);
    rule["comment"] = comment;
    rule["expr"] = std::move(expr);
    const nlohmann::json command = {{"nftables", nlohmann::json::array({{{verb, {{"rule", rule}}}}})}};
    auto ok = run(ctx, command.dump(), std::string(verb) + " a rule into " + describe(chain));
    if (!ok)
        return fail(std::move(ok.error()));
    return {};
}

// Adds the rule unless one with the same comment is there.
Status ensureRule(nft_ctx *ctx, const ForwardChain &chain, const std::string &comment,
                  nlohmann::json expr, const char *verb = "insert")
{
    auto existing = rulesWithComment(ctx, chain, comment);
    if (!existing)
        return fail(std::move(existing.error()));
    if (!existing->empty())
        return {};
    return insertRule(ctx, chain, comment, std::move(expr), verb);
}

} // namespace

bool bridgedTrafficIsFiltered()
{
    // /proc/sys/net is per network namespace (the opener's).
    const int fd = ::open("/proc/sys/net/bridge/bridge-nf-call-iptables", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; // br_netfilter is not loaded
    char value = '0';
    const ssize_t n = ::read(fd, &value, 1);
    ::close(fd);
    return n == 1 && value != '0';
}

Status allowIntraBridgeForwarding(const std::string &bridge)
{
    const std::string context = "allow traffic within bridge " + bridge;
    if (auto ok = checkBridgeName(bridge); !ok)
        return fail(std::move(ok.error()).wrap(context));
    if (!bridgedTrafficIsFiltered())
        return {};

    FirewallLock lock;
    auto ctx = openContext();
    if (!ctx)
        return fail(std::move(ctx.error()).wrap(context));
    auto chains = forwardChains(ctx->get());
    if (!chains)
        return fail(std::move(chains.error()).wrap(context));

    const std::string comment = commentFor(bridge);
    for (const ForwardChain &chain : *chains) {
        auto expr = nlohmann::json::array({metaMatch("iifname", "==", bridge),
                                           metaMatch("oifname", "==", bridge),
                                           {{"accept", nullptr}}});
        if (auto ok = ensureRule(ctx->get(), chain, comment, std::move(expr)); !ok)
            return fail(std::move(ok.error()).wrap(context));
    }
    return {};
}

Status enableOutboundNat(const std::string &bridge, const std::string &subnet, int prefixLength)
{
    const std::string context = "enable outbound NAT for bridge " + bridge;
    if (auto ok = checkBridgeName(bridge); !ok)
        return fail(std::move(ok.error()).wrap(context));
    in_addr network{};
    if (inet_pton(AF_INET, subnet.c_str(), &network) != 1 || prefixLength < 1 || prefixLength > 32)
        return fail(ErrorCode::InvalidArgument,
                    context + ": invalid subnet " + subnet + "/" + std::to_string(prefixLength));

    // Routing between the bridge and the uplink (a per-namespace sysctl;
    // docker turns it on the same way and leaves it on).
    const int fd = ::open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return fail(Error::fromErrno("open /proc/sys/net/ipv4/ip_forward", errno).wrap(context));
    char value = '0';
    const bool read = ::read(fd, &value, 1) == 1;
    if (read && value != '1' && ::pwrite(fd, "1\n", 2, 0) != 2) {
        const int error = errno;
        ::close(fd);
        return fail(Error::fromErrno("enable /proc/sys/net/ipv4/ip_forward", error).wrap(context));
    }
    ::close(fd);

    FirewallLock lock;
    auto ctx = openContext();
    if (!ctx)
        return fail(std::move(ctx.error()).wrap(context));
    const std::string comment = commentFor(bridge) + ":out";

    // Berth's own nat table: "add" is idempotent for tables and chains.
    nlohmann::json table = {{"family", NatChain.family}, {"name", NatChain.table}};
    nlohmann::json chain = {{"family", NatChain.family}, {"table", NatChain.table},
                            {"name", NatChain.name},     {"type", "nat"},
                            {"hook", "postrouting"},     {"prio", 100},
                            {"policy", "accept"}};
    nlohmann::json setup;
    setup["nftables"] = nlohmann::json::array();
    setup["nftables"].push_back({{"add", {{"table", table}}}});
    setup["nftables"].push_back({{"add", {{"chain", chain}}}});
    if (auto ok = run(ctx->get(), setup.dump(), "create table ip berth"); !ok)
        return fail(std::move(ok.error()).wrap(context));
    auto masquerade = nlohmann::json::array(
        {{{"match",
           {{"op", "=="},
            {"left", {{"payload", {{"protocol", "ip"}, {"field", "saddr"}}}}},
            {"right", {{"prefix", {{"addr", subnet}, {"len", prefixLength}}}}}}}},
         metaMatch("oifname", "!=", bridge),
         {{"masquerade", nullptr}}});
    if (auto ok = ensureRule(ctx->get(), NatChain, comment, std::move(masquerade), "add"); !ok)
        return fail(std::move(ok.error()).wrap(context));

    // Forward chains that drop by default must let the containers out and
    // the answers back in.
    auto chains = forwardChains(ctx->get());
    if (!chains)
        return fail(std::move(chains.error()).wrap(context));
    for (const ForwardChain &chain : *chains) {
        auto out = nlohmann::json::array({metaMatch("iifname", "==", bridge), {{"accept", nullptr}}});
        if (auto ok = ensureRule(ctx->get(), chain, comment, std::move(out)); !ok)
            return fail(std::move(ok.error()).wrap(context));
        auto back = nlohmann::json::array(
            {metaMatch("oifname", "==", bridge),
             {{"match",
               {{"op", "in"},
                {"left", {{"ct", {{"key", "state"}}}}},
                {"right", nlohmann::json::array({"established", "related"})}}}},
             {{"accept", nullptr}}});
        if (auto ok = ensureRule(ctx->get(), chain, comment + ":back", std::move(back)); !ok)
            return fail(std::move(ok.error()).wrap(context));
    }
    return {};
}

Status removeIntraBridgeForwarding(const std::string &bridge)
{
    const std::string context = "remove the forwarding rules of bridge " + bridge;
    if (auto ok = checkBridgeName(bridge); !ok)
        return fail(std::move(ok.error()).wrap(context));

    FirewallLock lock;
    auto ctx = openContext();
    if (!ctx)
        return fail(std::move(ctx.error()).wrap(context));
    auto chains = forwardChains(ctx->get());
    if (!chains)
        return fail(std::move(chains.error()).wrap(context));

    const std::string comment = commentFor(bridge);
    // The masquerade rule lives in Berth's own table (enableOutboundNat).
    if (auto nat = natChainExists(ctx->get()); nat && *nat)
        chains->push_back(NatChain);
    for (const ForwardChain &chain : *chains) {
        auto handles = rulesWithComment(ctx->get(), chain, comment, /*orOwnedBy=*/true);
        if (!handles)
            return fail(std::move(handles.error()).wrap(context));
        for (int64_t handle : *handles) {
            nlohmann::json rule = chainRef(chain);
            rule["handle"] = handle;
            const nlohmann::json command
                = {{"nftables", nlohmann::json::array({{{"delete", {{"rule", rule}}}}})}};
            if (auto ok = run(ctx->get(), command.dump(), "delete rule " + std::to_string(handle)
                                                              + " from " + describe(chain));
                !ok)
                return fail(std::move(ok.error()).wrap(context));
        }
    }
    return {};
}

} // namespace Berth::Runtime
