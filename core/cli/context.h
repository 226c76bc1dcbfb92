#pragma once

#include "command.h"
#include "gotemplate.h"

#include <base/result.h>
#include <client/endpoint.h>

#include <QJsonObject>
#include <QString>
#include <QTextStream>

#include <expected>
#include <memory>
#include <optional>

namespace Berth::Client {
class EngineClient;
}

namespace Berth::Cli {

class CommandRegistry;

// The global options given before the command.
struct GlobalOptions
{
    QString host;   // -H/--host, empty: BERTH_HOST or the default socket
    bool debug = false;
};

// What a command's run function gets besides its arguments: the output
// streams, the engine client, and docker's way of reporting errors.
class Context
{
public:
    Context(const CommandRegistry &registry, const GlobalOptions &options);
    ~Context();

    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }
    const GlobalOptions &globalOptions() const { return m_options; }
    const CommandRegistry &registry() const { return m_registry; }

    // The engine address from -H, BERTH_HOST or the default.
    Result<Client::Endpoint> endpoint() const;
    // The engine client for that address, created on first use.
    Result<Client::EngineClient *> client();

    // GET `path` (unversioned) and its JSON object reply, waiting in a
    // local event loop (fine for a CLI; never in the GUI).
    Result<QJsonObject> getJson(const QString &path);

    // Prints an error as docker does and returns `exitCode`:
    //   unreachable helper -> "Cannot connect to the Berth helper at ... Start it with: ..."
    //   engine replies     -> "Error response from daemon: <message>"
    //   other failures     -> "error during connect: ..." / the message
    int reportError(const Error &error, int exitCode = 1);
    // A usage error of `command` (bad flag or argument): docker's three
    // lines on stderr, exit 125.
    int reportUsageError(const Command &command, const QString &message);

    // A Go template from --format or another option. One that does not parse
    // is reported as docker does ("template parsing error: ...") and the
    // error is the exit code to return.
    std::expected<GoTemplate, int> parseTemplate(const QString &text, int exitCode = 64);
    // The --format option: std::nullopt when it was not given.
    std::expected<std::optional<GoTemplate>, int> formatTemplate(const ParsedArgs &args, int exitCode = 64);

private:
    const CommandRegistry &m_registry;
    GlobalOptions m_options;
    QTextStream m_out;
    QTextStream m_err;
    std::unique_ptr<Client::EngineClient> m_client;
};

// The --format option of version, info and events.
OptionSpec formatOption(bool withShorthand);

} // namespace Berth::Cli
