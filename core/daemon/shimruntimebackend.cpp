#include "shimruntimebackend.h"

#include "daemonlogging.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QProcess>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <utility>
#include <unistd.h>

extern char **environ;

namespace Berth::Daemon {

namespace {

constexpr int kRequestTimeoutMs = 15000;
constexpr int kShimTimeoutMs = 60000;
// How long cleanup waits for a shim to finish its own teardown.
constexpr int kShimTeardownMs = 10000;
constexpr qsizetype kMaxLine = 64 * 1024;

std::unexpected<Error> sysFail(const QString &operation, int err)
{
    return fail(Error::fromErrno(operation.toStdString(), err));
}

// Connects to <bundle>/<name>, through /proc/self/fd/<dirfd>/ when the full
// path does not fit in sun_path (README 1).
Result<UniqueFd> connectSocket(const QString &bundle, const QString &name)
{
    const QByteArray full = QFile::encodeName(bundle + u'/' + name);
    UniqueFd dir;
    QByteArray path = full;
    struct sockaddr_un addr = {};
    if (size_t(full.size()) >= sizeof addr.sun_path) {
        dir.reset(::open(QFile::encodeName(bundle).constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir)
            return sysFail(QStringLiteral("open bundle ") + bundle, errno);
        path = "/proc/self/fd/" + QByteArray::number(dir.get()) + '/' + QFile::encodeName(name);
        if (size_t(path.size()) >= sizeof addr.sun_path)
            return fail(ErrorCode::InvalidArgument, "socket name too long: " + full.toStdString());
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.constData(), size_t(path.size()) + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return sysFail(QStringLiteral("create socket for ") + QString::fromLocal8Bit(full), errno);
    int rc;
    do {
        rc = ::connect(fd.get(), reinterpret_cast<struct sockaddr *>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0)
        return sysFail(QStringLiteral("connect to ") + QString::fromLocal8Bit(full), errno);
    return fd;
}

Status writeAllFd(int fd, const QByteArray &data, const QString &what)
{
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.constData() + done, size_t(data.size() - done), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sysFail(QStringLiteral("write to ") + what, errno);
        }
        done += n;
    }
    return {};
}

// Reads one line and nothing after its newline (an attach stream follows
// the "ok" line): peeks at what came, then takes up to the newline, so a
// reply costs one poll and two reads instead of one read per byte.
Result<QByteArray> readLine(int fd, int timeoutMs, const QString &what)
{
    QByteArray line;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int rc = ::poll(&p, 1, timeoutMs);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return sysFail(QStringLiteral("wait for ") + what, errno);
        }
        if (rc == 0)
            return fail(ErrorCode::Timeout, "no reply from " + what.toStdString() + " within "
                                                + std::to_string(timeoutMs) + " ms");
        char buf[1024];
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && errno == ENOTSOCK) {
            n = 1; // not a socket: a byte at a time
            buf[0] = 0;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return sysFail(QStringLiteral("read from ") + what, errno);
        }
        if (n == 0)
            return fail(ErrorCode::Unavailable, what.toStdString() + " closed the connection without a reply");
        const char *nl = static_cast<const char *>(std::memchr(buf, '\n', size_t(n)));
        const size_t want = nl ? size_t(nl - buf) + 1 : size_t(n);
        ssize_t got;
        do {
            got = ::read(fd, buf, want);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            if (errno == EAGAIN)
                continue;
            return sysFail(QStringLiteral("read from ") + what, errno);
        }
        if (got == 0)
            return fail(ErrorCode::Unavailable, what.toStdString() + " closed the connection without a reply");
        if (got > 0 && buf[got - 1] == '\n') {
            line.append(buf, got - 1);
            return line;
        }
        line.append(buf, got);
        if (line.size() > kMaxLine)
            return fail(ErrorCode::Protocol, what.toStdString() + " sent an over-long line");
    }
}

Result<QJsonObject> parseReply(const QByteArray &line, const QString &what)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (!doc.isObject())
        return fail(ErrorCode::Protocol, what.toStdString() + " replied with something that is not a JSON object: "
                                             + error.errorString().toStdString());
    const QJsonObject o = doc.object();
    if (o.contains(QStringLiteral("error"))) {
        // The shim's own wording (docker's CLI derives 126/127 from it).
        return fail(ErrorCode::InvalidArgument, o.value(QStringLiteral("error")).toString().toStdString());
    }
    return o;
}

