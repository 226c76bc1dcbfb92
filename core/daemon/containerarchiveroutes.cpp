#include "containerarchiveroutes.h"

#include "containersupervisor.h"
#include "daemonlogging.h"
#include "eventbus.h"
#include "httpexchange.h"
#include "runtimebackend.h"

#include <common/event.h>
#include <engine/containerarchive.h>
#include <engine/containerstore.h>

#include <QPointer>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Berth::Daemon {

namespace {

constexpr qsizetype kMaxPending = 1024 * 1024;
constexpr qsizetype kChunk = 256 * 1024;

// docker's wording for a missing path; other errors pass through.
Error archiveError(const Error &error, const QString &path, const QString &ref)
{
    if (error.code() == ErrorCode::NotFound)
        return Error(ErrorCode::NotFound,
                     QStringLiteral("Could not find the file %1 in container %2").arg(path, ref).toStdString());
    return error;
}

void publish(EventBus *events, const Engine::ContainerRecord &record, const QString &action, const QString &path)
{
    if (!events)
        return;
    Common::Event e;
    e.type = QStringLiteral("container");
    e.action = action;
    e.actorId = record.id;
    e.attributes.insert(QStringLiteral("image"), record.image);
    e.attributes.insert(QStringLiteral("name"), record.name);
    e.attributes.insert(QStringLiteral("path"), path);
    events->publish(e);
}

// Is `path` at or below a writable mount of the container (a volume or a
// bind), where a read-only root does not matter?
bool onWritableMount(const Engine::ContainerRecord &record, const QString &path)
{
    for (const QJsonValue &v : record.mounts) {
        const QJsonObject m = v.toObject();
        QString dest = m.value(QStringLiteral("Destination")).toString();
        if (dest.isEmpty() || !m.value(QStringLiteral("RW")).toBool(true))
            continue;
        while (dest.size() > 1 && dest.endsWith(u'/'))
            dest.chop(1);
        if (path == dest || path.startsWith(dest + u'/'))
            return true;
    }
    return false;
}

// The archive of one GET, pumped as the socket drains.
class ArchiveStream : public QObject
{
public:
    ArchiveStream(HttpExchange *exchange, std::shared_ptr<RootfsHandle> root,
                  std::unique_ptr<Engine::ContainerArchive> archive)
        : QObject(exchange)
        , m_exchange(exchange)
        , m_root(std::move(root))
        , m_archive(std::move(archive))
    {
        connect(exchange, &HttpExchange::clientGone, this, [this] {
            m_done = true;
            if (m_exchange)
                m_exchange->endStream();
        });
    }

    void pump()
    {
        if (m_done || !m_exchange)
            return;
        if (m_exchange->pendingOutput() > kMaxPending) {
            QTimer::singleShot(5, this, [this] { pump(); });
            return;
        }
        auto chunk = m_archive->read(kChunk);
        if (!chunk) {
            // The head is out; cutting the stream short makes the client's
            // tar reader fail, which is what dockerd does too.
            qCWarning(lcDaemon).noquote() << "archive:" << QString::fromStdString(chunk.error().toString());
            m_done = true;
            m_exchange->endStream();
            return;
        }
        if (!chunk->isEmpty())
            m_exchange->writeChunk(*chunk);
        if (m_archive->atEnd()) {
            m_done = true;
            m_exchange->endStream();
            return;
        }
        QTimer::singleShot(0, this, [this] { pump(); });
    }

private:
    QPointer<HttpExchange> m_exchange;
    std::shared_ptr<RootfsHandle> m_root;
    std::unique_ptr<Engine::ContainerArchive> m_archive;
    bool m_done = false;
};

// One PUT: the body goes through a socketpair to a thread that extracts.
class ExtractSession : public QObject
{
public:
    ExtractSession(HttpExchange *exchange, EventBus *events, Engine::ContainerRecord record, QString path,
                   QString ref, Engine::ContainerExtractOptions options)
        : QObject(exchange)
        , m_exchange(exchange)
        , m_events(events)
        , m_record(std::move(record))
        , m_path(std::move(path))
        , m_ref(std::move(ref))
        , m_options(options)
    {
    }

    ~ExtractSession() override
    {
        m_writeFd.reset(); // the extractor sees EOF
        if (m_thread) {
            m_thread->wait();
        }
    }

