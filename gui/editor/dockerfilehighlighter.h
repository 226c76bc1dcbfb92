#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace Berth::Gui {

// The built-in Dockerfile highlighter, used where KSyntaxHighlighting is not
// available (Debian 12): instructions, comments, quoted strings and $VAR /
// ${VAR} references. It only colours text; diagnostics come from
// Berth::Dockerfile (style.md C17).
class DockerfileHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT
public:
    enum class Kind { Instruction, Comment, String, Variable };

    explicit DockerfileHighlighter(QTextDocument *document);

    // Picks light or dark colours to suit the palette, then rehighlights.
    void setPalette(const QPalette &palette);
    QTextCharFormat format(Kind kind) const;

    static bool isInstruction(QStringView word);

protected:
    void highlightBlock(const QString &text) override;

private:
    void highlightArguments(const QString &text, qsizetype from);

    QTextCharFormat m_instruction;
    QTextCharFormat m_comment;
    QTextCharFormat m_string;
    QTextCharFormat m_variable;
};

} // namespace Berth::Gui