RuntimeState stateFromJson(const QJsonObject &o)
{
    RuntimeState s;
    s.status = o.value(QStringLiteral("status")).toString();
    s.pid = o.value(QStringLiteral("pid")).toInteger();
    s.startedAt = o.value(QStringLiteral("startedAt")).toString();
    s.finishedAt = o.value(QStringLiteral("finishedAt")).toString();
    s.exitCode = o.value(QStringLiteral("exitCode")).toInt();
    s.oomKilled = o.value(QStringLiteral("oomKilled")).toBool();
    s.paused = o.value(QStringLiteral("paused")).toBool();
    return s;
}

RuntimeExit exitFromJson(const QJsonObject &o)
{
    RuntimeExit e;
    e.exitCode = o.value(QStringLiteral("exitCode")).toInt();
    e.signal = o.value(QStringLiteral("signal")).toInt();
    e.oomKilled = o.value(QStringLiteral("oomKilled")).toBool();
    e.startedAt = o.value(QStringLiteral("startedAt")).toString();
    e.finishedAt = o.value(QStringLiteral("finishedAt")).toString();
    e.error = o.value(QStringLiteral("error")).toString();
    return e;
}

RuntimeCreated createdFromJson(const QJsonObject &o)
{
    RuntimeCreated c;
    c.pid = o.value(QStringLiteral("pid")).toInteger();
    c.shimPid = o.value(QStringLiteral("shimPid")).toInteger();
    for (const QJsonValue &v : o.value(QStringLiteral("ports")).toArray()) {
        const QJsonObject p = v.toObject();
        c.ports.append(RuntimePort{p.value(QStringLiteral("protocol")).toString(QStringLiteral("tcp")),
                                   p.value(QStringLiteral("hostIp")).toString(),
                                   p.value(QStringLiteral("hostPort")).toInt(),
                                   p.value(QStringLiteral("containerPort")).toInt()});
    }
    return c;
}

QJsonObject attachMessage(const RuntimeAttachOptions &options)
{
    QJsonArray keys;
    for (char c : options.detachKeys)
        keys.append(int(static_cast<unsigned char>(c)));
    return QJsonObject{{QStringLiteral("op"), QStringLiteral("attach")},
                       {QStringLiteral("stdin"), options.stdinStream},
                       {QStringLiteral("stdout"), options.stdoutStream},
                       {QStringLiteral("stderr"), options.stderrStream},
                       {QStringLiteral("detachKeys"), keys}};
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks), or -1.
qint64 processStartTime(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    // fields[0] is field 3 (state): field 22 is fields[19].
    if (fields.size() < 20)
        return -1;
    bool ok = false;
    const qint64 t = fields.at(19).toLongLong(&ok);
    return ok ? t : -1;
}

// True while pid is the process that started at `start` and has not exited
// (a zombie waiting for its reaper counts as exited).
bool processRunning(qint64 pid, qint64 start)
{
    if (processStartTime(pid) != start)
        return false;
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray stat = f.readAll();
    const qsizetype close = stat.lastIndexOf(')');
    return close >= 0 && stat.size() > close + 2 && stat.at(close + 2) != 'Z' && stat.at(close + 2) != 'X';
}

Result<QJsonObject> readJsonFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(ErrorCode::NotFound, "open " + path.toStdString() + ": " + f.errorString().toStdString());
    const QJsonDocument doc = QJsonDocument::fromJson(f.read(kMaxLine));
    if (!doc.isObject())
        return fail(ErrorCode::Protocol, path.toStdString() + " is not a JSON object");
    return doc.object();
}

// The root of a container while `berth-shim rootfs` (or the container's
// init) keeps it: an O_PATH fd of /proc/<pid>/root.
class ShimRootfsHandle : public RootfsHandle
{
public:
    ShimRootfsHandle(UniqueFd root, qint64 pid, pid_t helper, UniqueFd helperStdin)
        : m_root(std::move(root)), m_pid(pid), m_helper(helper), m_helperStdin(std::move(helperStdin))
    {}
    ~ShimRootfsHandle() override
    {
        m_root.reset();
        if (m_helper > 0) {
            // End of stdin tells the helper to unmount and exit; reap it
            // off the caller's thread.
            m_helperStdin.reset();
            std::thread([pid = m_helper] {
                int status;
                while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            }).detach();
        }
    }
    int dirFd() const override { return m_root.get(); }
    qint64 pid() const override { return m_pid; }

private:
    UniqueFd m_root;
    qint64 m_pid;
    pid_t m_helper;
    UniqueFd m_helperStdin;
};

// A connection to a shim socket that asked for its exit and teardown lines.
Result<UniqueFd> openWatch(const QString &dir, const QString &socketName)
{
    auto fd = connectSocket(dir, socketName);
    if (!fd)
        return fail(fd.error());
    if (auto ok = writeAllFd(fd->get(), "{\"op\":\"watch\"}\n", socketName); !ok)
        return fail(ok.error());
    ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
    return std::move(*fd);
}

} // namespace

