#include "containerlogreader.h"

#include "enginelogging.h"
#include "fsutil.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimeZone>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

namespace {

constexpr qint64 kBlock = 64 * 1024;
// The shim splits lines at 16 KiB; escaped as JSON that stays far below this.
constexpr qsizetype kMaxLineBytes = 4 * 1024 * 1024;
constexpr qint64 kNsPerSec = 1'000'000'000;

bool digitsAt(QByteArrayView s, qsizetype pos, qsizetype count, int *out)
{
    if (pos + count > s.size())
        return false;
    int v = 0;
    for (qsizetype i = pos; i < pos + count; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

std::optional<qint64> parseGoDuration(const QString &text)
{
    static const QRegularExpression whole(QStringLiteral("^((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+$"));
    static const QRegularExpression part(QStringLiteral("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)"));
    if (!whole.match(text).hasMatch())
        return std::nullopt;
    long double total = 0;
    auto it = part.globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        const long double value = m.captured(1).toDouble();
        const QString unit = m.captured(2);
        long double scale = 1;
        if (unit == u"ns")
            scale = 1;
        else if (unit == u"us" || unit == u"µs")
            scale = 1e3L;
        else if (unit == u"ms")
            scale = 1e6L;
        else if (unit == u"s")
            scale = 1e9L;
        else if (unit == u"m")
            scale = 60e9L;
        else if (unit == u"h")
            scale = 3600e9L;
        total += value * scale;
    }
    if (total > 9.2e18L)
        return std::nullopt;
    return qint64(total);
}

} // namespace

ContainerLogReader::ContainerLogReader(QString logPath, LogReadOptions options)
    : m_logPath(std::move(logPath))
    , m_options(options)
{
}

ContainerLogReader::~ContainerLogReader() = default;

QStringList ContainerLogReader::files() const
{
    QStringList rotated;
    for (int n = 1;; ++n) {
        const QString p = m_logPath + u'.' + QString::number(n);
        struct stat st;
        if (::stat(encodePath(p).constData(), &st) != 0)
            break;
        rotated.prepend(p);
    }
    struct stat st;
    if (::stat(encodePath(m_logPath).constData(), &st) == 0)
        rotated.append(m_logPath);
    return rotated;
}

Status ContainerLogReader::openFile(const QString &path, qint64 offset)
{
    const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return sysFail(QStringLiteral("open log ") + path, errno);
    UniqueFd file(fd);
    struct stat st;
    if (::fstat(file.get(), &st) != 0)
        return sysFail(QStringLiteral("stat log ") + path, errno);
    if (!S_ISREG(st.st_mode))
        return failWith(ErrorCode::Io, QStringLiteral("open log %1: not a regular file").arg(path));
    if (offset > 0 && ::lseek(file.get(), offset, SEEK_SET) < 0)
        return sysFail(QStringLiteral("seek log ") + path, errno);
    m_fd = std::move(file);
    m_id = {st.st_dev, st.st_ino};
    m_buffer.clear();
    return {};
}

Status ContainerLogReader::open()
{
    m_opened = true;
    m_finished = false;
    if (m_options.tail >= 0)
        return seekTail();
    const QStringList all = files();
    if (all.isEmpty())
        return {}; // nothing yet: next() picks the file up once the shim made it
    return openFile(all.first(), 0);
}

Status ContainerLogReader::seekTail()
{
    const QStringList all = files();
    if (all.isEmpty())
        return {};
    qint64 remaining = m_options.tail;
    QByteArray block;
    for (qsizetype fi = all.size() - 1; fi >= 0; --fi) {
        const QString &path = all.at(fi);
        const int fd = ::open(encodePath(path).constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            return sysFail(QStringLiteral("open log ") + path, errno);
        UniqueFd file(fd);
        struct stat st;
        if (::fstat(fd, &st) != 0)
            return sysFail(QStringLiteral("stat log ") + path, errno);
        if (remaining == 0) {
            // tail=0, or the lines wanted end exactly at this file's end
            return openFile(all.at(fi + 1 < all.size() ? fi + 1 : fi), fi + 1 < all.size() ? 0 : st.st_size);
        }
        qint64 pos = st.st_size;
        qint64 newlines = 0;
        bool sawLastByte = false;
        while (pos > 0) {
            const qint64 len = qMin(kBlock, pos);
            pos -= len;
            block.resize(len);
            const ssize_t n = ::pread(fd, block.data(), size_t(len), pos);
            if (n < 0)
                return sysFail(QStringLiteral("read log ") + path, errno);
            if (n != len)
                return failWith(ErrorCode::Io, QStringLiteral("read log %1: file shrank").arg(path));
            for (qint64 i = len - 1; i >= 0; --i) {
                if (block[i] != '\n') {
                    sawLastByte = true;
                    continue;
                }
                if (!sawLastByte && pos + i == st.st_size - 1) {
                    // the terminator of the file's last line
                    sawLastByte = true;
                    newlines = 1;
                    continue;
                }
                sawLastByte = true;
                // a newline that ends the line before the newlines-th one from the end
                if (newlines == remaining) {
                    m_fd = std::move(file);
                    m_id = {st.st_dev, st.st_ino};
                    m_buffer.clear();
                    if (::lseek(m_fd.get(), pos + i + 1, SEEK_SET) < 0)
                        return sysFail(QStringLiteral("seek log ") + path, errno);
                    return {};
                }
                ++newlines;
            }
        }
        // the whole file holds `newlines` complete lines, all wanted
        remaining -= qMin(newlines, remaining);
        if (remaining == 0 || fi == 0)
            return openFile(path, 0);
    }
    return {};
}

Result<bool> ContainerLogReader::advanceFile()
{
    const QStringList all = files();
    if (all.isEmpty())
        return false;
    if (!m_fd.isValid()) {
        if (auto st = openFile(all.first(), 0); !st)
            return fail(st.error());
        return true;
    }
    qsizetype index = -1;
    for (qsizetype i = 0; i < all.size(); ++i) {
        struct stat st;
        if (::stat(encodePath(all.at(i)).constData(), &st) == 0 && st.st_dev == m_id.dev && st.st_ino == m_id.ino) {
            index = i;
            break;
        }
    }
    if (index == all.size() - 1)
        return false; // still the newest file
    // Either the next newer file, or (ours was rotated away and deleted)
    // the oldest one left, which is newer than ours.
    const QString nextPath = index >= 0 ? all.at(index + 1) : all.first();
    if (auto st = openFile(nextPath, 0); !st) {
        if (st.error().sysErrno() == ENOENT)
            return true; // rotated again meanwhile: the caller retries
        return fail(st.error());
    }
    return true;
}

Result<std::optional<QByteArray>> ContainerLogReader::readLine()
{
    for (;;) {
        const qsizetype nl = m_buffer.indexOf('\n');
        if (nl >= 0) {
            QByteArray line = m_buffer.left(nl);
            m_buffer.remove(0, nl + 1);
            return line;
        }
        if (m_buffer.size() > kMaxLineBytes) {
            qCWarning(lcEngine) << "log" << m_logPath << ": dropping an over-long line";
            m_buffer.clear();
        }
        const qsizetype old = m_buffer.size();
        m_buffer.resize(old + kBlock);
        const ssize_t n = ::read(m_fd.get(), m_buffer.data() + old, size_t(kBlock));
        if (n < 0) {
            const int err = errno;
            m_buffer.resize(old);
            if (err == EINTR)
                continue;
            return sysFail(QStringLiteral("read log ") + m_logPath, err);
        }
        m_buffer.resize(old + n);
        if (n == 0)
            return std::optional<QByteArray>();
    }
}

Result<std::optional<LogEntry>> ContainerLogReader::next()
{
    if (!m_opened) {
        if (auto st = open(); !st)
            return fail(st.error());
    }
    while (!m_finished) {
        if (!m_fd.isValid()) {
            auto moved = advanceFile();
            if (!moved)
                return fail(moved.error());
            if (!*moved)
                return std::optional<LogEntry>();
            continue;
        }
        auto line = readLine();
        if (!line)
            return fail(line.error());
        if (!*line) {
            auto moved = advanceFile();
            if (!moved)
                return fail(moved.error());
            if (!*moved)
                return std::optional<LogEntry>();
            continue;
        }
        if ((*line)->isEmpty())
            continue;
        auto entry = parseLine(**line);
        if (!entry) {
            qCWarning(lcEngine) << "log" << m_logPath << ": skipping a bad line:"
                                << QString::fromStdString(entry.error().toString());
            continue;
        }
        if (m_options.untilNs && entry->timeNs > *m_options.untilNs) {
            m_finished = true;
            break;
        }
        if (m_options.sinceNs && entry->timeNs < *m_options.sinceNs)
            continue;
        if (entry->stream == LogEntry::Stdout && !m_options.stdoutStream)
            continue;
        if (entry->stream == LogEntry::Stderr && !m_options.stderrStream)
            continue;
        return std::optional<LogEntry>(std::move(*entry));
    }
    return std::optional<LogEntry>();
}

Result<LogEntry> ContainerLogReader::parseLine(QByteArrayView line)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line.toByteArray(), &error);
    if (!doc.isObject())
        return fail(ErrorCode::Protocol, "parse log line: " + error.errorString().toStdString());
    const QJsonObject o = doc.object();
    LogEntry e;
    const QString stream = o.value(QStringLiteral("stream")).toString();
    if (stream == u"stdout")
        e.stream = LogEntry::Stdout;
    else if (stream == u"stderr")
        e.stream = LogEntry::Stderr;
    else
        return fail(ErrorCode::Protocol, "parse log line: unknown stream \"" + stream.toStdString() + '"');
    const auto time = parseRfc3339(o.value(QStringLiteral("time")).toString().toLatin1());
    if (!time)
        return fail(ErrorCode::Protocol, "parse log line: bad time");
    e.timeNs = *time;
    e.text = o.value(QStringLiteral("log")).toString().toUtf8();
    return e;
}

