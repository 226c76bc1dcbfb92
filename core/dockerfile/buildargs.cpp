#include "buildargs.h"

#include "gotext.h"

#include <algorithm>

namespace Berth::Dockerfile {

namespace {

const QStringList &builtins()
{
    static const QStringList list{
        QStringLiteral("HTTP_PROXY"), QStringLiteral("http_proxy"),   QStringLiteral("HTTPS_PROXY"),
        QStringLiteral("https_proxy"), QStringLiteral("FTP_PROXY"),   QStringLiteral("ftp_proxy"),
        QStringLiteral("NO_PROXY"),    QStringLiteral("no_proxy"),    QStringLiteral("ALL_PROXY"),
        QStringLiteral("all_proxy")};
    return list;
}

} // namespace

BuildArgs::BuildArgs(const QHash<QString, std::optional<QString>> &fromOptions)
    : m_options(fromOptions)
{}

bool BuildArgs::isBuiltin(QStringView key)
{
    for (const QString &b : builtins()) {
        if (b == key)
            return true;
    }
    return false;
}

void BuildArgs::addMetaArg(const QString &key, const std::optional<QString> &value)
{
    m_meta.insert(key, value);
}

void BuildArgs::addArg(const QString &key, const std::optional<QString> &value)
{
    m_allowed.insert(key, value);
    m_referenced.insert(key);
}

void BuildArgs::resetAllowed()
{
    m_allowed.clear();
}

QHash<QString, QString> BuildArgs::allFrom(const QHash<QString, std::optional<QString>> &mapping) const
{
    QHash<QString, QString> out;
    QStringList keys = mapping.keys();
    keys += builtins();
    for (const QString &key : std::as_const(keys)) {
        // getBuildArg: an option wins; a declaration without a value takes
        // the global ARG's value; a builtin needs an option to have a value.
        const auto option = m_options.constFind(key);
        if (option != m_options.constEnd() && option->has_value()) {
            out.insert(key, **option);
            continue;
        }
        const auto it = mapping.constFind(key);
        if (it != mapping.constEnd() && it->has_value()) {
            out.insert(key, **it);
            continue;
        }
        const auto meta = m_meta.constFind(key);
        if (meta != m_meta.constEnd() && meta->has_value())
            out.insert(key, **meta);
    }
    return out;
}

QHash<QString, QString> BuildArgs::allMeta() const
{
    return allFrom(m_meta);
}

QHash<QString, QString> BuildArgs::allAllowed() const
{
    return allFrom(m_allowed);
}

QStringList BuildArgs::filterAllowed(const QStringList &env) const
{
    QSet<QString> envKeys;
    for (const QString &e : env)
        envKeys.insert(e.section(u'=', 0, 0));
    QStringList out;
    const QHash<QString, QString> allowed = allAllowed();
    for (auto it = allowed.cbegin(); it != allowed.cend(); ++it) {
        if (!envKeys.contains(it.key()))
            out.append(it.key() + u'=' + it.value());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool BuildArgs::isReferencedOrNotBuiltin(const QString &key) const
{
    return m_allowed.contains(key) || !isBuiltin(key);
}

QStringList BuildArgs::unconsumedOptions() const
{
    QStringList out;
    for (auto it = m_options.cbegin(); it != m_options.cend(); ++it) {
        if (!m_referenced.contains(it.key()) && !isBuiltin(it.key()))
            out.append(it.key());
    }
    std::sort(out.begin(), out.end());
    return out;
}

QString BuildArgs::unconsumedWarning(const QStringList &keys)
{
    return QStringLiteral("[Warning] One or more build-args %1 were not consumed").arg(GoText::plainList(keys));
}

} // namespace Berth::Dockerfile
