#pragma once

#include <QString>
#include <QStringList>

namespace Berth::TestSupport {

// Every entry under `dir` as "path mode size [-> target]", sorted: a file
// tree in a form two trees can be compared by (sizes of regular files only).
QStringList treeListing(const QString &dir);

} // namespace Berth::TestSupport
