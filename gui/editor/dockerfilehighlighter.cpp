#include "dockerfilehighlighter.h"

#include <QGuiApplication>
#include <QPalette>

namespace Berth::Gui {

namespace {
// Block state: the previous line ended in a backslash, so this line carries
// on the previous instruction's arguments.
constexpr int ContinuationState = 1;
} // namespace

DockerfileHighlighter::DockerfileHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{
    setPalette(QGuiApplication::palette());
}

void DockerfileHighlighter::setPalette(const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    m_instruction = {};
    m_instruction.setForeground(dark ? QColor(0x7c, 0xb7, 0xff) : QColor(0x1f, 0x4f, 0xa8));
    m_instruction.setFontWeight(QFont::Bold);
    m_comment = {};
    m_comment.setForeground(dark ? QColor(0x8a, 0x93, 0x9d) : QColor(0x6a, 0x73, 0x7d));
    m_comment.setFontItalic(true);
    m_string = {};
    m_string.setForeground(dark ? QColor(0x9f, 0xd9, 0x8a) : QColor(0x1d, 0x7a, 0x2e));
    m_variable = {};
    m_variable.setForeground(dark ? QColor(0xe0, 0x9e, 0xf2) : QColor(0x8a, 0x2b, 0xa8));
    rehighlight();
}

QTextCharFormat DockerfileHighlighter::format(Kind kind) const
{
    switch (kind) {
    case Kind::Instruction:
        return m_instruction;
    case Kind::Comment:
        return m_comment;
    case Kind::String:
        return m_string;
    case Kind::Variable:
        return m_variable;
    }
    return {};
}

bool DockerfileHighlighter::isInstruction(QStringView word)
{
    static const char *const instructions[] = {
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    };
    for (const char *instruction : instructions) {
        if (word.compare(QLatin1String(instruction), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

void DockerfileHighlighter::highlightBlock(const QString &text)
{
    const bool continuation = previousBlockState() == ContinuationState;
    setCurrentBlockState(text.trimmed().endsWith(u'\\') ? ContinuationState : 0);

    qsizetype pos = 0;
    while (pos < text.size() && text.at(pos).isSpace())
        ++pos;
    if (pos < text.size() && text.at(pos) == u'#') {
        // Comments (and parser directives) are whole lines, also inside a
        // continued instruction; they do not end the continuation.
        setFormat(int(pos), int(text.size() - pos), m_comment);
        if (continuation)
            setCurrentBlockState(ContinuationState);
        return;
    }
    if (continuation) {
        highlightArguments(text, pos);
        return;
    }

    qsizetype end = pos;
    while (end < text.size() && !text.at(end).isSpace())
        ++end;
    const QStringView word = QStringView(text).mid(pos, end - pos);
    if (isInstruction(word)) {
        setFormat(int(pos), int(end - pos), m_instruction);
        // FROM image AS name: "AS" reads as part of the instruction.
        if (word.compare(QLatin1String("FROM"), Qt::CaseInsensitive) == 0) {
            const qsizetype as = text.indexOf(QLatin1String(" as "), end, Qt::CaseInsensitive);
            if (as >= 0)
                setFormat(int(as + 1), 2, m_instruction);
        }
        // ONBUILD RUN ...: the trigger instruction too.
        if (word.compare(QLatin1String("ONBUILD"), Qt::CaseInsensitive) == 0) {
            qsizetype next = end;
            while (next < text.size() && text.at(next).isSpace())
                ++next;
            qsizetype nextEnd = next;
            while (nextEnd < text.size() && !text.at(nextEnd).isSpace())
                ++nextEnd;
            if (isInstruction(QStringView(text).mid(next, nextEnd - next)))
                setFormat(int(next), int(nextEnd - next), m_instruction);
            end = nextEnd;
        }
    }
    highlightArguments(text, end);
}

void DockerfileHighlighter::highlightArguments(const QString &text, qsizetype from)
{
    QChar quote;
    qsizetype quoteStart = -1;
    for (qsizetype i = from; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'\\') {
            ++i; // an escaped character is never a quote or a '$'
            continue;
        }
        if (quoteStart >= 0) {
            if (c == quote) {
                setFormat(int(quoteStart), int(i - quoteStart + 1), m_string);
                quoteStart = -1;
                continue;
            }
        } else if (c == u'"' || c == u'\'') {
            quote = c;
            quoteStart = i;
            continue;
        }
        if (c == u'$' && i + 1 < text.size()) {
            qsizetype end = i + 1;
            if (text.at(end) == u'{') {
                const qsizetype close = text.indexOf(u'}', end);
                end = close < 0 ? text.size() : close + 1;
            } else {
                while (end < text.size() && (text.at(end).isLetterOrNumber() || text.at(end) == u'_'))
                    ++end;
            }
            if (end > i + 1) {
                // Colour strings first so a variable inside one keeps its own colour.
                if (quoteStart >= 0)
                    setFormat(int(quoteStart), int(i - quoteStart), m_string);
                setFormat(int(i), int(end - i), m_variable);
                if (quoteStart >= 0)
                    quoteStart = end; // the string continues after the variable
                i = end - 1;
            }
        }
    }
    if (quoteStart >= 0) // an unterminated string runs to the end of the line
        setFormat(int(quoteStart), int(text.size() - quoteStart), m_string);
}

} // namespace Berth::Gui
