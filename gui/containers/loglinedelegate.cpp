#include "loglinedelegate.h"

#include "logmodel.h"

#include <QApplication>
#include <QPainter>

namespace Berth::Gui {

namespace {
constexpr int MarkerWidth = 3;
constexpr int TextIndent = 6;
} // namespace

LogLineDelegate::LogLineDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

QSize LogLineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // Rows have one height and the width of the longest line (the font is
    // fixed-pitch), so the view lays out a million rows without measuring them.
    const QFontMetrics metrics(option.font);
    const auto *model = qobject_cast<const LogModel *>(index.model());
    const int chars = model ? model->longestLine() : int(index.data(Qt::DisplayRole).toString().size());
    return QSize(TextIndent + metrics.horizontalAdvance(QLatin1Char('m')) * chars + 4, metrics.height() + 2);
}

void LogLineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QPalette &palette = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const bool isStderr = index.data(LogModel::StreamRole).toInt() == int(Client::LogLine::Stream::Stderr);
    painter->save();
    if (selected)
        painter->fillRect(option.rect, palette.highlight());
    if (isStderr)
        painter->fillRect(QRect(option.rect.left(), option.rect.top(), MarkerWidth, option.rect.height()),
                          QColor(0xd3, 0x2f, 0x2f));

    const QString text = index.data(Qt::DisplayRole).toString();
    const QFontMetrics metrics(option.font);
    const QRect textRect = option.rect.adjusted(TextIndent, 0, 0, 0);
    const int baseline = textRect.top() + (textRect.height() - metrics.height()) / 2 + metrics.ascent();

    if (!m_highlight.isEmpty()) {
        const QColor mark = QColor(0xff, 0xd5, 0x4f);
        qsizetype from = 0;
        while (true) {
            const qsizetype at = text.indexOf(m_highlight, from, Qt::CaseInsensitive);
            if (at < 0)
                break;
            const int x = textRect.left() + metrics.horizontalAdvance(text.left(at));
            const int width = metrics.horizontalAdvance(text.mid(at, m_highlight.size()));
            if (x > option.rect.right())
                break;
            painter->fillRect(QRect(x, option.rect.top() + 1, width, option.rect.height() - 2), mark);
            from = at + m_highlight.size();
        }
    }

    QColor color = selected ? palette.highlightedText().color() : palette.text().color();
    if (isStderr && !selected)
        color = QColor(0xc6, 0x28, 0x28);
    painter->setPen(color);
    painter->setFont(option.font);
    painter->drawText(QPoint(textRect.left(), baseline), text);
    painter->restore();
}

} // namespace Berth::Gui
