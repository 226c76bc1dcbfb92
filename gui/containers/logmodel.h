#pragma once

#include <client/logstream.h>

#include <QAbstractListModel>
#include <QByteArray>

#include <deque>
#include <memory>
#include <vector>

namespace Berth::Gui {

// The lines of one container's output, bounded in lines (capacity()) and in
// bytes (byteCapacity()): past either bound the oldest lines are dropped
// (one beginRemoveRows at the top per append), so a container that prints
// forever costs a fixed amount of memory.
//
// Storage is compact: the lines' UTF-8 bytes are copied back to back into
// blocks of BlockBytes with 8 bytes of bookkeeping per line (offset, length,
// where the message starts after the stamp, stream). A line becomes a
// QString only when data() is asked for it (the visible rows) or when a
// search needs it decoded (a non-ASCII case-insensitive search; other
// searches compare the bytes). Dropped lines free their block once the
// whole block is dropped, and that block's buffers are reused for the next
// lines, so following a chatty container neither fragments the heap nor
// grows it: the text held never exceeds byteCapacity() + BlockBytes.
class LogModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        StreamRole = Qt::UserRole + 1, // LogLine::Stream as int
        TimestampRole,                 // the RFC 3339 stamp, empty without one
        MessageRole,                   // the text without the stamp
    };

    static constexpr int DefaultCapacity = 200000;
    static constexpr qint64 DefaultByteCapacity = 32 * 1024 * 1024;
    static constexpr qsizetype BlockBytes = 1024 * 1024;
    // A longer line is cut to this many bytes when stored.
    static constexpr qsizetype MaxLineBytes = (1 << 24) - 1;

    explicit LogModel(QObject *parent = nullptr);

    int capacity() const { return m_capacity; }
    void setCapacity(int lines);
    // The bound on the bytes the kept lines take (their text plus 8 bytes each).
    qint64 byteCapacity() const { return m_byteCapacity; }
    void setByteCapacity(qint64 bytes);

    // What the kept lines take (text plus bookkeeping), and what the model
    // holds allocated for them (whole blocks, the spare one included).
    qint64 lineBytes() const { return m_liveBytes; }
    qint64 allocatedBytes() const;

    // Show the timestamp before each line (DisplayRole) or not.
    bool showTimestamps() const { return m_showTimestamps; }
    void setShowTimestamps(bool show);

    // The length in bytes of the longest line kept so far: the view's
    // horizontal extent (an estimate, counted as characters; UTF-8 only
    // ever makes it larger than the character count).
    int longestLine() const { return m_longest; }

    // Lines dropped from the top since the last clear().
    qint64 droppedLines() const { return m_firstAbs; }

    // Appends the lines with at most one rowsRemoved and one rowsInserted.
    void appendBatch(const Client::LogBatch &batch);
    void appendLines(const QList<Client::LogLine> &lines);
    void clear();

    // One line, decoded.
    Client::LogLine line(int row) const;
    Client::LogLine::Stream stream(int row) const;
    // The message (without its stamp) as stored, UTF-8.
    QByteArrayView messageBytes(int row) const;

    // The next row at or after `from` (before it when backward) whose
    // message contains `text`; wraps around; -1 when none does.
    int find(const QString &text, int from, bool backward = false,
             Qt::CaseSensitivity cs = Qt::CaseInsensitive) const;
    // How many lines contain `text`.
    int countMatches(const QString &text, Qt::CaseSensitivity cs = Qt::CaseInsensitive) const;

    // A search text whose matches the model keeps counted while lines come
    // and go (counting only the lines added and dropped, not all of them
    // again); matchCountChanged() says when the number changes. An empty
    // text stops counting.
    void setCountedText(const QString &text, Qt::CaseSensitivity cs = Qt::CaseInsensitive);
    QString countedText() const;
    int countedMatches() const { return m_counted; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

signals:
    void matchCountChanged(int matches);

private:
    class Matcher;
    struct Entry
    {
        quint32 start = 0;         // offset in the block's text
        quint32 length : 24 = 0;   // bytes
        quint32 messageStart : 6 = 0;
        quint32 stream : 2 = 1;
    };
    static_assert(sizeof(Entry) == 8);
    struct Block
    {
        QByteArray text;
        std::vector<Entry> entries;
        qint64 firstAbs = 0; // the absolute number of its first line
    };
    struct Located
    {
        const Block *block;
        const Entry *entry;
    };
    static constexpr qint64 EntryBytes = qint64(sizeof(Entry));

    Located locate(int row) const;
    QByteArrayView rawOf(const Located &at) const;
    // Drops the oldest `count` kept lines (no signals but matchCountChanged).
    void dropFront(qint64 count);
    bool isCounted(const Block &block, const Entry &entry) const;
    void setCounted(int matches);
    // How many of the oldest kept lines must go to free `bytes`.
    qint64 linesToFree(qint64 bytes) const;
    void store(const Client::LogBatch &batch, qsizetype first);

    std::deque<Block> m_blocks;
    Block m_spare; // the last block dropped, its buffers kept for reuse
    qint64 m_firstAbs = 0; // absolute number of row 0 (= lines dropped)
    qint64 m_nextAbs = 0;  // absolute number of the next line appended
    qint64 m_liveBytes = 0;
    int m_capacity = DefaultCapacity;
    qint64 m_byteCapacity = DefaultByteCapacity;
    int m_longest = 0;
    bool m_showTimestamps = false;
    std::shared_ptr<const Matcher> m_countedMatcher; // null: not counting
    int m_counted = 0;
};

} // namespace Berth::Gui
