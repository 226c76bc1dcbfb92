#include "filters.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Berth::Daemon {

Result<Filters> Filters::fromJson(const QString &json)
{
    Filters f;
    if (json.trimmed().isEmpty())
        return f;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return fail(ErrorCode::InvalidArgument, "invalid filter: the filters parameter is not a JSON object");
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QJsonValue v = it.value();
        if (v.isObject()) {
            const QJsonObject inner = v.toObject();
            for (auto jt = inner.begin(); jt != inner.end(); ++jt)
                f.add(it.key(), jt.key());
        } else if (v.isArray()) {
            const QJsonArray arr = v.toArray();
            for (const QJsonValue &item : arr) {
                if (!item.isString())
                    return fail(ErrorCode::InvalidArgument, "invalid filter '" + it.key().toStdString() + "'");
                f.add(it.key(), item.toString());
            }
        } else {
            return fail(ErrorCode::InvalidArgument, "invalid filter '" + it.key().toStdString() + "'");
        }
        // A key given with no values still counts as present.
        if (!f.m_values.contains(it.key()))
            f.m_values.insert(it.key(), {});
    }
    return f;
}

void Filters::add(const QString &key, const QString &value)
{
    QStringList &list = m_values[key];
    if (!list.contains(value))
        list.append(value);
}

Status Filters::validate(const QStringList &accepted) const
{
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it) {
        if (!accepted.contains(it.key()))
            return fail(ErrorCode::InvalidArgument, "invalid filter '" + it.key().toStdString() + "'");
    }
    return {};
}

bool Filters::exactMatch(const QString &key, const QString &value) const
{
    const auto it = m_values.constFind(key);
    if (it == m_values.cend() || it->isEmpty())
        return true;
    return it->contains(value);
}

bool Filters::fuzzyMatch(const QString &key, const QString &value) const
{
    const auto it = m_values.constFind(key);
    if (it == m_values.cend() || it->isEmpty())
        return true;
    for (const QString &v : *it) {
        if (value.startsWith(v))
            return true;
    }
    return false;
}

bool Filters::matchKeyValues(const QString &key, const QMap<QString, QString> &attributes) const
{
    const auto it = m_values.constFind(key);
    if (it == m_values.cend())
        return true;
    for (const QString &v : *it) {
        const qsizetype eq = v.indexOf(QLatin1Char('='));
        const QString k = eq < 0 ? v : v.left(eq);
        if (!attributes.contains(k))
            return false;
        if (eq >= 0 && attributes.value(k) != v.mid(eq + 1))
            return false;
    }
    return true;
}

} // namespace Berth::Daemon
