#pragma once

#include "clientmetatypes.h"
#include "multiplexeddecoder.h"

#include <base/result.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>
#include <optional>

namespace Berth::Client {

class EngineClient;
class ResponseStream;

// One line of a container's output.
struct LogLine
{
    enum class Stream : quint8 { Stdout = 1, Stderr = 2 };

    // The whole line as the engine sent it, without the newline: with
    // timestamps requested it starts with the RFC 3339 time and a space.
    QString raw;
    // Where the message starts in raw (0 without a timestamp).
    int messageStart = 0;
    Stream stream = Stream::Stdout;

    QStringView timestamp() const { return QStringView(raw).left(qMax(0, messageStart - 1)); }
    QStringView message() const { return QStringView(raw).mid(messageStart); }
};

// Lines of a container's output stored compactly: their UTF-8 bytes back to
// back in one buffer and 8 bytes of bookkeeping per line (where it ends,
// where its message starts after the time stamp, which stream), so a batch
// of 100000 lines is two allocations, not 100000 QStrings. Decoding to
// QString is left to the consumer, for the lines it shows or searches.
class LogBatch
{
public:
    struct Line
    {
        quint32 end = 0;          // offset in text() just past the line
        quint16 messageStart = 0; // offset of the message from the line's start
        LogLine::Stream stream = LogLine::Stream::Stdout;
    };

    qsizetype size() const { return m_lines.size(); }
    bool isEmpty() const { return m_lines.isEmpty(); }
    const QByteArray &text() const { return m_text; }
    const QList<Line> &lines() const { return m_lines; }

    LogLine::Stream stream(qsizetype i) const { return m_lines.at(i).stream; }
    // The whole line (stamp and message), its stamp and its message, as UTF-8.
    QByteArrayView raw(qsizetype i) const;
    QByteArrayView timestamp(qsizetype i) const;
    QByteArrayView message(qsizetype i) const;
    // One line decoded.
    LogLine line(qsizetype i) const;
    QList<LogLine> toLines() const;

    // Appends one line (without its newline; a trailing '\r' is dropped).
    // With `timestamps`, a leading RFC 3339 stamp and space is recognised.
    void append(LogLine::Stream stream, QByteArrayView bytes, bool timestamps);
    void append(const LogLine &line);
    // Appends every line of another batch.
    void append(const LogBatch &other);
    void clear();

private:
    QByteArray m_text;
    QList<Line> m_lines;
};

// What GET /containers/{id}/logs should return.
struct LogsQuery
{
    bool follow = true;
    bool timestamps = true; // always on for the GUI: it hides them itself
    QString since;          // unix seconds or a docker duration ("10m"); empty: all
    QString tail;           // "all" or a number; empty: all
    // Decode frames and split lines on a worker thread, so the thread that
    // owns the stream (the GUI's) only hands bytes over and receives
    // batches; batches that pile up while it is busy are merged into one.
    bool decodeInThread = false;
};

// GET /containers/{id}/logs decoded into lines. Understands both framings
// docker uses: multiplexed frames (MultiplexedDecoder; stream 3 is an
// engine error) for containers without a TTY, and the raw stream for TTY
// containers (Content-Type application/vnd.docker.raw-stream; all stdout).
// Lines come in batches, one signal per piece of the reply, so a container
// printing a million lines costs a few thousand signals, not a million.
// A line with no newline yet waits for the rest; it is flushed at the end.
// Each batch is emitted twice over: as a compact LogBatch (batch()) and,
// when something is connected to it, as a list of LogLine (lines()).
class LogStream : public QObject
{
    Q_OBJECT
public:
    LogStream(EngineClient *client, const QString &container, const LogsQuery &query, QObject *parent = nullptr);
    ~LogStream() override;

    QString container() const { return m_container; }
    bool isFinished() const { return m_finished; }
    void cancel();

    // The decoder on its own (tests, other transports): feed reply bytes.
    void setRawStream(bool raw);
    void feed(const QByteArray &bytes);
    void flush();

    // Splits bytes into lines (and multiplexed frames into streams): what
    // feed() runs in the caller's thread and the worker in its own.
    class Splitter;

signals:
    void batch(const Berth::Client::LogBatch &lines);
    void lines(const QList<Berth::Client::LogLine> &lines);
    void finished(const Berth::Status &result);

private:
    class Worker;

    void emitBatch(const LogBatch &out);
    void onStreamFinished(const Status &result);
    void deliver(); // takes what the worker decoded (this thread)
    Status endResult(const Status &result, const QString &systemError) const;

    QString m_container;
    QPointer<ResponseStream> m_stream;
    bool m_finished = false;
    bool m_decodeFailed = false;
    std::unique_ptr<Splitter> m_splitter; // feed() and the in-thread path
    std::unique_ptr<Worker> m_worker;     // LogsQuery::decodeInThread
    Status m_streamResult;                // the reply's end, kept until the worker is done
};

} // namespace Berth::Client

Q_DECLARE_METATYPE(Berth::Client::LogLine)
Q_DECLARE_METATYPE(Berth::Client::LogBatch)
