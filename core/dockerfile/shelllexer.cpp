#include "shelllexer.h"

#include "gotext.h"

#include <QList>

namespace Berth::Dockerfile {

namespace {

// BuildKit's wordsStruct: how substituted text and literal text split into words.
class Words
{
public:
    void addChar(QChar ch)
    {
        if (ch.isSpace()) {
            if (m_inWord && !m_word.isEmpty()) {
                m_words.append(m_word);
                m_word.clear();
                m_inWord = false;
            }
        } else {
            addRawChar(ch);
        }
    }
    void addRawChar(QChar ch)
    {
        m_word.append(ch);
        m_inWord = true;
    }
    void addString(const QString &s)
    {
        for (const QChar ch : s)
            addChar(ch);
    }
    void addRawString(const QString &s)
    {
        m_word.append(s);
        m_inWord = true;
    }
    QStringList take()
    {
        if (!m_word.isEmpty()) {
            m_words.append(m_word);
            m_word.clear();
            m_inWord = false;
        }
        return m_words;
    }

private:
    QStringList m_words;
    QString m_word;
    bool m_inWord = false;
};

struct PatternToken
{
    enum Type { Literal, AnyChar, Star, Class } type = Literal;
    QChar ch;
    bool negated = false;
    QList<std::pair<QChar, QChar>> ranges;
};

QList<PatternToken> compilePattern(QStringView p, QChar escape)
{
    QList<PatternToken> out;
    for (qsizetype i = 0; i < p.size(); ++i) {
        const QChar c = p[i];
        PatternToken t;
        if (c == escape && i + 1 < p.size()) {
            t.ch = p[++i];
        } else if (c == u'*') {
            t.type = PatternToken::Star;
        } else if (c == u'?') {
            t.type = PatternToken::AnyChar;
        } else if (c == u'[') {
            qsizetype j = i + 1;
            PatternToken cls;
            cls.type = PatternToken::Class;
            if (j < p.size() && (p[j] == u'!' || p[j] == u'^')) {
                cls.negated = true;
                ++j;
            }
            bool closed = false;
            bool first = true;
            while (j < p.size()) {
                if (p[j] == u']' && !first) {
                    closed = true;
                    break;
                }
                first = false;
                QChar lo = p[j];
                if (lo == escape && j + 1 < p.size())
                    lo = p[++j];
                QChar hi = lo;
                if (j + 2 < p.size() && p[j + 1] == u'-' && p[j + 2] != u']') {
                    hi = p[j + 2];
                    j += 2;
                    if (hi == escape && j + 1 < p.size())
                        hi = p[++j];
                }
                cls.ranges.append({lo, hi});
                ++j;
            }
            if (closed) {
                out.append(cls);
                i = j;
                continue;
            }
            t.ch = c; // an unclosed [ is an ordinary character
        } else {
            t.ch = c;
        }
        out.append(t);
    }
    return out;
}

bool tokenMatches(const PatternToken &t, QChar c)
{
    switch (t.type) {
    case PatternToken::Literal:
        return t.ch == c;
    case PatternToken::AnyChar:
        return true;
    case PatternToken::Class: {
        bool in = false;
        for (const auto &[lo, hi] : t.ranges) {
            if (c >= lo && c <= hi) {
                in = true;
                break;
            }
        }
        return in != t.negated;
    }
    case PatternToken::Star:
        return false;
    }
    return false;
}

bool matchTokens(const QList<PatternToken> &tokens, QStringView text)
{
    qsizetype ti = 0, si = 0;
    qsizetype starToken = -1, starText = 0;
    while (si < text.size()) {
        if (ti < tokens.size() && tokens[ti].type == PatternToken::Star) {
            starToken = ti++;
            starText = si;
        } else if (ti < tokens.size() && tokenMatches(tokens[ti], text[si])) {
            ++ti;
            ++si;
        } else if (starToken >= 0) {
            ti = starToken + 1;
            si = ++starText;
        } else {
            return false;
        }
    }
    while (ti < tokens.size() && tokens[ti].type == PatternToken::Star)
        ++ti;
    return ti == tokens.size();
}

class Scanner
{
public:
    Scanner(QStringView src, QChar escape, bool rawQuotes, bool rawEscapes, bool skipUnset,
            const VariableLookup &lookup, QSet<QString> *used)
        : m_src(src), m_escape(escape), m_rawQuotes(rawQuotes), m_rawEscapes(rawEscapes),
          m_skipUnset(skipUnset), m_lookup(lookup), m_used(used)
    {}