std::optional<qint64> ContainerLogReader::parseRfc3339(QByteArrayView s)
{
    int year, month, day, hour, minute, second;
    if (!digitsAt(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !digitsAt(s, 5, 2, &month) || s[7] != '-'
        || !digitsAt(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digitsAt(s, 11, 2, &hour)
        || s[13] != ':' || !digitsAt(s, 14, 2, &minute) || s[16] != ':' || !digitsAt(s, 17, 2, &second))
        return std::nullopt;
    qsizetype pos = 19;
    qint64 nanos = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 9) {
                nanos = nanos * 10 + (s[pos] - '0');
                ++digits;
            }
            ++pos;
        }
        if (digits == 0)
            return std::nullopt;
        for (; digits < 9; ++digits)
            nanos *= 10;
    }
    qint64 offsetSecs = 0;
    if (pos < s.size()) {
        if (s[pos] == 'Z' || s[pos] == 'z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            int oh, om;
            if (!digitsAt(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':'
                || !digitsAt(s, pos + 4, 2, &om))
                return std::nullopt;
            offsetSecs = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
            pos += 6;
        }
    }
    if (pos != s.size())
        return std::nullopt;
    const QDate date(year, month, day);
    const QTime time(hour, minute, second);
    if (!date.isValid() || !time.isValid())
        return std::nullopt;
    const qint64 secs = QDateTime(date, time, Qt::UTC).toSecsSinceEpoch() - offsetSecs;
    return secs * kNsPerSec + nanos;
}

