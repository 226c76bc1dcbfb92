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
    // the build context, judged on its own: MatchesOrParentMatches.
    bool isExcluded(QStringView path) const;

    // What a directory's verdict tells its children (which patterns matched
    // it). Default-constructed: nothing known about the parent.
    struct MatchInfo
    {
        QList<bool> parentMatched;
    };
    // The docker CLI's context walker decides with this one
    // (MatchesUsingParentResults): each pattern that matched the parent
    // directory counts as matching the child. Walk parents first and pass
    // each directory's info to its entries. Note that an exception for a
    // directory does not re-include files that a later-matching pattern
    // excludes, unlike isExcluded().
    bool isExcluded(QStringView path, const MatchInfo &parent, MatchInfo *info) const;

    // For an excluded directory: whether the walker must still descend into
    // it. docker's rule: only when some exception pattern, followed by "/",
    // starts with "<dir>/" (so "!**/keep" does not rescue files under an
    // excluded directory, exactly as with docker build).
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
