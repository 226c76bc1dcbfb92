#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QString>

// Small POSIX helpers shared by the store classes. Internal: not part of the
// engine's API.
namespace Berth::Engine::Internal {

// An Error for a failed OS call: "<operation>: <ERRNO> (<text>)".
std::unexpected<Error> sysFail(const QString &operation, int sysErrno);
Error sysError(const QString &operation, int sysErrno);
std::unexpected<Error> failWith(ErrorCode code, const QString &message);

QByteArray encodePath(const QString &path);

// mkdir -p with the given mode for the directories it creates.
Status makeDirs(const QString &path, unsigned mode = 0755);
Result<UniqueFd> openDirectory(const QString &path);
// fsync of a directory, so that a rename or unlink inside it is durable.
Status syncDirectory(const QString &path);
Status syncDirectory(int dirFd, const QString &pathForErrors);
// rm -rf without following symlinks; directories without write or search
// permission are fixed up first. A missing path is not an error.
Status removeTree(const QString &path);
Status removeTreeAt(int parentFd, const QByteArray &name, const QString &pathForErrors);
// Writes all of data to fd, retrying on EINTR and short writes.
Status writeAll(int fd, const char *data, size_t size, const QString &pathForErrors);
// 16 random hex characters for temp names.
QString randomToken();

} // namespace Berth::Engine::Internal
