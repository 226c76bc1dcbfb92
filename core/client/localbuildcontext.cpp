#include "localbuildcontext.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <functional>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Client {

namespace {

// Go's syscall.Errno text: glibc's, starting lower case.
QString goErrnoText(int error)
{
    QString text = QString::fromLocal8Bit(std::strerror(error));
    if (!text.isEmpty())
        text[0] = text[0].toLower();
    return text;
}

Error prepareError(const QString &message, int error = 0)
{
    return Error(ErrorCode::InvalidArgument, QString(QStringLiteral("unable to prepare context: ") + message).toStdString(), error);
}

// ValidateContextDirectory: every file the build would send must be
// readable (checked before packing, so the tar never fails half way).
Status validateContextDirectory(const QString &root, const Dockerfile::DockerIgnore &ignore)
{
    std::function<Status(const QByteArray &, const QString &)> walk = [&](const QByteArray &abs, const QString &rel) -> Status {
        DIR *dir = ::opendir(abs.constData());
        if (!dir) {
            const int error = errno;
            if (error == EACCES || error == EPERM)
                return fail(ErrorCode::PermissionDenied, "error checking context: can't stat '" + abs.toStdString() + "'", error);
            return fail(ErrorCode::Io, "error checking context: open " + abs.toStdString() + ": " + goErrnoText(error).toStdString(), error);
        }
        std::vector<QByteArray> names;
        while (struct dirent *entry = ::readdir(dir)) {
            if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
                names.emplace_back(entry->d_name);
        }
        ::closedir(dir);
        std::sort(names.begin(), names.end(),
                  [](const QByteArray &a, const QByteArray &b) { return std::strcmp(a.constData(), b.constData()) < 0; });
        for (const QByteArray &name : names) {
            const QByteArray path = abs + '/' + name;
            const QString childRel = rel.isEmpty() ? QFile::decodeName(name) : rel + QLatin1Char('/') + QFile::decodeName(name);
            struct stat st;
            if (::lstat(path.constData(), &st) != 0) {
                const int error = errno;
                if (error == EACCES || error == EPERM)
                    return fail(ErrorCode::PermissionDenied, "error checking context: can't stat '" + path.toStdString() + "'", error);
                if (error == ENOENT)
                    return fail(ErrorCode::NotFound, "error checking context: file ('" + path.toStdString()
                                                         + "') not found or excluded by .dockerignore", error);
                return fail(ErrorCode::Io, "error checking context: lstat " + path.toStdString() + ": "
                                               + goErrnoText(error).toStdString(), error);
            }
            if (ignore.isExcluded(childRel))
                continue; // an excluded directory is skipped whole here
            if (S_ISLNK(st.st_mode) || S_ISFIFO(st.st_mode))
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (Status s = walk(path, childRel); !s)
                    return s;
                continue;
            }
            const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
            if (fd < 0) {
                const int error = errno;
                if (error == EACCES || error == EPERM)
                    return fail(ErrorCode::PermissionDenied, "error checking context: no permission to read from '"
                                                                 + path.toStdString() + "'", error);
                continue; // docker only reports permission errors here
            }
            ::close(fd);
        }
        return {};
    };
    return walk(QFile::encodeName(root), QString());
}

QStringList patternStrings(const Dockerfile::DockerIgnore &ignore)
{
    QStringList out;
    for (const auto &p : ignore.patterns())
        out << (p.exclusion ? QStringLiteral("!") : QString()) + p.pattern;
    return out;
}

} // namespace

Result<QString> evalSymlinks(const QString &absolutePath)
{
    const QByteArray path = QFile::encodeName(absolutePath);
    char resolved[PATH_MAX];
    if (::realpath(path.constData(), resolved))
        return QFile::decodeName(resolved);
    const int error = errno;
    // Name the first component that does not resolve, as Go's walk does.
    QByteArray prefix;
    for (const QByteArray &part : path.split('/')) {
        if (part.isEmpty())
            continue;
        prefix += '/' + part;
        struct stat st;
        if (::lstat(prefix.constData(), &st) != 0) {
            const int e = errno;
            return fail(e == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                        "lstat " + prefix.toStdString() + ": " + goErrnoText(e).toStdString(), e);
        }
    }
    return fail(ErrorCode::Io, "lstat " + path.toStdString() + ": " + goErrnoText(error).toStdString(), error);
}

