#include "parser.h"

#include "gotext.h"
#include "shelllexer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>

#include <algorithm>

namespace Berth::Dockerfile {

namespace {

struct SourceLine
{
    QString text;       // without the line end
    QString lineEnd;    // "\n", "\r\n", "" on the last line
    int nulColumn = 0;  // 1-based column of the first NUL byte, 0 if none
};

// Go's unicode.IsSpace on the characters a SyntaxTree line can hold.
bool isSpace(QChar c)
{
    return c.isSpace();
}

// reWhitespace in the parser: [\t\v\f\r ]
bool isSeparator(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\v' || c == u'\f' || c == u'\r';
}

qsizetype skipLeadingSpace(QStringView s)
{
    qsizetype i = 0;
    while (i < s.size() && isSpace(s[i]))
        ++i;
    return i;
}

bool isCommentLine(QStringView s)
{
    const qsizetype i = skipLeadingSpace(s);
    return i < s.size() && s[i] == u'#';
}

// A logical line: physical lines joined at their escape characters, with a
// map from offsets in the joined text back to file positions.
struct Logical
{
    struct Segment
    {
        qsizetype offset;
        int line;
        int column;
    };
    QString text;
    QList<Segment> segments;

    void append(QStringView part, int line, int column)
    {
        segments.append({text.size(), line, column});
        text.append(part);
    }

    Position position(qsizetype offset) const
    {
        auto it = std::upper_bound(segments.cbegin(), segments.cend(), offset,
                                   [](qsizetype off, const Segment &s) { return off < s.offset; });
        if (it == segments.cbegin())
            return {segments.isEmpty() ? 0 : segments.front().line, 1};
        --it;
        return {it->line, it->column + int(offset - it->offset)};
    }

    Range range(qsizetype begin, qsizetype end) const
    {
        Range r;
        r.start = position(begin);
        if (end <= begin) {
            r.end = r.start;
        } else {
            r.end = position(end - 1);
            r.end.column += 1;
        }
        return r;
    }
};

struct Word
{
    QString value;
    qsizetype begin;
    qsizetype end;
};

struct FlagInfo
{
    enum Type { String, Strings, Bool } type;
    const char16_t *name;
};

const QList<FlagInfo> &flagsFor(InstructionKind kind)
{
    static const QList<FlagInfo> none;
    static const QList<FlagInfo> from{{FlagInfo::String, u"platform"}};
    static const QList<FlagInfo> run{{FlagInfo::Strings, u"mount"},
                                      {FlagInfo::String, u"network"},
                                      {FlagInfo::String, u"security"}};
    static const QList<FlagInfo> copy{{FlagInfo::String, u"from"},   {FlagInfo::String, u"chown"},
                                       {FlagInfo::String, u"chmod"},  {FlagInfo::Bool, u"link"},
                                       {FlagInfo::Bool, u"parents"},  {FlagInfo::Strings, u"exclude"}};
    static const QList<FlagInfo> add{{FlagInfo::String, u"chown"},        {FlagInfo::String, u"chmod"},
                                      {FlagInfo::Bool, u"link"},           {FlagInfo::Bool, u"keep-git-dir"},
                                      {FlagInfo::String, u"checksum"},     {FlagInfo::Strings, u"exclude"},
                                      {FlagInfo::Bool, u"unpack"}};
    static const QList<FlagInfo> healthcheck{{FlagInfo::String, u"interval"},     {FlagInfo::String, u"timeout"},
                                              {FlagInfo::String, u"start-period"}, {FlagInfo::String, u"start-interval"},
                                              {FlagInfo::String, u"retries"}};
    switch (kind) {
    case InstructionKind::From: return from;
    case InstructionKind::Run: return run;
    case InstructionKind::Copy: return copy;
    case InstructionKind::Add: return add;
    case InstructionKind::Healthcheck: return healthcheck;
    default: return none;
    }
}

class ParserImpl
{
public:
    explicit ParserImpl(bool fragment = false) : m_fragment(fragment) {}
    SyntaxTree run(QList<SourceLine> lines);

private:
    void error(const Range &range, const QString &message)
    {
        m_file.diagnostics.append({Severity::Error, range, message, {}});
    }
    void warning(const Range &range, const QString &message, const QString &rule)
    {
        m_file.diagnostics.append({Severity::Warning, range, message, rule});
    }

    void possibleDirective(QStringView token, int line, int leading);
    bool trimContinuation(QStringView &s) const;

    Instruction buildInstruction(const Logical &log, qsizetype from, const QStringList &comments, bool nested);
    void parseFlags(const Logical &log, qsizetype &pos, Instruction &ins);
    void parseArguments(const Logical &log, qsizetype restBegin, qsizetype restEnd, Instruction &ins);
    bool parseJson(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins);
    void parseMaybeJson(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins, bool toList);
    void splitWhitespace(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins);
    QList<Word> parseWords(const Logical &log, qsizetype begin, qsizetype end) const;
    void parseNameVal(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins);
    void validate(Instruction &ins, const Logical &log);
    void validateFlags(Instruction &ins);
    void fail(Instruction &ins, const Range &range, const QString &message)
    {
        if (ins.valid)
            error(range, message);
        ins.valid = false;
    }

