#pragma once

#include <base/error.h>

#include <string>
#include <string_view>

namespace Berth::Cli::FastRun {

// berth-cli's error wording for `run` (core/cli context.cpp, containercommands.cpp,
// containerrequests.cpp and core/client engineclient.cpp), reproduced
// exactly so that a failure after the container was created reads the same
// whichever path ran. Each print function writes to stderr and returns the
// exit code to use.
class ErrorReport
{
public:
    ErrorReport(std::string url, std::string socketPath);

    // Context::reportError().
    int reportError(const Error &error, int exitCode) const;
    // runError(): "berth: <message>" and the help hint.
    int runError(const std::string &message, int exitCode = 125) const;
    // runDaemonError(): fatal errors as reportError(), others as runError().
    int runDaemonError(const Error &error, int exitCode = 125) const;

private:
    std::string m_url;
    std::string m_socketPath;
};

// Client::isHelperUnreachable().
bool isHelperUnreachable(const Error &error);
// ContainerRequests::isFatal().
bool isFatal(const Error &error);
// ContainerRequests::startErrorExitCode(): 127, 126 or 125.
int startErrorExitCode(const Error &error);
// core/client's errorFromReply(): the engine's message (or its stock
// sentence naming the route) with the ErrorCode of the status.
Error errorFromReply(int status, std::string_view body, const std::string &path);
// Common::messageFromErrorBody(): the JSON "message", else the body, trimmed
// as QString::trimmed() does.
std::string messageFromErrorBody(std::string_view body);
// QString::trimmed() on UTF-8 text (ASCII and Unicode white space).
std::string trimmedText(std::string_view text);

// Takes the locale from the environment, as QCoreApplication does at start
// (setlocale(LC_ALL, "")), so that strerror() texts read as in berth-cli.
// Done only when an error is worded: the common run never needs it.
void useEnvironmentLocale();

// Writes everything to fd (EINTR retried); a reader that went away drops
// the rest, as berth-cli's AttachSession does.
void writeAll(int fd, std::string_view bytes);

} // namespace Berth::Cli::FastRun
