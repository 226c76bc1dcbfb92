#include "logstream.h"

#include "engineclient.h"
#include "responsestream.h"

#include <QMetaMethod>
#include <QMutex>
#include <QThread>
#include <QUrl>
#include <QWaitCondition>

#include <cstring>

namespace Berth::Client {

namespace {
// A line longer than this is cut, as docker's json-file driver does at 16 KiB
// (here larger, to keep long JSON log lines whole).
constexpr qsizetype MaxLineBytes = 256 * 1024;

std::string logsOperation(const QString &container)
{
    return "GET /containers/" + container.toStdString() + "/logs";
}
} // namespace

// --- LogBatch ---------------------------------------------------------------

QByteArrayView LogBatch::raw(qsizetype i) const
{
    const quint32 begin = i == 0 ? 0 : m_lines.at(i - 1).end;
    return QByteArrayView(m_text.constData() + begin, qsizetype(m_lines.at(i).end - begin));
}

QByteArrayView LogBatch::timestamp(qsizetype i) const
{
    const quint16 start = m_lines.at(i).messageStart;
    return raw(i).first(start > 0 ? start - 1 : 0);
}

QByteArrayView LogBatch::message(qsizetype i) const
{
    return raw(i).sliced(m_lines.at(i).messageStart);
}

LogLine LogBatch::line(qsizetype i) const
{
    LogLine out;
    out.raw = QString::fromUtf8(raw(i));
    out.messageStart = m_lines.at(i).messageStart; // the stamp is ASCII: bytes == characters
    out.stream = m_lines.at(i).stream;
    return out;
}

QList<LogLine> LogBatch::toLines() const
{
    QList<LogLine> out;
    out.reserve(m_lines.size());
    for (qsizetype i = 0; i < m_lines.size(); ++i)
        out.append(line(i));
    return out;
}

void LogBatch::append(LogLine::Stream stream, QByteArrayView bytes, bool timestamps)
{
    qsizetype end = bytes.size();
    if (end > 0 && bytes.at(end - 1) == '\r')
        --end;
    Line line;
    line.stream = stream;
    if (timestamps && end > 20) {
        // "2026-11-28T01:02:03.123456789Z message": docker's RFC 3339 stamp.
        const char *data = bytes.data();
        const auto *space = static_cast<const char *>(memchr(data, ' ', size_t(qMin<qsizetype>(end, 41))));
        const qsizetype at = space ? space - data : -1;
        if (at >= 20 && at <= 40 && data[4] == '-' && data[10] == 'T')
            line.messageStart = quint16(at + 1);
    }
    m_text.append(bytes.data(), end);
    line.end = quint32(m_text.size());
    m_lines.append(line);
}

void LogBatch::append(const LogLine &line)
{
    const QByteArray bytes = line.raw.toUtf8();
    Line entry;
    entry.stream = line.stream;
    entry.messageStart = quint16(QStringView(line.raw).left(line.messageStart).toUtf8().size());
    m_text.append(bytes);
    entry.end = quint32(m_text.size());
    m_lines.append(entry);
}

void LogBatch::append(const LogBatch &other)
{
    if (other.isEmpty())
        return;
    if (isEmpty()) {
        *this = other;
        return;
    }
    const quint32 base = quint32(m_text.size());
    m_text.append(other.m_text);
    m_lines.reserve(m_lines.size() + other.m_lines.size());
    for (Line line : other.m_lines) {
        line.end += base;
        m_lines.append(line);
    }
}

void LogBatch::clear()
{
    m_text.clear();
    m_lines.clear();
}

// --- LogStream::Splitter ------------------------------------------------------

class LogStream::Splitter
{
public:
    explicit Splitter(bool timestamps)
        : m_timestamps(timestamps)
        , m_decoder([this](MultiplexedDecoder::Stream stream, const QByteArray &payload) { onFrame(stream, payload); })
    {
    }

    void setRaw(bool raw) { m_raw = raw; }
    const QString &systemError() const { return m_systemError; }

    // Appends the lines `bytes` completes to `out`; an error when the
    // framing is broken (nothing is decoded after it).
    Status feed(const QByteArray &bytes, LogBatch &out)
    {
        if (m_raw) {
            appendText(LogLine::Stream::Stdout, bytes.constData(), bytes.size(), out);
            return {};
        }
        m_out = &out;
        const Status decoded = m_decoder.feed(bytes);
        m_out = nullptr;
        return decoded;
    }