struct ShimRuntimeBackend::Watch
{
    QString id;
    QString execId;
    UniqueFd fd;
    std::unique_ptr<QSocketNotifier> notifier;
    QByteArray buffer;
    bool reported = false;
    // The shim's teardown line said no cgroup, veth or proxy is left.
    bool tornDown = false;
    // cleanup() calls that came after the exit line, before the teardown line.
    QList<std::function<void()>> afterEnd;
};

ShimRuntimeBackend::ShimRuntimeBackend(const QString &shimPath, const QString &containersDir, QObject *parent)
    : RuntimeBackend(parent)
    , m_shimPath(shimPath)
    , m_containersDir(containersDir)
{
    m_pool.setMaxThreadCount(8);
    m_pool.setObjectName(QStringLiteral("berth-runtime"));
    // BERTH_NETNS_POOL: the pool's size (0: off, every shim makes its own
    // namespace as before); unset: NetnsPool::kDefaultSize.
    bool sized = false;
    const int size = qEnvironmentVariableIntValue("BERTH_NETNS_POOL", &sized);
    if (!sized || size > 0) {
        m_netnsPool = std::make_unique<NetnsPool>(sized ? qMin(size, 64) : NetnsPool::kDefaultSize);
        m_netnsPool->start();
    }
}

ShimRuntimeBackend::~ShimRuntimeBackend()
{
    m_watches.clear();
    m_pool.waitForDone();
}

QString ShimRuntimeBackend::runtimeName() const
{
    return QStringLiteral("berth-shim");
}

QString ShimRuntimeBackend::bundle(const QString &id) const
{
    return m_containersDir + u'/' + id;
}

template<typename T>
void ShimRuntimeBackend::offload(std::function<T()> job, std::function<void(T)> deliver)
{
    QPointer<ShimRuntimeBackend> self(this);
    m_pool.start([self, job = std::move(job), deliver = std::move(deliver)] {
        auto result = std::make_shared<T>(job());
        if (!self)
            return;
        QMetaObject::invokeMethod(self.data(), [deliver, result] { deliver(std::move(*result)); },
                                  Qt::QueuedConnection);
    });
}

void ShimRuntimeBackend::request(const QString &id, const QString &socketName, const QJsonObject &message,
                                 Callback<QJsonObject> done)
{
    const QString dir = bundle(id);
    const QByteArray line = QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n';
    offload<Result<QJsonObject>>(
        [dir, socketName, line]() -> Result<QJsonObject> {
            const QString what = QStringLiteral("shim socket ") + dir + u'/' + socketName;
            auto fd = connectSocket(dir, socketName);
            if (!fd)
                return fail(fd.error());
            if (auto ok = writeAllFd(fd->get(), line, what); !ok)
                return fail(ok.error());
            auto reply = readLine(fd->get(), kRequestTimeoutMs, what);
            if (!reply)
                return fail(reply.error());
            return parseReply(*reply, what);
        },
        std::move(done));
}

UniqueFd ShimRuntimeBackend::takeNetnsFor(const QString &bundleDir)
{
    if (!m_netnsPool || m_netnsPool->available() == 0)
        return UniqueFd();
    // supervisor wrote shim.json just before create: its network mode
    // decides (host: the container shares berthd's namespace, no pool).
    QFile file(bundleDir + QStringLiteral("/shim.json"));
    if (!file.open(QIODevice::ReadOnly))
        return UniqueFd();
    const QJsonObject spec = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonValue mode = spec.value(QLatin1String("network")).toObject().value(QLatin1String("mode"));
    // The shim's default mode is bridge (README 2).
    const QString name = mode.isUndefined() ? QStringLiteral("bridge") : mode.toString();
    if (name != QLatin1String("none") && name != QLatin1String("bridge"))
        return UniqueFd();
    return m_netnsPool->take();
}

