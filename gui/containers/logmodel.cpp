#include "logmodel.h"

#include <algorithm>

namespace Berth::Gui {

using Client::LogLine;

LogModel::LogModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

void LogModel::setCapacity(int lines)
{
    m_capacity = qMax(1, lines);
    const int excess = int(m_lines.size()) - m_capacity;
    if (excess > 0) {
        beginRemoveRows(QModelIndex(), 0, excess - 1);
        m_lines.erase(m_lines.begin(), m_lines.begin() + excess);
        m_dropped += excess;
        endRemoveRows();
    }
}

void LogModel::setShowTimestamps(bool show)
{
    if (m_showTimestamps == show)
        return;
    m_showTimestamps = show;
    if (!m_lines.empty())
        emit dataChanged(index(0), index(int(m_lines.size()) - 1), {Qt::DisplayRole});
}

void LogModel::appendLines(const QList<LogLine> &lines)
{
    if (lines.isEmpty())
        return;
    // Only the newest capacity() lines of the batch can stay.
    const qsizetype skip = std::max(qsizetype(0), lines.size() - qsizetype(m_capacity));
    m_dropped += skip;
    const int incoming = int(lines.size() - skip);
    const int excess = int(m_lines.size()) + incoming - m_capacity;
    if (excess > 0) {
        beginRemoveRows(QModelIndex(), 0, excess - 1);
        m_lines.erase(m_lines.begin(), m_lines.begin() + excess);
        m_dropped += excess;
        endRemoveRows();
    }
    const int first = int(m_lines.size());
    beginInsertRows(QModelIndex(), first, first + incoming - 1);
    for (auto it = lines.begin() + skip; it != lines.end(); ++it) {
        m_longest = qMax(m_longest, int(it->raw.size()));
        m_lines.push_back(*it);
    }
    endInsertRows();
}

void LogModel::clear()
{
    beginResetModel();
    m_lines.clear();
    m_lines.shrink_to_fit();
    m_dropped = 0;
    m_longest = 0;
    endResetModel();
}

int LogModel::find(const QString &text, int from, bool backward, Qt::CaseSensitivity cs) const
{
    const int count = int(m_lines.size());
    if (text.isEmpty() || count == 0)
        return -1;
    from = qBound(0, from, count - 1);
    for (int i = 0; i < count; ++i) {
        const int row = backward ? (from - i + count) % count : (from + i) % count;
        if (m_lines[size_t(row)].message().contains(text, cs))
            return row;
    }
    return -1;
}

int LogModel::countMatches(const QString &text, Qt::CaseSensitivity cs) const
{
    if (text.isEmpty())
        return 0;
    int matches = 0;
    for (const LogLine &line : m_lines)
        matches += line.message().contains(text, cs) ? 1 : 0;
    return matches;
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_lines.size());
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LogLine &line = m_lines[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return m_showTimestamps ? line.raw : line.message().toString();
    case Qt::ToolTipRole:
        return line.timestamp().toString();
    case StreamRole:
        return int(line.stream);
    case TimestampRole:
        return line.timestamp().toString();
    case MessageRole:
        return line.message().toString();
    default:
        return {};
    }
}

} // namespace Berth::Gui
