#include "buildroutes.h"

#include "buildrunner.h"
#include "daemonlogging.h"
#include "engineworker.h"
#include "eventbus.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"

#include <base/uniquefd.h>
#include <common/errors.h>
#include <common/reference.h>
#include <engine/buildcache.h>
#include <engine/buildcontext.h>
#include <engine/buildexecutor.h>
#include <engine/fsutil.h>
#include <engine/imagestore.h>
#include <engine/registry/authconfig.h>
#include <engine/registry/imagepuller.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QThread>
#include <QUrl>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <sys/socket.h>

namespace Berth::Daemon {

namespace {

// The socket is paused while more than this waits for the engine thread.
constexpr qint64 kFeedHighWater = 8 * 1024 * 1024;
constexpr qint64 kFeedLowWater = 2 * 1024 * 1024;

// Go's encoding/json escapes <, > and & (HTML safety); dockerd's stream does.
QByteArray goJsonLine(const QJsonObject &object)
{
    QByteArray out = QJsonDocument(object).toJson(QJsonDocument::Compact);
    out.replace("<", "\\u003c");
    out.replace(">", "\\u003e");
    out.replace("&", "\\u0026");
    out.append('\n');
    return out;
}

QJsonObject streamMessage(const QString &text)
{
    return QJsonObject{{QStringLiteral("stream"), text}};
}

QJsonObject stepMessage(const Engine::BuildStepEvent &e)
{
    QJsonObject step{
        {QStringLiteral("step"), e.step},
        {QStringLiteral("total"), e.total},
        {QStringLiteral("line"), e.line},
        {QStringLiteral("instruction"), e.instruction},
        {QStringLiteral("cached"), e.cached},
        {QStringLiteral("image"), e.image.toString()},
        {QStringLiteral("layer"), e.layer ? QJsonValue(e.layer->toString()) : QJsonValue()},
        {QStringLiteral("layerSize"), double(e.layerSize)},
        {QStringLiteral("durationMs"), double(e.durationMs)},
    };
    return QJsonObject{{QStringLiteral("aux"), QJsonObject{{QStringLiteral("berth.step"), step}}}};
}

Common::Event tagEvent(const QString &id, const QString &name)
{
    Common::Event e;
    e.type = QStringLiteral("image");
    e.action = QStringLiteral("tag");
    e.actorId = id;
    e.attributes.insert(QStringLiteral("name"), name);
    return e;
}

// "https://index.docker.io/v1/", "http://localhost:5000", "localhost:5000/" -> host
QString registryHost(const QString &address)
{
    QString host = address.trimmed();
    if (host.contains(QLatin1String("://")))
        host = QUrl(host).authority();
    host = host.section(u'/', 0, 0);
    if (host.isEmpty() || host == QLatin1String("index.docker.io") || host == QLatin1String("registry-1.docker.io"))
        return QStringLiteral("docker.io");
    return host;
}

// X-Registry-Config: base64url JSON {"<registry>": {username, password, ...}}.
Result<QHash<QString, Engine::AuthConfig>> registryConfig(const QByteArray &header)
{
    QHash<QString, Engine::AuthConfig> out;
    const QByteArray trimmed = header.trimmed();
    if (trimmed.isEmpty())
        return out;
    auto decoded = QByteArray::fromBase64Encoding(trimmed, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        decoded = QByteArray::fromBase64Encoding(trimmed, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return fail(ErrorCode::InvalidArgument, "invalid X-Registry-Config header: not base64");
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*decoded, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return fail(ErrorCode::InvalidArgument, "invalid X-Registry-Config header: not a JSON object");
    const QJsonObject map = doc.object();
    for (auto it = map.begin(); it != map.end(); ++it)
        out.insert(registryHost(it.key()), Engine::AuthConfig::fromJson(it.value().toObject()));
    return out;
}

// Store work asked by a pull thread while the engine thread waits for that
// pull: the engine thread serves the jobs itself until the pull is over, so
// neither waits for the other.
class StoreJobPump
{
public:
    // Pull thread: runs `job` on the serving thread and returns when it ran.
    void runAndWait(const std::function<void()> &job)
    {
        std::unique_lock lock(m_mutex);
        const quint64 ticket = ++m_posted;
        m_jobs.push_back(&job);
        m_cv.notify_all();
        m_cv.wait(lock, [&] { return m_done >= ticket; });
    }
    void finish()
    {
        std::lock_guard lock(m_mutex);
        m_finished = true;
        m_cv.notify_all();
    }
    // Engine thread: runs the jobs until finish().
    void serve()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_cv.wait(lock, [&] { return !m_jobs.empty() || m_finished; });
            if (m_jobs.empty())
                return;
            const std::function<void()> *job = m_jobs.front();
            m_jobs.pop_front();
            lock.unlock();
            (*job)();
            lock.lock();
            ++m_done;
            m_cv.notify_all();
        }
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<const std::function<void()> *> m_jobs;
    quint64 m_posted = 0;
    quint64 m_done = 0;
    bool m_finished = false;
};

} // namespace

struct BuildSession
{
    // HTTP thread
    QPointer<HttpExchange> exchange;
    QPointer<BuildContainerRunner> runner;
    bool quiet = false;
    bool streaming = false;
    bool done = false;
    bool paused = false;
    QList<QJsonObject> held; // q=1: the output, sent only when the build fails