void ShimRuntimeBackend::runShim(const QStringList &arguments, Callback<QJsonObject> done, UniqueFd netns)
{
    auto *process = new QProcess(this);
    process->setProgram(m_shimPath);
    if (netns && netns.get() < 3) {
        // QProcess puts the child's stdio on 0-2 (a berthd started with
        // one of them closed); the shim takes 3 and above only.
        UniqueFd moved(::fcntl(netns.get(), F_DUPFD_CLOEXEC, 3));
        netns = std::move(moved);
    }
    if (netns) {
        // The pool's fds are close-on-exec (no other spawn gets one): the
        // shim's copy loses the flag in the forked child only, at the same
        // number, so no fd QProcess itself uses in the child is clobbered.
        const int fd = netns.get();
        process->setArguments(arguments + QStringList{QStringLiteral("--netns-fd"), QString::number(fd)});
        process->setChildProcessModifier([fd] { ::fcntl(fd, F_SETFD, 0); });
    } else {
        process->setArguments(arguments);
    }
    process->setProcessChannelMode(QProcess::SeparateChannels);
    process->setStandardInputFile(QProcess::nullDevice());
    auto finished = std::make_shared<bool>(false);
    const QString what = QStringLiteral("berth-shim ") + arguments.value(0);
    auto finish = [process, done, finished, what](Result<QJsonObject> result) {
        if (*finished)
            return;
        *finished = true;
        process->deleteLater();
        done(std::move(result));
    };
    connect(process, &QProcess::errorOccurred, this, [process, finish, what](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            finish(fail(ErrorCode::Internal, "run " + what.toStdString() + " (" + process->program().toStdString()
                                                 + "): " + process->errorString().toStdString()));
    });
    connect(process, &QProcess::finished, this, [process, finish, what](int exitCode, QProcess::ExitStatus status) {
        const QByteArray err = process->readAllStandardError().trimmed();
        if (!err.isEmpty())
            qCDebug(lcDaemon).noquote() << what << "stderr:" << QString::fromLocal8Bit(err);
        const QList<QByteArray> lines = process->readAllStandardOutput().trimmed().split('\n');
        const QByteArray line = lines.isEmpty() ? QByteArray() : lines.last().trimmed();
        if (line.isEmpty()) {
            const std::string why = status == QProcess::CrashExit ? "crashed" : "exited " + std::to_string(exitCode);
            finish(fail(ErrorCode::Internal, what.toStdString() + " " + why + " without a reply"
                                                 + (err.isEmpty() ? std::string() : ": " + err.toStdString())));
            return;
        }
        finish(parseReply(line, what));
    });
    QTimer *timer = new QTimer(process);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [process, finish, what] {
        process->kill();
        finish(fail(ErrorCode::Timeout, what.toStdString() + " did not answer within "
                                            + std::to_string(kShimTimeoutMs / 1000) + " s"));
    });
    timer->start(kShimTimeoutMs);
    process->start();
    // The shim has its copy (or failed to start); each namespace is handed out once.
    netns.reset();
}

void ShimRuntimeBackend::create(const QString &id, Callback<RuntimeCreated> done)
{
    m_tornDown.remove(id);
    // A restart right after an exit: the previous shim may still be going.
    afterShimExit(id, [this, dir = bundle(id), done] {
        runShim({QStringLiteral("create"), QStringLiteral("--bundle"), dir},
                [done](Result<QJsonObject> reply) {
                    if (!reply)
                        return done(fail(reply.error()));
                    done(createdFromJson(*reply));
                },
                takeNetnsFor(dir));
    });
}

void ShimRuntimeBackend::start(const QString &id, StatusCallback done)
{
    // The watch connects before start, on the same worker: a container that
    // exits at once (run --rm IMAGE true) is still seen through its exit and
    // teardown lines. Connected after start, it found the shim gone and the
    // removal had to poll /proc for the shim and run `berth-shim cleanup`.
    struct Started
    {
        Result<QJsonObject> reply = fail(ErrorCode::Internal, "start");
        Result<UniqueFd> watch = fail(ErrorCode::Internal, "watch");
    };
    const QString dir = bundle(id);
    const bool watching = m_watches.contains(id);
    offload<std::shared_ptr<Started>>(
        [dir, watching]() {
            auto out = std::make_shared<Started>();
            const QString socketName = QStringLiteral("shim.sock");
            if (!watching)
                out->watch = openWatch(dir, socketName);
            const QString what = QStringLiteral("shim socket ") + dir + u'/' + socketName;
            auto fd = connectSocket(dir, socketName);
            if (!fd) {
                out->reply = fail(fd.error());
                return out;
            }
            if (auto ok = writeAllFd(fd->get(), "{\"op\":\"start\"}\n", what); !ok) {
                out->reply = fail(ok.error());
                return out;
            }
            auto reply = readLine(fd->get(), kRequestTimeoutMs, what);
            out->reply = reply ? parseReply(*reply, what) : Result<QJsonObject>(fail(reply.error()));
            return out;
        },
        [this, id, done](std::shared_ptr<Started> started) {
            if (!started->reply)
                return done(fail(started->reply.error())); // the watch socket closes unused
            // A failed watch connection is retried by watch().
            if (started->watch && !m_watches.contains(id)) {
                auto watch = std::make_shared<Watch>();
                watch->id = id;
                m_watches.insert(id, watch);
                installWatch(id, watch, std::move(*started->watch));
            }
            done({});
        });
}

