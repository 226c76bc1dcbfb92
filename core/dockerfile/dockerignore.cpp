#include "dockerignore.h"

#include "gotext.h"

namespace Berth::Dockerfile {

namespace {

// filepath.Match's getEsc: one character of a [...] class.
bool takeClassChar(QStringView &chunk, QChar &out)
{
    if (chunk.isEmpty() || chunk.front() == u'-' || chunk.front() == u']')
        return false;
    if (chunk.front() == u'\\') {
        chunk = chunk.mid(1);
        if (chunk.isEmpty())
            return false;
    }
    out = chunk.front();
    chunk = chunk.mid(1);
    return true;
}

// Matches one chunk (no *) at the start of s; returns the rest of s.
// Syntax errors are reported even when the match already failed.
bool matchChunk(QStringView chunk, QStringView s, QStringView &rest, bool &bad)
{
    bool failed = false;
    while (!chunk.isEmpty()) {
        if (!failed && s.isEmpty())
            failed = true;
        const QChar c = chunk.front();
        if (c == u'[') {
            QChar r;
            if (!failed) {
                r = s.front();
                s = s.mid(1);
            }
            chunk = chunk.mid(1);
            bool negated = false;
            if (!chunk.isEmpty() && chunk.front() == u'^') {
                negated = true;
                chunk = chunk.mid(1);
            }
            bool match = false;
            int nrange = 0;
            for (;;) {
                if (!chunk.isEmpty() && chunk.front() == u']' && nrange > 0) {
                    chunk = chunk.mid(1);
                    break;
                }
                QChar lo, hi;
                if (!takeClassChar(chunk, lo)) {
                    bad = true;
                    return false;
                }
                hi = lo;
                if (!chunk.isEmpty() && chunk.front() == u'-') {
                    chunk = chunk.mid(1);
                    if (!takeClassChar(chunk, hi)) {
                        bad = true;
                        return false;
                    }
                }
                if (lo <= r && r <= hi)
                    match = true;
                ++nrange;
            }
            if (match == negated)
                failed = true;
        } else if (c == u'?') {
            if (!failed) {
                if (s.front() == u'/')
                    failed = true;
                s = s.mid(1);
            }
            chunk = chunk.mid(1);
        } else if (c == u'\\') {
            chunk = chunk.mid(1);
            if (chunk.isEmpty()) {
                bad = true;
                return false;
            }
            if (!failed) {
                if (chunk.front() != s.front())
                    failed = true;
                s = s.mid(1);
            }
            chunk = chunk.mid(1);
        } else {
            if (!failed) {
                if (c != s.front())
                    failed = true;
                s = s.mid(1);
            }
            chunk = chunk.mid(1);
        }
    }
    if (failed)
        return false;
    rest = s;
    return true;
}

void scanChunk(QStringView &pattern, bool &star, QStringView &chunk)
{
    star = false;
    while (!pattern.isEmpty() && pattern.front() == u'*') {
        pattern = pattern.mid(1);
        star = true;
    }
    bool inRange = false;
    qsizetype i = 0;
    for (; i < pattern.size(); ++i) {
        const QChar c = pattern[i];
        if (c == u'\\') {
            if (i + 1 < pattern.size())
                ++i;
        } else if (c == u'[') {
            inRange = true;
        } else if (c == u']') {
            inRange = false;
        } else if (c == u'*' && !inRange) {
            break;
        }
    }
    chunk = pattern.left(i);
    pattern = pattern.mid(i);
}

// Go's filepath.Match, error included.
bool goMatch(QStringView pattern, QStringView name, bool &bad)
{
    bad = false;
    while (!pattern.isEmpty()) {
        bool star = false;
        QStringView chunk;
        scanChunk(pattern, star, chunk);
        if (star && chunk.isEmpty())
            return !name.contains(u'/');
        QStringView t;
        bool ok = matchChunk(chunk, name, t, bad);
        if (bad)
            return false;
        if (ok && (t.isEmpty() || !pattern.isEmpty())) {
            name = t;
            continue;
        }
        bool matched = false;
        if (star) {
            for (qsizetype i = 0; i < name.size() && name[i] != u'/'; ++i) {
                QStringView t2;
                ok = matchChunk(chunk, name.mid(i + 1), t2, bad);
                if (bad)
                    return false;
                if (ok) {
                    if (pattern.isEmpty() && !t2.isEmpty())
                        continue;
                    name = t2;
                    matched = true;
                    break;
                }
            }
        }
        if (matched)
            continue;
        // Check the rest of the pattern's syntax before saying no.
        while (!pattern.isEmpty()) {
            scanChunk(pattern, star, chunk);
            QStringView ignored;
            matchChunk(chunk, QStringView(), ignored, bad);
            if (bad)
                return false;
        }
        return false;
    }
    return name.isEmpty();
}

bool shouldEscape(QChar c)
{
    return c == u'.' || c == u'+' || c == u'(' || c == u')' || c == u'|' || c == u'{' || c == u'}' || c == u'$';
}

QString cleanRelative(QStringView path)
{
    QString p = GoText::cleanPath(path);
    while (p.size() > 1 && p.startsWith(u'/'))
        p.remove(0, 1);
    return p;
}

} // namespace

bool isValidGoPattern(QStringView pattern)
{
    bool bad = false;
    goMatch(pattern, u".", bad);
    return !bad;
}

bool goPathMatch(QStringView pattern, QStringView name)
{
    bool bad = false;
    return goMatch(pattern, name, bad) && !bad;
}

Result<DockerIgnore> DockerIgnore::parse(QByteArrayView bytes)
{
    QList<Pattern> patterns;
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes = bytes.sliced(3);
    const QString text = QString::fromUtf8(bytes);
    const QStringList lines = text.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QString line = lines[i];
        if (line.endsWith(u'\r'))
            line.chop(1);
        if (line.startsWith(u'#'))
            continue;
        QString pattern = line.trimmed();
        if (pattern.isEmpty())
            continue;
        const bool invert = pattern.front() == u'!';
        if (invert)
            pattern = pattern.mid(1).trimmed();
        if (!pattern.isEmpty()) {
            pattern = GoText::cleanPath(pattern);
            if (pattern.size() > 1 && pattern.front() == u'/')
                pattern.remove(0, 1);
        }
        if (invert && pattern.isEmpty()) {
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral(".dockerignore line %1: illegal exclusion pattern: \"!\"").arg(i + 1).toStdString());
        }
        patterns.append({pattern, invert, int(i + 1)});
    }
    return build(patterns);
}