    static constexpr char16_t Eof = 0xffff;

    Result<std::pair<QString, QStringList>> processStopOn(char16_t stop, bool rawEscapes)
    {
        if (++m_depth > ShellLexer::maxNesting) {
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("variable substitution nested more than %1 levels deep")
                            .arg(ShellLexer::maxNesting).toStdString());
        }
        QString result;
        Words words;
        while (peek() != Eof) {
            const QChar ch = QChar(peek());
            if (stop != Eof && ch == QChar(stop)) {
                next();
                --m_depth;
                return std::pair{result, words.take()};
            }
            if (ch == u'\'' || ch == u'"' || ch == u'$') {
                Result<QString> tmp = ch == u'\'' ? processSingleQuote()
                                    : ch == u'"' ? processDoubleQuote()
                                                 : processDollar();
                if (!tmp)
                    return std::unexpected(tmp.error());
                result.append(*tmp);
                if (ch == u'$')
                    words.addString(*tmp);
                else
                    words.addRawString(*tmp);
                continue;
            }
            QChar c = QChar(next());
            if (c == m_escape) {
                if (rawEscapes) {
                    words.addRawChar(c);
                    result.append(c);
                }
                if (peek() == Eof)
                    break;
                c = QChar(next());
                words.addRawChar(c);
            } else {
                words.addChar(c);
            }
            result.append(c);
        }
        if (stop != Eof) {
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("unexpected end of statement while looking for matching %1")
                            .arg(QChar(stop)).toStdString());
        }
        --m_depth;
        return std::pair{result, words.take()};
    }

private:
    char16_t peek() const { return m_pos < m_src.size() ? m_src[m_pos].unicode() : Eof; }
    char16_t next() { return m_pos < m_src.size() ? m_src[m_pos++].unicode() : Eof; }

    Result<QString> processSingleQuote()
    {
        QString result;
        const char16_t open = next();
        if (m_rawQuotes)
            result.append(QChar(open));
        for (;;) {
            const char16_t ch = next();
            if (ch == Eof) {
                return fail(ErrorCode::InvalidArgument,
                            "unexpected end of statement while looking for matching single-quote");
            }
            if (ch == u'\'') {
                if (m_rawQuotes)
                    result.append(QChar(ch));
                return result;
            }
            result.append(QChar(ch));
        }
    }

    Result<QString> processDoubleQuote()
    {
        QString result;
        const char16_t open = next();
        if (m_rawQuotes)
            result.append(QChar(open));
        for (;;) {
            const char16_t p = peek();
            if (p == Eof) {
                return fail(ErrorCode::InvalidArgument,
                            "unexpected end of statement while looking for matching double-quote");
            }
            if (p == u'"') {
                next();
                if (m_rawQuotes)
                    result.append(QChar(p));
                return result;
            }
            if (p == u'$') {
                Result<QString> value = processDollar();
                if (!value)
                    return value;
                result.append(*value);
                continue;
            }
            char16_t ch = next();
            if (QChar(ch) == m_escape) {
                if (m_rawEscapes)
                    result.append(QChar(ch));
                const char16_t after = peek();
                if (after == Eof)
                    continue;
                if (after == u'"' || after == u'$' || QChar(after) == m_escape)
                    ch = next();
            }
            result.append(QChar(ch));
        }
    }

    QString processName()
    {
        QString name;
        while (peek() != Eof) {
            const QChar ch = QChar(peek());
            if (name.isEmpty() && ch.isDigit()) {
                while (peek() != Eof && QChar(peek()).isDigit())
                    name.append(QChar(next()));
                return name;
            }
            if (name.isEmpty()
                && (ch == u'@' || ch == u'*' || ch == u'#' || ch == u'?' || ch == u'-' || ch == u'$'
                    || ch == u'!' || ch == u'0')) {
                next();
                return QString(ch);
            }
            if (!ch.isLetter() && !ch.isDigit() && ch != u'_')
                break;
            name.append(QChar(next()));
        }
        return name;
    }

    std::optional<QString> getEnv(const QString &name)
    {
        if (m_used)
            m_used->insert(name);
        return m_lookup ? m_lookup(name) : std::nullopt;
    }

