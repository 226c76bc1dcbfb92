#include "registryroutes.h"

#include "daemonlogging.h"
#include "engineworker.h"
#include "eventbus.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"

#include <common/errors.h>
#include <common/reference.h>
#include <engine/imagestore.h>
#include <engine/registry/authconfig.h>
#include <engine/registry/imagepuller.h>
#include <engine/registry/imagepusher.h>
#include <engine/registry/registryclient.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QUrl>

#include <atomic>
#include <cerrno>
#include <future>
#include <optional>

namespace Berth::Daemon {

namespace {

Common::Event imageEvent(const QString &action, const QString &id, const QString &name)
{
    Common::Event e;
    e.type = QStringLiteral("image");
    e.action = action;
    e.actorId = id;
    e.attributes.insert(QStringLiteral("name"), name);
    return e;
}

// The HTTP status of a registry failure answered before any progress:
// docker's CLI retries with credentials on 401 and reports 404 as such.
int statusFor(const Error &e)
{
    switch (e.code()) {
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::InvalidArgument: return 400;
    case ErrorCode::PermissionDenied: return 403;
    default: return 500;
    }
}

// One pull or push in flight, shared by its thread and the HTTP thread.
struct TransferSession
{
    QPointer<HttpExchange> exchange;
    bool streaming = false; // HTTP thread only
    std::optional<Error> error;
    QString resultId;
    QString resultName;
};

void deliverMessage(const std::shared_ptr<TransferSession> &s, const QJsonObject &message)
{
    if (!s->exchange || s->exchange->isFinished())
        return;
    if (!s->streaming) {
        s->streaming = true;
        s->exchange->beginStream(200);
    }
    s->exchange->writeJson(message);
}

void finishTransfer(const std::shared_ptr<TransferSession> &s)
{
    if (!s->exchange || s->exchange->isFinished())
        return;
    if (s->error) {
        const QString text = Common::toQString(*s->error);
        if (!s->streaming)
            return s->exchange->respondError(statusFor(*s->error), text);
        s->exchange->writeJson(QJsonObject{{QStringLiteral("errorDetail"), QJsonObject{{QStringLiteral("message"), text}}},
                                           {QStringLiteral("error"), text}});
    } else if (!s->streaming) {
        s->exchange->beginStream(200);
    }
    s->exchange->endStream();
}

// registry "https://index.docker.io/v1/", "http://localhost:5000", "localhost:5000/" -> host
QString serverHost(const QString &address)
{
    QString host = address.trimmed();
    if (host.contains(QLatin1String("://")))
        host = QUrl(host).authority();
    host = host.section(u'/', 0, 0);
    if (host.isEmpty() || host == QLatin1String("index.docker.io") || host == QLatin1String("registry-1.docker.io"))
        return QStringLiteral("docker.io");
    return host;
}

} // namespace

RegistryRoutes::RegistryRoutes(Context context)
    : m_context(std::move(context))
    , m_guard(std::make_unique<QObject>())
{
}

RegistryRoutes::~RegistryRoutes()
{
    for (auto &t : m_threads)
        t->wait();
    m_threads.clear();
}

void RegistryRoutes::registerRoutes(Router &router)
{
    router.addRoute("POST", QStringLiteral("/images/{name*}/push"), [this](HttpExchange &e) { push(e); });
    router.addRoute("POST", QStringLiteral("/auth"), [this](HttpExchange &e) { auth(e); });
}

void RegistryRoutes::runThread(std::function<void()> job, std::function<void()> done)
{
    std::unique_ptr<QThread> thread(QThread::create(std::move(job)));
    QThread *raw = thread.get();
    QObject::connect(raw, &QThread::finished, m_guard.get(), [this, raw, done = std::move(done)] {
        done();
        for (auto it = m_threads.begin(); it != m_threads.end(); ++it) {
            if (it->get() == raw) {
                it->release()->deleteLater();
                m_threads.erase(it);
                break;
            }
        }
    });
    m_threads.push_back(std::move(thread));
    raw->start();
}

namespace {

// Store work from a registry thread: run on the engine thread and wait.
Engine::StoreRunner storeRunner(EngineWorker *worker, Engine::ImageStore *store)
{
    return [worker, store](const std::function<void(Engine::ImageStore &)> &job) {
        if (worker->isEngineThread()) {
            job(*store);
            return;
        }
        std::promise<void> done;
        std::future<void> ready = done.get_future();
        worker->post([&job, &done, store] {
            job(*store);
            done.set_value();
        });
        ready.wait();
    };
}

Engine::ProgressSink progressSink(QObject *guard, const std::shared_ptr<TransferSession> &session)
{
    return [guard, session](const QJsonObject &message) {
        QMetaObject::invokeMethod(guard, [session, message] { deliverMessage(session, message); }, Qt::QueuedConnection);
    };
}

// docker's CLI closes the connection on ctrl-c: the transfer stops, and the
// puller removes what it stored.
Engine::CancelFlag cancelOnClientGone(HttpExchange &exchange)
{
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    QObject::connect(&exchange, &HttpExchange::clientGone, &exchange, [cancel] {
        qCInfo(lcDaemon) << "registry transfer: the client went away, cancelling";
        cancel->store(true);
    });
    return cancel;
}

Result<Engine::AuthConfig> authFrom(const HttpRequest &request)
{
    return Engine::AuthConfig::fromRegistryAuthHeader(request.header("X-Registry-Auth"));
}

} // namespace

void RegistryRoutes::pull(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString fromImage = request.query(QStringLiteral("fromImage"));
    const QString tag = request.query(QStringLiteral("tag"));
    auto parsed = Common::Reference::parseNormalized(fromImage);
    if (!parsed)
        return exchange.respondError(400, QString::fromStdString(parsed.error().message()));
    Common::Reference reference = *parsed;
    if (!tag.isEmpty()) {
        if (tag.startsWith(QLatin1String("sha256:"))) {
            auto withDigest = Common::Reference::parseNormalized(QString(reference.withoutTagOrDigest().name() + u'@' + tag));
            if (!withDigest)
                return exchange.respondError(400, QString::fromStdString(withDigest.error().message()));
            reference = *withDigest;
        } else if (!Common::Reference::isValidTag(tag)) {
            return exchange.respondError(400, QStringLiteral("invalid tag format"));
        } else {
            reference = reference.withoutTagOrDigest().withTag(tag);
        }
    }
    auto auth = authFrom(request);
    if (!auth)
        return exchange.respondError(auth.error());
    auto platform = Engine::Platform::parse(request.query(QStringLiteral("platform")));
    if (!platform)
        return exchange.respondError(platform.error());

    auto session = std::make_shared<TransferSession>();
    session->exchange = &exchange;
    Engine::ImagePuller puller(m_context.registry, *m_context.store, storeRunner(m_context.worker, m_context.store),
                               progressSink(m_guard.get(), session));
    puller.setCancelFlag(cancelOnClientGone(exchange));
    EventBus *events = m_context.events;
    runThread(
        [puller, reference, auth = *auth, platform = *platform, session]() mutable {
            auto result = puller.pull(reference, auth, platform);
            if (!result) {
                session->error = result.error();
                return;
            }
            session->resultId = result->imageId.toString();
            session->resultName = result->reference;
        },
        [session, events] {
            if (!session->error)
                events->publish(imageEvent(QStringLiteral("pull"), session->resultId, session->resultName));
            else if (session->error->sysErrno() == ECANCELED)
                qCInfo(lcDaemon).noquote() << "pull cancelled:" << Common::toQString(*session->error);
            else
                qCWarning(lcDaemon).noquote() << "pull failed:" << Common::toQString(*session->error);
            finishTransfer(session);
        });
}

void RegistryRoutes::push(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString name = request.capture(QStringLiteral("name"));
    const QString tag = request.query(QStringLiteral("tag"));
    auto parsed = Common::Reference::parseNormalized(tag.isEmpty() ? name : QString(name + u':' + tag));
    if (!parsed)
        return exchange.respondError(400, QString::fromStdString(parsed.error().message()));
    auto auth = authFrom(request);
    if (!auth)
        return exchange.respondError(auth.error());
    // An image we do not have is a 404 before any progress (the pusher
    // resolves it on the engine thread: the store is not touched from here).
    auto session = std::make_shared<TransferSession>();
    session->exchange = &exchange;
    Engine::ImagePusher pusher(m_context.registry, *m_context.store, storeRunner(m_context.worker, m_context.store),
                               progressSink(m_guard.get(), session));
    pusher.setCancelFlag(cancelOnClientGone(exchange));
    EventBus *events = m_context.events;
    const Common::Reference reference = parsed->withDefaultTag();
    runThread(
        [pusher, reference, auth = *auth, session]() mutable {
            auto result = pusher.push(reference, auth);
            if (!result)
                session->error = result.error();
            else
                session->resultId = result->manifestDigest.toString();
        },
        [session, events, reference] {
            if (!session->error)
                events->publish(imageEvent(QStringLiteral("push"), reference.familiarString(), reference.familiarString()));
            else
                qCWarning(lcDaemon).noquote() << "push failed:" << Common::toQString(*session->error);
            finishTransfer(session);
        });
}

void RegistryRoutes::auth(HttpExchange &exchange)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(exchange.request().body(), &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return exchange.respondError(400, QStringLiteral("invalid JSON body for /auth: %1").arg(perr.errorString()));
    const Engine::AuthConfig auth = Engine::AuthConfig::fromJson(doc.object());
    const QString host = serverHost(auth.serverAddress);
    auto session = std::make_shared<TransferSession>();
    session->exchange = &exchange;
    const Engine::RegistryConfig config = m_context.registry;
    runThread(
        [config, auth, host, session] {
            Engine::RegistryClient client(config, host, auth);
            if (auto st = client.login(); !st)
                session->error = st.error();
        },
        [session] {
            if (!session->exchange || session->exchange->isFinished())
                return;
            if (session->error)
                return session->exchange->respondError(statusFor(*session->error), Common::toQString(*session->error));
            session->exchange->respond(HttpResponse::json(200, QJsonObject{{QStringLiteral("IdentityToken"), QString()},
                                                                            {QStringLiteral("Status"), QStringLiteral("Login Succeeded")}}));
        });
}

} // namespace Berth::Daemon
