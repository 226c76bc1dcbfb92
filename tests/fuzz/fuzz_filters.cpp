// Fuzz target for the `filters` query parameter (security-checklist.md 3:
// "the filters JSON"): both of docker's shapes ({"k":["v"]} and
// {"k":{"v":true}}) and anything else; what parses must validate and match
// without crashing.

#include "fuzzcheck.h"

#include <daemon/filters.h>

#include <QMap>
#include <QString>

#include <cstdint>

using Berth::Daemon::Filters;
using Berth::Fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString json = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto filters = Filters::fromJson(json);
    if (!filters) {
        check(!filters.error().message().empty(), "a refusal says why");
        return 0;
    }
    (void)filters->validate({QStringLiteral("name"), QStringLiteral("label"), QStringLiteral("status")});
    for (const QString &key : filters->keys()) {
        check(filters->contains(key), "keys() are contained");
        for (const QString &value : filters->values(key)) {
            check(filters->exactMatch(key, value), "a value matches itself exactly");
            check(filters->fuzzyMatch(key, value), "a value matches itself as a prefix");
        }
        (void)filters->matchKeyValues(key, {{QStringLiteral("a"), QStringLiteral("b")}, {key, QString()}});
    }
    return 0;
}
