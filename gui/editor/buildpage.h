#pragma once

#include <base/result.h>
#include <dockerfile/ast.h>

#include <QWidget>

class QLabel;
class QSyntaxHighlighter;
class QTableView;
class QTimer;

namespace Berth::Gui {

class CodeEditor;
class DiagnosticModel;
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
    // The problems list: Berth::Dockerfile's diagnostics of the text,
    // refreshed a moment after typing stops (parsed off the UI thread).
    DiagnosticModel *diagnostics() const { return m_diagnostics; }
    QTableView *problemsView() const { return m_problemsView; }
    // Parses now instead of after the typing pause (tests, file open).
    void checkNow();

signals:
    // A parse finished and its diagnostics are shown.
    void diagnosticsUpdated();
public:

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
    void startCheck();
    void applyDiagnostics(int generation, const QList<Dockerfile::Diagnostic> &diagnostics);

    const SyntaxHighlighting *m_highlighting = nullptr;
    CodeEditor *m_editor = nullptr;
    QSyntaxHighlighter *m_highlighter = nullptr;
    QLabel *m_fileLabel = nullptr;
    QLabel *m_positionLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QString m_filePath;
    DiagnosticModel *m_diagnostics = nullptr;
    QTableView *m_problemsView = nullptr;
    QLabel *m_problemsSummary = nullptr;
    QTimer *m_checkTimer = nullptr;
    int m_checkGeneration = 0;
};

} // namespace Berth::Gui
