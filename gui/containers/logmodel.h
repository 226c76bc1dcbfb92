#pragma once

#include <client/logstream.h>

#include <QAbstractListModel>

#include <deque>

namespace Berth::Gui {

// The lines of one container's output, bounded: past capacity() the oldest
// lines are dropped (beginRemoveRows at the top), so a container that
// prints forever costs a fixed amount of memory. Lines arrive in batches
// (one beginInsertRows per batch). The view renders only visible rows, so a
// million lines stay smooth (gui-anchors.md: Docker Desktop's log view
// freezes on long logs).
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

    explicit LogModel(QObject *parent = nullptr);

    int capacity() const { return m_capacity; }
    void setCapacity(int lines);

    // Show the timestamp before each line (DisplayRole) or not.
    bool showTimestamps() const { return m_showTimestamps; }
    void setShowTimestamps(bool show);

    // The length in characters of the longest line kept so far (the view's
    // horizontal extent).
    int longestLine() const { return m_longest; }

    // Lines dropped from the top since the last clear().
    qint64 droppedLines() const { return m_dropped; }

    void appendLines(const QList<Client::LogLine> &lines);
    void clear();

    const Client::LogLine &line(int row) const { return m_lines[size_t(row)]; }

    // The next row at or after `from` (before it when backward) whose
    // message contains `text`; wraps around; -1 when none does.
    int find(const QString &text, int from, bool backward = false,
             Qt::CaseSensitivity cs = Qt::CaseInsensitive) const;
    // How many lines contain `text`.
    int countMatches(const QString &text, Qt::CaseSensitivity cs = Qt::CaseInsensitive) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    std::deque<Client::LogLine> m_lines;
    int m_capacity = DefaultCapacity;
    qint64 m_dropped = 0;
    int m_longest = 0;
    bool m_showTimestamps = false;
};

} // namespace Berth::Gui
