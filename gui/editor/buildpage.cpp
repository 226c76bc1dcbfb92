#include "buildpage.h"

#include "codeeditor.h"
#include "syntaxhighlighting.h"

#include <common/errortext.h>

#include <QAction>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
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
    saveAsAction->setShortcut(QKeySequence::SaveAs);
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

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_editor, 1);
    layout->addLayout(footer);

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

void BuildPage::updateCursorPosition()
{
    const QTextCursor cursor = m_editor->textCursor();
    m_positionLabel->setText(tr("Line %1, column %2").arg(cursor.blockNumber() + 1).arg(cursor.positionInBlock() + 1));
}

} // namespace Berth::Gui
