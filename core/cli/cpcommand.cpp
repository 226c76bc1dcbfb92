#include "cpcommand.h"

#include "containerrequests.h"
#include "context.h"
#include "terminal.h"
#include "units.h"

#include <client/engineclient.h>
#include <client/responsestream.h>

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Cli {

namespace CopyPaths {

Split split(const QString &arg)
{
    // docker's splitCpArg: an absolute path or one starting with "." is
    // local; else "container:path" when a colon comes.
    if (arg.startsWith(QLatin1Char('/')) || arg.startsWith(QLatin1Char('.')))
        return {QString(), arg};
    const qsizetype colon = arg.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return {QString(), arg};
    return {arg.left(colon), arg.mid(colon + 1)};
}

namespace {

bool specifiesCurrentDir(const QString &path)
{
    return QFileInfo(QDir::cleanPath(path)).fileName() == QLatin1String(".") || path.endsWith(QLatin1String("/."))
           || path == QLatin1String(".");
}

// archive.SplitPathDirEntry.
std::pair<QString, QString> splitDirEntry(const QString &path)
{
    QString cleaned = QDir::cleanPath(path);
    if (specifiesCurrentDir(path) && cleaned != QLatin1String("."))
        cleaned += QStringLiteral("/.");
    const qsizetype slash = cleaned.lastIndexOf(QLatin1Char('/'));
    if (slash < 0)
        return {QStringLiteral("."), cleaned};
    return {slash == 0 ? QStringLiteral("/") : cleaned.left(slash), cleaned.mid(slash + 1)};
}

bool assertsDirectory(const QString &path)
{
    return path.endsWith(QLatin1Char('/')) || specifiesCurrentDir(path);
}

} // namespace

Result<Plan> plan(const QString &srcPath, bool srcIsDir, const Target &dst)
{
    const auto [dstDir, dstBase] = splitDirEntry(dst.path);
    const QString srcBase = splitDirEntry(srcPath).second;
    Plan p;
    if (dst.exists && dst.isDir) {
        p.directory = dst.path;
        return p;
    }
    if (dst.exists && srcIsDir)
        return fail(ErrorCode::InvalidArgument, "cannot copy directory");
    if (!dst.exists && !srcIsDir && assertsDirectory(dst.path))
        return fail(ErrorCode::NotFound, "no such directory");
    p.directory = dstDir;
    p.renameFrom = srcBase;
    p.renameTo = dstBase;
    return p;
}

QString rebase(const QString &entry, const Plan &plan)
{
    if (plan.renameFrom.isEmpty())
        return entry;
    QString name = entry;
    if (name.startsWith(QLatin1String("./")) && plan.renameFrom != QLatin1String("."))
        name = name.mid(2);
    if (name == plan.renameFrom || name == plan.renameFrom + QLatin1Char('/'))
        return plan.renameTo + name.mid(plan.renameFrom.size());
    if (name.startsWith(plan.renameFrom + QLatin1Char('/')))
        return plan.renameTo + name.mid(plan.renameFrom.size());
    return entry;
}

} // namespace CopyPaths

namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive *)>;

QString archiveError(struct archive *a)
{
    const char *e = archive_error_string(a);
    return e ? QString::fromLocal8Bit(e) : QStringLiteral("unknown libarchive error");
}

// The decoded X-Docker-Container-Path-Stat header (engine-api.md 6.6).
struct PathStat
{
    QString name;
    qint64 size = 0;
    quint32 mode = 0;
    QString linkTarget;
    bool isDir() const { return mode & (1u << 31); }
    bool isSymlink() const { return mode & (1u << 27); }
};

Result<PathStat> decodePathStat(const QByteArray &header)
{
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromBase64(header)).object();
    if (header.isEmpty() || o.isEmpty())
        return fail(ErrorCode::Protocol, "unable to decode container path stat header");
    PathStat s;
    s.name = o.value(QStringLiteral("name")).toString();
    s.size = o.value(QStringLiteral("size")).toInteger();
    s.mode = quint32(o.value(QStringLiteral("mode")).toInteger());
    s.linkTarget = o.value(QStringLiteral("linkTarget")).toString();
    return s;
}