    // The lines still waiting for their newline, at the end.
    void flush(LogBatch &out)
    {
        for (auto stream : {LogLine::Stream::Stdout, LogLine::Stream::Stderr}) {
            QByteArray &partial = m_partial[int(stream)];
            if (!partial.isEmpty()) {
                out.append(stream, partial, m_timestamps);
                partial.clear();
            }
        }
    }

private:
    void onFrame(MultiplexedDecoder::Stream stream, const QByteArray &payload)
    {
        if (!m_out)
            return;
        if (stream == MultiplexedDecoder::Stream::System) {
            // A system error from the engine (engine-api.md 6.2): the end.
            m_systemError = QString::fromUtf8(payload).trimmed();
            return;
        }
        // Stream 0 is stdin (never in logs); count it as stdout.
        appendText(stream == MultiplexedDecoder::Stream::Stderr ? LogLine::Stream::Stderr : LogLine::Stream::Stdout,
                   payload.constData(), payload.size(), *m_out);
    }

    void appendText(LogLine::Stream stream, const char *data, qsizetype size, LogBatch &out)
    {
        QByteArray &partial = m_partial[int(stream)];
        qsizetype start = 0;
        while (start < size) {
            const char *newline = static_cast<const char *>(memchr(data + start, '\n', size_t(size - start)));
            if (!newline) {
                partial.append(data + start, size - start);
                if (partial.size() > MaxLineBytes) {
                    out.append(stream, partial, m_timestamps);
                    partial.clear();
                }
                return;
            }
            const qsizetype length = newline - (data + start);
            if (partial.isEmpty()) {
                out.append(stream, QByteArrayView(data + start, length), m_timestamps);
            } else {
                partial.append(data + start, length);
                out.append(stream, partial, m_timestamps);
                partial.clear();
            }
            start += length + 1;
        }
    }

    bool m_timestamps;
    bool m_raw = false;
    MultiplexedDecoder m_decoder;
    LogBatch *m_out = nullptr;
    QByteArray m_partial[3]; // per stream: text after the last newline
    QString m_systemError;   // a stream-3 frame
};

// --- LogStream::Worker --------------------------------------------------------

// The decoding thread of LogsQuery::decodeInThread. The owner's thread
// pushes reply bytes and the end; the worker splits them into a batch and
// posts one deliver() to the owner, which takes everything decoded by then:
// while the owner is busy, batches merge instead of queueing up.
class LogStream::Worker : public QThread
{
public:
    struct Taken
    {
        LogBatch lines;
        bool done = false; // the end was pushed and everything before it decoded
        std::optional<Error> error;
        QString systemError;
    };

    Worker(LogStream *owner, bool timestamps)
        : m_owner(owner)
        , m_splitter(timestamps)
    {
        setObjectName(QStringLiteral("berth-logdecoder"));
    }

    ~Worker() override
    {
        stop();
        wait();
    }

    void setRaw(bool raw)
    {
        QMutexLocker lock(&m_mutex);
        m_raw = raw;
    }

    void push(const QByteArray &bytes)
    {
        QMutexLocker lock(&m_mutex);
        m_input.append(bytes);
        m_wake.wakeOne();
    }

    void end()
    {
        QMutexLocker lock(&m_mutex);
        m_ended = true;
        m_wake.wakeOne();
    }

    void stop()
    {
        QMutexLocker lock(&m_mutex);
        m_stop = true;
        m_wake.wakeOne();
    }

