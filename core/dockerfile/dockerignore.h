#pragma once

#include <base/result.h>

#include <QByteArrayView>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace Berth::Dockerfile {

// The .dockerignore file and its matcher, with the semantics of the docker
// CLI (moby/patternmatcher and its ignorefile reader): Go filepath.Match
// wildcards (* ? [...] and \ escapes) plus "**" for any number of
// directories, "!" exceptions where the last matching line wins, a leading
// "/" ignored, patterns and paths cleaned like Go's filepath.Clean, and a
// path excluded when it or any of its parent directories matches.
class DockerIgnore
{
public:
    struct Pattern
    {
        QString pattern;     // cleaned, without the "!"
        bool exclusion = false;
        int line = 0;        // 1-based line in the file; 0 when given directly
    };

    DockerIgnore() = default;

    // Reads a .dockerignore file: # comments, blank lines, a UTF-8 BOM.
    // A malformed pattern is an error naming its line.
    static Result<DockerIgnore> parse(QByteArrayView bytes);
    // Patterns as docker's PatternMatcher takes them ("!keep", "**/*.o").
    static Result<DockerIgnore> fromPatterns(const QStringList &patterns);

    const QList<Pattern> &patterns() const { return m_patterns; }
    bool hasExclusions() const { return m_hasExclusions; }
    bool isEmpty() const { return m_patterns.isEmpty(); }

    // True when path (relative to the context, "/" separated) is left out of
    // the build context: MatchesOrParentMatches.
    bool isExcluded(QStringView path) const;

    // For the context walker: an excluded directory can be skipped whole
    // unless an exception pattern might re-include something below it.
    // Conservative: true whenever an exception could match under dir.
    bool mayContainReincluded(QStringView dir) const;

private:
    struct Compiled
    {
        enum Type { Exact, Prefix, Suffix, Regexp } type = Exact;
        QRegularExpression regexp;
    };

    static Result<DockerIgnore> build(const QList<Pattern> &patterns);
    bool patternMatches(qsizetype index, const QString &path) const;

    QList<Pattern> m_patterns;
    QList<Compiled> m_compiled;
    bool m_hasExclusions = false;
};

// Go's filepath.Match syntax check: false for ErrBadPattern.
bool isValidGoPattern(QStringView pattern);
// Go's filepath.Match for one path (no "**"): * and ? stop at "/".
bool goPathMatch(QStringView pattern, QStringView name);

} // namespace Berth::Dockerfile