Result<DockerIgnore> DockerIgnore::fromPatterns(const QStringList &input)
{
    QList<Pattern> patterns;
    for (const QString &raw : input) {
        QString p = raw.trimmed();
        if (p.isEmpty())
            continue;
        p = GoText::cleanPath(p);
        Pattern pattern;
        if (p.front() == u'!') {
            if (p.size() == 1)
                return fail(ErrorCode::InvalidArgument, "illegal exclusion pattern: \"!\"");
            pattern.exclusion = true;
            p.remove(0, 1);
        }
        pattern.pattern = p;
        patterns.append(pattern);
    }
    return build(patterns);
}

Result<DockerIgnore> DockerIgnore::build(const QList<Pattern> &patterns)
{
    DockerIgnore out;
    for (const Pattern &p : patterns) {
        if (!isValidGoPattern(p.pattern)) {
            const QString where = p.line > 0 ? QStringLiteral(".dockerignore line %1: ").arg(p.line) : QString();
            return fail(ErrorCode::InvalidArgument,
                        QString(where + u"syntax error in pattern " + GoText::quote(p.pattern)).toStdString());
        }
        // patternmatcher's compile: the pattern becomes an exact, prefix,
        // suffix or regular-expression match.
        Compiled c;
        QString re = QStringLiteral("^");
        const QString &pat = p.pattern;
        for (qsizetype i = 0; i < pat.size(); ++i) {
            const QChar ch = pat[i];
            if (ch == u'*') {
                if (i + 1 < pat.size() && pat[i + 1] == u'*') {
                    ++i;
                    if (i + 1 < pat.size() && pat[i + 1] == u'/')
                        ++i;
                    if (i + 1 >= pat.size()) {
                        if (c.type == Compiled::Exact) {
                            c.type = Compiled::Prefix;
                        } else {
                            re += u".*";
                            c.type = Compiled::Regexp;
                        }
                    } else {
                        // "**/**/" means the same as "**/"; repeating the group
                        // would only make the backtracking matcher slower.
                        if (!re.endsWith(u"(.*/)?"))
                            re += u"(.*/)?";
                        c.type = Compiled::Regexp;
                    }
                    if (i <= 2 && pat.startsWith(u"**"))
                        c.type = Compiled::Suffix;
                } else {
                    re += u"[^/]*";
                    c.type = Compiled::Regexp;
                }
            } else if (ch == u'?') {
                re += u"[^/]";
                c.type = Compiled::Regexp;
            } else if (shouldEscape(ch)) {
                re += u'\\';
                re += ch;
            } else if (ch == u'\\') {
                if (i + 1 < pat.size()) {
                    re += u'\\';
                    re += pat[++i];
                    c.type = Compiled::Regexp;
                } else {
                    re += u'\\';
                }
            } else if (ch == u'[' || ch == u']') {
                re += ch;
                c.type = Compiled::Regexp;
            } else {
                re += ch;
            }
        }
        if (c.type == Compiled::Regexp) {
            re += u'$';
            c.regexp = QRegularExpression(re, QRegularExpression::DotMatchesEverythingOption);
            if (!c.regexp.isValid()) {
                return fail(ErrorCode::InvalidArgument,
                            QString(u"syntax error in pattern " + GoText::quote(p.pattern)).toStdString());
            }
        }
        out.m_patterns.append(p);
        out.m_compiled.append(c);
        out.m_hasExclusions = out.m_hasExclusions || p.exclusion;
    }
    return out;
}

