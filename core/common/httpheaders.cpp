#include "httpheaders.h"

namespace Berth::Common {

static bool sameName(const QByteArray &a, const QByteArray &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

void HttpHeaders::set(const QByteArray &name, const QByteArray &value)
{
    remove(name);
    add(name, value);
}

void HttpHeaders::remove(const QByteArray &name)
{
    m_fields.removeIf([&](const Field &f) { return sameName(f.first, name); });
}

bool HttpHeaders::contains(const QByteArray &name) const
{
    for (const Field &f : m_fields) {
        if (sameName(f.first, name))
            return true;
    }
    return false;
}

QByteArray HttpHeaders::value(const QByteArray &name) const
{
    for (const Field &f : m_fields) {
        if (sameName(f.first, name))
            return f.second;
    }
    return {};
}

bool HttpHeaders::hasToken(const QByteArray &name, const QByteArray &token) const
{
    for (const Field &f : m_fields) {
        if (!sameName(f.first, name))
            continue;
        const QList<QByteArray> parts = f.second.split(',');
        for (const QByteArray &part : parts) {
            if (sameName(part.trimmed(), token))
                return true;
        }
    }
    return false;
}

QByteArray HttpHeaders::serialize() const
{
    QByteArray out;
    for (const Field &f : m_fields) {
        out += f.first;
        out += ": ";
        out += f.second;
        out += "\r\n";
    }
    return out;
}

} // namespace Berth::Common
