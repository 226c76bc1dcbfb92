#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace Berth::Common {

// HTTP header fields in arrival order, looked up case-insensitively.
class HttpHeaders
{
public:
    using Field = QPair<QByteArray, QByteArray>;

    void add(const QByteArray &name, const QByteArray &value) { m_fields.append({name, value}); }
    // Replaces every field of that name with one.
    void set(const QByteArray &name, const QByteArray &value);
    void remove(const QByteArray &name);

    bool contains(const QByteArray &name) const;
    // The first value of that name, or an empty array.
    QByteArray value(const QByteArray &name) const;
    // True when a comma-separated header holds the token (Connection: keep-alive, Upgrade).
    bool hasToken(const QByteArray &name, const QByteArray &token) const;

    const QList<Field> &fields() const { return m_fields; }
    bool isEmpty() const { return m_fields.isEmpty(); }
    void clear() { m_fields.clear(); }

    // "Name: value\r\n" for each field.
    QByteArray serialize() const;

private:
    QList<Field> m_fields;
};

} // namespace Berth::Common