QByteArray ContainerLogReader::formatRfc3339Nano(qint64 timeNs)
{
    qint64 secs = timeNs / kNsPerSec;
    qint64 nanos = timeNs % kNsPerSec;
    if (nanos < 0) {
        nanos += kNsPerSec;
        --secs;
    }
    const QDateTime dt = QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
    return dt.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")).toLatin1() + '.'
           + QByteArray::number(nanos).rightJustified(9, '0') + 'Z';
}

Result<qint64> ContainerLogReader::parseTimeArgument(const QString &value, qint64 nowNs)
{
    static const QRegularExpression unix(QStringLiteral("^(\\d+)(?:\\.(\\d+))?$"));
    if (const auto m = unix.match(value); m.hasMatch()) {
        bool ok = false;
        const qint64 secs = m.captured(1).toLongLong(&ok);
        if (!ok || secs > 9'000'000'000LL)
            return fail(ErrorCode::InvalidArgument, "invalid timestamp \"" + value.toStdString() + '"');
        QString frac = m.captured(2).left(9);
        while (frac.size() < 9)
            frac.append(u'0');
        return secs * kNsPerSec + frac.toLongLong();
    }
    if (const auto d = parseGoDuration(value))
        return nowNs - *d;
    if (const auto t = parseRfc3339(value.toLatin1()))
        return *t;
    return fail(ErrorCode::InvalidArgument,
                "failed to parse value as time or duration: \"" + value.toStdString() + '"');
}

QByteArray ContainerLogReader::format(const LogEntry &entry, bool tty, bool timestamps)
{
    QByteArray payload;
    if (timestamps) {
        payload = formatRfc3339Nano(entry.timeNs);
        payload.append(' ');
    }
    payload.append(entry.text);
    if (tty)
        return payload;
    QByteArray out;
    out.reserve(8 + payload.size());
    const quint32 len = quint32(payload.size());
    out.append(char(entry.stream));
    out.append(3, '\0');
    out.append(char((len >> 24) & 0xff));
    out.append(char((len >> 16) & 0xff));
    out.append(char((len >> 8) & 0xff));
    out.append(char(len & 0xff));
    out.append(payload);
    return out;
}

} // namespace Berth::Engine
