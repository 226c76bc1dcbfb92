#include "buildrunner.h"

#include "containerconfig.h"
#include "containersupervisor.h"
#include "daemonlogging.h"

#include <base/uniquefd.h>
#include <common/errors.h>
#include <engine/containerlogreader.h>
#include <engine/containerlogwatcher.h>
#include <engine/imagestore.h>

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QTimer>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <dirent.h>

namespace Berth::Daemon {

namespace {

Error cancelledError()
{
    return Error(ErrorCode::Io, "build cancelled: the client went away", ECANCELED);
}

// Copies the tree at srcFd into dstFd with hard links for files (the kept
// container and the step's layer share them until one is removed):
// directories with mode, owner, times and xattrs (overlay's opaque mark),
// symlinks, and whiteouts and other nodes as they are.
Status linkTree(int srcFd, int dstFd, const QString &where)
{
    const int dupFd = ::fcntl(srcFd, F_DUPFD_CLOEXEC, 0);
    if (dupFd < 0)
        return fail(Error::fromErrno("dup " + where.toStdString(), errno));
    DIR *dir = ::fdopendir(dupFd);
    if (!dir) {
        const int err = errno;
        ::close(dupFd);
        return fail(Error::fromErrno("opendir " + where.toStdString(), err));
    }
    Status status;
    while (dirent *entry = ::readdir(dir)) {
        const char *name = entry->d_name;
        if (!qstrcmp(name, ".") || !qstrcmp(name, ".."))
            continue;
        const QString path = where + u'/' + QString::fromLocal8Bit(name);
        struct stat st{};
        if (::fstatat(srcFd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            status = fail(Error::fromErrno("stat " + path.toStdString(), errno));
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(dstFd, name, 0700) < 0 && errno != EEXIST) {
                status = fail(Error::fromErrno("mkdir " + path.toStdString(), errno));
                break;
            }
            UniqueFd sub(::openat(srcFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            UniqueFd subDst(::openat(dstFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub.isValid() || !subDst.isValid()) {
                status = fail(Error::fromErrno("open " + path.toStdString(), errno));
                break;
            }
            char names[4096];
            const ssize_t len = ::flistxattr(sub.get(), names, sizeof names);
            for (ssize_t i = 0; len > 0 && i < len; i += ssize_t(::strlen(names + i)) + 1) {
                char value[4096];
                const ssize_t vlen = ::fgetxattr(sub.get(), names + i, value, sizeof value);
                if (vlen >= 0)
                    (void)::fsetxattr(subDst.get(), names + i, value, size_t(vlen), 0);
            }
            if (auto s = linkTree(sub.get(), subDst.get(), path); !s) {
                status = s;
                break;
            }
            if (::fchown(subDst.get(), st.st_uid, st.st_gid) < 0 || ::fchmod(subDst.get(), st.st_mode & 07777) < 0) {
                status = fail(Error::fromErrno("chown/chmod " + path.toStdString(), errno));
                break;
            }
            const timespec times[2] = {st.st_atim, st.st_mtim};
            (void)::futimens(subDst.get(), times);
        } else if (::linkat(srcFd, name, dstFd, name, 0) < 0) {
            status = fail(Error::fromErrno("link " + path.toStdString(), errno));
            break;
        }
    }
    ::closedir(dir);
    return status;
}

// The runtime's mount points that landed in the writable layer: the
// /etc files berthd bind-mounts (empty files in the upper dir) and the
// /dev, /proc, /sys directories when the image lacked them. dockerd keeps
// them in the container's init layer, which a commit leaves out; so does
// Berth, or every RUN layer would carry them.
void dropMountPoints(const QString &upper, const QStringList &lowerDirs)
{
    const auto inLower = [&lowerDirs](const QString &rel) {
        for (const QString &l : lowerDirs) {
            struct stat st{};
            if (::lstat(QFile::encodeName(l + u'/' + rel).constData(), &st) == 0)
                return true;
        }
        return false;
    };
    for (const char *file : {"etc/hostname", "etc/hosts", "etc/resolv.conf"}) {
        const QByteArray path = QFile::encodeName(upper + u'/' + QLatin1String(file));
        struct stat st{};
        if (::lstat(path.constData(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
            (void)::unlink(path.constData());
    }
    for (const char *dir : {"etc", "dev", "proc", "sys"}) {
        const QByteArray path = QFile::encodeName(upper + u'/' + QLatin1String(dir));
        struct stat up{};
        if (::lstat(path.constData(), &up) < 0 || !S_ISDIR(up.st_mode))
            continue;
        if (inLower(QLatin1String(dir))) {
            // Copied up only as the parent of a mount point: same metadata
            // as the image's, nothing in it, not opaque.
            struct stat low{};
            bool same = false;
            for (const QString &l : lowerDirs) {
                if (::lstat(QFile::encodeName(l + u'/' + QLatin1String(dir)).constData(), &low) == 0) {
                    same = S_ISDIR(low.st_mode) && low.st_mode == up.st_mode && low.st_uid == up.st_uid
                           && low.st_gid == up.st_gid;
                    break;
                }
            }
            char value[8];
            const bool opaque = ::lgetxattr(path.constData(), "trusted.overlay.opaque", value, sizeof value) > 0;
            if (!same || opaque)
                continue;
        }
        // rmdir only removes it when it is empty
        (void)::rmdir(path.constData());
    }
}

} // namespace

struct BuildContainerRunner::Step
{
    Engine::BuildRunRequest request;
    Engine::ImageRecord image;
    QStringList lowerDirs; // relative to <root>/layers
    QString id;
    std::unique_ptr<Engine::ContainerLogReader> reader;
    std::unique_ptr<Engine::ContainerLogWatcher> watcher;
    quint64 waitToken = 0;
    bool exited = false;
    bool finished = false; // owner thread

    std::mutex mutex;
    std::optional<Result<int>> result; // under mutex
    QEventLoop *waker = nullptr;       // under mutex: the engine thread's wait
};

BuildContainerRunner::BuildContainerRunner(ContainerSupervisor *supervisor, Engine::ImageStore *store, Options options,
                                           std::function<void(const QString &)> stream, QObject *parent)
    : QObject(parent)
    , m_supervisor(supervisor)
    , m_store(store)
    , m_options(options)
    , m_stream(std::move(stream))
    , m_alive(std::make_shared<std::atomic<bool>>(true))
{
}

BuildContainerRunner::~BuildContainerRunner()
{
    cancel();
    *m_alive = false;
}

Engine::BuildRunner BuildContainerRunner::runner()
{
    std::shared_ptr<std::atomic<bool>> alive = m_alive;
    return [alive, this](const Engine::BuildRunRequest &request) -> Result<int> {
        if (!*alive)
            return fail(cancelledError());
        return run(request, alive);
    };
}

Result<int> BuildContainerRunner::run(const Engine::BuildRunRequest &request,
                                      const std::shared_ptr<std::atomic<bool>> &alive)
{
    if (m_cancelled)
        return fail(cancelledError());
    auto step = std::make_shared<Step>();
    step->request = request;
    // Engine thread: the image record and its layer dirs.
    if (request.image.isValid()) {
        auto record = m_store->image(request.image);
        if (!record)
            return fail(record.error());
        step->image = *record;
        for (auto it = record->chainIds.crbegin(); it != record->chainIds.crend(); ++it)
            step->lowerDirs.append(it->hex() + QStringLiteral("/diff"));
    }
    QMetaObject::invokeMethod(this, [this, step] { startStep(step); }, Qt::QueuedConnection);

    // The step's container can run for minutes. Waiting for it must not stall
    // the engine thread: a nested event loop keeps serving the other engine
    // jobs meanwhile (image list and inspect, the image lookup of `docker run`,
    // other builds). Whatever such a job changes, this build only uses values
    // it copied and queries the store afresh after the step; the images it
    // builds on are in use by the step's container, so rmi and prune refuse
    // them. finishStep() ends the loop; the timer notices a runner that went
    // away before its queued start ran (berthd shutting down).
    QEventLoop loop;
    QTimer check;
    check.setInterval(200);
    QObject::connect(&check, &QTimer::timeout, &loop, [&loop, alive] {
        if (!*alive)
            loop.quit();
    });
    {
        std::lock_guard lock(step->mutex);
        if (!step->result)
            step->waker = &loop;
    }
    if (step->waker) {
        check.start();
        loop.exec();
    }
    std::lock_guard lock(step->mutex);
    step->waker = nullptr;
    if (step->result)
        return *step->result;
    return fail(cancelledError());
}

void BuildContainerRunner::startStep(const std::shared_ptr<Step> &step)
{
    if (m_cancelled)
        return finishStep(step, fail(cancelledError()));
    m_current = step;
    const Engine::BuildRunRequest &request = step->request;

    QJsonArray env = request.config.value(QStringLiteral("Env")).toArray();
    for (const QString &e : request.extraEnv)
        env.append(e);
    QJsonObject body{
        {QStringLiteral("Image"), request.image.toString()},
        {QStringLiteral("Cmd"), QJsonArray::fromStringList(request.argv)},
        {QStringLiteral("Entrypoint"), QJsonArray{QString()}},
        {QStringLiteral("Env"), env},
        {QStringLiteral("User"), request.config.value(QStringLiteral("User"))},
        {QStringLiteral("WorkingDir"), request.config.value(QStringLiteral("WorkingDir"))},
        {QStringLiteral("AttachStdout"), true},
        {QStringLiteral("AttachStderr"), true},
        {QStringLiteral("HostConfig"), QJsonObject{{QStringLiteral("NetworkMode"), m_options.networkMode}}},
    };
    Engine::ContainerStore &store = m_supervisor->store();
    ContainerConfig::CreateContext ctx;
    ctx.id = store.newId();
    ctx.name = store.newName();
    ctx.created = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    // The stage's config (not the base image's) is what the command sees.
    ctx.image = step->image;
    QJsonObject imageConfig = ctx.image.config;
    QJsonObject stageConfig = request.config;
    stageConfig.remove(QStringLiteral("Entrypoint"));
    stageConfig.remove(QStringLiteral("Cmd"));
    stageConfig.remove(QStringLiteral("Env"));
    // A step container gets no anonymous volumes (what RUN writes under a
    // VOLUME path is then committed: dockerd discards it) and no healthcheck.
    stageConfig.remove(QStringLiteral("Volumes"));
    stageConfig.remove(QStringLiteral("Healthcheck"));
    imageConfig.insert(QStringLiteral("config"), stageConfig);
    ctx.image.config = imageConfig;
    ctx.image.id = request.image;
    ctx.imageRef = request.image.toString();
    ctx.hostCpus = 1;
    ctx.volumeMountpoint = [](const QString &name) -> Result<QString> {
        return fail(ErrorCode::InvalidArgument, "a build step cannot mount the volume " + name.toStdString());
    };
    ctx.createHostDirectory = [](const QString &path) -> Status {
        return fail(ErrorCode::InvalidArgument, "a build step cannot bind " + path.toStdString());
    };
    auto record = ContainerConfig::buildRecord(body, ctx);
    if (!record)
        return finishStep(step, fail(record.error()));
    record->lowerDirs = step->lowerDirs;
    if (auto ok = m_supervisor->create(*record); !ok)
        return finishStep(step, fail(ok.error()));
    step->id = record->id;
    m_stream(QStringLiteral(" ---> Running in %1\n").arg(record->shortId()));

    const QString logPath = store.bundlePath(step->id) + QStringLiteral("/container.log");
    step->reader = std::make_unique<Engine::ContainerLogReader>(logPath);
    if (auto ok = step->reader->open(); !ok)
        qCWarning(lcDaemon).noquote() << "build: cannot read the log of" << step->id << Common::toQString(ok.error());
    step->watcher = std::make_unique<Engine::ContainerLogWatcher>(logPath);
    connect(step->watcher.get(), &Engine::ContainerLogWatcher::changed, this, [this, step] { pumpLog(step); });
    if (auto ok = step->watcher->start(); !ok)
        qCWarning(lcDaemon).noquote() << "build: cannot watch the log of" << step->id << Common::toQString(ok.error());

    QPointer<BuildContainerRunner> self(this);
    step->waitToken = m_supervisor->wait(step->id, ContainerSupervisor::WaitCondition::NextExit,
                                         [self, step](ContainerSupervisor::WaitResult r) {
                                             if (self)
                                                 self->stepExited(step, r.statusCode, r.error);
                                         });
    m_supervisor->start(step->id, [self, step](Status ok) {
        if (!self || ok || step->finished)
            return;
        // The runtime's message (exec not found, ...): the container goes.
        self->m_supervisor->cancelWait(step->waitToken);
        const Error error = ok.error();
        const QString id = step->id;
        self->m_supervisor->remove(id, true, [self, step, error](Status) {
            if (self)
                self->finishStep(step, fail(error));
        });
    });
}

void BuildContainerRunner::pumpLog(const std::shared_ptr<Step> &step)
{
    if (!step->reader || step->finished)
        return;
    for (;;) {
        auto entry = step->reader->next();
        if (!entry || !*entry)
            return;
        m_stream(QString::fromUtf8((*entry)->text));
    }
}

void BuildContainerRunner::stepExited(const std::shared_ptr<Step> &step, int exitCode, const QString &error)
{
    if (step->finished || step->exited)
        return;
    step->exited = true;
    pumpLog(step);
    step->watcher.reset();
    if (!error.isEmpty())
        qCWarning(lcDaemon).noquote() << "build: step container" << step->id << "ended with an error:" << error;
    const QString bundle = m_supervisor->store().bundlePath(step->id);
    const QString upper = bundle + QStringLiteral("/upper");
    Result<int> result = exitCode;
    if (exitCode == 0) {
        dropMountPoints(upper, step->request.lowerDirs);
        // The container's writable layer becomes the step's layer dir.
        if (m_options.removeAfterSuccess) {
            if (::rename(QFile::encodeName(upper).constData(), QFile::encodeName(step->request.upperDir).constData()) < 0)
                result = fail(Error::fromErrno("rename " + upper.toStdString() + " to " + step->request.upperDir.toStdString(), errno));
        } else {
            UniqueFd src(::open(QFile::encodeName(upper).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            UniqueFd dst(::open(QFile::encodeName(step->request.upperDir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!src.isValid() || !dst.isValid())
                result = fail(Error::fromErrno("open " + upper.toStdString(), errno));
            else if (auto ok = linkTree(src.get(), dst.get(), upper); !ok)
                result = fail(ok.error());
        }
    }
    const bool remove = m_options.removeAlways || m_options.removeAfterSuccess;
    if (!remove)
        return finishStep(step, result);
    if (exitCode == 0 && result)
        m_stream(QStringLiteral("Removing intermediate container %1\n").arg(step->id.left(12)));
    QPointer<BuildContainerRunner> self(this);
    m_supervisor->remove(step->id, true, [self, step, result](Status ok) {
        if (!ok)
            qCWarning(lcDaemon).noquote() << "build: removing the step container" << step->id << "failed:"
                                          << Common::toQString(ok.error());
        if (self)
            self->finishStep(step, result);
    });
}

void BuildContainerRunner::finishStep(const std::shared_ptr<Step> &step, Result<int> result)
{
    if (step->finished)
        return;
    step->finished = true;
    step->watcher.reset();
    if (m_current == step)
        m_current.reset();
    std::lock_guard lock(step->mutex);
    step->result = std::move(result);
    if (step->waker)
        QMetaObject::invokeMethod(step->waker, &QEventLoop::quit, Qt::QueuedConnection);
}

void BuildContainerRunner::cancel()
{
    m_cancelled = true;
    std::shared_ptr<Step> step = m_current;
    if (!step)
        return;
    if (!step->id.isEmpty()) {
        m_supervisor->cancelWait(step->waitToken);
        const QString id = step->id;
        m_supervisor->remove(id, true, [id](Status ok) {
            if (!ok)
                qCWarning(lcDaemon).noquote() << "build: removing the cancelled step container" << id << "failed:"
                                              << Common::toQString(ok.error());
        });
    }
    finishStep(step, fail(cancelledError()));
}

} // namespace Berth::Daemon