// HEAD /containers/{c}/archive?path=: the stat, or NotFound.
Result<PathStat> statContainerPath(Context &context, const QString &container, const QString &path)
{
    Client::Request request;
    request.method = "HEAD";
    request.path = QStringLiteral("/containers/%1/archive").arg(container);
    request.query.addQueryItem(QStringLiteral("path"), path);
    auto reply = ContainerRequests::send(context, request);
    if (!reply)
        return fail(reply.error());
    return decodePathStat(reply->headers.value("X-Docker-Container-Path-Stat"));
}

bool writeAll(int fd, const char *p, qsizetype left)
{
    while (left > 0) {
        const ssize_t n = ::write(fd, p, size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        left -= n;
    }
    return true;
}

// Extracts a tar file into `plan.directory`, entries renamed by the plan.
Status extractTar(const QString &tarFile, const CopyPaths::Plan &plan)
{
    ArchivePtr reader(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_filename(reader.get(), QFile::encodeName(tarFile).constData(), 64 * 1024) != ARCHIVE_OK)
        return fail(ErrorCode::Io, QString(QStringLiteral("open the copied archive: ") + archiveError(reader.get())).toStdString());
    ArchivePtr writer(archive_write_disk_new(), archive_write_free);
    // Entry names are checked above and made absolute under the
    // destination, so only ".." is left for libarchive to refuse.
    int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_UNLINK;
    if (::geteuid() == 0)
        flags |= ARCHIVE_EXTRACT_OWNER;
    archive_write_disk_set_options(writer.get(), flags);
    archive_write_disk_set_standard_lookup(writer.get());
    const QString base = QFileInfo(plan.directory).canonicalFilePath();
    if (base.isEmpty())
        return fail(ErrorCode::NotFound, QString(QStringLiteral("invalid output path: directory \"") + plan.directory + QStringLiteral("\" does not exist")).toStdString());
    struct archive_entry *entry = nullptr;
    for (;;) {
        const int r = archive_read_next_header(reader.get(), &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return fail(ErrorCode::Io, QString(QStringLiteral("read the copied archive: ") + archiveError(reader.get())).toStdString());
        const QString name = CopyPaths::rebase(QString::fromUtf8(archive_entry_pathname_utf8(entry) ? archive_entry_pathname_utf8(entry)
                                                                                                     : archive_entry_pathname(entry)),
                                              plan);
        const QString relative = QDir::cleanPath(name);
        if (relative.startsWith(QLatin1String("../")) || relative == QLatin1String("..") || relative.startsWith(QLatin1Char('/')))
            return fail(ErrorCode::InvalidArgument, QString(QStringLiteral("refusing the archive entry ") + name + QStringLiteral(": it leaves the destination")).toStdString());
        const QByteArray full = QFile::encodeName(relative == QLatin1String(".") ? base : base + QLatin1Char('/') + relative);
        archive_entry_set_pathname(entry, full.constData());
        if (const char *link = archive_entry_hardlink(entry)) {
            const QString target = QDir::cleanPath(CopyPaths::rebase(QString::fromUtf8(link), plan));
            const QByteArray fullTarget = QFile::encodeName(base + QLatin1Char('/') + target);
            archive_entry_set_hardlink(entry, fullTarget.constData());
        }
        if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
            return fail(ErrorCode::Io, QString(QStringLiteral("write ") + QString::fromLocal8Bit(full) + QStringLiteral(": ") + archiveError(writer.get())).toStdString());
        const void *buffer = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        for (;;) {
            const int d = archive_read_data_block(reader.get(), &buffer, &size, &offset);
            if (d == ARCHIVE_EOF)
                break;
            if (d < ARCHIVE_WARN)
                return fail(ErrorCode::Io, QString(QStringLiteral("read the copied archive: ") + archiveError(reader.get())).toStdString());
            if (archive_write_data_block(writer.get(), buffer, size, offset) < ARCHIVE_WARN)
                return fail(ErrorCode::Io, QString(QStringLiteral("write ") + QString::fromLocal8Bit(full) + QStringLiteral(": ") + archiveError(writer.get())).toStdString());
        }
        if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN)
            return fail(ErrorCode::Io, QString(QStringLiteral("finish ") + QString::fromLocal8Bit(full) + QStringLiteral(": ") + archiveError(writer.get())).toStdString());
    }
    if (archive_write_close(writer.get()) < ARCHIVE_WARN)
        return fail(ErrorCode::Io, QString(QStringLiteral("finish the copy: ") + archiveError(writer.get())).toStdString());
    return {};
}

// Writes a tar of `source` (a file or a directory, walked without
// following symlinks below it) to `out`, entry names starting with the
// source's base name ("." for a "dir/." source).
Status createTar(const QString &source, bool followTop, QIODevice *out)
{
    const QString parent = [&] {
        QString cleaned = QDir::cleanPath(source);
        const bool current = source.endsWith(QLatin1String("/.")) || source == QLatin1String(".");
        if (current)
            return cleaned;
        const qsizetype slash = cleaned.lastIndexOf(QLatin1Char('/'));
        return slash < 0 ? QStringLiteral(".") : (slash == 0 ? QStringLiteral("/") : cleaned.left(slash));
    }();
    const QString top = (source.endsWith(QLatin1String("/.")) || source == QLatin1String("."))
                            ? QStringLiteral(".")
                            : QFileInfo(QDir::cleanPath(source)).fileName();
    ArchivePtr disk(archive_read_disk_new(), archive_read_free);
    if (followTop)
        archive_read_disk_set_symlink_hybrid(disk.get());
    else
        archive_read_disk_set_symlink_physical(disk.get());
    archive_read_disk_set_standard_lookup(disk.get());
    const QByteArray root = QFile::encodeName(parent == QLatin1String("/") ? QString(QLatin1Char('/') + top) : QString(parent + QLatin1Char('/') + top));
    if (archive_read_disk_open(disk.get(), root.constData()) != ARCHIVE_OK)
        return fail(ErrorCode::Io, QString(QStringLiteral("open ") + QString::fromLocal8Bit(root) + QStringLiteral(": ") + archiveError(disk.get())).toStdString());

    ArchivePtr writer(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(writer.get());
    archive_write_set_bytes_in_last_block(writer.get(), 1);
    const auto openCallback = [](struct archive *, void *) -> int { return ARCHIVE_OK; };
    const auto writeCallback = [](struct archive *, void *data, const void *buffer, size_t length) -> la_ssize_t {
        auto *device = static_cast<QIODevice *>(data);
        return device->write(static_cast<const char *>(buffer), qint64(length));
    };
    const auto closeCallback = [](struct archive *, void *) -> int { return ARCHIVE_OK; };
    if (archive_write_open(writer.get(), out, openCallback, writeCallback, closeCallback) != ARCHIVE_OK)
        return fail(ErrorCode::Io, QString(QStringLiteral("start the archive: ") + archiveError(writer.get())).toStdString());

    const qsizetype strip = root.size() - QFile::encodeName(top).size();
    for (;;) {
        struct archive_entry *entry = archive_entry_new();
        std::unique_ptr<struct archive_entry, void (*)(struct archive_entry *)> owner(entry, archive_entry_free);
        const int r = archive_read_next_header2(disk.get(), entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return fail(ErrorCode::Io, QString(QStringLiteral("read ") + QString::fromLocal8Bit(root) + QStringLiteral(": ") + archiveError(disk.get())).toStdString());
        archive_read_disk_descend(disk.get());
        const QByteArray path = archive_entry_sourcepath(entry);
        QByteArray name = path.mid(strip);
        if (archive_entry_filetype(entry) == AE_IFDIR && !name.endsWith('/'))
            name += '/';
        archive_entry_set_pathname(entry, name.constData());
        if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
            return fail(ErrorCode::Io, QString(QStringLiteral("archive ") + QString::fromLocal8Bit(path) + QStringLiteral(": ") + archiveError(writer.get())).toStdString());
        if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) > 0) {
            QFile file(QFile::decodeName(path));
            if (!file.open(QIODevice::ReadOnly))
                return fail(ErrorCode::Io, QString(QStringLiteral("open ") + file.fileName() + QStringLiteral(": ") + file.errorString()).toStdString());
            QByteArray buffer(64 * 1024, Qt::Uninitialized);
            for (;;) {
                const qint64 n = file.read(buffer.data(), buffer.size());
                if (n < 0)
                    return fail(ErrorCode::Io, QString(QStringLiteral("read ") + file.fileName() + QStringLiteral(": ") + file.errorString()).toStdString());
                if (n == 0)
                    break;
                if (archive_write_data(writer.get(), buffer.constData(), size_t(n)) < 0)
                    return fail(ErrorCode::Io, QString(QStringLiteral("archive ") + file.fileName() + QStringLiteral(": ") + archiveError(writer.get())).toStdString());
            }
        }
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK)
        return fail(ErrorCode::Io, QString(QStringLiteral("finish the archive: ") + archiveError(writer.get())).toStdString());
    return {};
}

int printError(Context &context, const Error &error)
{
    if (ContainerRequests::isFatal(error) || error.code() == ErrorCode::NotFound || error.code() == ErrorCode::Conflict
        || error.code() == ErrorCode::PermissionDenied) {
        if (ContainerRequests::isFatal(error))
            return context.reportError(error);
    }
    return context.reportError(error);
}

int localError(Context &context, const QString &message)
{
    context.out().flush();
    context.err() << message << Qt::endl;
    return 1;
}

QString absoluteLocal(const QString &path)
{
    QString abs = QDir::cleanPath(path.startsWith(QLatin1Char('/')) ? path : QDir::current().absoluteFilePath(path));
    // Keep the user's trailing "/" or "/." (cleanPath drops them).
    if ((path.endsWith(QLatin1String("/.")) || path == QLatin1String(".")) && abs != QLatin1String("/"))
        abs += QStringLiteral("/.");
    else if (path.endsWith(QLatin1Char('/')) && abs != QLatin1String("/"))
        abs += QLatin1Char('/');
    return abs;
}

// Go's syscall error text: strerror with a lower-case first letter.
QString goErrno(int error)
{
    QString text = QString::fromLocal8Bit(::strerror(error));
    if (!text.isEmpty())
        text[0] = text.at(0).toLower();
    return text;
}

// --- container -> host --------------------------------------------------------------------

int copyFromContainer(Context &context, const QString &container, QString srcPath, const QString &dstArg, bool follow, bool quiet)
{
    if (follow) {
        auto st = statContainerPath(context, container, srcPath);
        if (!st)
            return printError(context, st.error());
        if (st->isSymlink()) {
            QString target = st->linkTarget;
            if (!target.startsWith(QLatin1Char('/'))) {
                const QString dir = QFileInfo(srcPath).path();
                target = QDir::cleanPath(dir + QLatin1Char('/') + target);
            }
            srcPath = target;
        }
    }
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    Client::Request request;
    request.path = QStringLiteral("/containers/%1/archive").arg(container);
    request.query.addQueryItem(QStringLiteral("path"), srcPath);

    const bool toStdout = dstArg == QLatin1String("-");
    QString dstPath;
    CopyPaths::Target target;
    if (!toStdout) {
        dstPath = absoluteLocal(dstArg);
        struct stat st{};
        const QByteArray native = QFile::encodeName(dstPath);
        if (::stat(native.constData(), &st) == 0) {
            target.exists = true;
            target.isDir = S_ISDIR(st.st_mode);
            if (!target.isDir && dstPath.endsWith(QLatin1Char('/')))
                return localError(context, QStringLiteral("stat %1: not a directory").arg(dstPath));
        } else {
            const int e = errno;
            if (e == ENOTDIR)
                return localError(context, QStringLiteral("stat %1: not a directory").arg(dstPath));
            const QString parent = QFileInfo(QDir::cleanPath(dstPath)).path();
            if (!QFileInfo(parent).isDir())
                return localError(context, QStringLiteral("invalid output path: directory \"%1\" does not exist").arg(parent));
        }
        target.path = dstPath;
    }

    std::unique_ptr<Client::ResponseStream> stream((*client)->openStream(request));
    QTemporaryFile spool(QDir::tempPath() + QStringLiteral("/berth-cp-XXXXXX.tar"));
    if (!toStdout && !spool.open())
        return localError(context, QStringLiteral("create a temporary file for the copy: ") + spool.errorString());
    qint64 copied = 0;
    bool writeFailed = false;
    Status result;
    bool finished = false;
    QEventLoop loop;
    QObject::connect(stream.get(), &Client::ResponseStream::data, &loop, [&](const QByteArray &bytes) {
        copied += bytes.size();
        if (toStdout) {
            if (!writeAll(1, bytes.constData(), bytes.size()))
                writeFailed = true;
        } else if (spool.write(bytes) != bytes.size()) {
            writeFailed = true;
        }
    });
    QObject::connect(stream.get(), &Client::ResponseStream::finished, &loop, [&](const Status &s) {
        result = s;
        finished = true;
        loop.quit();
    });
    if (!finished)
        loop.exec();
    if (!result)
        return printError(context, result.error());
    if (toStdout)
        return writeFailed ? 1 : 0;
    if (writeFailed || !spool.flush())
        return localError(context, QStringLiteral("write %1: %2").arg(spool.fileName(), spool.errorString()));
    auto stat = decodePathStat(stream->headers().value("X-Docker-Container-Path-Stat"));
    if (!stat)
        return localError(context, QString::fromStdString(stat.error().message()));
    auto plan = CopyPaths::plan(srcPath, stat->isDir(), target);
    if (!plan)
        return localError(context, QString::fromStdString(plan.error().message()));
    if (auto s = extractTar(spool.fileName(), *plan); !s)
        return localError(context, QString::fromStdString(s.error().message()));
    if (!quiet)
        context.err() << "Successfully copied " << Units::humanSizeWithPrecision(double(copied), 3) << " to " << dstPath << Qt::endl;
    return 0;
}

// --- host -> container --------------------------------------------------------------------

int copyToContainer(Context &context, const QString &srcArg, const QString &container, const QString &dstPath, bool follow,
                    bool copyUidGid, bool quiet)
{
    if (!dstPath.startsWith(QLatin1Char('/')) && !dstPath.isEmpty()) {
        // docker resolves a relative container path against "/".
    }
    const QString containerPath = dstPath.startsWith(QLatin1Char('/')) ? dstPath : QLatin1Char('/') + dstPath;
    CopyPaths::Target target;
    target.path = containerPath;
    auto st = statContainerPath(context, container, containerPath);
    if (st) {
        target.exists = true;
        target.isDir = st->isDir();
        if (st->isSymlink()) {
            QString link = st->linkTarget;
            if (!link.startsWith(QLatin1Char('/')))
                link = QDir::cleanPath(QFileInfo(containerPath).path() + QLatin1Char('/') + link);
            if (auto linked = statContainerPath(context, container, link)) {
                target.isDir = linked->isDir();
                if (target.isDir)
                    target.path = link;
            }
        }
    } else if (st.error().code() != ErrorCode::NotFound) {
        return printError(context, st.error());
    }

    Client::Request request;
    request.method = "PUT";
    request.path = QStringLiteral("/containers/%1/archive").arg(container);
    request.contentType = "text/plain";

    QTemporaryFile tar(QDir::tempPath() + QStringLiteral("/berth-cp-XXXXXX.tar"));
    QFile stdinFile;
    qint64 size = 0;
    QString putDir;
    if (srcArg == QLatin1String("-")) {
        if (!target.exists || !target.isDir)
            return localError(context, QStringLiteral("destination \"%1:%2\" must be a directory").arg(container, dstPath));
        putDir = target.path;
        if (!stdinFile.open(stdin, QIODevice::ReadOnly))
            return localError(context, QStringLiteral("read the archive from stdin: ") + stdinFile.errorString());
        request.bodyDevice = &stdinFile;
    } else {
        const QString srcPath = absoluteLocal(srcArg);
        struct stat sst{};
        const QByteArray native = QFile::encodeName(QDir::cleanPath(srcPath));
        const int r = follow ? ::stat(native.constData(), &sst) : ::lstat(native.constData(), &sst);
        if (r != 0)
            return localError(context, QStringLiteral("%1 %2: %3").arg(follow ? QStringLiteral("stat") : QStringLiteral("lstat"),
                                                                       srcPath, goErrno(errno)));
        const bool srcIsDir = S_ISDIR(sst.st_mode);
        auto plan = CopyPaths::plan(srcPath, srcIsDir, target);
        if (!plan) {
            if (plan.error().code() == ErrorCode::NotFound && !target.exists)
                return localError(context, QString::fromStdString(plan.error().message()));
            return localError(context, QString::fromStdString(plan.error().message()));
        }
        if (!tar.open())
            return localError(context, QStringLiteral("create a temporary file for the copy: ") + tar.errorString());
        // Build the tar with the source's own base name, then rebase names
        // as docker does by writing them renamed: re-read through the plan.
        QTemporaryFile raw(QDir::tempPath() + QStringLiteral("/berth-cp-XXXXXX.tar"));
        if (!raw.open())
            return localError(context, QStringLiteral("create a temporary file for the copy: ") + raw.errorString());
        if (auto s = createTar(srcPath, follow, &raw); !s)
            return localError(context, QString::fromStdString(s.error().message()));
        raw.flush();
        // Rename entries through libarchive: read raw, write renamed.
        ArchivePtr reader(archive_read_new(), archive_read_free);
        archive_read_support_format_tar(reader.get());
        if (archive_read_open_filename(reader.get(), QFile::encodeName(raw.fileName()).constData(), 64 * 1024) != ARCHIVE_OK)
            return localError(context, QStringLiteral("reopen the archive: ") + archiveError(reader.get()));
        ArchivePtr writer(archive_write_new(), archive_write_free);
        archive_write_set_format_pax_restricted(writer.get());
        archive_write_set_bytes_in_last_block(writer.get(), 1);
        if (archive_write_open_fd(writer.get(), tar.handle()) != ARCHIVE_OK)
            return localError(context, QStringLiteral("write the archive: ") + archiveError(writer.get()));
        struct archive_entry *entry = nullptr;
        for (;;) {
            const int h = archive_read_next_header(reader.get(), &entry);
            if (h == ARCHIVE_EOF)
                break;
            if (h < ARCHIVE_WARN)
                return localError(context, QStringLiteral("read the archive: ") + archiveError(reader.get()));
            const QByteArray renamed = CopyPaths::rebase(QString::fromUtf8(archive_entry_pathname(entry)), *plan).toUtf8();
            archive_entry_set_pathname(entry, renamed.constData());
            if (const char *link = archive_entry_hardlink(entry)) {
                const QByteArray l = CopyPaths::rebase(QString::fromUtf8(link), *plan).toUtf8();
                archive_entry_set_hardlink(entry, l.constData());
            }
            if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
                return localError(context, QStringLiteral("write the archive: ") + archiveError(writer.get()));
            const void *buffer = nullptr;
            size_t n = 0;
            la_int64_t offset = 0;
            while (archive_read_data_block(reader.get(), &buffer, &n, &offset) == ARCHIVE_OK)
                archive_write_data(writer.get(), buffer, n);
        }
        archive_write_close(writer.get());
        writer.reset();
        tar.flush();
        tar.seek(0);
        size = tar.size();
        putDir = plan->directory;
        request.bodyDevice = &tar;
    }
    request.query.addQueryItem(QStringLiteral("path"), putDir);
    request.query.addQueryItem(QStringLiteral("noOverwriteDirNonDir"), QStringLiteral("true"));
    if (copyUidGid)
        request.query.addQueryItem(QStringLiteral("copyUIDGID"), QStringLiteral("true"));
    auto reply = ContainerRequests::send(context, request);
    if (!reply)
        return printError(context, reply.error());
    if (!quiet && srcArg != QLatin1String("-"))
        context.err() << "Successfully copied " << Units::humanSizeWithPrecision(double(size), 3) << " to " << container << ':'
                      << dstPath << Qt::endl;
    return 0;
}

} // namespace

