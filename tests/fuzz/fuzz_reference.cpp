// Fuzz target for image references (security-checklist.md 3: "image
// reference parsing (name:tag@digest)"): every parser in both dialects on the
// input as UTF-8; whatever parses must print to a string that parses back to
// the same reference, and the familiar form must parse to it too.

#include "fuzzcheck.h"

#include <common/reference.h>

#include <QString>

#include <cstdint>

using Berth::Common::Reference;
using Berth::Fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const Reference::Dialect dialect : {Reference::Dialect::Berthd, Reference::Dialect::DockerCli}) {
        if (const auto ref = Reference::parseNormalized(text, dialect)) {
            check(ref->isValid(), "a parsed reference has a path");
            check(!ref->domain().isEmpty(), "a normalised reference has a domain");
            const auto again = Reference::parseNormalized(ref->toString(), dialect);
            check(again.has_value(), "toString() parses again");
            check(*again == *ref, "toString() round-trips");
            const auto familiar = Reference::parseNormalized(ref->familiarString(), dialect);
            check(familiar.has_value() && *familiar == *ref, "familiarString() round-trips");
            if (ref->hasTag())
                check(Reference::isValidTag(ref->tag()), "a parsed tag is a valid tag");
            const Reference tagged = ref->withDefaultTag();
            check(tagged.hasTag() || tagged.hasDigest(), "withDefaultTag() names a tag or digest");
        } else {
            check(!ref.error().message().empty(), "a refusal says why");
        }
        if (const auto withTag = Reference::parseNormalizedWithDefaultTag(text, dialect))
            check(withTag->hasTag() || withTag->hasDigest(), "the default tag is added");
        if (const auto any = Reference::parseAny(text, dialect))
            check(any->isId() || any->isValid(), "parseAny gives an ID or a name");
    }
    return 0;
}
