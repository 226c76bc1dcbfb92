#include "buildpage.h"

#include "codeeditor.h"
#include "diagnosticmodel.h"
#include "syntaxhighlighting.h"

#include <common/errortext.h>
#include <dockerfile/parser.h>

#include <QAction>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QPointer>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QSaveFile>
#include <QStyle>
#include <QSyntaxHighlighter>
#include <QToolBar>
#include <QVBoxLayout>

namespace Berth::Gui {

BuildPage::BuildPage(const SyntaxHighlighting *highlighting, QWidget *parent)
    : QWidget(parent)
    , m_highlighting(highlighting)
    , m_editor(new CodeEditor(this))
    , m_fileLabel(new QLabel(this))
    , m_positionLabel(new QLabel(this))
    , m_errorLabel(new QLabel(this))
{
    setObjectName(QStringLiteral("buildPage"));
    setAccessibleName(tr("Build"));

    auto *heading = new QLabel(tr("Build"), this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);

    auto *toolBar = new QToolBar(tr("Dockerfile"), this);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto *openAction = toolBar->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"));
    openAction->setShortcut(QKeySequence::Open);
    openAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(openAction, &QAction::triggered, this, &BuildPage::open);
    auto *saveAction = toolBar->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save"));
    saveAction->setShortcut(QKeySequence::Save);
    saveAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(saveAction, &QAction::triggered, this, &BuildPage::save);
    auto *saveAsAction = toolBar->addAction(tr("Save &As…"));
    // Some platforms (offscreen, plain X without a desktop theme) bind no
    // key to SaveAs: Ctrl+Shift+S then, as GNOME and KDE have it.
    saveAsAction->setShortcut(QKeySequence::keyBindings(QKeySequence::SaveAs).value(0, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)));
    saveAsAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(saveAsAction, &QAction::triggered, this, &BuildPage::saveAs);
    addActions({openAction, saveAction, saveAsAction});

    m_fileLabel->setObjectName(QStringLiteral("buildFileLabel"));
    m_fileLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setVisible(false);
    m_errorLabel->setForegroundRole(QPalette::BrightText);

    m_editor->setObjectName(QStringLiteral("dockerfileEditor"));
    m_editor->setAccessibleName(tr("Dockerfile editor"));
    m_editor->setPlaceholderText(tr("Open a Dockerfile with Ctrl+O, or start typing one here:\n\n"
                                    "FROM debian:bookworm-slim\nRUN apt-get update\nCMD [\"bash\"]"));
    m_highlighter = m_highlighting->attach(m_editor->document(), m_editor->palette());

    auto *header = new QHBoxLayout;
    header->addWidget(heading);
    header->addStretch(1);
    header->addWidget(toolBar);

    auto *footer = new QHBoxLayout;
    footer->addWidget(m_fileLabel, 1);
    footer->addWidget(m_positionLabel);

    m_diagnostics = new DiagnosticModel(this);
    m_problemsView = new QTableView(this);
    m_problemsView->setObjectName(QStringLiteral("problemsView"));
    m_problemsView->setAccessibleName(tr("Problems"));
    m_problemsView->setModel(m_diagnostics);
    m_problemsView->verticalHeader()->hide();
    m_problemsView->setShowGrid(false);
    m_problemsView->setWordWrap(false);
    m_problemsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_problemsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_problemsView->horizontalHeader()->setSectionResizeMode(DiagnosticModel::SeverityColumn, QHeaderView::ResizeToContents);
    m_problemsView->horizontalHeader()->setSectionResizeMode(DiagnosticModel::LineColumn, QHeaderView::ResizeToContents);
    m_problemsView->horizontalHeader()->setSectionResizeMode(DiagnosticModel::MessageColumn, QHeaderView::Stretch);
    m_problemsView->horizontalHeader()->setSectionResizeMode(DiagnosticModel::RuleColumn, QHeaderView::ResizeToContents);
    // Enter or a double click on a problem jumps to it.
    connect(m_problemsView, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        m_editor->goTo(index.data(DiagnosticModel::LineRole).toInt(), index.data(DiagnosticModel::ColumnRole).toInt());
    });
    m_problemsSummary = new QLabel(this);
    m_problemsSummary->setObjectName(QStringLiteral("problemsSummary"));
    auto *problemsAction = new QAction(tr("Go to Problems"), this);
    problemsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    problemsAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(problemsAction, &QAction::triggered, this, [this] {
        m_problemsView->setFocus();
        if (!m_problemsView->currentIndex().isValid() && m_diagnostics->rowCount() > 0)
            m_problemsView->setCurrentIndex(m_diagnostics->index(0, 0));
    });
    addAction(problemsAction);
    m_problemsSummary->setToolTip(tr("Problems list (%1)").arg(problemsAction->shortcut().toString(QKeySequence::NativeText)));
    footer->insertWidget(1, m_problemsSummary);

    auto *problemsBox = new QWidget(this);
    auto *problemsLayout = new QVBoxLayout(problemsBox);
    problemsLayout->setContentsMargins(0, 0, 0, 0);
    problemsLayout->addWidget(m_problemsView);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_editor);
    splitter->addWidget(problemsBox);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_errorLabel);
    layout->addWidget(splitter, 1);
    layout->addLayout(footer);

    // Live diagnostics: parse a moment after the last keystroke.
    m_checkTimer = new QTimer(this);
    m_checkTimer->setSingleShot(true);
    m_checkTimer->setInterval(250);
    connect(m_checkTimer, &QTimer::timeout, this, &BuildPage::startCheck);
    connect(m_editor->document(), &QTextDocument::contentsChanged, m_checkTimer, qOverload<>(&QTimer::start));
    startCheck();

    connect(m_editor->document(), &QTextDocument::modificationChanged, this, &BuildPage::updateTitle);
    connect(m_editor, &QPlainTextEdit::cursorPositionChanged, this, &BuildPage::updateCursorPosition);
    updateTitle();
    updateCursorPosition();
    setFocusProxy(m_editor);
}