bool DockerIgnore::patternMatches(qsizetype index, const QString &path) const
{
    const Compiled &c = m_compiled[index];
    const QString &pat = m_patterns[index].pattern;
    switch (c.type) {
    case Compiled::Exact:
        return path == pat;
    case Compiled::Prefix:
        return path.startsWith(QStringView(pat).chopped(2));
    case Compiled::Suffix: {
        const QStringView suffix = QStringView(pat).mid(2);
        if (path.endsWith(suffix))
            return true;
        return !suffix.isEmpty() && suffix.front() == u'/' && path == suffix.mid(1);
    }
    case Compiled::Regexp:
        return c.regexp.match(path).hasMatch();
    }
    return false;
}

bool DockerIgnore::isExcluded(QStringView rawPath) const
{
    const QString path = cleanRelative(rawPath);
    const qsizetype slash = path.lastIndexOf(u'/');
    const QString parent = slash < 0 ? QStringLiteral(".") : path.left(slash);
    const QStringList parentDirs = parent.split(u'/');
    bool matched = false;
    for (qsizetype i = 0; i < m_patterns.size(); ++i) {
        if (m_patterns[i].exclusion != matched)
            continue;
        bool match = patternMatches(i, path);
        if (!match && parent != u".") {
            QString prefix;
            for (qsizetype d = 0; d < parentDirs.size() && !match; ++d) {
                prefix = d == 0 ? parentDirs[0] : prefix + u'/' + parentDirs[d];
                match = patternMatches(i, prefix);
            }
        }
        if (match)
            matched = !m_patterns[i].exclusion;
    }
    return matched;
}

bool DockerIgnore::isExcluded(QStringView rawPath, const MatchInfo &parent, MatchInfo *info) const
{
    const QString path = cleanRelative(rawPath);
    const bool haveParent = parent.parentMatched.size() == m_patterns.size() && !m_patterns.isEmpty();
    MatchInfo out;
    out.parentMatched.fill(false, m_patterns.size());
    bool matched = false;
    for (qsizetype i = 0; i < m_patterns.size(); ++i) {
        bool match = haveParent && parent.parentMatched[i];
        if (!match) {
            if (m_patterns[i].exclusion != matched)
                continue;
            match = patternMatches(i, path);
            if (!match && !haveParent) {
                const qsizetype slash = path.lastIndexOf(u'/');
                if (slash > 0) {
                    const QStringList dirs = path.left(slash).split(u'/');
                    QString prefix;
                    for (qsizetype d = 0; d < dirs.size() && !match; ++d) {
                        prefix = d == 0 ? dirs[0] : prefix + u'/' + dirs[d];
                        match = patternMatches(i, prefix);
                    }
                }
            }
        }
        out.parentMatched[i] = match;
        if (match)
            matched = !m_patterns[i].exclusion;
    }
    if (info)
        *info = std::move(out);
    return matched;
}

bool DockerIgnore::mayContainReincluded(QStringView rawDir) const
{
    if (!m_hasExclusions)
        return false;
    const QString dirSlash = cleanRelative(rawDir) + u'/';
    for (const Pattern &p : m_patterns) {
        if (p.exclusion && QString(p.pattern + u'/').startsWith(dirSlash))
            return true;
    }
    return false;
}

} // namespace Berth::Dockerfile