    // set before the engine sees the session, then read-only
    Engine::BuildOptions options;
    QHash<QString, Engine::AuthConfig> auths;
    QString contextDir;

    // engine thread
    UniqueFd writeFd;
    std::unique_ptr<QThread> extractor;
    bool tornDown = false;
    // written by the extractor thread, read after it was joined
    std::optional<Result<Engine::BuildContext>> context;
    UniqueFd readFd;

    std::atomic<bool> cancelled{false};
    // Also stops a FROM pull in flight when the client goes away.
    Engine::CancelFlag pullCancelled = std::make_shared<std::atomic<bool>>(false);
    std::atomic<bool> feedFailed{false};
    // engine thread: what was fed, and the first bytes (compression magic)
    qint64 fedBytes = 0;
    QByteArray head;
    std::atomic<qint64> queued{0};

    ~BuildSession() { tearDown(); }

    // Engine thread: ends the upload, joins the extractor, removes the context.
    void tearDown()
    {
        if (tornDown)
            return;
        tornDown = true;
        if (writeFd.isValid()) {
            ::shutdown(writeFd.get(), SHUT_WR);
            writeFd.reset();
        }
        if (extractor) {
            extractor->wait();
            extractor.reset();
        }
        context.reset();
        if (!contextDir.isEmpty())
            (void)Engine::Internal::removeTree(contextDir);
    }
};

namespace {

// HTTP thread: one message of the reply.
void deliver(const std::shared_ptr<BuildSession> &s, const QJsonObject &message)
{
    if (s->done || !s->exchange || s->exchange->isFinished())
        return;
    if (s->quiet) {
        s->held.append(message);
        return;
    }
    if (!s->streaming) {
        s->streaming = true;
        s->exchange->beginStream(200, "application/json");
    }
    s->exchange->writeChunk(goJsonLine(message));
}

} // namespace

BuildRoutes::BuildRoutes(Context context)
    : m_context(std::move(context))
    , m_guard(std::make_unique<QObject>())
    , m_cache(std::make_shared<std::optional<Engine::BuildCache>>())
{
}

BuildRoutes::~BuildRoutes()
{
    for (const auto &weak : m_sessions) {
        if (auto s = weak.lock()) {
            s->cancelled = true;
            *s->pullCancelled = true;
            if (s->runner)
                s->runner->cancel();
        }
    }
    // The runners (children of m_guard) go with it: a RUN still waiting
    // returns ECANCELED; the engine jobs end when the worker drains.
    m_guard.reset();
}

void BuildRoutes::registerRoutes(Router &router)
{
    router.addRoute("POST", QStringLiteral("/build"), [this](HttpExchange &e) { build(e); }, BodyMode::Streamed);
}

void BuildRoutes::build(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto session = std::make_shared<BuildSession>();
    Engine::BuildOptions &options = session->options;

    if (!request.query(QStringLiteral("remote")).isEmpty())
        return exchange.respondError(400, QStringLiteral("remote build contexts are not supported by Berth's builder: "
                                                         "send the context as the request body (remote=%1)")
                                              .arg(request.query(QStringLiteral("remote"))));
    if (request.query(QStringLiteral("version")) == QLatin1String("2"))
        return exchange.respondError(400, QStringLiteral("BuildKit (version=2) is not supported by Berth: "
                                                         "build with DOCKER_BUILDKIT=0"));
    const QString platform = request.query(QStringLiteral("platform"));
    if (!platform.isEmpty() && platform != QLatin1String("linux") && !platform.startsWith(QLatin1String("linux/")))
        return exchange.respondError(400, QStringLiteral("\"%1\": unknown operating system or architecture: invalid argument").arg(platform));

    for (const QString &tag : request.queryValues(QStringLiteral("t"))) {
        if (tag.isEmpty())
            continue;
        auto ref = Common::Reference::parseNormalized(tag);
        if (!ref)
            return exchange.respondError(400, QString::fromStdString(ref.error().message()));
        if (ref->hasDigest())
            return exchange.respondError(400, QStringLiteral("invalid reference format: a tag may not carry a digest: %1").arg(tag));
        options.tags.append(tag);
    }
    if (const QString dockerfile = request.query(QStringLiteral("dockerfile")); !dockerfile.isEmpty())
        options.dockerfile = dockerfile;
    options.target = request.query(QStringLiteral("target"));

    const auto jsonMap = [&request](const QString &name) -> Result<QJsonObject> {
        const QString text = request.query(name);
        if (text.isEmpty())
            return QJsonObject();
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return fail(ErrorCode::InvalidArgument, QStringLiteral("invalid %1: not a JSON object of strings: %2")
                                                        .arg(name, error.errorString()).toStdString());
        return doc.object();
    };
    auto buildArgs = jsonMap(QStringLiteral("buildargs"));
    if (!buildArgs)
        return exchange.respondError(buildArgs.error());
    for (auto it = buildArgs->begin(); it != buildArgs->end(); ++it) {
        if (it.value().isNull())
            options.buildArgs.insert(it.key(), std::nullopt);
        else if (it.value().isString())
            options.buildArgs.insert(it.key(), it.value().toString());
        else
            return exchange.respondError(400, QStringLiteral("invalid buildargs: the value of %1 is not a string").arg(it.key()));
    }
    auto labels = jsonMap(QStringLiteral("labels"));
    if (!labels)
        return exchange.respondError(labels.error());
    for (auto it = labels->begin(); it != labels->end(); ++it) {
        if (!it.value().isString())
            return exchange.respondError(400, QStringLiteral("invalid labels: the value of %1 is not a string").arg(it.key()));
        options.labels.insert(it.key(), it.value().toString());
    }
    const auto flag = [&request](const QString &name, bool defaultValue) { return request.queryBool(name, defaultValue); };
    auto noCache = flag(QStringLiteral("nocache"), false);
    auto quiet = flag(QStringLiteral("q"), false);
    auto rm = flag(QStringLiteral("rm"), true);
    auto forceRm = flag(QStringLiteral("forcerm"), false);
    auto pull = flag(QStringLiteral("pull"), false);
    for (const auto *b : {&noCache, &quiet, &rm, &forceRm, &pull}) {
        if (!*b)
            return exchange.respondError(b->error());
    }
    // networkmode (docker build --network): where RUN steps run. "default"
    // is the bridge, as with dockerd on Linux; the engine has no other
    // networks than the three built-in ones.
    QString networkMode = request.query(QStringLiteral("networkmode"));
    if (networkMode.isEmpty() || networkMode == QLatin1String("default"))
        networkMode = QStringLiteral("bridge");
    if (networkMode != QLatin1String("bridge") && networkMode != QLatin1String("host") && networkMode != QLatin1String("none"))
        return exchange.respondError(404, QStringLiteral("network %1 not found").arg(networkMode));
    options.noCache = *noCache;
    options.pull = *pull;
    session->quiet = *quiet;
    auto auths = registryConfig(request.header("X-Registry-Config"));
    if (!auths)
        return exchange.respondError(auths.error());
    session->auths = *auths;

    // The context arrives through a socketpair: the engine thread writes
    // the body into it, the extractor thread unpacks it.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return exchange.respondError(Error::fromErrno("socketpair for the build context", errno));
    session->readFd = UniqueFd(pair[0]);
    session->writeFd = UniqueFd(pair[1]);
    session->contextDir = m_context.store->root() + QStringLiteral("/tmp/build-context-") + Engine::Internal::randomToken();
    if (auto ok = Engine::Internal::makeDirs(session->contextDir, 0700); !ok)
        return exchange.respondError(ok.error());
    session->exchange = &exchange;
    {
        BuildSession *raw = session.get();
        session->extractor.reset(QThread::create([raw] {
            raw->context = Engine::BuildContext::extract(raw->readFd.get(), raw->contextDir);
            // A refused context stops the feed (EPIPE) instead of blocking it.
            raw->readFd.reset();
        }));
        session->extractor->start();
    }

    if (m_context.supervisor) {
        BuildContainerRunner::Options runOptions;
        runOptions.removeAfterSuccess = *rm;
        runOptions.removeAlways = *forceRm;
        runOptions.networkMode = networkMode;
        std::weak_ptr<BuildSession> weak = session;
        session->runner = new BuildContainerRunner(m_context.supervisor, m_context.store, runOptions,
                                                   [weak](const QString &text) {
                                                       if (auto s = weak.lock())
                                                           deliver(s, streamMessage(text));
                                                   },
                                                   m_guard.get());
    }
    m_sessions.erase(std::remove_if(m_sessions.begin(), m_sessions.end(), [](const auto &w) { return w.expired(); }),
                     m_sessions.end());
    m_sessions.push_back(session);

    EngineWorker *worker = m_context.worker;
    QPointer<HttpExchange> guard(&exchange);
    QObject::connect(&exchange, &HttpExchange::bodyReceived, &exchange, [session, worker, guard](const QByteArray &piece) {
        if (session->feedFailed.load() || session->cancelled.load())
            return;
        session->queued += piece.size();
        if (!session->paused && session->queued.load() > kFeedHighWater && guard) {
            session->paused = true;
            guard->setBodyPaused(true);
        }
        worker->run<bool>(
            [session, piece] {
                if (!session->feedFailed.load() && session->writeFd.isValid()) {
                    qsizetype off = 0;
                    while (off < piece.size()) {
                        const ssize_t n = ::send(session->writeFd.get(), piece.constData() + off, size_t(piece.size() - off),
                                                 MSG_NOSIGNAL);
                        if (n < 0 && errno == EINTR)
                            continue;
                        if (n < 0) {
                            // the extractor stopped reading: its error says why
                            session->feedFailed = true;
                            break;
                        }
                        off += n;
                    }
                    session->fedBytes += off;
                    if (session->head.size() < 6)
                        session->head += piece.left(6 - session->head.size());
                }
                session->queued -= piece.size();
                return session->queued.load() < kFeedLowWater || session->feedFailed.load();
            },
            [session, guard](bool drained) {
                if (drained && session->paused && guard) {
                    session->paused = false;
                    guard->setBodyPaused(false);
                }
            });
    });

    // Deliveries from the engine thread go through the worker (it lives on
    // the HTTP thread and outlives the routes), in the order they were made.
    QObject *deliveries = worker;
    Engine::ImageStore *store = m_context.store;
    EventBus *events = m_context.events;
    std::shared_ptr<std::optional<Engine::BuildCache>> cache = m_cache;
    const Engine::RegistryConfig registry = m_context.registry;
    Engine::BuildRunner runContainer;
    if (session->runner)
        runContainer = session->runner->runner();

    QObject::connect(&exchange, &HttpExchange::bodyFinished, &exchange,
                     [session, worker, deliveries, store, events, cache, registry, runContainer] {
        // From the engine thread to the HTTP thread, in order.
        const auto post = [deliveries, session](const QJsonObject &message) {
            QMetaObject::invokeMethod(deliveries, [session, message] { deliver(session, message); }, Qt::QueuedConnection);
        };
        worker->post([session, deliveries, store, events, cache, registry, runContainer, post] {
            struct Outcome
            {
                std::optional<Engine::Digest> image;
                std::optional<Error> error;
                int exitCode = 0;
            };
            Outcome outcome;
            [&] {
                if (session->writeFd.isValid()) {
                    // docker 28's CLI ends the tar it rewrites for `-f -` right
                    // after the last file's data (no padding, no end blocks);
                    // Go's reader takes that, libarchive does not: an
                    // uncompressed context gets them here.
                    const QByteArray &h = session->head;
                    const bool compressed = h.startsWith("\x1f\x8b") || h.startsWith("BZh") || h.startsWith("\xfd" "7zXZ")
                                            || h.startsWith("\x28\xb5\x2f\xfd");
                    if (!compressed && !session->feedFailed.load() && session->fedBytes > 0) {
                        const QByteArray end((512 - session->fedBytes % 512) % 512 + 1024, '\0');
                        qsizetype off = 0;
                        while (off < end.size()) {
                            const ssize_t n = ::send(session->writeFd.get(), end.constData() + off, size_t(end.size() - off),
                                                     MSG_NOSIGNAL);
                            if (n < 0 && errno == EINTR)
                                continue;
                            if (n < 0)
                                break;
                            off += n;
                        }
                    }
                    ::shutdown(session->writeFd.get(), SHUT_WR);
                    session->writeFd.reset();
                }
                if (session->extractor) {
                    session->extractor->wait();
                    session->extractor.reset();
                }
                if (session->cancelled.load()) {
                    outcome.error = Error(ErrorCode::Io, "build cancelled: the client went away", ECANCELED);
                    return;
                }
                if (!session->context) {
                    outcome.error = Error(ErrorCode::Internal, "the build context was not read");
                    return;
                }
                if (!*session->context) {
                    outcome.error = session->context->error();
                    return;
                }
                if (!*cache) {
                    auto opened = Engine::BuildCache::open(store->root());
                    if (!opened) {
                        outcome.error = opened.error();
                        return;
                    }
                    *cache = std::move(*opened);
                }
                Engine::BuildExecutor executor(
                    *store, **cache, **session->context, session->options,
                    [post](const QString &text) { post(streamMessage(text)); },
                    [post](const Engine::BuildStepEvent &event) { post(stepMessage(event)); }, runContainer);
                executor.setCancelled([session] { return session->cancelled.load(); });
                executor.setBuiltCallback([post](const Engine::Digest &id) {
                    post(QJsonObject{{QStringLiteral("aux"), QJsonObject{{QStringLiteral("ID"), id.toString()}}}});
                });
                executor.setPuller([session, store, registry, post](const QString &name) -> Status {
                    auto ref = Common::Reference::parseNormalizedWithDefaultTag(name);
                    if (!ref)
                        return fail(ref.error());
                    const Engine::AuthConfig auth = session->auths.value(ref->domain());
                    // The puller blocks in its own event loop on a thread of
                    // its own; its store work is served here meanwhile.
                    StoreJobPump pump;
                    Engine::ImagePuller puller(
                        registry, *store,
                        [&pump, store](const std::function<void(Engine::ImageStore &)> &job) {
                            pump.runAndWait([&job, store] { job(*store); });
                        },
                        [post](const QJsonObject &message) { post(message); });
                    puller.setCancelFlag(session->pullCancelled);
                    std::optional<Result<Engine::PullResult>> pulled;
                    std::unique_ptr<QThread> thread(QThread::create([&] {
                        pulled = puller.pull(*ref, auth);
                        pump.finish();
                    }));
                    thread->start();
                    pump.serve();
                    thread->wait();
                    if (!pulled)
                        return fail(ErrorCode::Internal, "pull of " + name.toStdString() + " did not run");
                    if (!*pulled)
                        return fail(pulled->error());
                    return {};
                });
                auto built = executor.build();
                if (!built) {
                    outcome.error = built.error();
                    outcome.exitCode = executor.failedExitCode();
                    return;
                }
                outcome.image = *built;
            }();
            session->tearDown();
            QMetaObject::invokeMethod(deliveries, [session, events, outcome] {
                if (session->runner)
                    session->runner->deleteLater();
                if (outcome.image) {
                    for (const QString &tag : std::as_const(session->options.tags)) {
                        if (auto ref = Common::Reference::parseNormalizedWithDefaultTag(tag))
                            events->publish(tagEvent(outcome.image->toString(), ref->familiarString()));
                    }
                }
                if (session->done || !session->exchange || session->exchange->isFinished())
                    return;
                if (outcome.error) {
                    const QString text = Common::toQString(*outcome.error);
                    if (outcome.error->code() == ErrorCode::Io && outcome.error->sysErrno() == ECANCELED)
                        qCInfo(lcDaemon).noquote() << "build cancelled";
                    else
                        qCWarning(lcDaemon).noquote() << "build failed:" << text;
                    if (!session->streaming && session->held.isEmpty()) {
                        session->done = true;
                        return session->exchange->respondError(*outcome.error);
                    }
                    // q=1: what was held back goes out before the error.
                    const QList<QJsonObject> held = std::exchange(session->held, {});
                    session->quiet = false;
                    for (const QJsonObject &m : held)
                        deliver(session, m);
                    QJsonObject detail{{QStringLiteral("message"), text}};
                    if (outcome.exitCode != 0)
                        detail.insert(QStringLiteral("code"), outcome.exitCode);
                    deliver(session, QJsonObject{{QStringLiteral("errorDetail"), detail}, {QStringLiteral("error"), text}});
                } else if (session->quiet) {
                    session->quiet = false;
                    session->held.clear();
                    deliver(session, streamMessage(outcome.image->toString() + u'\n'));
                }
                session->done = true;
                session->exchange->endStream();
            }, Qt::QueuedConnection);
        });
    });

    // A client that goes away cancels the build: the step container is
    // killed and removed, the upload ends, the context is removed.
    QObject::connect(&exchange, &HttpExchange::clientGone, &exchange, [session, worker] {
        session->cancelled = true;
        *session->pullCancelled = true;
        if (session->runner)
            session->runner->cancel();
        // An upload cut short never reaches bodyFinished: the context goes
        // here. After a build job it is a no-op (that job tore down).
        worker->post([session] { session->tearDown(); });
    });
}

} // namespace Berth::Daemon
