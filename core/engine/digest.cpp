#include "digest.h"

#include "sha256hasher.h"

#include <common/digestformat.h>

namespace Berth::Engine {

bool Digest::isValidHex(QStringView hex)
{
    return Common::isSha256Hex(hex);
}

Result<Digest> Digest::parse(QStringView text)
{
    if (auto valid = Common::validateDigest(text, Common::DigestAlgorithms::Sha256); !valid)
        return std::unexpected(valid.error());
    return Digest(text.mid(text.indexOf(u':') + 1).toString());
}

Result<Digest> Digest::parseLenient(QStringView text)
{
    if (text.size() == 64 && isValidHex(text))
        return Digest(text.toString());
    return parse(text);
}

Digest Digest::fromHex(const QString &hex)
{
    if (!isValidHex(hex))
        return Digest();
    return Digest(hex);
}

Digest Digest::ofData(QByteArrayView data)
{
    Sha256Hasher h;
    h.addData(data);
    return h.finish();
}

} // namespace Berth::Engine