void BuildPage::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange && m_highlighter)
        m_highlighting->applyPalette(m_highlighter, m_editor->palette());
    QWidget::changeEvent(event);
}

Status BuildPage::openFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return fail(ErrorCode::Io, "open " + path.toStdString() + ": " + file.errorString().toStdString());
    m_editor->setPlainText(QString::fromUtf8(file.readAll()));
    m_editor->document()->setModified(false);
    m_filePath = QFileInfo(path).absoluteFilePath();
    m_errorLabel->hide();
    updateTitle();
    return {};
}

Status BuildPage::saveFile(const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return fail(ErrorCode::Io, "save " + path.toStdString() + ": " + file.errorString().toStdString());
    file.write(m_editor->toPlainText().toUtf8());
    if (!file.commit())
        return fail(ErrorCode::Io, "save " + path.toStdString() + ": " + file.errorString().toStdString());
    m_editor->document()->setModified(false);
    m_filePath = QFileInfo(path).absoluteFilePath();
    m_errorLabel->hide();
    updateTitle();
    return {};
}

void BuildPage::open()
{
    const QString dir = m_filePath.isEmpty() ? QDir::homePath() : QFileInfo(m_filePath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Dockerfile"), dir,
                                                      tr("Dockerfiles (Dockerfile* *.dockerfile Containerfile*);;"
                                                         "All files (*)"));
    if (path.isEmpty())
        return;
    if (Status status = openFile(path); !status)
        showError(tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), errorText(status.error())));
}

bool BuildPage::save()
{
    if (m_filePath.isEmpty())
        return saveAs();
    if (Status status = saveFile(m_filePath); !status) {
        showError(tr("Could not save %1: %2").arg(QDir::toNativeSeparators(m_filePath), errorText(status.error())));
        return false;
    }
    return true;
}

bool BuildPage::saveAs()
{
    const QString suggestion = m_filePath.isEmpty() ? QDir(QDir::homePath()).filePath(QStringLiteral("Dockerfile"))
                                                    : m_filePath;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Dockerfile"), suggestion);
    if (path.isEmpty())
        return false;
    if (Status status = saveFile(path); !status) {
        showError(tr("Could not save %1: %2").arg(QDir::toNativeSeparators(path), errorText(status.error())));
        return false;
    }
    return true;
}

void BuildPage::showError(const QString &text)
{
    m_errorLabel->setText(text);
    m_errorLabel->show();
}

void BuildPage::updateTitle()
{
    const QString name = m_filePath.isEmpty() ? tr("Untitled Dockerfile") : QDir::toNativeSeparators(m_filePath);
    m_fileLabel->setText(m_editor->document()->isModified() ? tr("%1 (modified)").arg(name) : name);
}

void BuildPage::checkNow()
{
    m_checkTimer->stop();
    startCheck();
}

void BuildPage::startCheck()
{
    const int generation = ++m_checkGeneration;
    const QString text = m_editor->toPlainText();
    // The parser is pure and fast, but a big file must not stall typing:
    // it runs on the global pool and only the newest parse is applied.
    auto *watcher = new QFutureWatcher<QList<Dockerfile::Diagnostic>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (watcher->future().resultCount() > 0)
            applyDiagnostics(generation, watcher->future().result());
    });
    watcher->setFuture(QtConcurrent::run([text] {
        return text.trimmed().isEmpty() ? QList<Dockerfile::Diagnostic>{} : Dockerfile::Parser::parse(QStringView(text)).diagnostics;
    }));
}

void BuildPage::applyDiagnostics(int generation, const QList<Dockerfile::Diagnostic> &diagnostics)
{
    if (generation != m_checkGeneration)
        return; // the text changed again: a newer parse is on its way
    m_diagnostics->setDiagnostics(diagnostics);
    QList<CodeEditor::Marker> markers;
    for (const Dockerfile::Diagnostic &d : diagnostics) {
        CodeEditor::Marker marker;
        marker.line = d.range.start.line;
        marker.column = d.range.start.column;
        marker.endLine = d.range.end.line;
        marker.endColumn = d.range.end.column;
        marker.color = d.severity == Dockerfile::Severity::Error     ? QColor(0xd7, 0x3a, 0x49)
                       : d.severity == Dockerfile::Severity::Warning ? QColor(0xd4, 0x8a, 0x00)
                                                                     : QColor(0x3a, 0x7b, 0xd5);
        marker.message = tr("%1: %2").arg(DiagnosticModel::severityText(d.severity), d.message);
        markers.append(marker);
    }
    m_editor->setMarkers(markers);
    const int errors = m_diagnostics->errorCount();
    const int warnings = m_diagnostics->warningCount();
    if (errors == 0 && warnings == 0)
        m_problemsSummary->setText(diagnostics.isEmpty() ? tr("No problems") : tr("%n note(s)", nullptr, int(diagnostics.size())));
    else
        m_problemsSummary->setText(tr("%1, %2").arg(tr("%n error(s)", nullptr, errors), tr("%n warning(s)", nullptr, warnings)));
    emit diagnosticsUpdated();
}

void BuildPage::updateCursorPosition()
{
    const QTextCursor cursor = m_editor->textCursor();
    m_positionLabel->setText(tr("Line %1, column %2").arg(cursor.blockNumber() + 1).arg(cursor.positionInBlock() + 1));
}

} // namespace Berth::Gui
