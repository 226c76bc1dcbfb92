#pragma once

#include <base/result.h>

#include <QByteArray>

#include <functional>

namespace Berth::Client {

// Docker's multiplexed stdout/stderr framing (engine-api.md 6.2), as the
// attach, logs and exec streams of a container without a TTY carry it:
// every frame is an 8-byte header {stream, 0, 0, 0, size as big-endian
// uint32} followed by `size` payload bytes. Stream 0 is stdin (echoed),
// 1 stdout, 2 stderr, 3 a system error from the engine (moby's stdcopy).
//
// The decoder is pure: feed() it the bytes as they arrive, in any pieces,
// and it calls the sink once per complete piece of payload, byte for byte
// (it never joins or splits lines). Frames cut across feeds are kept until
// their rest comes.
class MultiplexedDecoder
{
public:
    enum class Stream { Stdin = 0, Stdout = 1, Stderr = 2, System = 3 };
    using Sink = std::function<void(Stream stream, const QByteArray &payload)>;

    explicit MultiplexedDecoder(Sink sink);

    // Decodes what `bytes` completes. An unknown stream byte is a protocol
    // error (moby: "Unrecognized input header: N"); nothing is decoded after
    // it.
    Status feed(const QByteArray &bytes);
    // At the end of the stream: an error when a frame was cut short.
    Status finish() const;

    // Builds one frame (tests, fakes).
    static QByteArray encode(Stream stream, const QByteArray &payload);

private:
    Sink m_sink;
    QByteArray m_pending;
    bool m_broken = false;
};

} // namespace Berth::Client