    Result<QString> processDollar()
    {
        next(); // $
        if (peek() != u'{') {
            const QString name = processName();
            if (name.isEmpty())
                return QStringLiteral("$");
            const std::optional<QString> value = getEnv(name);
            if (!value && m_skipUnset)
                return u'$' + name;
            return value.value_or(QString());
        }
        next(); // {
        switch (peek()) {
        case Eof:
            return fail(ErrorCode::InvalidArgument, "syntax error: missing '}'");
        case u'{':
        case u'}':
        case u':':
            return fail(ErrorCode::InvalidArgument, "syntax error: bad substitution");
        default:
            break;
        }
        const QString name = processName();
        char16_t ch = next();
        QString chs = ch == Eof ? QString() : QString(QChar(ch));
        bool nullIsUnset = false;
        switch (ch) {
        case Eof:
            return fail(ErrorCode::InvalidArgument, "syntax error: missing '}'");
        case u'}': {
            const std::optional<QString> value = getEnv(name);
            if (!value && m_skipUnset)
                return QStringLiteral("${%1}").arg(name);
            return value.value_or(QString());
        }
        case u'/': {
            const bool replaceAll = peek() == u'/';
            if (replaceAll)
                next();
            auto pattern = processStopOn(u'/', true);
            if (!pattern) {
                if (peek() == Eof)
                    return fail(ErrorCode::InvalidArgument, "syntax error: missing '/' in ${}");
                return std::unexpected(pattern.error());
            }
            auto replacement = processStopOn(u'}', true);
            if (!replacement) {
                if (peek() == Eof)
                    return fail(ErrorCode::InvalidArgument, "syntax error: missing '}'");
                return std::unexpected(replacement.error());
            }
            const std::optional<QString> value = getEnv(name);
            if (!value && m_skipUnset)
                return QStringLiteral("${%1/%2/%3}").arg(name, pattern->first, replacement->first);
            return replace(value.value_or(QString()), pattern->first, replacement->first, replaceAll);
        }
        case u':':
            nullIsUnset = true;
            ch = next();
            if (ch != Eof)
                chs.append(QChar(ch));
            [[fallthrough]];
        case u'+':
        case u'-':
        case u'?':
        case u'#':
        case u'%': {
            const bool rawEscapes = ch == u'#' || ch == u'%';
            if (nullIsUnset && rawEscapes) {
                return fail(ErrorCode::InvalidArgument,
                            QString(u"unsupported modifier (" + chs + u") in substitution").toStdString());
            }
            auto wordResult = processStopOn(u'}', rawEscapes);
            if (!wordResult) {
                if (peek() == Eof && !wordResult.error().message().starts_with("variable substitution nested"))
                    return fail(ErrorCode::InvalidArgument, "syntax error: missing '}'");
                return std::unexpected(wordResult.error());
            }
            QString word = wordResult->first;
            const std::optional<QString> value = getEnv(name);
            if (m_skipUnset && !value)
                return QStringLiteral("${%1%2%3}").arg(name, chs, word);
            const bool set = value.has_value();
            const QString v = value.value_or(QString());
            switch (ch) {
            case u'-':
                return (!set || (nullIsUnset && v.isEmpty())) ? word : v;
            case u'+':
                return (!set || (nullIsUnset && v.isEmpty())) ? QString() : word;
            case u'?':
                if (!set) {
                    return fail(ErrorCode::InvalidArgument,
                                QString(name + u": " + (word.isEmpty() ? QStringLiteral("is not allowed to be unset") : word))
                                    .toStdString());
                }
                if (nullIsUnset && v.isEmpty()) {
                    return fail(ErrorCode::InvalidArgument,
                                QString(name + u": " + (word.isEmpty() ? QStringLiteral("is not allowed to be empty") : word))
                                    .toStdString());
                }
                return v;
            case u'#':
            case u'%': {
                bool greedy = false;
                if (!word.isEmpty() && word.front() == QChar(ch)) {
                    greedy = true;
                    word.remove(0, 1);
                }
                return ch == u'%' ? trimSuffix(word, v, greedy) : trimPrefix(word, v, greedy);
            }
            default:
                return fail(ErrorCode::InvalidArgument,
                            QString(u"unsupported modifier (" + chs + u") in substitution").toStdString());
            }
        }
        default:
            return fail(ErrorCode::InvalidArgument,
                        QString(u"unsupported modifier (" + chs + u") in substitution").toStdString());
        }
    }

