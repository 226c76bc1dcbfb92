#pragma once

#include "buildcontextpacker.h"

#include <base/result.h>
#include <dockerfile/dockerignore.h>

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

namespace Berth::Client {

// A build context directory on this machine, prepared as the docker CLI
// prepares one for the classic builder (cli/command/image/build and
// build/context.go): the context path made absolute with its symlinks
// resolved, the Dockerfile found (-f relative to the current directory;
// default CONTEXT/Dockerfile, else CONTEXT/dockerfile), .dockerignore read,
// the tree checked for unreadable files, and the Dockerfile and
// .dockerignore kept in the context even when ignored. Errors carry the
// CLI's own texts ("unable to prepare context: path \"x\" not found",
// "unable to prepare context: unable to evaluate symlinks in Dockerfile
// path: lstat /abs/Dockerfile: no such file or directory", "error checking
// context: no permission to read from '/abs/f'").
class LocalBuildContext
{
public:
    // `dockerfile`: the -f value; empty for the default, "-" when the
    // Dockerfile comes from stdin (the caller reads it and passes it to
    // openPacker()).
    static Result<LocalBuildContext> prepare(const QString &contextPath, const QString &dockerfile);

    // The absolute, symlink-free context directory.
    const QString &directory() const { return m_directory; }
    // The Dockerfile's path relative to the context ("Dockerfile",
    // "sub/Dockerfile.dev"), "-" for stdin.
    const QString &dockerfile() const { return m_relDockerfile; }
    // True when -f names a file outside the context: its content must be
    // read (dockerfileOutsidePath()) and sent through openPacker().
    bool dockerfileOutside() const { return m_relDockerfile.startsWith(QLatin1String("../")); }
    QString dockerfileOutsidePath() const { return m_absDockerfile; }
    const Dockerfile::DockerIgnore &ignore() const { return m_ignore; }

    // The tar stream of the context. With `dockerfileContent` (from stdin
    // or from outside the context) the content is added under a random
    // ".dockerfile.<20 hex>" name, which is also appended to .dockerignore
    // (created when missing), as the CLI does; *dockerfileName gets the
    // name to send as the `dockerfile` query parameter either way.
    Result<std::unique_ptr<BuildContextPacker>> openPacker(const std::optional<QByteArray> &dockerfileContent,
                                                           QString *dockerfileName, QObject *parent = nullptr) const;

    // Adds `content` to a packer spec under a random name as the CLI's
    // AddDockerfileToBuildContext does; returns that name. `dockerIgnore`
    // is the .dockerignore content when the context has one.
    static QString addDockerfile(BuildContextPacker::Spec &spec, const QByteArray &content,
                                 const std::optional<QByteArray> &dockerIgnore);

private:
    QString m_directory;
    QString m_relDockerfile;
    QString m_absDockerfile;
    std::optional<QByteArray> m_dockerIgnoreContent;
    Dockerfile::DockerIgnore m_ignore; // with the CLI's kept-file exceptions
};

// Go's filepath.EvalSymlinks for an absolute path: the resolved path, or
// the error Go gives ("lstat /a/b: no such file or directory").
Result<QString> evalSymlinks(const QString &absolutePath);

} // namespace Berth::Client
