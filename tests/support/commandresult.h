#pragma once

#include <QString>

namespace Berth::TestSupport {

// What a finished command left behind: its exit code and both streams.
// exitCode is -1 when the command could not start, crashed or timed out.
struct CommandResult
{
    QString command; // program and arguments, for messages
    int exitCode = -1;
    bool crashed = false;
    bool timedOut = false;
    QString out;
    QString err;

    // For QVERIFY2: the command, how it ended, then stdout and stderr (each
    // cut at maxChars so that an image inspect does not flood the log).
    QString describe(qsizetype maxChars = 4000) const;
};

} // namespace Berth::TestSupport
