#include "digestformat.h"

namespace Berth::Common {

namespace {

bool isLowerHex(QStringView hex)
{
    for (QChar c : hex) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f')))
            return false;
    }
    return true;
}

// The hex length of an algorithm's digest, or 0 when it is not accepted.
qsizetype hexLength(QStringView algorithm, DigestAlgorithms algorithms)
{
    if (algorithm == u"sha256")
        return 64;
    if (algorithms == DigestAlgorithms::Registered) {
        if (algorithm == u"sha384")
            return 96;
        if (algorithm == u"sha512")
            return 128;
    }
    return 0;
}

} // namespace

bool isSha256Hex(QStringView hex)
{
    return hex.size() == 64 && isLowerHex(hex);
}

Status validateDigest(QStringView text, DigestAlgorithms algorithms)
{
    const qsizetype colon = text.indexOf(u':');
    if (colon <= 0 || colon == text.size() - 1)
        return fail(ErrorCode::InvalidArgument, "invalid checksum digest format");
    const QStringView hex = text.mid(colon + 1);
    const qsizetype length = hexLength(text.left(colon), algorithms);
    if (length == 0)
        return fail(ErrorCode::InvalidArgument, "unsupported digest algorithm");
    if (hex.size() != length)
        return fail(ErrorCode::InvalidArgument, "invalid checksum digest length");
    if (!isLowerHex(hex))
        return fail(ErrorCode::InvalidArgument, "invalid checksum digest format");
    return {};
}

} // namespace Berth::Common