    Taken take()
    {
        QMutexLocker lock(&m_mutex);
        m_posted = false;
        return Taken{std::exchange(m_output, {}), m_done, m_error, m_systemError};
    }

protected:
    void run() override
    {
        LogBatch local;
        while (true) {
            QList<QByteArray> input;
            bool ended = false;
            {
                QMutexLocker lock(&m_mutex);
                while (m_input.isEmpty() && !m_ended && !m_stop)
                    m_wake.wait(&m_mutex);
                if (m_stop)
                    return;
                input = std::exchange(m_input, {});
                ended = m_ended;
                m_splitter.setRaw(m_raw);
            }
            std::optional<Error> error;
            for (const QByteArray &bytes : std::as_const(input)) {
                const Status decoded = m_splitter.feed(bytes, local);
                if (!decoded) {
                    error = decoded.error();
                    break;
                }
            }
            if (!error && ended)
                m_splitter.flush(local);
            bool post = false;
            {
                QMutexLocker lock(&m_mutex);
                if (m_output.isEmpty())
                    m_output = std::move(local);
                else
                    m_output.append(local);
                local.clear();
                m_error = error;
                m_done = ended || error.has_value();
                m_systemError = m_splitter.systemError();
                if (!m_posted && (!m_output.isEmpty() || m_done)) {
                    m_posted = true;
                    post = true;
                }
            }
            if (post)
                QMetaObject::invokeMethod(m_owner, [owner = m_owner] { owner->deliver(); }, Qt::QueuedConnection);
            if (error || ended)
                return;
        }
    }

private:
    LogStream *const m_owner;
    Splitter m_splitter; // the worker thread's only
    QMutex m_mutex;
    QWaitCondition m_wake;
    QList<QByteArray> m_input;
    bool m_raw = false;
    bool m_ended = false;
    bool m_stop = false;
    LogBatch m_output;
    bool m_posted = false;
    bool m_done = false;
    std::optional<Error> m_error;
    QString m_systemError;
};

// --- LogStream ------------------------------------------------------------------

LogStream::LogStream(EngineClient *client, const QString &container, const LogsQuery &query, QObject *parent)
    : QObject(parent)
    , m_container(container)
    , m_splitter(std::make_unique<Splitter>(query.timestamps))
{
    qRegisterMetaType<LogLine>();
    qRegisterMetaType<QList<LogLine>>();
    qRegisterMetaType<LogBatch>();
    if (!client) {
        QMetaObject::invokeMethod(this, [this] {
            m_finished = true;
            emit finished(fail(ErrorCode::Unavailable, logsOperation(m_container) + ": not connected to the engine"));
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
    if (query.decodeInThread) {
        m_worker = std::make_unique<Worker>(this, query.timestamps);
        m_worker->start();
    }
    m_stream = client->openStream(request, this);
    connect(m_stream, &ResponseStream::headReceived, this, [this] {
        const QByteArray type = m_stream->headers().value("Content-Type");
        setRawStream(type.startsWith("application/vnd.docker.raw-stream") || type.startsWith("text/plain"));
    });
    connect(m_stream, &ResponseStream::data, this, [this](const QByteArray &bytes) {
        if (m_worker)
            m_worker->push(bytes);
        else
            feed(bytes);
    });
    connect(m_stream, &ResponseStream::finished, this, &LogStream::onStreamFinished);
}

LogStream::~LogStream()
{
    if (m_stream)
        m_stream->cancel();
    m_worker.reset(); // stops and joins the thread before the members go
}

void LogStream::cancel()
{
    if (m_stream)
        m_stream->cancel();
    if (m_worker)
        m_worker->stop();
    m_finished = true;
}

void LogStream::setRawStream(bool raw)
{
    m_splitter->setRaw(raw);
    if (m_worker)
        m_worker->setRaw(raw);
}

Status LogStream::endResult(const Status &result, const QString &systemError) const
{
    if (result && !systemError.isEmpty())
        return fail(ErrorCode::Internal, logsOperation(m_container) + ": " + systemError.toStdString());
    return result;
}

void LogStream::onStreamFinished(const Status &result)
{
    if (m_finished)
        return; // a decoding error or cancel() ended it already
    if (m_worker) {
        // The worker decodes what is still queued, then deliver() ends it.
        m_streamResult = result;
        m_worker->end();
        return;
    }
    flush();
    m_finished = true;
    emit finished(endResult(result, m_splitter->systemError()));
}

void LogStream::deliver()
{
    if (!m_worker)
        return;
    Worker::Taken taken = m_worker->take();
    if (m_finished)
        return; // cancelled: nothing more is emitted
    if (!taken.lines.isEmpty())
        emitBatch(taken.lines);
    if (taken.error) {
        if (m_stream)
            m_stream->cancel();
        m_finished = true;
        emit finished(fail(Error(*taken.error).wrap(logsOperation(m_container))));
        return;
    }
    if (taken.done) {
        m_finished = true;
        emit finished(endResult(m_streamResult, taken.systemError));
    }
}

void LogStream::emitBatch(const LogBatch &out)
{
    emit batch(out);
    if (isSignalConnected(QMetaMethod::fromSignal(&LogStream::lines)))
        emit lines(out.toLines());
}

void LogStream::feed(const QByteArray &bytes)
{
    if (m_decodeFailed)
        return;
    LogBatch out;
    const Status decoded = m_splitter->feed(bytes, out);
    if (!decoded) {
        m_decodeFailed = true;
        if (m_stream)
            m_stream->cancel();
        if (!out.isEmpty())
            emitBatch(out);
        m_finished = true;
        emit finished(fail(Error(decoded.error()).wrap(logsOperation(m_container))));
        return;
    }
    if (!out.isEmpty())
        emitBatch(out);
}

void LogStream::flush()
{
    LogBatch out;
    m_splitter->flush(out);
    if (!out.isEmpty())
        emitBatch(out);
}

} // namespace Berth::Client
