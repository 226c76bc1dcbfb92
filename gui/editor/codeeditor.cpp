#include "codeeditor.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPainter>
#include <QTextBlock>
#include <QToolTip>

namespace Berth::Gui {

// The gutter: a child widget that asks the editor to paint it.
class LineNumberArea : public QWidget
{
public:
    explicit LineNumberArea(CodeEditor *editor)
        : QWidget(editor)
        , m_editor(editor)
    {}

    QSize sizeHint() const override { return QSize(m_editor->lineNumberAreaWidth(), 0); }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintLineNumbers(event); }

private:
    CodeEditor *m_editor;
};

CodeEditor::CodeEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_lineNumberArea(new LineNumberArea(this))
{
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabChangesFocus(false);
    connect(this, &QPlainTextEdit::blockCountChanged, this, &CodeEditor::updateLineNumberAreaWidth);
    connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateLineNumberArea);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, &CodeEditor::highlightCurrentLine);
    updateLineNumberAreaWidth();
    highlightCurrentLine();
}

int CodeEditor::lineNumberAreaWidth() const
{
    int digits = 1;
    for (int max = std::max(1, blockCount()); max >= 10; max /= 10)
        ++digits;
    digits = std::max(digits, 3);
    return 12 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits;
}

void CodeEditor::updateLineNumberAreaWidth()
{
    setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

void CodeEditor::updateLineNumberArea(const QRect &rect, int dy)
{
    if (dy)
        m_lineNumberArea->scroll(0, dy);
    else
        m_lineNumberArea->update(0, rect.y(), m_lineNumberArea->width(), rect.height());
    if (rect.contains(viewport()->rect()))
        updateLineNumberAreaWidth();
}

void CodeEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect cr = contentsRect();
    m_lineNumberArea->setGeometry(QRect(cr.left(), cr.top(), lineNumberAreaWidth(), cr.height()));
}

void CodeEditor::highlightCurrentLine()
{
    QList<QTextEdit::ExtraSelection> selections;
    if (!isReadOnly()) {
        QTextEdit::ExtraSelection selection;
        QColor line = palette().color(QPalette::Highlight);
        line.setAlpha(28);
        selection.format.setBackground(line);
        selection.format.setProperty(QTextFormat::FullWidthSelection, true);
        selection.cursor = textCursor();
        selection.cursor.clearSelection();
        selections.append(selection);
    }
    for (const Marker &marker : std::as_const(m_markers)) {
        QTextEdit::ExtraSelection selection;
        selection.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        selection.format.setUnderlineColor(marker.color);
        selection.format.setToolTip(marker.message);
        selection.cursor = markerCursor(marker);
        selections.append(selection);
    }
    setExtraSelections(selections);
}

QTextCursor CodeEditor::markerCursor(const Marker &marker) const
{
    auto positionOf = [this](int line, int column) {
        const QTextBlock block = document()->findBlockByNumber(qMax(0, line - 1));
        if (!block.isValid())
            return qMax(0, document()->characterCount() - 1);
        return block.position() + qBound(0, column - 1, qMax(0, block.length() - 1));
    };
    QTextCursor cursor(document());
    const int start = positionOf(marker.line, marker.column);
    int end = positionOf(marker.endLine > 0 ? marker.endLine : marker.line, marker.endColumn);
    if (end <= start) {
        // An empty range (a missing argument at the end of a line): mark
        // the character before it, or the line's end, so it can be seen.
        const QTextBlock block = document()->findBlock(start);
        end = qMin(start + 1, block.position() + qMax(0, block.length() - 1));
        if (end <= start && start > block.position())
            cursor.setPosition(start - 1);
        else
            cursor.setPosition(start);
    } else {
        cursor.setPosition(start);
    }
    cursor.setPosition(qMax(end, cursor.position()), QTextCursor::KeepAnchor);
    return cursor;
}

void CodeEditor::setMarkers(const QList<Marker> &markers)
{
    m_markers = markers;
    highlightCurrentLine();
}

QStringList CodeEditor::markerMessagesAt(int position) const
{
    QStringList messages;
    for (const Marker &marker : m_markers) {
        const QTextCursor cursor = markerCursor(marker);
        if (position >= cursor.selectionStart() && position <= cursor.selectionEnd())
            messages.append(marker.message);
    }
    return messages;
}

void CodeEditor::goTo(int line, int column)
{
    const QTextBlock block = document()->findBlockByNumber(qMax(0, line - 1));
    if (!block.isValid())
        return;
    QTextCursor cursor(block);
    cursor.setPosition(block.position() + qBound(0, column - 1, qMax(0, block.length() - 1)));
    setTextCursor(cursor);
    centerCursor();
    setFocus();
}

bool CodeEditor::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QPoint inViewport = viewport()->mapFrom(this, help->pos());
        const QStringList messages = markerMessagesAt(cursorForPosition(inViewport).position());
        if (messages.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), messages.join(QLatin1Char('\n')), viewport());
        return true;
    }
    return QPlainTextEdit::event(event);
}

void CodeEditor::paintLineNumbers(QPaintEvent *event)
{
    QPainter painter(m_lineNumberArea);
    painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
    const int current = textCursor().blockNumber();
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            painter.setPen(palette().color(block.blockNumber() == current ? QPalette::Text
                                                                          : QPalette::PlaceholderText));
            painter.drawText(0, top, m_lineNumberArea->width() - 6, fontMetrics().height(), Qt::AlignRight,
                             QString::number(block.blockNumber() + 1));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
    }
}

} // namespace Berth::Gui
