#pragma once

#include <base/result.h>

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace Berth::Dockerfile {

// Looks a variable up; nullopt when it is not set (an empty value is set).
using VariableLookup = std::function<std::optional<QString>(const QString &name)>;

// docker's word processor for Dockerfile arguments (BuildKit's shell.Lex,
// which dockerd's classic builder uses too): quote removal, the escape
// character, and variable substitution with $VAR, ${VAR}, ${VAR:-w},
// ${VAR-w}, ${VAR:+w}, ${VAR+w}, ${VAR:?w}, ${VAR?w}, ${VAR#p}, ${VAR##p},
// ${VAR%p}, ${VAR%%p}, ${VAR/p/r} and ${VAR//p/r}. It does no command
// substitution, globbing or arithmetic: those belong to the shell that RUN starts.
class ShellLexer
{
public:
    explicit ShellLexer(QChar escapeToken = u'\\');

    // Keep quotes / escape characters in the output (the parser uses this
    // to find heredoc words without changing them).
    void setRawQuotes(bool raw) { m_rawQuotes = raw; }
    void setRawEscapes(bool raw) { m_rawEscapes = raw; }
    // Leave unset variables as written instead of substituting "".
    void setSkipUnsetEnv(bool skip) { m_skipUnsetEnv = skip; }

    // One word: ENV values, COPY paths, WORKDIR, USER, ... Errors carry
    // docker's text: failed to process "${a": syntax error: missing '}'.
    Result<QString> processWord(QStringView word, const VariableLookup &lookup) const;
    // Several words split on unquoted whitespace (EXPOSE $PORTS).
    Result<QStringList> processWords(QStringView word, const VariableLookup &lookup) const;
    // processWord, also reporting which variable names were looked up.
    Result<QString> processWord(QStringView word, const VariableLookup &lookup, QSet<QString> *usedNames) const;

    // Nesting depth of ${...} inside ${...} after which processing stops
    // with an error instead of recursing further.
    static constexpr int maxNesting = 256;

    // Lookup over "KEY=VALUE" entries; the last entry for a key wins.
    static VariableLookup lookupFromList(const QStringList &env);
    static VariableLookup lookupFromHash(const QHash<QString, QString> &env);

private:
    QChar m_escape;
    bool m_rawQuotes = false;
    bool m_rawEscapes = false;
    bool m_skipUnsetEnv = false;
};

// Shell pattern matching for ${VAR#p} and friends: *, ?, [...] and the escape character.
bool shellPatternMatches(QStringView pattern, QStringView text, QChar escape = u'\\');

} // namespace Berth::Dockerfile
