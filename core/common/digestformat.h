#pragma once

#include <base/result.h>

#include <QStringView>

namespace Berth::Common {

// Which digest algorithms validateDigest() accepts.
enum class DigestAlgorithms {
    Sha256,    // what berthd stores: the OCI and Docker default
    Registered // go-digest's registered set: sha256, sha384 and sha512
};

// 64 lowercase hex digits, the form docker prints a sha256 in.
bool isSha256Hex(QStringView hex);

// go-digest's Digest.Validate for "<algorithm>:<hex>", with its wording:
// "invalid checksum digest format", "unsupported digest algorithm",
// "invalid checksum digest length". The hex must be lowercase.
Status validateDigest(QStringView text, DigestAlgorithms algorithms = DigestAlgorithms::Sha256);

} // namespace Berth::Common
