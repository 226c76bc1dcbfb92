#pragma once

#include "httpheaders.h"

#include <base/result.h>

#include <QByteArray>

#include <functional>
#include <memory>

namespace Berth::Common {

// The start line and header fields of one HTTP/1.1 message.
struct HttpMessageHead
{
    // Requests
    QByteArray method;
    QByteArray target; // the raw request-target: path plus query
    // Responses
    int status = 0;

    int versionMajor = 1;
    int versionMinor = 1;
    HttpHeaders headers;
    bool keepAlive = true;
    bool upgrade = false;
    bool chunked = false;
    qint64 contentLength = -1; // -1: not given
};

// Incremental HTTP/1.1 framing on top of Debian's http-parser: feed bytes
// as they arrive, get the head, the (de-chunked) body and the end of each
// message through callbacks. Refused as malformed, beyond what http-parser
// refuses (two Content-Lengths, Content-Length with chunked, bad sizes): a
// header line folded onto the previous one (obs-fold; RFC 9112 5.2 lets a
// server refuse it, and the checklist's smuggling cases ask it to). Used by berthd for requests and by the client
// for responses, so both sides agree on one implementation.
class HttpParser
{
public:
    enum class Kind { Request, Response };

    // What the parser does after the head.
    enum class HeadAction {
        Continue,  // read the body as framed
        SkipBody,  // the message has no body (a response to HEAD, 204, 304)
        Pause,     // stop feeding; resume() continues at the next byte
    };

    // The default cap on a message head (start line plus fields).
    static constexpr quint32 kMaxHeadBytes = 1024 * 1024;

    explicit HttpParser(Kind kind);
    ~HttpParser();
    HttpParser(const HttpParser &) = delete;
    HttpParser &operator=(const HttpParser &) = delete;

    std::function<HeadAction(const HttpMessageHead &)> onHead;
    std::function<void(const char *data, qsizetype size)> onBody;
    // Return true to pause after this message (one request at a time).
    std::function<bool()> onMessageComplete;

    // Feeds bytes; returns how many were consumed. Fewer than size means the
    // parser paused (see onHead/onMessageComplete) or an upgrade began: the
    // rest belongs to the next message or to the raw stream.
    Result<qsizetype> feed(const char *data, qsizetype size);
    Result<qsizetype> feed(const QByteArray &bytes) { return feed(bytes.constData(), bytes.size()); }

    // Tells the parser the peer closed its side (ends a read-until-close body).
    Status finish();

    void resume();
    bool isPaused() const;
    // True once a message asked to switch protocols (101 / Upgrade request).
    bool isUpgrade() const;
    // True while inside a message (some bytes of it read, not yet complete).
    bool isMidMessage() const { return m_inMessage; }

    // The head bytes read so far in the current message (for limits).
    qsizetype headBytes() const { return m_headBytes; }

private:
    struct Private;
    std::unique_ptr<Private> d;
    Status refuseObsFold(const char *data, qsizetype size);

    bool m_inMessage = false;
    qsizetype m_headBytes = 0;
    // Scanning the current head for obsolete line folding: still in the
    // head, and the byte before the current one.
    bool m_scanningHead = true;
    char m_previous = 0;
    // Whether the pause that ended http_parser_execute() was the caller's
    // (onHead, onMessageComplete) or feed()'s own after a message.
    bool m_callerPaused = false;
    friend struct Private;
};

} // namespace Berth::Common
