#include "logmodel.h"

#include <QLatin1StringView>

#include <algorithm>

namespace Berth::Gui {

using Client::LogBatch;
using Client::LogLine;

// A search text prepared once for many lines: an ASCII text (or any text
// searched case-sensitively) is compared against the stored UTF-8 bytes
// directly; only a case-insensitive non-ASCII text decodes each line.
class LogModel::Matcher
{
public:
    Matcher(const QString &text, Qt::CaseSensitivity cs)
        : m_text(text)
        , m_utf8(text.toUtf8())
        , m_cs(cs)
    {
        m_bytewise = cs == Qt::CaseSensitive
                     || std::all_of(m_utf8.cbegin(), m_utf8.cend(), [](char c) { return uchar(c) < 0x80; });
    }

    const QString &text() const { return m_text; }

    bool matches(QByteArrayView line) const
    {
        if (!m_bytewise)
            return QString::fromUtf8(line).contains(m_text, m_cs);
        if (m_cs == Qt::CaseSensitive)
            return line.indexOf(m_utf8) >= 0;
        // An ASCII needle: Latin-1 case folding never maps a byte >= 0x80
        // (part of a UTF-8 sequence) onto ASCII, so this is exact.
        return QLatin1StringView(line.data(), line.size())
            .contains(QLatin1StringView(m_utf8.constData(), m_utf8.size()), Qt::CaseInsensitive);
    }

private:
    QString m_text;
    QByteArray m_utf8;
    Qt::CaseSensitivity m_cs;
    bool m_bytewise = true;
};

LogModel::LogModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

void LogModel::setCapacity(int lines)
{
    m_capacity = qMax(1, lines);
    const qint64 excess = rowCount() - qint64(m_capacity);
    if (excess > 0) {
        beginRemoveRows(QModelIndex(), 0, int(excess - 1));
        dropFront(excess);
        endRemoveRows();
    }
}

void LogModel::setByteCapacity(qint64 bytes)
{
    m_byteCapacity = qMax<qint64>(BlockBytes, bytes);
    const qint64 excess = linesToFree(m_liveBytes - m_byteCapacity);
    if (excess > 0) {
        beginRemoveRows(QModelIndex(), 0, int(excess - 1));
        dropFront(excess);
        endRemoveRows();
    }
}

qint64 LogModel::allocatedBytes() const
{
    qint64 bytes = m_spare.text.capacity() + qint64(m_spare.entries.capacity()) * EntryBytes;
    for (const Block &block : m_blocks)
        bytes += block.text.capacity() + qint64(block.entries.capacity()) * EntryBytes;
    return bytes;
}

void LogModel::setShowTimestamps(bool show)
{
    if (m_showTimestamps == show)
        return;
    m_showTimestamps = show;
    if (rowCount() > 0)
        emit dataChanged(index(0), index(rowCount() - 1), {Qt::DisplayRole});
}

LogModel::Located LogModel::locate(int row) const
{
    const qint64 abs = m_firstAbs + row;
    // The last block whose first line is at or before abs.
    auto it = std::upper_bound(m_blocks.begin(), m_blocks.end(), abs,
                               [](qint64 value, const Block &block) { return value < block.firstAbs; });
    const Block &block = *(it - 1);
    return {&block, &block.entries[size_t(abs - block.firstAbs)]};
}

QByteArrayView LogModel::rawOf(const Located &at) const
{
    return QByteArrayView(at.block->text.constData() + at.entry->start, qsizetype(at.entry->length));
}

void LogModel::dropFront(qint64 count)
{
    const qint64 live = rowCount();
    count = qMin(count, live);
    if (count <= 0)
        return;
    if (count == live) {
        // Everything goes: keep one block's buffers for what comes next.
        setCounted(0);
        if (!m_blocks.empty()) {
            m_spare = std::move(m_blocks.back());
            m_blocks.clear();
        }
        m_firstAbs = m_nextAbs;
        m_liveBytes = 0;
        return;
    }
    qint64 freed = 0;
    int uncounted = 0;
    qint64 abs = m_firstAbs;
    const qint64 end = m_firstAbs + count;
    while (abs < end) {
        Block &front = m_blocks.front();
        const qint64 blockEnd = front.firstAbs + qint64(front.entries.size());
        const qint64 stop = qMin(end, blockEnd);
        for (qint64 a = abs; a < stop; ++a) {
            const Entry &entry = front.entries[size_t(a - front.firstAbs)];
            freed += entry.length + EntryBytes;
            uncounted += isCounted(front, entry) ? 1 : 0;
        }
        abs = stop;
        if (stop == blockEnd) {
            m_spare = std::move(front); // its buffers serve the next block
            m_blocks.pop_front();
        }
    }
    m_firstAbs = end;
    m_liveBytes -= freed;
    setCounted(m_counted - uncounted);
}

bool LogModel::isCounted(const Block &block, const Entry &entry) const
{
    return m_countedMatcher
           && m_countedMatcher->matches(QByteArrayView(block.text.constData() + entry.start + entry.messageStart,
                                                       qsizetype(entry.length - entry.messageStart)));
}

void LogModel::setCounted(int matches)
{
    if (matches == m_counted)
        return;
    m_counted = matches;
    emit matchCountChanged(matches);
}

void LogModel::setCountedText(const QString &text, Qt::CaseSensitivity cs)
{
    m_countedMatcher = text.isEmpty() ? nullptr : std::make_shared<const Matcher>(text, cs);
    setCounted(text.isEmpty() ? 0 : countMatches(text, cs));
}

QString LogModel::countedText() const
{
    return m_countedMatcher ? m_countedMatcher->text() : QString();
}

qint64 LogModel::linesToFree(qint64 bytes) const
{
    if (bytes <= 0)
        return 0;
    qint64 lines = 0;
    qint64 freed = 0;
    for (const Block &block : m_blocks) {
        for (size_t i = size_t(qMax<qint64>(0, m_firstAbs - block.firstAbs)); i < block.entries.size(); ++i) {
            freed += block.entries[i].length + EntryBytes;
            ++lines;
            if (freed >= bytes)
                return lines;
        }
    }
    return lines;
}

void LogModel::store(const LogBatch &batch, qsizetype first)
{
    int counted = 0;
    const QList<LogBatch::Line> &lines = batch.lines();
    const char *text = batch.text().constData();
    for (qsizetype i = first; i < lines.size(); ++i) {
        const quint32 begin = i == 0 ? 0 : lines[i - 1].end;
        const qsizetype length = qMin<qsizetype>(lines[i].end - begin, MaxLineBytes);
        if (m_blocks.empty() || m_blocks.back().text.size() + length > m_blocks.back().text.capacity()) {
            Block block = std::move(m_spare);
            m_spare = Block();
            block.text.resize(0);
            block.entries.clear();
            block.text.reserve(qMax(BlockBytes, length));
            block.firstAbs = m_nextAbs;
            m_blocks.push_back(std::move(block));
        }
        Block &block = m_blocks.back();
        Entry entry;
        entry.start = quint32(block.text.size());
        entry.length = quint32(length);
        entry.messageStart = qMin<quint32>(lines[i].messageStart, quint32(length)) & 0x3f;
        entry.stream = quint32(lines[i].stream) & 0x3;
        block.text.append(text + begin, length);
        block.entries.push_back(entry);
        counted += isCounted(block, entry) ? 1 : 0;
        m_liveBytes += length + EntryBytes;
        m_longest = qMax(m_longest, int(length));
        ++m_nextAbs;
    }
    setCounted(m_counted + counted);
}

void LogModel::appendBatch(const LogBatch &batch)
{
    const qsizetype count = batch.size();
    if (count == 0)
        return;
    const QList<LogBatch::Line> &lines = batch.lines();
    auto bytesFrom = [&](qsizetype first) {
        const quint32 begin = first == 0 ? 0 : lines[first - 1].end;
        return qint64(lines[count - 1].end - begin) + qint64(count - first) * EntryBytes;
    };
    // Only the newest lines of the batch that fit both bounds can stay.
    qsizetype first = qMax<qsizetype>(0, count - m_capacity);
    while (first < count - 1 && bytesFrom(first) > m_byteCapacity)
        ++first;
    const qint64 incoming = count - first;
    const qint64 incomingBytes = bytesFrom(first);

    const qint64 rows = rowCount();
    if (first > 0) {
        // Lines of this batch are skipped: everything kept so far is older
        // than them and goes too.
        if (rows > 0) {
            beginRemoveRows(QModelIndex(), 0, int(rows - 1));
            dropFront(rows);
            endRemoveRows();
        }
        m_nextAbs += first;
        m_firstAbs = m_nextAbs;
    } else {
        const qint64 excess = qMin(rows, qMax(rows + incoming - m_capacity,
                                              linesToFree(m_liveBytes + incomingBytes - m_byteCapacity)));
        if (excess > 0) {
            beginRemoveRows(QModelIndex(), 0, int(excess - 1));
            dropFront(excess);
            endRemoveRows();
        }
    }
    const int at = rowCount();
    beginInsertRows(QModelIndex(), at, at + int(incoming) - 1);
    store(batch, first);
    endInsertRows();
}

void LogModel::appendLines(const QList<LogLine> &lines)
{
    LogBatch batch;
    for (const LogLine &line : lines)
        batch.append(line);
    appendBatch(batch);
}

void LogModel::clear()
{
    beginResetModel();
    m_blocks.clear();
    m_spare = Block();
    m_firstAbs = 0;
    m_nextAbs = 0;
    m_liveBytes = 0;
    m_longest = 0;
    endResetModel();
    setCounted(0); // the counted text stays for the lines to come
}

LogLine LogModel::line(int row) const
{
    const Located at = locate(row);
    LogLine out;
    out.raw = QString::fromUtf8(rawOf(at));
    out.messageStart = int(at.entry->messageStart); // the stamp is ASCII
    out.stream = LogLine::Stream(at.entry->stream);
    return out;
}

LogLine::Stream LogModel::stream(int row) const
{
    return LogLine::Stream(locate(row).entry->stream);
}

QByteArrayView LogModel::messageBytes(int row) const
{
    const Located at = locate(row);
    return rawOf(at).sliced(at.entry->messageStart);
}

int LogModel::find(const QString &text, int from, bool backward, Qt::CaseSensitivity cs) const
{
    const int count = rowCount();
    if (text.isEmpty() || count == 0)
        return -1;
    const Matcher matcher(text, cs);
    from = qBound(0, from, count - 1);
    for (int i = 0; i < count; ++i) {
        const int row = backward ? (from - i + count) % count : (from + i) % count;
        if (matcher.matches(messageBytes(row)))
            return row;
    }
    return -1;
}

int LogModel::countMatches(const QString &text, Qt::CaseSensitivity cs) const
{
    if (text.isEmpty())
        return 0;
    const Matcher matcher(text, cs);
    int matches = 0;
    for (const Block &block : m_blocks) {
        for (size_t i = size_t(qMax<qint64>(0, m_firstAbs - block.firstAbs)); i < block.entries.size(); ++i) {
            const Entry &entry = block.entries[i];
            const QByteArrayView message(block.text.constData() + entry.start + entry.messageStart,
                                         qsizetype(entry.length - entry.messageStart));
            matches += matcher.matches(message) ? 1 : 0;
        }
    }
    return matches;
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_nextAbs - m_firstAbs);
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Located at = locate(index.row());
    const QByteArrayView raw = rawOf(at);
    const qsizetype messageStart = at.entry->messageStart;
    switch (role) {
    case Qt::DisplayRole:
        return QString::fromUtf8(m_showTimestamps ? raw : raw.sliced(messageStart));
    case Qt::ToolTipRole:
    case TimestampRole:
        return QString::fromLatin1(raw.first(messageStart > 0 ? messageStart - 1 : 0));
    case StreamRole:
        return int(at.entry->stream);
    case MessageRole:
        return QString::fromUtf8(raw.sliced(messageStart));
    default:
        return {};
    }
}

} // namespace Berth::Gui
