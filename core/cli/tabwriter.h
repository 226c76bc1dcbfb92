#pragma once

#include <QString>

namespace Berth::Cli {

// Aligns tab-separated cells as Go's text/tabwriter does (with padchar ' '
// and no flags): a column block is a run of consecutive lines that have a
// tab-terminated cell in that column; each cell is padded to the widest
// cell of its block plus `padding`, and to at least `minWidth`. The last
// cell of a line is never padded. docker uses (20, 1) for `version` and
// (10, 3) for its tables.
QString alignColumns(const QString &text, int minWidth, int padding);

} // namespace Berth::Cli