    Status begin(std::shared_ptr<RootfsHandle> root)
    {
        m_root = std::move(root);
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            return failErrno("socketpair for archive upload");
        UniqueFd readFd(fds[0]);
        m_writeFd = UniqueFd(fds[1]);
        ::fcntl(m_writeFd.get(), F_SETFL, ::fcntl(m_writeFd.get(), F_GETFL) | O_NONBLOCK);
        m_notifier = std::make_unique<QSocketNotifier>(m_writeFd.get(), QSocketNotifier::Write);
        m_notifier->setEnabled(false);
        connect(m_notifier.get(), &QSocketNotifier::activated, this, [this] { drain(); });

        const int rootFd = m_root->dirFd();
        auto result = std::make_shared<Status>();
        m_result = result;
        m_thread.reset(QThread::create([rootFd, path = m_path, options = m_options, fd = std::move(readFd), result]() mutable {
            *result = Engine::ContainerArchive::extract(rootFd, path, fd.get(), options);
            // the rest of the body, if extraction stopped early, is not read
            fd.reset();
        }));
        connect(m_thread.get(), &QThread::finished, this, [this] {
            m_extracted = true;
            m_writeFd.reset();
            m_notifier.reset();
            m_pending.clear();
            maybeRespond();
        });
        m_thread->start();

        connect(m_exchange, &HttpExchange::bodyReceived, this, [this](const QByteArray &piece) {
            if (!m_writeFd.isValid())
                return; // extraction ended: drop the rest
            m_pending += piece;
            drain();
        });
        connect(m_exchange, &HttpExchange::bodyFinished, this, [this] {
            m_bodyDone = true;
            drain();
        });
        if (m_exchange->isBodyComplete()) {
            m_bodyDone = true;
            drain();
        }
        return {};
    }

private:
    void drain()
    {
        while (!m_pending.isEmpty() && m_writeFd.isValid()) {
            const ssize_t n = ::send(m_writeFd.get(), m_pending.constData(), size_t(m_pending.size()), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN) {
                    m_notifier->setEnabled(true);
                    if (m_exchange)
                        m_exchange->setBodyPaused(true);
                    return;
                }
                // EPIPE: the extractor stopped (its error is the answer)
                m_pending.clear();
                m_writeFd.reset();
                m_notifier.reset();
                break;
            }
            m_pending.remove(0, n);
        }
        if (m_notifier)
            m_notifier->setEnabled(false);
        if (m_exchange && m_exchange->isBodyPaused())
            m_exchange->setBodyPaused(false);
        if (m_bodyDone && m_pending.isEmpty()) {
            m_writeFd.reset(); // EOF for the extractor
            m_notifier.reset();
        }
        maybeRespond();
    }

    void maybeRespond()
    {
        if (!m_extracted || !m_exchange || m_exchange->hasResponded())
            return;
        if (!m_bodyDone) {
            // Extraction ended before the upload did: read and drop the rest
            // so the connection stays usable, then answer.
            m_exchange->setBodyPaused(false);
            return;
        }
        if (!*m_result) {
            m_exchange->respondError(archiveError(m_result->error(), m_path, m_ref));
            return;
        }
        publish(m_events, m_record, QStringLiteral("extract-to-dir"), m_path);
        m_exchange->respond(HttpResponse::empty(200));
    }

    QPointer<HttpExchange> m_exchange;
    EventBus *m_events;
    Engine::ContainerRecord m_record;
    QString m_path;
    QString m_ref;
    Engine::ContainerExtractOptions m_options;
    std::shared_ptr<RootfsHandle> m_root;
    UniqueFd m_writeFd;
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::unique_ptr<QThread> m_thread;
    std::shared_ptr<Status> m_result;
    QByteArray m_pending;
    bool m_bodyDone = false;
    bool m_extracted = false;
};

} // namespace

ContainerArchiveRoutes::ContainerArchiveRoutes(ContainerSupervisor *supervisor, EventBus *events)
    : m_supervisor(supervisor)
    , m_events(events)
{
}

void ContainerArchiveRoutes::registerRoutes(Router &router)
{
    router.addRoute("HEAD", QStringLiteral("/containers/{id}/archive"), [this](HttpExchange &e) { stat(e); });
    router.addRoute("GET", QStringLiteral("/containers/{id}/archive"), [this](HttpExchange &e) { get(e); });
    router.addRoute("PUT", QStringLiteral("/containers/{id}/archive"), [this](HttpExchange &e) { put(e); },
                    BodyMode::Streamed);
}

