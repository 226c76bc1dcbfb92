#pragma once

#include <QString>

namespace Berth::TestSupport {

// Output of the docker CLI as berth words it: "docker" becomes "berth"
// (usage lines, "See 'docker run --help'.", command names in errors).
QString asBerth(QString text);

// Full 64-hex IDs replaced by <ID>, so two runs that made different
// containers or images compare equal.
QString withoutIds(QString text);

} // namespace Berth::TestSupport
