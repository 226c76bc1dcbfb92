#include "networkfirewall.h"

#include <nftables/libnftables.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <vector>

namespace Berth::Runtime {

namespace {

struct NftDeleter
{
    void operator()(nft_ctx *ctx) const { nft_ctx_free(ctx); }
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
    NftContext ctx(nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx)
        return fail(ErrorCode::Io, "open an nftables context", ENOMEM);
    // JSON in and out: no quoting problems with table and chain names.
    nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
    if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0)
        return fail(ErrorCode::Io, "buffer nftables output", ENOMEM);
    return ctx;
}

// Runs one command; its JSON output on success.
Result<nlohmann::json> run(nft_ctx *ctx, const std::string &command, const std::string &operation)
{
    if (nft_run_cmd_from_buffer(ctx, command.c_str()) != 0) {
        std::string message = nft_ctx_get_error_buffer(ctx);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
            message.pop_back();
        return fail(ErrorCode::Io, operation + ": nftables: " + message);
    }
    const char *output = nft_ctx_get_output_buffer(ctx);
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

// Handles of the rules in chain carrying comment.
Result<std::vector<int64_t>> rulesWithComment(nft_ctx *ctx, const ForwardChain &chain,
                                              const std::string &comment)
{
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
        if (rule.is_object() && stringField(rule, "comment") == comment && rule.contains("handle")
            && rule["handle"].is_number_integer())
            handles.push_back(rule["handle"].get<int64_t>());
    }
    return handles;
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

    auto ctx = openContext();
    if (!ctx)
        return fail(std::move(ctx.error()).wrap(context));
    auto chains = forwardChains(ctx->get());
    if (!chains)
        return fail(std::move(chains.error()).wrap(context));

    const std::string comment = commentFor(bridge);
    for (const ForwardChain &chain : *chains) {
        auto existing = rulesWithComment(ctx->get(), chain, comment);
        if (!existing)
            return fail(std::move(existing.error()).wrap(context));
        if (!existing->empty())
            continue;
        nlohmann::json rule = chainRef(chain);
        rule["comment"] = comment;
        rule["expr"] = nlohmann::json::array(
            {{{"match", {{"op", "=="}, {"left", {{"meta", {{"key", "iifname"}}}}}, {"right", bridge}}}},
             {{"match", {{"op", "=="}, {"left", {{"meta", {{"key", "oifname"}}}}}, {"right", bridge}}}},
             {{"accept", nullptr}}});
        const nlohmann::json command
            = {{"nftables", nlohmann::json::array({{{"insert", {{"rule", rule}}}}})}};
        if (auto ok = run(ctx->get(), command.dump(), "insert a rule into " + describe(chain)); !ok)
            return fail(std::move(ok.error()).wrap(context));
    }
    return {};
}

Status removeIntraBridgeForwarding(const std::string &bridge)
{
    const std::string context = "remove the forwarding rules of bridge " + bridge;
    if (auto ok = checkBridgeName(bridge); !ok)
        return fail(std::move(ok.error()).wrap(context));

    auto ctx = openContext();
    if (!ctx)
        return fail(std::move(ctx.error()).wrap(context));
    auto chains = forwardChains(ctx->get());
    if (!chains)
        return fail(std::move(chains.error()).wrap(context));

    const std::string comment = commentFor(bridge);
    for (const ForwardChain &chain : *chains) {
        auto handles = rulesWithComment(ctx->get(), chain, comment);
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
