#include "ast.h"

#include <array>
#include <utility>

namespace Berth::Dockerfile {

namespace {

constexpr std::array<std::pair<InstructionKind, const char16_t *>, 18> kNames{{
    {InstructionKind::From, u"FROM"},
    {InstructionKind::Run, u"RUN"},
    {InstructionKind::Cmd, u"CMD"},
    {InstructionKind::Entrypoint, u"ENTRYPOINT"},
    {InstructionKind::Copy, u"COPY"},
    {InstructionKind::Add, u"ADD"},
    {InstructionKind::Env, u"ENV"},
    {InstructionKind::Arg, u"ARG"},
    {InstructionKind::Label, u"LABEL"},
    {InstructionKind::Expose, u"EXPOSE"},
    {InstructionKind::Workdir, u"WORKDIR"},
    {InstructionKind::User, u"USER"},
    {InstructionKind::Volume, u"VOLUME"},
    {InstructionKind::StopSignal, u"STOPSIGNAL"},
    {InstructionKind::Healthcheck, u"HEALTHCHECK"},
    {InstructionKind::Shell, u"SHELL"},
    {InstructionKind::Onbuild, u"ONBUILD"},
    {InstructionKind::Maintainer, u"MAINTAINER"},
}};

} // namespace

QString Diagnostic::toString() const
{
    if (range.start.line <= 0)
        return message;
    return QStringLiteral("line %1: %2").arg(range.start.line).arg(message);
}

QString Heredoc::effectiveContent() const
{
    if (!chomp)
        return content;
    QString out;
    out.reserve(content.size());
    bool atLineStart = true;
    for (const QChar c : content) {
        if (atLineStart && c == u'\t')
            continue;
        atLineStart = c == u'\n';
        out.append(c);
    }
    return out;
}

QString instructionName(InstructionKind kind)
{
    for (const auto &[k, name] : kNames) {
        if (k == kind)
            return QString::fromUtf16(name);
    }
    return {};
}

InstructionKind instructionKindFromName(QStringView keyword)
{
    for (const auto &[k, name] : kNames) {
        if (keyword.compare(QStringView(name), Qt::CaseInsensitive) == 0)
            return k;
    }
    return InstructionKind::Unknown;
}

const Flag *Instruction::flag(QStringView name) const
{
    // docker keeps the last value of a flag given twice (only strings-typed
    // flags may repeat; the parser reports the others).
    const Flag *found = nullptr;
    for (const Flag &f : flags) {
        if (f.name == name)
            found = &f;
    }
    return found;
}

QStringList Instruction::argumentValues() const
{
    QStringList out;
    out.reserve(arguments.size());
    for (const Argument &a : arguments)
        out.append(a.value);
    return out;
}

bool SyntaxTree::hasErrors() const
{
    return firstError() != nullptr;
}

const Diagnostic *SyntaxTree::firstError() const
{
    const Diagnostic *first = nullptr;
    for (const Diagnostic &d : diagnostics) {
        if (d.severity != Severity::Error)
            continue;
        if (!first || d.range.start.line < first->range.start.line)
            first = &d;
    }
    return first;
}

QList<Diagnostic> SyntaxTree::errors() const
{
    QList<Diagnostic> out;
    for (const Diagnostic &d : diagnostics) {
        if (d.severity == Severity::Error)
            out.append(d);
    }
    return out;
}

QList<Diagnostic> SyntaxTree::warnings() const
{
    QList<Diagnostic> out;
    for (const Diagnostic &d : diagnostics) {
        if (d.severity == Severity::Warning)
            out.append(d);
    }
    return out;
}

const Directive *SyntaxTree::directive(QStringView name) const
{
    for (const Directive &d : directives) {
        if (d.name.compare(name, Qt::CaseInsensitive) == 0)
            return &d;
    }
    return nullptr;
}

int SyntaxTree::instructionIndexAtLine(int line) const
{
    for (qsizetype i = 0; i < instructions.size(); ++i) {
        if (line >= instructions[i].startLine && line <= instructions[i].endLine)
            return int(i);
    }
    return -1;
}

} // namespace Berth::Dockerfile
