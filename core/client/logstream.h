#pragma once

#include "clientmetatypes.h"
#include "multiplexeddecoder.h"

#include <base/result.h>

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

// What GET /containers/{id}/logs should return.
struct LogsQuery
{
    bool follow = true;
    bool timestamps = true; // always on for the GUI: it hides them itself
    QString since;          // unix seconds or a docker duration ("10m"); empty: all
    QString tail;           // "all" or a number; empty: all
};

// GET /containers/{id}/logs decoded into lines. Understands both framings
// docker uses: multiplexed frames (MultiplexedDecoder; stream 3 is an
// engine error) for containers without a TTY, and the raw stream for TTY
// containers (Content-Type application/vnd.docker.raw-stream; all stdout).
// Lines come in batches, one signal per piece of the reply, so a container
// printing a million lines costs a few thousand signals, not a million.
// A line with no newline yet waits for the rest; it is flushed at the end.
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
    void setRawStream(bool raw) { m_raw = raw; }
    void feed(const QByteArray &bytes);
    void flush();

signals:
    void lines(const QList<Berth::Client::LogLine> &lines);
    void finished(const Berth::Status &result);

private:
    void appendText(LogLine::Stream stream, const char *data, qsizetype size, QList<LogLine> &out);
    LogLine makeLine(LogLine::Stream stream, const QByteArray &bytes) const;
    void onFrame(MultiplexedDecoder::Stream stream, const QByteArray &payload);

    QString m_container;
    bool m_timestamps = true;
    QPointer<ResponseStream> m_stream;
    bool m_raw = false;
    bool m_finished = false;
    MultiplexedDecoder m_decoder;
    QList<LogLine> *m_batch = nullptr; // the batch feed() fills
    std::optional<Error> m_decodeError;
    QByteArray m_partial[3]; // per stream: text after the last newline
    QString m_systemError;   // a stream-3 frame
};

} // namespace Berth::Client

Q_DECLARE_METATYPE(Berth::Client::LogLine)