void ShimRuntimeBackend::attach(const QString &id, const RuntimeAttachOptions &options, Callback<UniqueFd> done)
{
    execAttach(id, QString(), options, std::move(done));
}

void ShimRuntimeBackend::resize(const QString &id, int height, int width, StatusCallback done)
{
    execResize(id, QString(), height, width, std::move(done));
}

void ShimRuntimeBackend::kill(const QString &id, int signal, StatusCallback done)
{
    execKill(id, QString(), signal, std::move(done));
}

void ShimRuntimeBackend::freeze(const QString &id, bool frozen, StatusCallback done)
{
    request(id, QStringLiteral("shim.sock"),
            QJsonObject{{QStringLiteral("op"), frozen ? QStringLiteral("pause") : QStringLiteral("unpause")}},
            [done](Result<QJsonObject> reply) {
                if (!reply)
                    return done(fail(reply.error()));
                done({});
            });
}

void ShimRuntimeBackend::state(const QString &id, Callback<RuntimeState> done)
{
    request(id, QStringLiteral("shim.sock"), QJsonObject{{QStringLiteral("op"), QStringLiteral("state")}},
            [done](Result<QJsonObject> reply) {
                if (!reply)
                    return done(fail(reply.error()));
                done(stateFromJson(*reply));
            });
}

void ShimRuntimeBackend::watch(const QString &id)
{
    startWatch(id, QString());
}

void ShimRuntimeBackend::execCreate(const QString &id, const QString &execId, qint64 containerPid,
                                    Callback<RuntimeCreated> done)
{
    runShim({QStringLiteral("exec"), QStringLiteral("--bundle"), bundle(id), QStringLiteral("--exec-id"), execId,
             QStringLiteral("--pid"), QString::number(containerPid)},
            [done](Result<QJsonObject> reply) {
                if (!reply)
                    return done(fail(reply.error()));
                done(createdFromJson(*reply));
            });
}

void ShimRuntimeBackend::execStart(const QString &id, const QString &execId, StatusCallback done)
{
    request(id, QStringLiteral("exec/") + execId + QStringLiteral(".sock"),
            QJsonObject{{QStringLiteral("op"), QStringLiteral("start")}},
            [done](Result<QJsonObject> reply) { done(reply ? Status() : Status(fail(reply.error()))); });
}

void ShimRuntimeBackend::execAttach(const QString &id, const QString &execId, const RuntimeAttachOptions &options,
                                    Callback<UniqueFd> done)
{
    const QString dir = bundle(id);
    const QString socketName = execId.isEmpty() ? QStringLiteral("shim.sock")
                                                : QString(QStringLiteral("exec/") + execId + QStringLiteral(".sock"));
    const QByteArray line = QJsonDocument(attachMessage(options)).toJson(QJsonDocument::Compact) + '\n';
    // UniqueFd is move-only: carry it in a shared_ptr through the queue.
    offload<std::shared_ptr<Result<UniqueFd>>>(
        [dir, socketName, line]() {
            auto out = std::make_shared<Result<UniqueFd>>(fail(ErrorCode::Internal, "attach"));
            const QString what = QStringLiteral("shim socket ") + dir + u'/' + socketName;
            auto fd = connectSocket(dir, socketName);
            if (!fd) {
                *out = fail(Error(fd.error()).wrap("attach"));
                return out;
            }
            if (auto ok = writeAllFd(fd->get(), line, what); !ok) {
                *out = fail(ok.error());
                return out;
            }
            auto reply = readLine(fd->get(), kRequestTimeoutMs, what);
            if (!reply) {
                *out = fail(reply.error());
                return out;
            }
            if (auto parsed = parseReply(*reply, what); !parsed) {
                *out = fail(parsed.error());
                return out;
            }
            *out = std::move(*fd);
            return out;
        },
        [done](std::shared_ptr<Result<UniqueFd>> result) { done(std::move(*result)); });
}

void ShimRuntimeBackend::execResize(const QString &id, const QString &execId, int height, int width,
                                    StatusCallback done)
{
    const QString socketName = execId.isEmpty() ? QStringLiteral("shim.sock")
                                                : QString(QStringLiteral("exec/") + execId + QStringLiteral(".sock"));
    request(id, socketName,
            QJsonObject{{QStringLiteral("op"), QStringLiteral("resize")},
                        {QStringLiteral("height"), height},
                        {QStringLiteral("width"), width}},
            [done](Result<QJsonObject> reply) { done(reply ? Status() : Status(fail(reply.error()))); });
}

