#pragma once

#include <QPlainTextEdit>

namespace Berth::Gui {

// A plain-text editor with a line-number gutter and the current line
// marked. Highlighting is attached from outside (SyntaxHighlighting).
class CodeEditor : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit CodeEditor(QWidget *parent = nullptr);

    int lineNumberAreaWidth() const;
    QWidget *lineNumberArea() const { return m_lineNumberArea; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    friend class LineNumberArea;
    void paintLineNumbers(QPaintEvent *event);
    void updateLineNumberAreaWidth();
    void updateLineNumberArea(const QRect &rect, int dy);
    void highlightCurrentLine();

    QWidget *m_lineNumberArea = nullptr;
};

} // namespace Berth::Gui
