#include "logstream.h"

#include "engineclient.h"
#include "responsestream.h"

#include <QUrl>

#include <cstring>

namespace Berth::Client {

namespace {
// A line longer than this is cut, as docker's json-file driver does at 16 KiB
// (here larger, to keep long JSON log lines whole).
constexpr qsizetype MaxLineBytes = 256 * 1024;
} // namespace

LogStream::LogStream(EngineClient *client, const QString &container, const LogsQuery &query, QObject *parent)
    : QObject(parent)
    , m_container(container)
    , m_timestamps(query.timestamps)
    , m_decoder([this](MultiplexedDecoder::Stream stream, const QByteArray &payload) { onFrame(stream, payload); })
{
    qRegisterMetaType<LogLine>();
    qRegisterMetaType<QList<LogLine>>();
    if (!client) {
        QMetaObject::invokeMethod(this, [this] {
            m_finished = true;
            emit finished(fail(ErrorCode::Unavailable, "GET /containers/" + m_container.toStdString()
                                                          + "/logs: not connected to the engine"));
        }, Qt::QueuedConnection);
        return;
    }
    Request request;
    request.path = QStringLiteral("/containers/%1/logs").arg(QString::fromLatin1(QUrl::toPercentEncoding(container)));
    request.query.addQueryItem(QStringLiteral("stdout"), QStringLiteral("1"));
    request.query.addQueryItem(QStringLiteral("stderr"), QStringLiteral("1"));
    if (query.follow)
        request.query.addQueryItem(QStringLiteral("follow"), QStringLiteral("1"));
    if (query.timestamps)
        request.query.addQueryItem(QStringLiteral("timestamps"), QStringLiteral("1"));
    if (!query.since.isEmpty())
        request.query.addQueryItem(QStringLiteral("since"), query.since);
    if (!query.tail.isEmpty())
        request.query.addQueryItem(QStringLiteral("tail"), query.tail);
    m_stream = client->openStream(request, this);
    connect(m_stream, &ResponseStream::headReceived, this, [this] {
        const QByteArray type = m_stream->headers().value("Content-Type");
        m_raw = type.startsWith("application/vnd.docker.raw-stream") || type.startsWith("text/plain");
    });
    connect(m_stream, &ResponseStream::data, this, &LogStream::feed);
    connect(m_stream, &ResponseStream::finished, this, [this](const Status &result) {
        if (m_finished)
            return; // a decoding error ended it already
        flush();
        m_finished = true;
        if (result && !m_systemError.isEmpty())
            emit finished(fail(ErrorCode::Internal, "GET /containers/" + m_container.toStdString()
                                                        + "/logs: " + m_systemError.toStdString()));
        else
            emit finished(result);
    });
}

LogStream::~LogStream()
{
    if (m_stream)
        m_stream->cancel();
}

void LogStream::cancel()
{
    if (m_stream)
        m_stream->cancel();
    m_finished = true;
}

LogLine LogStream::makeLine(LogLine::Stream stream, const QByteArray &bytes) const
{
    LogLine line;
    line.stream = stream;
    qsizetype end = bytes.size();
    if (end > 0 && bytes.at(end - 1) == '\r')
        --end;
    line.raw = QString::fromUtf8(bytes.constData(), end);
    if (m_timestamps) {
        // "2026-11-28T01:02:03.123456789Z message": docker's RFC 3339 stamp.
        const qsizetype space = line.raw.indexOf(QLatin1Char(' '));
        if (space >= 20 && space <= 40 && line.raw.at(4) == QLatin1Char('-') && line.raw.at(10) == QLatin1Char('T'))
            line.messageStart = int(space + 1);
    }
    return line;
}

void LogStream::appendText(LogLine::Stream stream, const char *data, qsizetype size, QList<LogLine> &out)
{
    QByteArray &partial = m_partial[int(stream)];
    qsizetype start = 0;
    while (start < size) {
        const char *newline = static_cast<const char *>(memchr(data + start, '\n', size_t(size - start)));
        if (!newline) {
            partial.append(data + start, size - start);
            if (partial.size() > MaxLineBytes) {
                out.append(makeLine(stream, partial));
                partial.clear();
            }
            return;
        }
        const qsizetype length = newline - (data + start);
        if (partial.isEmpty()) {
            out.append(makeLine(stream, QByteArray::fromRawData(data + start, length)));
        } else {
            partial.append(data + start, length);
            out.append(makeLine(stream, partial));
            partial.clear();
        }
        start += length + 1;
    }
}

void LogStream::feed(const QByteArray &bytes)
{
    if (m_decodeError)
        return;
    QList<LogLine> out;
    if (m_raw) {
        appendText(LogLine::Stream::Stdout, bytes.constData(), bytes.size(), out);
    } else {
        m_batch = &out;
        const Status decoded = m_decoder.feed(bytes);
        m_batch = nullptr;
        if (!decoded) {
            m_decodeError = decoded.error();
            if (m_stream)
                m_stream->cancel();
            if (!out.isEmpty())
                emit lines(out);
            m_finished = true;
            emit finished(fail(Error(*m_decodeError).wrap("GET /containers/" + m_container.toStdString() + "/logs")));
            return;
        }
    }
    if (!out.isEmpty())
        emit lines(out);
}

void LogStream::onFrame(MultiplexedDecoder::Stream stream, const QByteArray &payload)
{
    if (!m_batch)
        return;
    if (stream == MultiplexedDecoder::Stream::System) {
        // A system error from the engine (engine-api.md 6.2): the end.
        m_systemError = QString::fromUtf8(payload).trimmed();
        return;
    }
    // Stream 0 is stdin (never in logs); count it as stdout.
    appendText(stream == MultiplexedDecoder::Stream::Stderr ? LogLine::Stream::Stderr : LogLine::Stream::Stdout,
               payload.constData(), payload.size(), *m_batch);
}

void LogStream::flush()
{
    QList<LogLine> out;
    for (auto stream : {LogLine::Stream::Stdout, LogLine::Stream::Stderr}) {
        QByteArray &partial = m_partial[int(stream)];
        if (!partial.isEmpty()) {
            out.append(makeLine(stream, partial));
            partial.clear();
        }
    }
    if (!out.isEmpty())
        emit lines(out);
}

} // namespace Berth::Client
