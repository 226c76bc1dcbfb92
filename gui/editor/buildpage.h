#pragma once

#include <base/result.h>

#include <QWidget>

class QLabel;
class QSyntaxHighlighter;

namespace Berth::Gui {

class CodeEditor;
class SyntaxHighlighting;

// The Build area: a Dockerfile editor with open and save.
class BuildPage : public QWidget
{
    Q_OBJECT
public:
    BuildPage(const SyntaxHighlighting *highlighting, QWidget *parent = nullptr);

    CodeEditor *editor() const { return m_editor; }
    QSyntaxHighlighter *highlighter() const { return m_highlighter; }
    QString filePath() const { return m_filePath; }

    Status openFile(const QString &path);
    Status saveFile(const QString &path);

    // The dialogs behind Open, Save and Save As.
    void open();
    bool save();
    bool saveAs();

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateTitle();
    void updateCursorPosition();
    void showError(const QString &text);

    const SyntaxHighlighting *m_highlighting = nullptr;
    CodeEditor *m_editor = nullptr;
    QSyntaxHighlighter *m_highlighter = nullptr;
    QLabel *m_fileLabel = nullptr;
    QLabel *m_positionLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QString m_filePath;
};

} // namespace Berth::Gui
