#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace Berth::Dockerfile {

// A place in the Dockerfile. Lines and columns count from 1; columns are
// UTF-16 code units of the decoded line (what QTextBlock/QTextCursor use),
// after a leading byte-order mark has been removed.
struct Position
{
    int line = 0;
    int column = 0;
    friend bool operator==(const Position &, const Position &) = default;
};

// [start, end): end is the position just after the last character, on the
// same line as that character.
struct Range
{
    Position start;
    Position end;
    bool isValid() const { return start.line > 0; }
    friend bool operator==(const Range &, const Range &) = default;
};

enum class Severity { Error, Warning, Info };

// One finding about the Dockerfile. message is docker's own wording where
// docker has one (so berthd's build errors match dockerd's); rule names the
// check for warnings that mirror BuildKit's lint rules ("JSONArgsRecommended").
struct Diagnostic
{
    Severity severity = Severity::Error;
    Range range;
    QString message;
    QString rule;

    // "line 7: COPY requires at least two arguments, ..." (what a person reads).
    QString toString() const;
    friend bool operator==(const Diagnostic &, const Diagnostic &) = default;
};

// A parser directive at the top of the file ("# syntax=...", "# escape=`").
struct Directive
{
    QString name;  // lower case
    QString value;
    Range range;       // the whole line
    Range valueRange;
};

// "--from=builder". value has the flag's quotes and escapes resolved the way
// docker's flag splitter does; text is the flag as written.
struct Flag
{
    QString name;
    QString value;
    bool hasValue = false;
    QString text;
    Range range;
    Range valueRange;
};

// One argument of an instruction: a JSON array element (decoded), a
// whitespace-separated word, or the whole rest of the line, depending on the
// instruction (exactly docker's parser node values).
struct Argument
{
    QString value;
    Range range;
};

// ENV/LABEL pair, or an ARG name with an optional default. Values are raw
// (quotes and variables are resolved when the builder evaluates them).
struct KeyValue
{
    QString key;
    QString value;
    bool hasValue = false;
    Range keyRange;
    Range valueRange;
    Range range;
};

// A here-document of RUN, COPY or ADD.
struct Heredoc
{
    QString name;          // the terminator word, quotes removed
    QString content;       // body lines with their line ends, as written
    bool expand = true;    // false when the word was quoted: no variable expansion
    bool chomp = false;    // <<- : leading tabs are removed
    int fileDescriptor = 0;
    Range wordRange;       // "<<EOF" on the instruction line
    Range bodyRange;       // first body line to the terminator line (inclusive)

    // The content the builder uses: with <<- the leading tabs of every line are removed.
    QString effectiveContent() const;
};

enum class InstructionKind {
    Unknown,
    From, Run, Cmd, Entrypoint, Copy, Add, Env, Arg, Label, Expose, Workdir,
    User, Volume, StopSignal, Healthcheck, Shell, Onbuild, Maintainer,
};

// The upper-case keyword ("FROM"); empty for Unknown.
QString instructionName(InstructionKind kind);
InstructionKind instructionKindFromName(QStringView keyword);

struct Instruction
{
    InstructionKind kind = InstructionKind::Unknown;
    QString keyword;          // as written ("from", "Run")
    Range keywordRange;
    Range range;              // keyword to the end of the last line (heredoc bodies included)
    int startLine = 0;        // first and last physical line, heredocs included
    int endLine = 0;

    // The logical line as docker sees it: continuation lines joined, the
    // escape characters that joined them and comment lines removed.
    QString original;
    // Everything after the flags, trimmed: the shell-form command of RUN/CMD/
    // ENTRYPOINT, the raw argument text of the others.
    QString rest;
    Range restRange;

    QList<Flag> flags;
    QList<Argument> arguments;  // HEALTHCHECK: [type, command...]
    QList<KeyValue> keyValues;  // ENV, LABEL, ARG
    bool jsonForm = false;      // exec form: ["a", "b"]
    bool legacyKeyValue = false;// "ENV key value"
    QList<Heredoc> heredocs;
    QStringList comments;       // the comment lines right above it
    std::shared_ptr<const Instruction> trigger; // ONBUILD's instruction

    bool valid = true;          // false when an error diagnostic was reported for it

    const Flag *flag(QStringView name) const;
    QStringList argumentValues() const;
};

// The whole parsed file. Parsing never fails as such: errors are diagnostics
// with a position, and parsing resumes on the next instruction, so an editor
// sees every problem at once. A builder refuses a file with hasErrors().
struct SyntaxTree
{
    QList<Directive> directives;
    QChar escape = u'\\';
    QList<Instruction> instructions;
    QList<Diagnostic> diagnostics;
    int lineCount = 0;

    bool hasErrors() const;
    // The first error in file order, or nullptr.
    const Diagnostic *firstError() const;
    QList<Diagnostic> errors() const;
    QList<Diagnostic> warnings() const;
    const Directive *directive(QStringView name) const;
    // The instruction whose lines include line, or -1.
    int instructionIndexAtLine(int line) const;
};

} // namespace Berth::Dockerfile