    QString trimPrefix(const QString &pattern, const QString &value, bool greedy) const
    {
        const QList<PatternToken> tokens = compilePattern(pattern, m_escape);
        if (greedy) {
            for (qsizetype len = value.size(); len >= 0; --len) {
                if (matchTokens(tokens, QStringView(value).left(len)))
                    return value.mid(len);
            }
        } else {
            for (qsizetype len = 0; len <= value.size(); ++len) {
                if (matchTokens(tokens, QStringView(value).left(len)))
                    return value.mid(len);
            }
        }
        return value;
    }

    QString trimSuffix(const QString &pattern, const QString &value, bool greedy) const
    {
        const QList<PatternToken> tokens = compilePattern(pattern, m_escape);
        if (greedy) {
            for (qsizetype start = 0; start <= value.size(); ++start) {
                if (matchTokens(tokens, QStringView(value).mid(start)))
                    return value.left(start);
            }
        } else {
            for (qsizetype start = value.size(); start >= 0; --start) {
                if (matchTokens(tokens, QStringView(value).mid(start)))
                    return value.left(start);
            }
        }
        return value;
    }

    QString replace(const QString &value, const QString &pattern, const QString &replacement, bool all) const
    {
        const QList<PatternToken> tokens = compilePattern(pattern, m_escape);
        QString out;
        qsizetype pos = 0;
        bool replaced = false;
        while (pos <= value.size()) {
            qsizetype matchLen = -1;
            if (!replaced || all) {
                for (qsizetype len = value.size() - pos; len >= 0; --len) {
                    if (matchTokens(tokens, QStringView(value).mid(pos, len))) {
                        matchLen = len;
                        break;
                    }
                }
            }
            if (matchLen > 0) {
                out.append(replacement);
                pos += matchLen;
                replaced = true;
                continue;
            }
            if (matchLen == 0 && (!replaced || all)) {
                out.append(replacement);
                replaced = true;
            }
            if (pos < value.size())
                out.append(value[pos]);
            ++pos;
        }
        return out;
    }

    QStringView m_src;
    qsizetype m_pos = 0;
    QChar m_escape;
    bool m_rawQuotes;
    bool m_rawEscapes;
    bool m_skipUnset;
    const VariableLookup &m_lookup;
    QSet<QString> *m_used;
    int m_depth = 0;
};

Error processError(QStringView word, const Error &inner)
{
    // BuildKit wraps lexer errors the same way.
    return Error(inner.code(), QString(u"failed to process " + GoText::quote(word)).toStdString() + ": " + inner.message());
}

} // namespace

ShellLexer::ShellLexer(QChar escapeToken)
    : m_escape(escapeToken)
{}

Result<QString> ShellLexer::processWord(QStringView word, const VariableLookup &lookup) const
{
    return processWord(word, lookup, nullptr);
}

Result<QString> ShellLexer::processWord(QStringView word, const VariableLookup &lookup, QSet<QString> *usedNames) const
{
    Scanner scanner(word, m_escape, m_rawQuotes, m_rawEscapes, m_skipUnsetEnv, lookup, usedNames);
    auto result = scanner.processStopOn(Scanner::Eof, m_rawEscapes);
    if (!result)
        return std::unexpected(processError(word, result.error()));
    return result->first;
}

Result<QStringList> ShellLexer::processWords(QStringView word, const VariableLookup &lookup) const
{
    Scanner scanner(word, m_escape, m_rawQuotes, m_rawEscapes, m_skipUnsetEnv, lookup, nullptr);
    auto result = scanner.processStopOn(Scanner::Eof, m_rawEscapes);
    if (!result)
        return std::unexpected(processError(word, result.error()));
    return result->second;
}

VariableLookup ShellLexer::lookupFromList(const QStringList &env)
{
    QHash<QString, QString> map;
    for (const QString &entry : env) {
        const qsizetype eq = entry.indexOf(u'=');
        if (eq < 0)
            map.insert(entry, QString());
        else
            map.insert(entry.left(eq), entry.mid(eq + 1));
    }
    return lookupFromHash(map);
}

VariableLookup ShellLexer::lookupFromHash(const QHash<QString, QString> &env)
{
    return [env](const QString &name) -> std::optional<QString> {
        const auto it = env.constFind(name);
        if (it == env.constEnd())
            return std::nullopt;
        return *it;
    };
}

bool shellPatternMatches(QStringView pattern, QStringView text, QChar escape)
{
    return matchTokens(compilePattern(pattern, escape), text);
}

} // namespace Berth::Dockerfile
