#pragma once

#include "argparser.h"

#include <base/result.h>

#include <QList>
#include <QString>

namespace Berth::Cli {

class Context;

// `berth cp`: files and directories both ways between a container and the
// host, or a tar stream on stdin/stdout with `-`, with docker's rules for
// trailing "/" and "/." and its messages.
QList<OptionSpec> copyOptions();
int runCopy(Context &context, const ParsedArgs &args);

namespace CopyPaths {

// "c:/path" -> {"c", "/path"}; a local path (no colon before the first
// slash, or starting with '.' or '/') gives an empty container.
struct Split
{
    QString container;
    QString path;
};
Split split(const QString &arg);

// The tar entry rename docker's archive.PrepareArchiveCopy does: where the
// copy goes (an existing directory) and the first path component to
// rename (from -> to; both empty when names are kept).
struct Plan
{
    QString directory;  // extract / put into this directory
    QString renameFrom; // the source's base name in the tar
    QString renameTo;   // the name it gets there
};
struct Target
{
    QString path;
    bool exists = false;
    bool isDir = false;
};
// srcPath as the user gave it (a trailing "/." copies a directory's
// contents), srcIsDir, and what is at the destination.
Result<Plan> plan(const QString &srcPath, bool srcIsDir, const Target &dst);

// Rewrites one tar entry name under a plan ("d/sub/y" with d -> x gives
// "x/sub/y"; with a "/." source, "d/sub/y" gives "sub/y").
QString rebase(const QString &entry, const Plan &plan);

} // namespace CopyPaths

} // namespace Berth::Cli
