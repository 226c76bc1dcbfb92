#pragma once

#include <base/result.h>

#include <QMap>
#include <QString>
#include <QStringList>

namespace Berth::Daemon {

// The `filters` query parameter: URL-decoded JSON in either the current form
// {"key":{"value":true}} or the older {"key":["value"]} (engine-api.md 3).
// Matching follows moby's filters.Args.
class Filters
{
public:
    // An empty string gives empty filters.
    static Result<Filters> fromJson(const QString &json);

    // 400 `invalid filter 'x'` for the first key not in `accepted`.
    Status validate(const QStringList &accepted) const;

    bool isEmpty() const { return m_values.isEmpty(); }
    bool contains(const QString &key) const { return m_values.contains(key); }
    QStringList keys() const { return m_values.keys(); }
    QStringList values(const QString &key) const { return m_values.value(key); }
    void add(const QString &key, const QString &value);

    // True when the key is absent, or `value` is one of its values.
    bool exactMatch(const QString &key, const QString &value) const;
    // True when the key is absent, or a value equals `value` or is a prefix of it.
    bool fuzzyMatch(const QString &key, const QString &value) const;
    // "k" / "k=v" values (labels): true when every one matches the attributes.
    bool matchKeyValues(const QString &key, const QMap<QString, QString> &attributes) const;

private:
    QMap<QString, QStringList> m_values;
};

} // namespace Berth::Daemon
