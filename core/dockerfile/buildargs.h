#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace Berth::Dockerfile {

// The build arguments of one build, with dockerd's classic-builder rules
// (builder/dockerfile/buildargs.go): --build-arg values override ARG
// defaults; an ARG is usable in a stage only once the stage declares it
// (re-declaring a global ARG without a value takes the global value); the
// proxy variables are allowed without a declaration and stay out of the
// image history unless declared.
class BuildArgs
{
public:
    BuildArgs() = default;
    // --build-arg KEY=VALUE (value) and --build-arg KEY with KEY unset in the
    // client's environment (nullopt).
    explicit BuildArgs(const QHash<QString, std::optional<QString>> &fromOptions);

    static bool isBuiltin(QStringView key);

    // A global ARG (before the first FROM), its default already expanded.
    void addMetaArg(const QString &key, const std::optional<QString> &value);
    // An ARG inside the current stage.
    void addArg(const QString &key, const std::optional<QString> &value);
    // A new stage starts: nothing declared yet (meta args and options stay).
    void resetAllowed();

    // Values visible to FROM lines: the global ARGs, overridden by options.
    QHash<QString, QString> allMeta() const;
    // Values declared in the current stage (plus the proxy options).
    QHash<QString, QString> allAllowed() const;
    // allAllowed() as sorted KEY=VALUE entries, leaving out the keys that
    // env (KEY=VALUE entries, ENV wins over ARG) already sets.
    QStringList filterAllowed(const QStringList &env) const;
    bool isReferencedOrNotBuiltin(const QString &key) const;
    bool isDeclared(const QString &key) const { return m_allowed.contains(key); }

    // Options no ARG of the whole build declared, sorted: dockerd warns
    // "[Warning] One or more build-args [a b] were not consumed".
    QStringList unconsumedOptions() const;
    static QString unconsumedWarning(const QStringList &keys);

private:
    QHash<QString, QString> allFrom(const QHash<QString, std::optional<QString>> &mapping) const;

    QHash<QString, std::optional<QString>> m_options;
    QHash<QString, std::optional<QString>> m_allowed;
    QHash<QString, std::optional<QString>> m_meta;
    QSet<QString> m_referenced;
};

} // namespace Berth::Dockerfile