    QList<Heredoc> heredocsFromLine(QStringView line, int lineNumber, int column) const;
    void fileChecks();

    SyntaxTree m_file;
    QList<SourceLine> m_lines;
    QChar m_escape = u'\\';
    bool m_directivesDone = false;
    bool m_fragment = false;
};

void ParserImpl::possibleDirective(QStringView token, int line, int leading)
{
    if (m_directivesDone)
        return;
    // reDirective, ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$, by hand:
    // a backtracking regex is quadratic on a long line of blanks.
    const auto isGoSpace = [](QChar c) { return c == u' ' || c == u'\t' || c == u'\n' || c == u'\f' || c == u'\r'; };
    const auto isAsciiLetter = [](QChar c) { return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z'); };
    qsizetype end = token.size();
    while (end > 0 && isGoSpace(token[end - 1]))
        --end;
    qsizetype p = 0;
    const auto skipSpace = [&] {
        while (p < end && isGoSpace(token[p]))
            ++p;
    };
    bool ok = p < end && token[p] == u'#';
    qsizetype nameBegin = 0, nameEnd = 0, valueBegin = 0;
    if (ok) {
        ++p;
        skipSpace();
        nameBegin = p;
        ok = p < end && isAsciiLetter(token[p]);
        while (ok && p < end && (isAsciiLetter(token[p]) || (token[p] >= u'0' && token[p] <= u'9')))
            ++p;
        nameEnd = p;
        skipSpace();
        ok = ok && p < end && token[p] == u'=';
        ++p;
        skipSpace();
        valueBegin = p;
        ok = ok && valueBegin < end;
    }
    if (!ok) {
        m_directivesDone = true;
        return;
    }
    const QString name = token.mid(nameBegin, nameEnd - nameBegin).toString().toLower();
    if (name != u"syntax" && name != u"escape" && name != u"check") {
        m_directivesDone = true;
        return;
    }
    Directive d;
    d.name = name;
    d.value = token.mid(valueBegin, end - valueBegin).toString();
    d.range = {{line, leading + 1}, {line, leading + int(token.size()) + 1}};
    d.valueRange = {{line, leading + int(valueBegin) + 1}, {line, leading + int(end) + 1}};
    if (m_file.directive(name)) {
        error(d.range, QStringLiteral("only one %1 parser directive can be used").arg(name));
        return;
    }
    if (name == u"escape") {
        if (d.value != u"`" && d.value != u"\\") {
            error(d.valueRange, QStringLiteral("invalid escape token '%1' does not match ` or \\").arg(d.value));
        } else {
            m_escape = d.value.front();
            m_file.escape = m_escape;
        }
    }
    m_file.directives.append(d);
}

// lineContinuationRegex: an escape character followed only by blanks ends
// the line; it and the blanks go, the line continues on the next one.
bool ParserImpl::trimContinuation(QStringView &s) const
{
    qsizetype end = s.size();
    while (end > 0 && (s[end - 1] == u' ' || s[end - 1] == u'\t'))
        --end;
    if (end > 0 && s[end - 1] == m_escape) {
        s = s.left(end - 1);
        return true;
    }
    return false;
}

// extractBuilderFlags: leading "--name[=value]" words, quotes and
// backslashes resolved; "--" ends the flags.
void ParserImpl::parseFlags(const Logical &log, qsizetype &pos, Instruction &ins)
{
    const QString &line = log.text;
    const qsizetype n = line.size();
    while (true) {
        while (pos < n && isSpace(line[pos]))
            ++pos;
        if (pos >= n)
            return;
        if (line[pos] != u'-' || pos + 1 >= n || line[pos + 1] != u'-')
            return;
        const qsizetype begin = pos;
        QString word;
        bool blankOk = false;
        QChar quote;
        bool inQuote = false;
        while (pos < n) {
            const QChar ch = line[pos];
            if (!inQuote) {
                if (isSpace(ch))
                    break;
                if (ch == u'\'' || ch == u'"') {
                    quote = ch;
                    inQuote = true;
                    blankOk = true;
                    ++pos;
                    continue;
                }
                if (ch == u'\\') {
                    if (pos + 1 == n) {
                        ++pos;
                        continue;
                    }
                    word.append(line[++pos]);
                    ++pos;
                    continue;
                }
                word.append(ch);
                ++pos;
            } else {
                if (ch == quote) {
                    inQuote = false;
                    ++pos;
                    continue;
                }
                if (ch == u'\\') {
                    if (pos + 1 == n) {
                        inQuote = false;
                        ++pos;
                        continue;
                    }
                    word.append(line[++pos]);
                    ++pos;
                    continue;
                }
                word.append(ch);
                ++pos;
            }
        }
        if (word == u"--")
            return;
        if (!(blankOk || !word.isEmpty()))
            continue;
        Flag f;
        f.text = line.mid(begin, pos - begin);
        f.range = log.range(begin, pos);
        const QString body = word.mid(2);
        const qsizetype eq = body.indexOf(u'=');
        if (eq >= 0) {
            f.name = body.left(eq);
            f.value = body.mid(eq + 1);
            f.hasValue = true;
            const qsizetype rawEq = line.indexOf(u'=', begin);
            if (rawEq >= 0 && rawEq < pos)
                f.valueRange = log.range(rawEq + 1, pos);
        } else {
            f.name = body;
        }
        ins.flags.append(f);
    }
}

QList<Word> ParserImpl::parseWords(const Logical &log, qsizetype begin, qsizetype end) const
{
    // parseWords: quotes and escape characters stay in the words; only
    // unquoted whitespace separates them.
    const QString &s = log.text;
    QList<Word> words;
    enum { InSpaces, InWord, InQuote } phase = InSpaces;
    QString word;
    qsizetype wordBegin = begin;
    QChar quote;
    bool blankOk = false;
    for (qsizetype pos = begin; pos <= end; ++pos) {
        const bool atEnd = pos == end;
        const QChar ch = atEnd ? QChar() : s[pos];
        if (phase == InSpaces) {
            if (atEnd)
                break;
            if (isSpace(ch))
                continue;
            phase = InWord;
            wordBegin = pos;
        }
        if (atEnd) {
            if (blankOk || !word.isEmpty())
                words.append({word, wordBegin, pos});
            break;
        }
        if (phase == InWord) {
            if (isSpace(ch)) {
                phase = InSpaces;
                if (blankOk || !word.isEmpty())
                    words.append({word, wordBegin, pos});
                word.clear();
                blankOk = false;
                continue;
            }
            QChar c = ch;
            if (c == u'\'' || c == u'"') {
                quote = c;
                blankOk = true;
                phase = InQuote;
            }
            if (c == m_escape) {
                if (pos + 1 == end)
                    continue;
                word.append(c);
                c = s[++pos];
            }
            word.append(c);
            continue;
        }
        // InQuote
        QChar c = ch;
        if (c == quote)
            phase = InWord;
        if (c == m_escape && quote != u'\'') {
            if (pos + 1 == end) {
                phase = InWord;
                continue;
            }
            word.append(c);
            c = s[++pos];
        }
        word.append(c);
    }
    return words;
}

void ParserImpl::splitWhitespace(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins)
{
    qsizetype pos = begin;
    while (pos < end) {
        const qsizetype wb = pos;
        while (pos < end && !isSeparator(log.text[pos]))
            ++pos;
        ins.arguments.append({log.text.mid(wb, pos - wb), log.range(wb, pos)});
        if (pos == end)
            break;
        while (pos < end && isSeparator(log.text[pos]))
            ++pos;
    }
}

// parseJSON: a JSON array of strings. Returns false when the text is not a
// JSON array (the caller falls back to the shell form); an array holding
// anything but strings is an error.
bool ParserImpl::parseJson(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins)
{
    const QStringView rest = QStringView(log.text).mid(begin, end - begin);
    if (!rest.startsWith(u'['))
        return false;
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(rest.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray()) {
        if (rest.endsWith(u']')) {
            warning(log.range(begin, end),
                    QStringLiteral("%1 argument looks like a JSON array but is not valid JSON (%2); docker runs it in shell form")
                        .arg(instructionName(ins.kind).isEmpty() ? ins.keyword.toUpper() : instructionName(ins.kind),
                             err.errorString()),
                    QStringLiteral("InvalidJSONForm"));
        }
        return false;
    }
    const QJsonArray array = doc.array();
    for (const QJsonValue &v : array) {
        if (!v.isString()) {
            fail(ins, log.range(begin, end),
                 QStringLiteral("when using JSON array syntax, arrays must be comprised of strings only"));
            ins.jsonForm = true;
            return true;
        }
    }
    // Positions: the elements are strings, so the string literals at depth
    // one are exactly the elements, in order.
    qsizetype pos = begin;
    for (const QJsonValue &v : array) {
        while (pos < end && log.text[pos] != u'"')
            ++pos;
        const qsizetype sb = pos++;
        while (pos < end && log.text[pos] != u'"') {
            if (log.text[pos] == u'\\')
                ++pos;
            ++pos;
        }
        ++pos;
        ins.arguments.append({v.toString(), log.range(sb, std::min(pos, end))});
    }
    ins.jsonForm = true;
    return true;
}

void ParserImpl::parseMaybeJson(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins, bool toList)
{
    if (begin == end)
        return;
    if (parseJson(log, begin, end, ins))
        return;
    if (toList)
        splitWhitespace(log, begin, end, ins);
    else
        ins.arguments.append({log.text.mid(begin, end - begin), log.range(begin, end)});
}

void ParserImpl::parseNameVal(const Logical &log, qsizetype begin, qsizetype end, Instruction &ins)
{
    const QString key = instructionName(ins.kind);
    const QList<Word> words = parseWords(log, begin, end);
    if (words.isEmpty())
        return;
    if (!words.front().value.contains(u'=')) {
        // Legacy "KEY name value": the rest of the line is the value.
        qsizetype pos = begin;
        while (pos < end && !isSeparator(log.text[pos]))
            ++pos;
        const qsizetype keyEnd = pos;
        while (pos < end && isSeparator(log.text[pos]))
            ++pos;
        if (pos >= end) {
            fail(ins, log.range(begin, end), QStringLiteral("%1 must have two arguments").arg(key));
            return;
        }
        KeyValue kv;
        kv.key = log.text.mid(begin, keyEnd - begin);
        kv.value = log.text.mid(pos, end - pos);
        kv.hasValue = true;
        kv.keyRange = log.range(begin, keyEnd);
        kv.valueRange = log.range(pos, end);
        kv.range = log.range(begin, end);
        ins.keyValues.append(kv);
        ins.legacyKeyValue = true;
        ins.arguments.append({kv.key, kv.keyRange});
        ins.arguments.append({kv.value, kv.valueRange});
        warning(log.range(begin, end),
                QStringLiteral("\"%1 key=value\" should be used instead of legacy \"%1 key value\" format").arg(key),
                QStringLiteral("LegacyKeyValueFormat"));
        return;
    }
    for (const Word &w : words) {
        const qsizetype eq = w.value.indexOf(u'=');
        if (eq < 0) {
            fail(ins, log.range(w.begin, w.end),
                 QStringLiteral("Syntax error - can't find = in %1. Must be of the form: name=value")
                     .arg(GoText::quote(w.value)));
            return;
        }
        KeyValue kv;
        kv.key = w.value.left(eq);
        kv.value = w.value.mid(eq + 1);
        kv.hasValue = true;
        const qsizetype rawEq = log.text.indexOf(u'=', w.begin);
        kv.keyRange = log.range(w.begin, rawEq);
        kv.valueRange = log.range(rawEq + 1, w.end);
        kv.range = log.range(w.begin, w.end);
        ins.keyValues.append(kv);
        ins.arguments.append({kv.key, kv.keyRange});
        ins.arguments.append({kv.value, kv.valueRange});
    }
}

void ParserImpl::parseArguments(const Logical &log, qsizetype b, qsizetype e, Instruction &ins)
{
    switch (ins.kind) {
    case InstructionKind::Add:
    case InstructionKind::Copy:
    case InstructionKind::Volume:
        parseMaybeJson(log, b, e, ins, true);
        break;
    case InstructionKind::Run:
    case InstructionKind::Cmd:
    case InstructionKind::Entrypoint:
    case InstructionKind::Shell:
        parseMaybeJson(log, b, e, ins, false);
        break;
    case InstructionKind::From:
    case InstructionKind::Expose:
        splitWhitespace(log, b, e, ins);
        break;
    case InstructionKind::Maintainer:
    case InstructionKind::StopSignal:
    case InstructionKind::User:
    case InstructionKind::Workdir:
        if (b < e)
            ins.arguments.append({log.text.mid(b, e - b), log.range(b, e)});
        break;
    case InstructionKind::Env:
    case InstructionKind::Label:
        parseNameVal(log, b, e, ins);
        break;
    case InstructionKind::Arg:
        for (const Word &w : parseWords(log, b, e)) {
            KeyValue kv;
            const qsizetype eq = w.value.indexOf(u'=');
            kv.range = log.range(w.begin, w.end);
            if (eq >= 0) {
                kv.key = w.value.left(eq);
                kv.value = w.value.mid(eq + 1);
                kv.hasValue = true;
                const qsizetype rawEq = log.text.indexOf(u'=', w.begin);
                kv.keyRange = log.range(w.begin, rawEq);
                kv.valueRange = log.range(rawEq + 1, w.end);
            } else {
                kv.key = w.value;
                kv.keyRange = kv.range;
            }
            ins.keyValues.append(kv);
            ins.arguments.append({w.value, kv.range});
        }
        break;
    case InstructionKind::Healthcheck: {
        qsizetype sep = b;
        while (sep < e && !isSpace(log.text[sep]))
            ++sep;
        if (sep == b)
            break;
        ins.arguments.append({log.text.mid(b, sep - b), log.range(b, sep)});
        qsizetype next = sep;
        while (next < e && isSpace(log.text[next]))
            ++next;
        parseMaybeJson(log, next, e, ins, false);
        break;
    }
    case InstructionKind::Onbuild:
        if (b < e) {
            auto trigger = std::make_shared<Instruction>(buildInstruction(log, b, {}, true));
            if (!trigger->valid)
                ins.valid = false;
            ins.trigger = trigger;
        }
        break;
    case InstructionKind::Unknown:
        break;
    }
}

Instruction ParserImpl::buildInstruction(const Logical &log, qsizetype from, const QStringList &comments, bool nested)
{
    Instruction ins;
    ins.comments = comments;
    const QString &text = log.text;
    qsizetype end = text.size();
    while (end > from && isSpace(text[end - 1]))
        --end;
    qsizetype pos = from;
    while (pos < end && isSpace(text[pos]))
        ++pos;
    const qsizetype cmdBegin = pos;
    while (pos < end && !isSeparator(text[pos]))
        ++pos;
    ins.keyword = text.mid(cmdBegin, pos - cmdBegin);
    ins.keywordRange = log.range(cmdBegin, pos);
    ins.kind = instructionKindFromName(ins.keyword);
    ins.original = text.mid(from, end - from);
    ins.range = log.range(cmdBegin, end);
    ins.startLine = ins.range.start.line;
    ins.endLine = ins.range.end.line;

    while (pos < end && isSeparator(text[pos]))
        ++pos;
    parseFlags(log, pos, ins);
    qsizetype restBegin = pos;
    while (restBegin < end && isSpace(text[restBegin]))
        ++restBegin;
    ins.rest = text.mid(restBegin, end - restBegin);
    ins.restRange = log.range(restBegin, end);

    parseArguments(log, restBegin, end, ins);
    if (ins.valid || nested)
        validate(ins, log);
    return ins;
}

void ParserImpl::validateFlags(Instruction &ins)
{
    const QList<FlagInfo> &known = flagsFor(ins.kind);
    QSet<QString> used;
    for (const Flag &f : ins.flags) {
        const FlagInfo *info = nullptr;
        for (const FlagInfo &k : known) {
            if (f.name == QStringView(k.name))
                info = &k;
        }
        if (!info) {
            fail(ins, f.range, QStringLiteral("Unknown flag: %1").arg(f.name));
            return;
        }
        if (used.contains(f.name) && info->type != FlagInfo::Strings) {
            fail(ins, f.range, QStringLiteral("Duplicate flag specified: %1").arg(f.name));
            return;
        }
        used.insert(f.name);
        if (info->type == FlagInfo::Bool) {
            if (f.hasValue && f.value.isEmpty()) {
                fail(ins, f.range, QStringLiteral("Missing a value on flag: %1").arg(f.name));
                return;
            }
            const QString v = f.value.toLower();
            if (!v.isEmpty() && v != u"true" && v != u"false") {
                fail(ins, f.range, QStringLiteral("expecting boolean value for flag %1, not: %2").arg(f.name, f.value));
                return;
            }
        } else if (!f.hasValue) {
            fail(ins, f.range, QStringLiteral("Missing a value on flag: %1").arg(f.name));
            return;
        }
    }
}

void ParserImpl::validate(Instruction &ins, const Logical &log)
{
    Q_UNUSED(log)
    const QString name = instructionName(ins.kind);
    const auto atLeastOne = [&] {
        fail(ins, ins.range, QStringLiteral("%1 requires at least one argument").arg(name));
    };
    const auto exactlyOne = [&] {
        fail(ins, ins.range, QStringLiteral("%1 requires exactly one argument").arg(name));
    };

    if (ins.kind == InstructionKind::Unknown) {
        fail(ins, ins.keywordRange,
             QStringLiteral("unknown instruction: %1").arg(ins.keyword.toUpper()));
        return;
    }
    // HEALTHCHECK NONE takes no flags at all, so docker never looks at them.
    const bool healthNone = ins.kind == InstructionKind::Healthcheck && !ins.arguments.isEmpty()
                            && ins.arguments.front().value.compare(u"NONE", Qt::CaseInsensitive) == 0;
    if (!healthNone)
        validateFlags(ins);
    if (!ins.valid)
        return;

    switch (ins.kind) {
    case InstructionKind::From: {
        const QStringList a = ins.argumentValues();
        if (a.size() == 3 && a[1].compare(u"as", Qt::CaseInsensitive) == 0) {
            static const QRegularExpression validName(QStringLiteral("^[a-z][a-z0-9-_.]*$"));
            if (!validName.match(a[2].toLower()).hasMatch()) {
                fail(ins, ins.arguments[2].range,
                     QStringLiteral("invalid name for build stage: %1, name can't start with a number or contain symbols")
                         .arg(GoText::quote(a[2])));
            } else if (a[2] != a[2].toLower()) {
                warning(ins.arguments[2].range, QStringLiteral("Stage name '%1' should be lowercase").arg(a[2]),
                        QStringLiteral("StageNameCasing"));
            }
            const bool keywordUpper = ins.keyword == ins.keyword.toUpper();
            const bool asUpper = a[1] == a[1].toUpper();
            if (keywordUpper != asUpper) {
                warning(ins.arguments[1].range,
                        QStringLiteral("'%1' and '%2' keywords' casing do not match").arg(a[1], ins.keyword),
                        QStringLiteral("FromAsCasing"));
            }
        } else if (a.size() != 1) {
            fail(ins, ins.range, QStringLiteral("FROM requires either one or three arguments"));
        }
        break;
    }
    case InstructionKind::Copy:
    case InstructionKind::Add:
        if (ins.arguments.size() < 2) {
            fail(ins, ins.range,
                 QStringLiteral("%1 requires at least two arguments, but only one was provided. Destination could not be determined")
                     .arg(name));
        }
        break;
    case InstructionKind::Env:
    case InstructionKind::Label:
        if (ins.keyValues.isEmpty()) {
            atLeastOne();
            break;
        }
        for (const KeyValue &kv : std::as_const(ins.keyValues)) {
            if (kv.key.isEmpty()) {
                fail(ins, kv.range, QStringLiteral("%1 names can not be blank").arg(name));
                break;
            }
        }
        break;
    case InstructionKind::Arg:
        if (ins.keyValues.isEmpty()) {
            atLeastOne();
            break;
        }
        for (const KeyValue &kv : std::as_const(ins.keyValues)) {
            if (kv.hasValue && kv.key.isEmpty()) {
                fail(ins, kv.range, QStringLiteral("ARG names can not be blank"));
                break;
            }
        }
        break;
    case InstructionKind::Expose:
        if (ins.arguments.isEmpty())
            atLeastOne();
        break;
    case InstructionKind::Volume:
        if (ins.arguments.isEmpty()) {
            atLeastOne();
            break;
        }
        for (const Argument &a : std::as_const(ins.arguments)) {
            if (a.value.trimmed().isEmpty()) {
                fail(ins, a.range, QStringLiteral("VOLUME specified can not be an empty string"));
                break;
            }
        }
        break;
    case InstructionKind::Workdir:
    case InstructionKind::User:
    case InstructionKind::StopSignal:
    case InstructionKind::Maintainer:
        if (ins.arguments.size() != 1)
            exactlyOne();
        if (ins.kind == InstructionKind::Maintainer && ins.valid) {
            warning(ins.keywordRange, QStringLiteral("Maintainer instruction is deprecated in favor of using label"),
                    QStringLiteral("MaintainerDeprecated"));
        }
        break;
    case InstructionKind::Shell:
        if (ins.arguments.isEmpty())
            atLeastOne();
        else if (!ins.jsonForm)
            fail(ins, ins.restRange, QStringLiteral("SHELL requires the arguments to be in JSON form"));
        break;
    case InstructionKind::Cmd:
    case InstructionKind::Entrypoint:
        if (!ins.jsonForm && !ins.arguments.isEmpty()) {
            warning(ins.range,
                    QStringLiteral("JSON arguments recommended for %1 to prevent unintended behavior related to OS signals")
                        .arg(name),
                    QStringLiteral("JSONArgsRecommended"));
        }
        break;
    case InstructionKind::Run:
        break;
    case InstructionKind::Healthcheck: {
        if (ins.arguments.isEmpty()) {
            atLeastOne();
            break;
        }
        const QString type = ins.arguments.front().value.toUpper();
        if (type == u"NONE") {
            if (ins.arguments.size() != 1)
                fail(ins, ins.range, QStringLiteral("HEALTHCHECK NONE takes no arguments"));
            break;
        }
        if (type != u"CMD") {
            fail(ins, ins.arguments.front().range,
                 QStringLiteral("Unknown type \"%1\" in HEALTHCHECK (try CMD)").arg(type));
            break;
        }
        if (ins.arguments.size() < 2) {
            fail(ins, ins.range, QStringLiteral("Missing command after HEALTHCHECK CMD"));
            break;
        }
        for (const Flag &f : std::as_const(ins.flags)) {
            if (f.name == u"retries") {
                bool ok = false;
                const qlonglong retries = f.value.toLongLong(&ok);
                if (!ok || retries > 2147483647LL || retries < -2147483648LL) {
                    fail(ins, f.valueRange.isValid() ? f.valueRange : f.range,
                         QStringLiteral("strconv.ParseInt: parsing %1: %2")
                             .arg(GoText::quote(f.value),
                                  ok ? QStringLiteral("value out of range") : QStringLiteral("invalid syntax")));
                    break;
                }
                if (retries < 1) {
                    fail(ins, f.range, QStringLiteral("--retries must be at least 1 (not %1)").arg(retries));
                    break;
                }
                continue;
            }
            const Result<qint64> d = GoText::parseDuration(f.value);
            if (!d) {
                fail(ins, f.valueRange.isValid() ? f.valueRange : f.range, QString::fromStdString(d.error().message()));
                break;
            }
            if (*d != 0 && *d < 1000000) {
                fail(ins, f.range, QStringLiteral("Interval \"%1\" cannot be less than 1ms").arg(f.name));
                break;
            }
        }
        break;
    }
    case InstructionKind::Onbuild: {
        if (!ins.trigger) {
            atLeastOne();
            break;
        }
        const QString trigger = ins.trigger->keyword.toUpper();
        if (trigger == u"ONBUILD")
            fail(ins, ins.trigger->keywordRange, QStringLiteral("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"));
        else if (trigger == u"MAINTAINER" || trigger == u"FROM")
            fail(ins, ins.trigger->keywordRange, QStringLiteral("%1 isn't allowed as an ONBUILD trigger").arg(trigger));
        break;
    }
    case InstructionKind::Unknown:
        break;
    }
}

// heredocsFromLine/ParseHeredoc: words of the first line that read <<WORD,
// <<-WORD or N<<WORD.
QList<Heredoc> ParserImpl::heredocsFromLine(QStringView line, int lineNumber, int column) const
{
    QList<Heredoc> docs;
    ShellLexer raw(u'\\');
    raw.setRawQuotes(true);
    raw.setRawEscapes(true);
    const VariableLookup none = [](const QString &) { return std::optional<QString>(); };
    const Result<QStringList> words = raw.processWords(line, none);
    if (!words)
        return docs;
    static const QRegularExpression re(QStringLiteral("^(\\d*)<<(-?)([^<]*)$"));
    qsizetype searchFrom = 0;
    for (const QString &word : *words) {
        const QRegularExpressionMatch m = re.match(word);
        if (!m.hasMatch())
            continue;
        const QString rest = m.captured(3);
        if (rest.isEmpty())
            continue;
        ShellLexer lex(u'\\');
        lex.setSkipUnsetEnv(true);
        const Result<QStringList> cooked = lex.processWords(rest, none);
        if (!cooked || cooked->size() != 1)
            continue;
        lex.setRawQuotes(true);
        const Result<QStringList> rawWords = lex.processWords(rest, none);
        if (!rawWords || rawWords->size() != 1)
            continue;
        const auto quotes = [](const QString &s) { return s.count(u'\'') + s.count(u'"'); };
        Heredoc h;
        h.name = cooked->front();
        h.expand = quotes(cooked->front()) == quotes(rawWords->front());
        h.chomp = m.captured(2) == u"-";
        h.fileDescriptor = m.captured(1).isEmpty() ? 0 : m.captured(1).toInt();
        qsizetype at = line.indexOf(word, searchFrom);
        if (at < 0)
            at = line.indexOf(u"<<", searchFrom);
        const qsizetype len = at >= 0 && line.mid(at).startsWith(word) ? word.size() : 2;
        if (at >= 0) {
            h.wordRange = {{lineNumber, column + int(at)}, {lineNumber, column + int(at + len)}};
            searchFrom = at + len;
        }
        docs.append(h);
    }
    return docs;
}

void ParserImpl::fileChecks()
{
    if (m_file.instructions.isEmpty()) {
        error({{1, 1}, {1, 1}}, QStringLiteral("file with no instructions"));
        return;
    }
    bool seenFrom = false;
    QHash<QString, int> stageNames;
    QHash<InstructionKind, const Instruction *> lastOnce;
    for (Instruction &ins : m_file.instructions) {
        if (ins.kind == InstructionKind::From) {
            seenFrom = true;
            lastOnce.clear();
            if (ins.valid && ins.arguments.size() == 3) {
                const QString stage = ins.arguments[2].value.toLower();
                if (stageNames.contains(stage)) {
                    warning(ins.arguments[2].range,
                            QStringLiteral("Duplicate stage name %1, stage names should be unique")
                                .arg(GoText::quote(stage)),
                            QStringLiteral("DuplicateStageName"));
                }
                stageNames.insert(stage, ins.startLine);
            }
            continue;
        }
        if (!seenFrom && ins.kind != InstructionKind::Arg && ins.kind != InstructionKind::Unknown && ins.valid) {
            fail(ins, ins.range, QStringLiteral("no build stage in current context"));
            continue;
        }
        if (ins.kind == InstructionKind::Cmd || ins.kind == InstructionKind::Entrypoint
            || ins.kind == InstructionKind::Healthcheck) {
            if (const Instruction *prev = lastOnce.value(ins.kind)) {
                warning(prev->range,
                        QStringLiteral("Multiple %1 instructions should not be used in the same stage because only the last one will be used")
                            .arg(instructionName(ins.kind)),
                        QStringLiteral("MultipleInstructionsDisallowed"));
            }
            lastOnce.insert(ins.kind, &ins);
        }
    }
}

SyntaxTree ParserImpl::run(QList<SourceLine> lines)
{
    m_lines = std::move(lines);
    m_file.lineCount = int(m_lines.size());
    for (qsizetype i = 0; i < m_lines.size(); ++i) {
        if (m_lines[i].nulColumn > 0) {
            const int line = int(i + 1);
            error({{line, m_lines[i].nulColumn}, {line, m_lines[i].nulColumn + 1}},
                  QStringLiteral("the SyntaxTree contains a NUL byte (is it a text file?)"));
        }
    }

    QStringList comments;
    qsizetype i = 0;
    const qsizetype n = m_lines.size();
    while (i < n) {
        const QString &raw = m_lines[i].text;
        const int lineNumber = int(i + 1);
        if (isCommentLine(raw)) {
            const QString comment = raw.mid(skipLeadingSpace(raw) + 1).trimmed();
            if (comment.isEmpty())
                comments.clear();
            else
                comments.append(comment);
        }
        const qsizetype leading = skipLeadingSpace(raw);
        QStringView token = QStringView(raw).mid(leading);
        possibleDirective(token, lineNumber, int(leading));
        if (isCommentLine(token))
            token = {};
        ++i;

        QStringView first = token;
        bool continued = trimContinuation(first);
        if (!continued && first.isEmpty())
            continue;

        Logical log;
        log.append(first, lineNumber, int(leading) + 1);
        bool emptyContinuation = false;
        int lastLine = lineNumber;
        while (continued && i < n) {
            const QString &next = m_lines[i].text;
            possibleDirective(next, int(i + 1), 0);
            ++i;
            lastLine = int(i);
            if (isCommentLine(next))
                continue;
            if (skipLeadingSpace(next) == next.size()) {
                emptyContinuation = true;
                continue;
            }
            QStringView part = next;
            continued = trimContinuation(part);
            log.append(part, int(i), 1);
        }

        if (log.text.trimmed().isEmpty())
            continue;

        Instruction ins = buildInstruction(log, 0, comments, false);
        comments.clear();
        ins.endLine = lastLine;
        ins.range.end = {lastLine, int(m_lines[lastLine - 1].text.size()) + 1};
        if (emptyContinuation) {
            warning(ins.range, QStringLiteral("Empty continuation line found in: %1").arg(first.toString()),
                    QStringLiteral("NoEmptyContinuation"));
        }

        InstructionKind heredocKind = ins.kind;
        if (ins.kind == InstructionKind::Onbuild && ins.trigger)
            heredocKind = ins.trigger->kind;
        const bool jsonForm = ins.kind == InstructionKind::Onbuild && ins.trigger ? ins.trigger->jsonForm : ins.jsonForm;
        const bool canHeredoc = (heredocKind == InstructionKind::Run || heredocKind == InstructionKind::Copy
                                 || heredocKind == InstructionKind::Add)
                                && !jsonForm;
        if (canHeredoc && first.contains(u"<<")) {
            QList<Heredoc> docs = heredocsFromLine(first, lineNumber, int(leading) + 1);
            for (Heredoc &doc : docs) {
                const int bodyStart = int(i + 1);
                bool terminated = false;
                while (i < n) {
                    const SourceLine &l = m_lines[i++];
                    QStringView candidate = l.text;
                    while (!candidate.isEmpty() && candidate.back() == u'\r')
                        candidate.chop(1);
                    if (doc.chomp) {
                        while (!candidate.isEmpty() && candidate.front() == u'\t')
                            candidate = candidate.mid(1);
                    }
                    if (candidate == doc.name) {
                        terminated = true;
                        break;
                    }
                    doc.content += l.text + l.lineEnd;
                }
                const int bodyEnd = int(i);
                if (bodyEnd >= bodyStart)
                    doc.bodyRange = {{bodyStart, 1}, {bodyEnd, int(m_lines[bodyEnd - 1].text.size()) + 1}};
                else // the file ends right after the instruction
                    doc.bodyRange = {ins.range.end, ins.range.end};
                ins.endLine = std::max(ins.endLine, bodyEnd);
                ins.range.end = doc.bodyRange.end;
                if (!terminated) {
                    error({ins.range.start, doc.bodyRange.end},
                          QStringLiteral("unterminated heredoc %1: no line reads %1 before the end of the file")
                              .arg(doc.name));
                    ins.valid = false;
                }
                ins.heredocs.append(doc);
                if (!terminated)
                    break;
            }
        }
        m_file.instructions.append(std::move(ins));
    }
    if (!m_fragment)
        fileChecks();
    std::stable_sort(m_file.diagnostics.begin(), m_file.diagnostics.end(), [](const Diagnostic &a, const Diagnostic &b) {
        if (a.range.start.line != b.range.start.line)
            return a.range.start.line < b.range.start.line;
        return a.range.start.column < b.range.start.column;
    });
    return std::move(m_file);
}

QList<SourceLine> splitBytes(QByteArrayView bytes)
{
    QList<SourceLine> lines;
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes = bytes.sliced(3);
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        qsizetype nl = bytes.indexOf('\n', pos);
        const bool hasNewline = nl >= 0;
        if (!hasNewline)
            nl = bytes.size();
        QByteArrayView content = bytes.sliced(pos, nl - pos);
        qsizetype contentEnd = content.size();
        while (contentEnd > 0 && content[contentEnd - 1] == '\r')
            --contentEnd;
        SourceLine line;
        line.text = QString::fromUtf8(content.first(contentEnd));
        line.lineEnd = QString::fromUtf8(content.sliced(contentEnd)) + (hasNewline ? QStringLiteral("\n") : QString());
        const qsizetype nul = line.text.indexOf(QChar(u'\0'));
        if (nul >= 0)
            line.nulColumn = int(nul + 1);
        lines.append(std::move(line));
        pos = nl + 1;
    }
    return lines;
}

QList<SourceLine> splitText(QStringView text)
{
    QList<SourceLine> lines;
    if (text.startsWith(QChar(0xfeff)))
        text = text.mid(1);
    qsizetype pos = 0;
    while (pos < text.size()) {
        qsizetype nl = text.indexOf(u'\n', pos);
        const bool hasNewline = nl >= 0;
        if (!hasNewline)
            nl = text.size();
        QStringView content = text.mid(pos, nl - pos);
        qsizetype contentEnd = content.size();
        while (contentEnd > 0 && content[contentEnd - 1] == u'\r')
            --contentEnd;
        SourceLine line;
        line.text = content.left(contentEnd).toString();
        line.lineEnd = content.mid(contentEnd).toString() + (hasNewline ? QStringLiteral("\n") : QString());
        const qsizetype nul = line.text.indexOf(QChar(u'\0'));
        if (nul >= 0)
            line.nulColumn = int(nul + 1);
        lines.append(std::move(line));
        pos = nl + 1;
    }
    return lines;
}

} // namespace

SyntaxTree Parser::parse(QByteArrayView bytes)
{
    return ParserImpl().run(splitBytes(bytes));
}

SyntaxTree Parser::parse(QStringView text)
{
    return ParserImpl().run(splitText(text));
}

SyntaxTree Parser::parseFragment(QStringView text)
{
    return ParserImpl(true).run(splitText(text));
}

} // namespace Berth::Dockerfile
