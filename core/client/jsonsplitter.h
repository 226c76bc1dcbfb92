#pragma once

#include <base/result.h>

#include <QByteArray>

#include <optional>

namespace Berth::Client {

// Cuts a byte stream of back-to-back JSON values (GET /events, progress
// streams) into whole values, whatever the chunking: a value may be split
// over many appends, and one append may hold several values. Whitespace
// between values (dockerd writes "\r\n") is skipped.
class JsonSplitter
{
public:
    void append(const QByteArray &bytes) { m_buffer.append(bytes); }

    // The next complete value, std::nullopt when more bytes are needed, or a
    // Protocol error when the stream holds something that is not JSON.
    Result<std::optional<QByteArray>> next();

    // Bytes received but not yet returned (an incomplete value).
    qsizetype pendingBytes() const { return m_buffer.size() - m_start; }
    // True when only whitespace is left.
    bool isIdle();

private:
    void compact();

    QByteArray m_buffer;
    qsizetype m_start = 0; // start of the value being scanned
    qsizetype m_pos = 0;   // scan position inside m_buffer
    int m_depth = 0;
    bool m_inString = false;
    bool m_escape = false;
    bool m_inValue = false;
};

} // namespace Berth::Client