QList<OptionSpec> copyOptions()
{
    const auto flag = [](const char *name, char shorthand, const char *help) {
        OptionSpec o;
        o.name = QLatin1String(name);
        if (shorthand)
            o.shorthand = QLatin1Char(shorthand);
        o.help = QLatin1String(help);
        return o;
    };
    return {flag("archive", 'a', "Archive mode (copy all uid/gid information)"),
            flag("follow-link", 'L', "Always follow symbol link in SRC_PATH"),
            flag("quiet", 'q', "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached")};
}

int runCopy(Context &context, const ParsedArgs &args)
{
    const CopyPaths::Split src = CopyPaths::split(args.positionals().at(0));
    const CopyPaths::Split dst = CopyPaths::split(args.positionals().at(1));
    const bool quiet = args.flag(QStringLiteral("quiet")) || !RawTerminal::isTerminal(2);
    if (!src.container.isEmpty() && !dst.container.isEmpty())
        return localError(context, QStringLiteral("copying between containers is not supported"));
    if (src.container.isEmpty() && dst.container.isEmpty())
        return localError(context, QStringLiteral("must specify at least one container source"));
    if (!src.container.isEmpty()) {
        if (src.path.isEmpty())
            return localError(context, QStringLiteral("source can not be empty"));
        const QString path = src.path.startsWith(QLatin1Char('/')) ? src.path : QLatin1Char('/') + src.path;
        return copyFromContainer(context, src.container, path, dst.path, args.flag(QStringLiteral("follow-link")), quiet);
    }
    if (dst.path.isEmpty())
        return localError(context, QStringLiteral("destination can not be empty"));
    return copyToContainer(context, src.path, dst.container, dst.path, args.flag(QStringLiteral("follow-link")),
                           args.flag(QStringLiteral("archive")), quiet);
}

} // namespace Berth::Cli
