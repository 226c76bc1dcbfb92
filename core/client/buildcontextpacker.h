#pragma once

#include <base/result.h>
#include <dockerfile/dockerignore.h>

#include <QByteArray>
#include <QIODevice>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace Berth::Client {

// A build context directory as the tar stream the docker CLI sends with
// POST /build (moby's archive.TarWithOptions with ChownOpts 0:0): the
// directory walked in Go's lexical byte order, entries filtered by a
// .dockerignore matcher exactly as the CLI's walker does (parents first,
// each directory's match results passed to its entries, an excluded
// directory skipped unless an exception pattern may re-include something
// under it), names relative to the directory ("dir/" for directories),
// uid/gid 0 with empty user and group names, permission bits and mtime
// (whole seconds) kept, symlinks as symlinks, hard links as links to the
// first name, fifos and devices as such, sockets left out (Go's tar cannot
// store them). The format is POSIX (ustar headers, pax records only when a
// name or size needs them), unblocked: two zero blocks end it, as Go's
// tar.Writer does.
//
// A sequential read-only QIODevice that produces the stream as it is read,
// with libarchive: only the walk position and one file's next piece are in
// memory, never the whole context. Read errors (a file that cannot be
// opened or that changes size while it is packed) make read() return -1
// with errorString() naming the file and the errno.
class BuildContextPacker : public QIODevice
{
    Q_OBJECT
public:
    // A file added after the walk, or one that replaces a top-level walked
    // file of the same name (the CLI's ReplaceFileTarWrapper, used for
    // `-f -` and its .dockerignore line).
    struct ExtraFile
    {
        QString name;
        QByteArray content;
        int mode = 0600;
        qint64 mtime = 0; // Unix seconds
        // Replacing a walked file keeps that file's header (mode, mtime)
        // and only swaps the content.
    };

    struct Spec
    {
        QString directory;               // empty: only the extra files
        Dockerfile::DockerIgnore ignore; // what to leave out
        QList<ExtraFile> extraFiles;
    };

    // Opens the packer; the directory must be readable (its listing is
    // read lazily, as the stream is read).
    static Result<std::unique_ptr<BuildContextPacker>> open(Spec spec, QObject *parent = nullptr);
    ~BuildContextPacker() override;

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

    // Bytes handed out by read() so far.
    qint64 bytesRead() const { return m_bytesRead; }
    // The entry names written so far, in order (for tests and diagnostics).
    const QStringList &entryNames() const { return m_entryNames; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    explicit BuildContextPacker(Spec spec, QObject *parent);
    struct Private;
    friend struct Private;
    std::unique_ptr<Private> d;
    qint64 m_bytesRead = 0;
    QStringList m_entryNames;
};

} // namespace Berth::Client
