#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Berth::Cli::FastRun {

// Looks a variable up in the process environment (tests pass their own).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup processEnvironment();

// The common `berth run` that the Qt-free front handles itself: what it
// sends and where. Everything here was checked to give the same request as
// berth-cli (core/cli) would build for the same argv and environment.
struct RunPlan
{
    std::string socketPath;            // the engine's Unix socket
    std::string image;                 // as typed
    std::vector<std::string> command;  // COMMAND ARG... (Cmd), may be empty
    std::string name;                  // ?name=, empty: none
    std::vector<std::string> env;      // -e values, bare names resolved
    std::string user;                  // -u
    std::string workdir;               // -w
    std::optional<std::string> entrypoint;
    std::string network = "default";   // --network/--net
    bool autoRemove = false;           // --rm
    bool detach = false;               // -d

    // "unix:///run/berth/berth.sock"
    std::string url() const { return "unix://" + socketPath; }
    // POST /containers/create's body, compact JSON with the fields (and
    // defaults) berth-cli's buildCreateSpec() sends, keys sorted as
    // QJsonObject keeps them.
    std::string createBody() const;
};

// Decides whether argv (without argv[0]) is a run the fast path handles
// exactly as berth-cli would: `run`/`container run` with only --rm, -d,
// --name, --network/--net, -e, -w, -u and --entrypoint (in every spelling
// berth-cli's parser accepts), at most -H unix://PATH before it, and an
// engine address resolved as core/client's Endpoint does. The error says
// why berth-cli has to do it instead (for tests and debugging; never shown).
std::expected<RunPlan, std::string> planRun(const std::vector<std::string> &args, const EnvLookup &env);

// True when a Qt logging configuration could make berth-cli print what the
// fast path does not (QT_LOGGING_RULES, QT_LOGGING_CONF, a qtlogging.ini in
// Qt's or the user's configuration directories).
bool qtLoggingConfigured(const EnvLookup &env);
// Where that Qt keeps its data (QLibraryInfo::DataPath), as configured at
// build time; empty when unknown.
std::string qtDataDirectory();

// Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool isValidUtf8(std::string_view text);

} // namespace Berth::Cli::FastRun