void ShimRuntimeBackend::execKill(const QString &id, const QString &execId, int signal, StatusCallback done)
{
    const QString socketName = execId.isEmpty() ? QStringLiteral("shim.sock")
                                                : QString(QStringLiteral("exec/") + execId + QStringLiteral(".sock"));
    request(id, socketName,
            QJsonObject{{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), signal}},
            [done](Result<QJsonObject> reply) { done(reply ? Status() : Status(fail(reply.error()))); });
}

void ShimRuntimeBackend::execWatch(const QString &id, const QString &execId)
{
    startWatch(id, execId);
}

void ShimRuntimeBackend::startWatch(const QString &id, const QString &execId)
{
    const QString key = execId.isEmpty() ? id : QString(id + u'/' + execId);
    if (m_watches.contains(key))
        return;
    auto watch = std::make_shared<Watch>();
    watch->id = id;
    watch->execId = execId;
    m_watches.insert(key, watch);
    const QString dir = bundle(id);
    const QString socketName = execId.isEmpty() ? QStringLiteral("shim.sock")
                                                : QString(QStringLiteral("exec/") + execId + QStringLiteral(".sock"));
    offload<std::shared_ptr<Result<UniqueFd>>>(
        [dir, socketName]() { return std::make_shared<Result<UniqueFd>>(openWatch(dir, socketName)); },
        [this, key, watch](std::shared_ptr<Result<UniqueFd>> fd) {
            if (m_watches.value(key) != watch)
                return;
            if (!*fd) {
                // No shim to ask: what it left on disk says how it ended.
                qCDebug(lcDaemon).noquote() << "watch" << key << QString::fromStdString(fd->error().toString());
                watchEnded(key);
                return;
            }
            installWatch(key, watch, std::move(**fd));
        });
}

void ShimRuntimeBackend::installWatch(const QString &key, const std::shared_ptr<Watch> &watch, UniqueFd fd)
{
    watch->fd = std::move(fd);
    watch->notifier = std::make_unique<QSocketNotifier>(watch->fd.get(), QSocketNotifier::Read);
    connect(watch->notifier.get(), &QSocketNotifier::activated, this, [this, key, watch] {
        char buf[4096];
        bool eof = false;
        for (;;) {
            const ssize_t n = ::read(watch->fd.get(), buf, sizeof buf);
            if (n > 0) {
                watch->buffer.append(buf, n);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EAGAIN)
                break;
            eof = true; // EOF or error: the shim is done with us
            break;
        }
        qsizetype nl;
        while ((nl = watch->buffer.indexOf('\n')) >= 0) {
            const QByteArray line = watch->buffer.left(nl);
            watch->buffer.remove(0, nl + 1);
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o.value(QStringLiteral("status")).toString() == QLatin1String("exited")) {
                // Report at once; the teardown line follows.
                reportExit(*watch);
            } else if (watch->reported && o.contains(QStringLiteral("teardown"))) {
                watch->tornDown = o.value(QStringLiteral("teardown")).toBool();
                if (!watch->tornDown)
                    qCWarning(lcDaemon).noquote() << "shim teardown of" << key
                                                  << o.value(QStringLiteral("error")).toString();
                eof = true;
            }
        }
        if (eof) {
            watch->notifier->setEnabled(false);
            watchEnded(key);
        }
    });
}

// The exit line (or the end of the watch without one): report the exit once,
// from exit.json, or 255 "shim died" when there is none.
void ShimRuntimeBackend::reportExit(Watch &watch)
{
    if (watch.reported)
        return;
    watch.reported = true;
    const QString dir = bundle(watch.id);
    const QString exitPath = watch.execId.isEmpty()
        ? QString(dir + QStringLiteral("/exit.json"))
        : QString(dir + QStringLiteral("/exec/") + watch.execId + QStringLiteral(".exit.json"));
    auto json = readJsonFile(exitPath);
    RuntimeExit exit;
    if (json) {
        exit = exitFromJson(*json);
    } else {
        exit.exitCode = 255;
        exit.error = QStringLiteral("shim died");
        exit.finishedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        if (watch.execId.isEmpty())
            cleanup(watch.id, [id = watch.id](Status ok) {
                if (!ok)
                    qCWarning(lcDaemon).noquote() << "cleanup of" << id << QString::fromStdString(ok.error().toString());
            });
    }
    const QString id = watch.id;
    const QString execId = watch.execId;
    // Deliver from the event loop, never from inside watch().
    QMetaObject::invokeMethod(this, [this, id, execId, exit] {
        if (execId.isEmpty())
            emit exited(id, exit);
        else
            emit execExited(id, execId, exit);
    }, Qt::QueuedConnection);
}

