#pragma once

#include <base/result.h>

#include <QByteArrayView>
#include <QHashFunctions>
#include <QString>

namespace Berth::Engine {

// A content digest in its canonical form "sha256:<64 lowercase hex>".
// Only sha256 is supported (the OCI and Docker default).
class Digest
{
public:
    Digest() = default;

    // Parses "sha256:<hex>"; anything else is an InvalidArgument error with
    // go-digest's wording ("invalid checksum digest format", ...).
    static Result<Digest> parse(QStringView text);
    // Accepts a bare 64-hex string as well as the prefixed form.
    static Result<Digest> parseLenient(QStringView text);
    static Digest fromHex(const QString &hex); // hex must already be valid
    static bool isValidHex(QStringView hex);

    // The sha256 of a byte buffer (one shot; see Sha256Hasher for streams).
    static Digest ofData(QByteArrayView data);

    bool isValid() const { return !m_hex.isEmpty(); }
    QString algorithm() const { return QStringLiteral("sha256"); }
    const QString &hex() const { return m_hex; }
    QString toString() const { return isValid() ? QStringLiteral("sha256:") + m_hex : QString(); }
    // The first 12 hex characters, as the CLI shows IDs.
    QString shortHex() const { return m_hex.left(12); }

    friend bool operator==(const Digest &a, const Digest &b) { return a.m_hex == b.m_hex; }
    friend bool operator!=(const Digest &a, const Digest &b) { return a.m_hex != b.m_hex; }
    friend bool operator<(const Digest &a, const Digest &b) { return a.m_hex < b.m_hex; }

private:
    explicit Digest(QString hex) : m_hex(std::move(hex)) {}
    QString m_hex;
};

inline size_t qHash(const Digest &d, size_t seed = 0) { return qHash(d.hex(), seed); }

} // namespace Berth::Engine
