#pragma once

#include <QColor>
#include <QPlainTextEdit>
#include <QStringList>

namespace Berth::Gui {

// A plain-text editor with a line-number gutter and the current line
// marked. Highlighting is attached from outside (SyntaxHighlighting).
class CodeEditor : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit CodeEditor(QWidget *parent = nullptr);

    // A marked range of the text (a diagnostic): underlined with a wavy
    // line in `color`, its message shown as the tooltip over it.
    struct Marker
    {
        int line = 0;        // 1-based
        int column = 0;      // 1-based, UTF-16 units of the line
        int endLine = 0;
        int endColumn = 0;   // just after the last character
        QColor color;
        QString message;
    };
    void setMarkers(const QList<Marker> &markers);
    const QList<Marker> &markers() const { return m_markers; }
    // The messages of the markers at a document position (for tooltips).
    QStringList markerMessagesAt(int position) const;
    // Moves the cursor to a 1-based line and column and shows it.
    void goTo(int line, int column);

    int lineNumberAreaWidth() const;
    QWidget *lineNumberArea() const { return m_lineNumberArea; }

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;

private:
    friend class LineNumberArea;
    void paintLineNumbers(QPaintEvent *event);
    void updateLineNumberAreaWidth();
    void updateLineNumberArea(const QRect &rect, int dy);
    void highlightCurrentLine();

    QTextCursor markerCursor(const Marker &marker) const;

    QWidget *m_lineNumberArea = nullptr;
    QList<Marker> m_markers;
};

} // namespace Berth::Gui
