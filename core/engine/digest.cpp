#include "digest.h"

#include "sha256hasher.h"

namespace Berth::Engine {

bool Digest::isValidHex(QStringView hex)
{
    if (hex.size() != 64)
        return false;
    for (QChar c : hex) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f')))
            return false;
    }
    return true;
}

Result<Digest> Digest::parse(QStringView text)
{
    const qsizetype colon = text.indexOf(u':');
    if (colon <= 0 || colon == text.size() - 1)
        return fail(ErrorCode::InvalidArgument, "invalid checksum digest format");
    const QStringView algo = text.left(colon);
    const QStringView hex = text.mid(colon + 1);
    if (algo != u"sha256")
        return fail(ErrorCode::InvalidArgument, "unsupported digest algorithm");
    if (hex.size() != 64)
        return fail(ErrorCode::InvalidArgument, "invalid checksum digest length");
    if (!isValidHex(hex))
        return fail(ErrorCode::InvalidArgument, "invalid checksum digest format");
    return Digest(hex.toString());
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
