#include "multiplexeddecoder.h"

#include <QtEndian>

#include <string>

namespace Berth::Client {

namespace {
constexpr qsizetype kHeaderSize = 8;
}

MultiplexedDecoder::MultiplexedDecoder(Sink sink)
    : m_sink(std::move(sink))
{}

Status MultiplexedDecoder::feed(const QByteArray &bytes)
{
    if (m_broken)
        return fail(ErrorCode::Protocol, "multiplexed stream: decoding stopped at an earlier bad header");
    m_pending.append(bytes);
    qsizetype offset = 0;
    while (m_pending.size() - offset >= kHeaderSize) {
        const auto *header = reinterpret_cast<const uchar *>(m_pending.constData() + offset);
        const int stream = header[0];
        if (stream > 3) {
            m_broken = true;
            m_pending.clear();
            return fail(ErrorCode::Protocol, "multiplexed stream: Unrecognized input header: " + std::to_string(stream));
        }
        const quint32 size = qFromBigEndian<quint32>(header + 4);
        if (m_pending.size() - offset - kHeaderSize < qsizetype(size))
            break;
        if (size > 0 && m_sink)
            m_sink(Stream(stream), m_pending.mid(offset + kHeaderSize, size));
        offset += kHeaderSize + size;
    }
    m_pending.remove(0, offset);
    return {};
}

Status MultiplexedDecoder::finish() const
{
    if (!m_pending.isEmpty()) {
        return fail(ErrorCode::Protocol, "multiplexed stream: the stream ended inside a frame ("
                                             + std::to_string(m_pending.size()) + " bytes left over)");
    }
    return {};
}

QByteArray MultiplexedDecoder::encode(Stream stream, const QByteArray &payload)
{
    QByteArray out(kHeaderSize, '\0');
    out[0] = char(int(stream));
    qToBigEndian<quint32>(quint32(payload.size()), reinterpret_cast<uchar *>(out.data()) + 4);
    out.append(payload);
    return out;
}

} // namespace Berth::Client