void ContainerArchiveRoutes::stat(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString ref = request.capture(QStringLiteral("id"));
    auto record = m_supervisor->store().find(ref);
    if (!record)
        return exchange.respondError(record.error());
    const QString path = request.query(QStringLiteral("path"));
    if (path.isEmpty())
        return exchange.respondError(400, QStringLiteral("path cannot be empty"));
    QPointer<HttpExchange> guard(&exchange);
    m_supervisor->backend().openRootfs(record->id, record->isRunning() ? record->state.pid : 0,
                                       [guard, path, ref](Result<std::shared_ptr<RootfsHandle>> root) {
        if (!guard)
            return;
        if (!root)
            return guard->respondError(root.error());
        auto st = Engine::ContainerArchive::stat((*root)->dirFd(), path);
        if (!st)
            return guard->respondError(archiveError(st.error(), path, ref));
        HttpResponse r = HttpResponse::empty(200);
        r.headers.set("X-Docker-Container-Path-Stat", st->toHeaderValue());
        guard->respond(r);
    });
}

void ContainerArchiveRoutes::get(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString ref = request.capture(QStringLiteral("id"));
    auto record = m_supervisor->store().find(ref);
    if (!record)
        return exchange.respondError(record.error());
    const QString path = request.query(QStringLiteral("path"));
    if (path.isEmpty())
        return exchange.respondError(400, QStringLiteral("path cannot be empty"));
    QPointer<HttpExchange> guard(&exchange);
    EventBus *events = m_events;
    m_supervisor->backend().openRootfs(record->id, record->isRunning() ? record->state.pid : 0,
                                       [guard, path, ref, events, rec = *record](Result<std::shared_ptr<RootfsHandle>> root) {
        if (!guard)
            return;
        if (!root)
            return guard->respondError(root.error());
        auto archive = Engine::ContainerArchive::open((*root)->dirFd(), path);
        if (!archive)
            return guard->respondError(archiveError(archive.error(), path, ref));
        Common::HttpHeaders headers;
        headers.set("X-Docker-Container-Path-Stat", (*archive)->pathStat().toHeaderValue());
        guard->beginStream(200, "application/x-tar", headers);
        publish(events, rec, QStringLiteral("archive-path"), path);
        auto *stream = new ArchiveStream(guard.data(), *root, std::move(*archive));
        stream->pump();
    });
}

void ContainerArchiveRoutes::put(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString ref = request.capture(QStringLiteral("id"));
    auto record = m_supervisor->store().find(ref);
    if (!record)
        return exchange.respondError(record.error());
    const QString path = request.query(QStringLiteral("path"));
    if (path.isEmpty())
        return exchange.respondError(400, QStringLiteral("path cannot be empty"));
    auto noOverwrite = request.queryBool(QStringLiteral("noOverwriteDirNonDir"));
    if (!noOverwrite)
        return exchange.respondError(noOverwrite.error());
    auto copyUidGid = request.queryBool(QStringLiteral("copyUIDGID"));
    if (!copyUidGid)
        return exchange.respondError(copyUidGid.error());
    if (record->hostConfig.value(QStringLiteral("ReadonlyRootfs")).toBool() && !onWritableMount(*record, path))
        return exchange.respondError(403, QStringLiteral("container rootfs is marked read-only"));
    Engine::ContainerExtractOptions options;
    options.noOverwriteDirNonDir = *noOverwrite;
    options.copyUidGid = *copyUidGid;
    // Hold the body until the root is open.
    exchange.setBodyPaused(true);
    auto *session = new ExtractSession(&exchange, m_events, *record, path, ref, options);
    QPointer<ExtractSession> guard(session);
    QPointer<HttpExchange> ex(&exchange);
    m_supervisor->backend().openRootfs(record->id, record->isRunning() ? record->state.pid : 0,
                                       [guard, ex](Result<std::shared_ptr<RootfsHandle>> root) {
        if (!guard || !ex)
            return;
        if (!root) {
            ex->respondError(root.error());
            return;
        }
        if (auto st = guard->begin(*root); !st)
            ex->respondError(st.error());
        ex->setBodyPaused(false);
    });
}

} // namespace Berth::Daemon