// The watch connection ended (teardown line, EOF, or no shim at all).
void ShimRuntimeBackend::watchEnded(const QString &key)
{
    auto watch = m_watches.take(key);
    if (!watch)
        return;
    if (watch->tornDown && watch->execId.isEmpty())
        m_tornDown.insert(watch->id);
    reportExit(*watch);
    // This may run inside the notifier's own signal: delete it later (its
    // slot holds the last reference to the watch and its fd).
    if (watch->notifier) {
        watch->notifier->setEnabled(false);
        watch->notifier.release()->deleteLater();
    }
    const auto waiting = std::move(watch->afterEnd);
    for (const auto &then : waiting)
        then();
}

void ShimRuntimeBackend::openRootfs(const QString &id, qint64 pid, Callback<std::shared_ptr<RootfsHandle>> done)
{
    const QString dir = bundle(id);
    const QByteArray shim = QFile::encodeName(m_shimPath);
    using HandleResult = std::shared_ptr<Result<std::shared_ptr<RootfsHandle>>>;
    offload<HandleResult>(
        [dir, shim, pid]() -> HandleResult {
            auto out = std::make_shared<Result<std::shared_ptr<RootfsHandle>>>(fail(ErrorCode::Internal, "rootfs"));
            if (pid > 0) {
                const qint64 before = processStartTime(pid);
                UniqueFd root(::open(QByteArray("/proc/" + QByteArray::number(pid) + "/root").constData(),
                                     O_PATH | O_DIRECTORY | O_CLOEXEC));
                if (!root) {
                    *out = sysFail(QStringLiteral("open the root of process %1").arg(pid), errno);
                    return out;
                }
                // The pid may have been reused between the caller's look and
                // the open: the start time must not have changed.
                if (before < 0 || processStartTime(pid) != before) {
                    *out = fail(ErrorCode::Conflict, "container process " + std::to_string(pid) + " is gone");
                    return out;
                }
                *out = std::shared_ptr<RootfsHandle>(new ShimRootfsHandle(std::move(root), pid, 0, UniqueFd()));
                return out;
            }
            int in[2], outp[2];
            if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(outp, O_CLOEXEC) != 0) {
                *out = sysFail(QStringLiteral("create pipes for berth-shim rootfs"), errno);
                return out;
            }
            UniqueFd inRead(in[0]), inWrite(in[1]), outRead(outp[0]), outWrite(outp[1]);
            posix_spawn_file_actions_t actions;
            posix_spawn_file_actions_init(&actions);
            posix_spawn_file_actions_adddup2(&actions, inRead.get(), 0);
            posix_spawn_file_actions_adddup2(&actions, outWrite.get(), 1);
            const QByteArray bundleArg = QFile::encodeName(dir);
            char *argv[] = {const_cast<char *>(shim.constData()), const_cast<char *>("rootfs"),
                            const_cast<char *>("--bundle"), const_cast<char *>(bundleArg.constData()), nullptr};
            pid_t helper = 0;
            const int rc = ::posix_spawn(&helper, shim.constData(), &actions, nullptr, argv, environ);
            posix_spawn_file_actions_destroy(&actions);
            inRead.reset();
            outWrite.reset();
            if (rc != 0) {
                *out = sysFail(QStringLiteral("run ") + QString::fromLocal8Bit(shim) + QStringLiteral(" rootfs"), rc);
                return out;
            }
            auto reap = [helper] {
                int status;
                while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {}
            };
            auto line = readLine(outRead.get(), kRequestTimeoutMs, QStringLiteral("berth-shim rootfs"));
            if (!line) {
                inWrite.reset();
                ::kill(helper, SIGKILL);
                reap();
                *out = fail(line.error());
                return out;
            }
            auto reply = parseReply(*line, QStringLiteral("berth-shim rootfs"));
            if (!reply) {
                inWrite.reset();
                reap();
                *out = fail(reply.error());
                return out;
            }
            const qint64 mountPid = reply->value(QStringLiteral("pid")).toInteger();
            UniqueFd root(::open(QByteArray("/proc/" + QByteArray::number(mountPid) + "/root").constData(),
                                 O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!root) {
                *out = sysFail(QStringLiteral("open the root of process %1").arg(mountPid), errno);
                inWrite.reset();
                reap();
                return out;
            }
            *out = std::shared_ptr<RootfsHandle>(new ShimRootfsHandle(std::move(root), mountPid, helper, std::move(inWrite)));
            return out;
        },
        [done](HandleResult result) { done(std::move(*result)); });
}

