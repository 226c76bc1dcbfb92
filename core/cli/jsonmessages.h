#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace Berth::Cli {

// What docker's jsonmessage.DisplayJSONMessagesToStream prints for a
// JSON-message stream (engine-api.md 6.1) on a non-terminal: `stream`
// verbatim, `status` with "id: " before it and a newline after it,
// progress bars skipped, aux not printed. The first errorDetail (or
// error) ends the display: its message is the error.
struct JsonMessagesOutput
{
    QString text;
    std::optional<QString> error;
};

JsonMessagesOutput displayJsonMessages(const QByteArray &stream);

} // namespace Berth::Cli