Result<LocalBuildContext> LocalBuildContext::prepare(const QString &contextPath, const QString &dockerfile)
{
    // isLocalDir: anything that exists; the rest is "not found" (URL and
    // git contexts are not supported).
    struct stat st;
    if (::stat(QFile::encodeName(contextPath).constData(), &st) != 0) {
        if (contextPath.startsWith(QLatin1String("http://")) || contextPath.startsWith(QLatin1String("https://"))
            || contextPath.startsWith(QLatin1String("git@")) || contextPath.startsWith(QLatin1String("git://"))
            || contextPath.startsWith(QLatin1String("github.com/"))) {
            return fail(ErrorCode::NotImplemented,
                        QString(QStringLiteral("unable to prepare context: remote build contexts are not supported: ") + contextPath).toStdString());
        }
        return fail(ErrorCode::NotFound, QStringLiteral("unable to prepare context: path \"%1\" not found").arg(contextPath).toStdString());
    }

    LocalBuildContext context;
    const QString absContext = QDir::cleanPath(QFileInfo(contextPath).absoluteFilePath());
    auto resolvedContext = evalSymlinks(absContext);
    if (!resolvedContext)
        return fail(prepareError(QStringLiteral("unable to evaluate symlinks in context path: ") + QString::fromStdString(resolvedContext.error().message())));
    if (::lstat(QFile::encodeName(*resolvedContext).constData(), &st) != 0) {
        const int error = errno;
        return fail(prepareError(QStringLiteral("unable to stat context directory \"%1\": %2").arg(*resolvedContext, goErrnoText(error)), error));
    }
    if (!S_ISDIR(st.st_mode))
        return fail(prepareError(QStringLiteral("context must be a directory: ") + *resolvedContext));
    context.m_directory = *resolvedContext;

    if (dockerfile == QLatin1String("-")) {
        context.m_relDockerfile = dockerfile;
    } else {
        QString absDockerfile;
        if (dockerfile.isEmpty()) {
            absDockerfile = context.m_directory + QStringLiteral("/Dockerfile");
            struct stat dst;
            if (::lstat(QFile::encodeName(absDockerfile).constData(), &dst) != 0 && errno == ENOENT) {
                const QString alternative = context.m_directory + QStringLiteral("/dockerfile");
                if (::lstat(QFile::encodeName(alternative).constData(), &dst) == 0)
                    absDockerfile = alternative;
            }
        } else {
            // -f is relative to the current directory, not to the context.
            absDockerfile = QDir::cleanPath(QFileInfo(dockerfile).absoluteFilePath());
        }
        auto resolved = evalSymlinks(absDockerfile);
        if (!resolved)
            return fail(prepareError(QStringLiteral("unable to evaluate symlinks in Dockerfile path: ") + QString::fromStdString(resolved.error().message())));
        struct stat dst;
        if (::lstat(QFile::encodeName(*resolved).constData(), &dst) != 0) {
            const int error = errno;
            if (error == ENOENT)
                return fail(prepareError(QStringLiteral("Cannot locate Dockerfile: \"%1\"").arg(*resolved)));
            return fail(prepareError(QStringLiteral("unable to stat Dockerfile: lstat %1: %2").arg(*resolved, goErrnoText(error)), error));
        }
        context.m_absDockerfile = *resolved;
        context.m_relDockerfile = QDir(context.m_directory).relativeFilePath(*resolved);
    }

    // .dockerignore
    QFile ignoreFile(context.m_directory + QStringLiteral("/.dockerignore"));
    Dockerfile::DockerIgnore ignore;
    if (ignoreFile.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = ignoreFile.readAll();
        if (ignoreFile.error() != QFileDevice::NoError)
            return fail(ErrorCode::Io, "error reading .dockerignore: " + ignoreFile.errorString().toStdString());
        context.m_dockerIgnoreContent = bytes;
        auto parsed = Dockerfile::DockerIgnore::parse(bytes);
        if (!parsed)
            return fail(ErrorCode::InvalidArgument, "error checking context: " + parsed.error().message());
        ignore = std::move(*parsed);
    } else if (QFileInfo::exists(ignoreFile.fileName())) {
        return fail(ErrorCode::Io, "open " + ignoreFile.fileName().toStdString() + ": " + ignoreFile.errorString().toStdString());
    }

    if (Status s = validateContextDirectory(context.m_directory, ignore); !s)
        return fail(s.error());

    // TrimBuildFilesFromExcludes: the CLI always sends .dockerignore, and
    // the Dockerfile unless it comes from stdin.
    QStringList patterns = patternStrings(ignore);
    bool extended = false;
    if (ignore.isExcluded(QStringLiteral(".dockerignore"))) {
        patterns << QStringLiteral("!.dockerignore");
        extended = true;
    }
    if (dockerfile != QLatin1String("-") && ignore.isExcluded(context.m_relDockerfile)) {
        patterns << QStringLiteral("!") + context.m_relDockerfile;
        extended = true;
    }
    if (extended) {
        auto trimmed = Dockerfile::DockerIgnore::fromPatterns(patterns);
        if (!trimmed)
            return fail(ErrorCode::InvalidArgument, "error checking context: " + trimmed.error().message());
        ignore = std::move(*trimmed);
    }
    context.m_ignore = std::move(ignore);
    return context;
}

QString LocalBuildContext::addDockerfile(BuildContextPacker::Spec &spec, const QByteArray &content,
                                         const std::optional<QByteArray> &dockerIgnore)
{
    QByteArray hex;
    for (int i = 0; i < 10; ++i)
        hex += QByteArray::number(quint8(QRandomGenerator::system()->bounded(256)) | 0x100, 16).mid(1);
    const QString name = QStringLiteral(".dockerfile.") + QString::fromLatin1(hex);
    const qint64 now = QDateTime::currentSecsSinceEpoch();

    BuildContextPacker::ExtraFile ignoreFile;
    ignoreFile.name = QStringLiteral(".dockerignore");
    ignoreFile.content = dockerIgnore ? *dockerIgnore : QByteArray(".dockerignore");
    ignoreFile.content += '\n' + name.toUtf8() + '\n';
    ignoreFile.mode = 0600;
    spec.extraFiles.append(ignoreFile);

    BuildContextPacker::ExtraFile file;
    file.name = name;
    file.content = content;
    file.mode = 0600;
    file.mtime = now;
    spec.extraFiles.append(file);
    return name;
}

Result<std::unique_ptr<BuildContextPacker>> LocalBuildContext::openPacker(const std::optional<QByteArray> &dockerfileContent,
                                                                          QString *dockerfileName, QObject *parent) const
{
    BuildContextPacker::Spec spec;
    spec.directory = m_directory;
    spec.ignore = m_ignore;
    QString name = m_relDockerfile;
    if (dockerfileContent)
        name = addDockerfile(spec, *dockerfileContent, m_dockerIgnoreContent);
    if (dockerfileName)
        *dockerfileName = name;
    return BuildContextPacker::open(std::move(spec), parent);
}

} // namespace Berth::Client