// A shim that reported the exit may still be tearing down (cgroup, veth,
// proxies), and is a zombie until init reaps it: `berth-shim create` and
// `cleanup` refuse while shim.pid names a live process. Calls `then` once
// the recorded shim is gone (or after kShimTeardownMs).
void ShimRuntimeBackend::afterShimExit(const QString &id, std::function<void()> then)
{
    QFile pidFile(bundle(id) + QStringLiteral("/shim.pid"));
    qint64 pid = 0, start = -1;
    if (pidFile.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = pidFile.readAll().simplified().split(' ');
        if (parts.size() >= 2) {
            pid = parts.at(0).toLongLong();
            start = parts.at(1).toLongLong();
        }
    }
    if (pid <= 0 || !processRunning(pid, start))
        return then();
    auto *timer = new QTimer(this);
    auto deadline = std::make_shared<QElapsedTimer>();
    deadline->start();
    connect(timer, &QTimer::timeout, this, [timer, deadline, pid, start, then] {
        if (processRunning(pid, start) && deadline->elapsed() < kShimTeardownMs)
            return;
        timer->stop();
        timer->deleteLater();
        then();
    });
    timer->start(5);
}

void ShimRuntimeBackend::cleanup(const QString &id, StatusCallback done)
{
    // The exit is reported and the shim is still tearing down: its teardown
    // line comes next.
    if (auto watch = m_watches.value(id); watch && watch->reported) {
        // Bounded like afterShimExit: a shim stuck in its teardown gets
        // `berth-shim cleanup` once it is gone or the time is up.
        auto once = std::make_shared<bool>(false);
        QPointer<ShimRuntimeBackend> self(this);
        watch->afterEnd.append([self, id, done, once] {
            if (self && !std::exchange(*once, true))
                self->cleanup(id, done);
        });
        QTimer::singleShot(kShimTeardownMs, this, [this, id, done, once] {
            if (std::exchange(*once, true))
                return;
            qCWarning(lcDaemon).noquote() << "shim of" << id << "did not finish its teardown in time";
            afterShimExit(id, [this, dir = bundle(id), done] {
                runShim({QStringLiteral("cleanup"), QStringLiteral("--bundle"), dir},
                        [done](Result<QJsonObject> reply) { done(reply ? Status() : Status(fail(reply.error()))); });
            });
        });
        return;
    }
    // The shim said nothing is left: no `berth-shim cleanup` to run. Only
    // the shim's last unlink and its exit remain, which nothing here needs
    // (create waits for the old shim by itself).
    if (m_tornDown.remove(id)) {
        QMetaObject::invokeMethod(this, [done] { done({}); }, Qt::QueuedConnection);
        return;
    }
    afterShimExit(id, [this, dir = bundle(id), done] {
        runShim({QStringLiteral("cleanup"), QStringLiteral("--bundle"), dir},
                [done](Result<QJsonObject> reply) { done(reply ? Status() : Status(fail(reply.error()))); });
    });
}

void ShimRuntimeBackend::adopt(const QString &id, Callback<RuntimeAdoption> done)
{
    const QString dir = bundle(id);
    QFile pidFile(dir + QStringLiteral("/shim.pid"));
    bool alive = false;
    if (pidFile.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = pidFile.readAll().simplified().split(' ');
        if (parts.size() >= 2) {
            const qint64 pid = parts.at(0).toLongLong();
            const qint64 start = parts.at(1).toLongLong();
            alive = pid > 0 && processRunning(pid, start);
        }
    }
    if (alive) {
        state(id, [this, id, done](Result<RuntimeState> s) {
            if (!s) {
                // The shim is there but no longer answers (it is tearing
                // down after the exit): what it wrote says how it ended.
                RuntimeAdoption a;
                if (auto json = readJsonFile(bundle(id) + QStringLiteral("/exit.json"))) {
                    a.exit = exitFromJson(*json);
                } else {
                    a.exit.exitCode = 255;
                    a.exit.error = QStringLiteral("shim died");
                }
                return done(a);
            }
            RuntimeAdoption a;
            a.alive = true;
            a.state = *s;
            if (s->status != QLatin1String("created"))
                watch(id);
            done(a);
        });
        return;
    }
    RuntimeAdoption a;
    if (auto json = readJsonFile(dir + QStringLiteral("/exit.json"))) {
        a.exit = exitFromJson(*json);
        // The shim tears down after writing exit.json; make sure it finished.
        cleanup(id, [done, a](Status) { done(a); });
        return;
    }
    a.exit.exitCode = 255;
    a.exit.error = QStringLiteral("shim died");
    a.exit.finishedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    cleanup(id, [done, a](Status ok) {
        if (!ok)
            qCWarning(lcDaemon).noquote() << "cleanup:" << QString::fromStdString(ok.error().toString());
        done(a);
    });
}

} // namespace Berth::Daemon
