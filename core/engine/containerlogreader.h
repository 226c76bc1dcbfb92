#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <sys/types.h>

namespace Berth::Engine {

// One line of docker's json-file log: {"log":"text\n","stream":"stdout","time":"<RFC 3339 nano>"}.
struct LogEntry
{
    enum Stream : quint8 { Stdout = 1, Stderr = 2 };
    Stream stream = Stdout;
    QByteArray text;   // the "log" value, newline included when the line had one
    qint64 timeNs = 0; // nanoseconds since the epoch (UTC)
};

// What GET /containers/{id}/logs asked for (engine-api.md 7.8).
struct LogReadOptions
{
    bool stdoutStream = true;
    bool stderrStream = true;
    bool timestamps = false;
    qint64 tail = -1;                  // last N lines of the log (all streams); -1: all
    std::optional<qint64> sinceNs;     // entries at or after
    std::optional<qint64> untilNs;     // entries at or before; the read ends at the first later one
};

// Reads container.log and its rotated predecessors (container.log.N oldest
// ... container.log.1, then container.log) in time order. Memory stays
// bounded whatever the log size: `tail` is found by scanning the files
// backwards in fixed-size blocks, and entries are read one at a time.
//
// The reader follows rotation by inode: at the end of the file it is in, it
// looks for that inode among the rotated names and continues with the next
// newer file, so a reader that keeps calling next() (logs -f) neither loses
// nor repeats entries when the shim renames container.log to .1.
class ContainerLogReader
{
public:
    // logPath is the bundle's container.log (it need not exist yet).
    explicit ContainerLogReader(QString logPath, LogReadOptions options = {});
    ~ContainerLogReader();

    // Positions the reader: at the first entry of the oldest file, or at the
    // start of the last `tail` lines.
    Status open();

    // The next entry that passes the stream and time filters; nullopt when
    // the log has nothing more right now (more may come while the container
    // runs) or when `until` was passed (then finished() is true).
    Result<std::optional<LogEntry>> next();
    bool finished() const { return m_finished; }

    // The entry as the client wants it: docker's 8-byte multiplexed frame
    // (stream id, 3 zero bytes, big-endian length) unless tty, the
    // RFC3339Nano timestamp and a space first with timestamps.
    static QByteArray format(const LogEntry &entry, bool tty, bool timestamps);

    // Parses one json-file line (without its newline).
    static Result<LogEntry> parseLine(QByteArrayView line);

    // since/until as clients send them: unix seconds with an optional
    // fraction ("1700000000.123456789"), RFC 3339 (with or without
    // fraction and zone), or a Go duration before now ("10m", "1h30m", "1.5s").
    static Result<qint64> parseTimeArgument(const QString &value, qint64 nowNs);
    // RFC 3339 with nanoseconds -> ns since the epoch.
    static std::optional<qint64> parseRfc3339(QByteArrayView text);
    // ns since the epoch -> "2006-01-02T15:04:05.000000000Z" (docker's fixed form).
    static QByteArray formatRfc3339Nano(qint64 timeNs);

    // The log files, oldest first (rotated ones, then container.log).
    QStringList files() const;

private:
    struct FileId
    {
        dev_t dev = 0;
        ino_t ino = 0;
    };
    Status openFile(const QString &path, qint64 offset);
    Result<bool> advanceFile(); // true when it moved to a newer file
    Result<std::optional<QByteArray>> readLine();
    Status seekTail();

    QString m_logPath;
    LogReadOptions m_options;
    UniqueFd m_fd;
    FileId m_id;
    QByteArray m_buffer; // bytes read from m_fd and not yet consumed
    bool m_finished = false;
    bool m_opened = false;
};

} // namespace Berth::Engine
