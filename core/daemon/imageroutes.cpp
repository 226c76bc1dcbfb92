#include "imageroutes.h"

#include "daemonlogging.h"
#include "engineworker.h"
#include "eventbus.h"
#include "filters.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"

#include <common/errors.h>
#include <common/reference.h>
#include <engine/imageimporter.h>
#include <engine/imagestore.h>

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>
#include <QSet>

namespace Berth::Daemon {

using Engine::Digest;
using Engine::ImageRecord;
using Engine::ImageStore;

namespace {

// An import body is written to the store while it streams in; the socket
// is paused while more than this is queued for the engine thread.
constexpr qint64 kImportHighWater = 8 * 1024 * 1024;
constexpr qint64 kImportLowWater = 2 * 1024 * 1024;

Common::Event imageEvent(const QString &action, const QString &id, const QString &name)
{
    Common::Event e;
    e.type = QStringLiteral("image");
    e.action = action;
    e.actorId = id;
    e.attributes.insert(QStringLiteral("name"), name.isEmpty() ? id : name);
    return e;
}

QMap<QString, QString> labelsOf(const ImageRecord &record)
{
    QMap<QString, QString> labels;
    const QJsonObject l = record.config.value(QStringLiteral("config")).toObject().value(QStringLiteral("Labels")).toObject();
    for (auto it = l.begin(); it != l.end(); ++it)
        labels.insert(it.key(), it.value().toString());
    return labels;
}

qint64 createdOf(const ImageRecord &record)
{
    const QDateTime t = QDateTime::fromString(record.config.value(QStringLiteral("created")).toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toSecsSinceEpoch() : 0;
}

// `until` accepts unix seconds (with optional fraction), RFC 3339, or a Go
// duration such as 24h / 90m / 30s counted back from now.
Result<qint64> parseUntil(const QString &value)
{
    bool ok = false;
    const double seconds = value.toDouble(&ok);
    if (ok)
        return qint64(seconds);
    const QDateTime t = QDateTime::fromString(value, Qt::ISODateWithMs);
    if (t.isValid())
        return t.toSecsSinceEpoch();
    static const QRegularExpression duration(QStringLiteral("^(\\d+)(h|m|s)$"));
    const QRegularExpressionMatch m = duration.match(value);
    if (m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QString unit = m.captured(2);
        const qint64 factor = unit == QLatin1String("h") ? 3600 : unit == QLatin1String("m") ? 60 : 1;
        return QDateTime::currentSecsSinceEpoch() - n * factor;
    }
    return fail(ErrorCode::InvalidArgument, "invalid filter 'until=" + value.toStdString() + "'");
}

Result<bool> danglingValue(const Filters &filters)
{
    const QStringList values = filters.values(QStringLiteral("dangling"));
    if (values.isEmpty())
        return true;
    const QString v = values.first().toLower();
    if (v == QLatin1String("true") || v == QLatin1String("1"))
        return true;
    if (v == QLatin1String("false") || v == QLatin1String("0"))
        return false;
    return fail(ErrorCode::InvalidArgument, "invalid filter 'dangling=" + values.first().toStdString() + "'");
}

// Delivers the result of a store job: events first (they happened whether
// or not the client is still there), then the reply.
template<typename T>
void runOnEngine(EngineWorker *worker, ImageStore *store, HttpExchange &exchange,
                 std::function<Result<T>(ImageStore &)> job,
                 std::function<void(HttpExchange *, const T &)> done)
{
    QPointer<HttpExchange> guard(&exchange);
    worker->run<Result<T>>([store, job] { return job(*store); },
                           [guard, done](Result<T> result) {
                               if (!result) {
                                   if (guard && !guard->isFinished())
                                       guard->respondError(result.error());
                                   return;
                               }
                               done(guard && !guard->isFinished() ? guard.data() : nullptr, *result);
                           });
}

} // namespace

ImageRoutes::ImageRoutes(Context context)
    : m_context(context)
{
}

ImageRoutes::~ImageRoutes() = default;

void ImageRoutes::registerRoutes(Router &router)
{
    router.addRoute("GET", QStringLiteral("/images/json"), [this](HttpExchange &e) { list(e); });
    router.addRoute("POST", QStringLiteral("/images/prune"), [this](HttpExchange &e) { prune(e); });
    router.addRoute("POST", QStringLiteral("/images/create"), [this](HttpExchange &e) { create(e); }, BodyMode::Streamed);
    router.addRoute("GET", QStringLiteral("/images/{name*}/json"), [this](HttpExchange &e) { inspect(e); });
    router.addRoute("GET", QStringLiteral("/images/{name*}/history"), [this](HttpExchange &e) { history(e); });
    router.addRoute("POST", QStringLiteral("/images/{name*}/tag"), [this](HttpExchange &e) { tag(e); });
    router.addRoute("DELETE", QStringLiteral("/images/{name*}"), [this](HttpExchange &e) { remove(e); });
}

void ImageRoutes::list(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto all = request.queryBool(QStringLiteral("all"));
    if (!all)
        return exchange.respondError(all.error());
    auto filters = request.filters({QStringLiteral("dangling"), QStringLiteral("reference"), QStringLiteral("label"),
                                    QStringLiteral("before"), QStringLiteral("since")});
    if (!filters)
        return exchange.respondError(filters.error());
    Engine::ImageListOptions options;
    options.all = *all;
    if (filters->contains(QStringLiteral("dangling"))) {
        auto d = danglingValue(*filters);
        if (!d)
            return exchange.respondError(d.error());
        options.dangling = *d;
    }
    options.referencePatterns = filters->values(QStringLiteral("reference"));
    const Filters f = *filters;
    runOnEngine<QJsonArray>(m_context.worker, m_context.store, exchange,
        [options, f](ImageStore &store) -> Result<QJsonArray> {
            // before/since compare creation times with a named image's.
            qint64 before = -1;
            qint64 since = -1;
            for (const char *key : {"before", "since"}) {
                const QStringList refs = f.values(QString::fromLatin1(key));
                if (refs.isEmpty())
                    continue;
                auto id = store.resolve(refs.first());
                if (!id)
                    return fail(id.error());
                auto rec = store.image(*id);
                if (!rec)
                    return fail(rec.error());
                (qstrcmp(key, "before") == 0 ? before : since) = createdOf(*rec);
            }
            QJsonArray out;
            const QList<Common::ImageSummary> images = store.list(options);
            for (const Common::ImageSummary &s : images) {
                if (!f.matchKeyValues(QStringLiteral("label"), s.labels))
                    continue;
                if (before >= 0 && s.created >= before)
                    continue;
                if (since >= 0 && s.created <= since)
                    continue;
                out.append(s.toJson());
            }
            return out;
        },
        [](HttpExchange *e, const QJsonArray &images) {
            if (e)
                e->respond(HttpResponse::json(200, images));
        });
}

void ImageRoutes::inspect(HttpExchange &exchange)
{
    const QString name = exchange.request().capture(QStringLiteral("name"));
    runOnEngine<QJsonObject>(m_context.worker, m_context.store, exchange,
        [name](ImageStore &store) { return store.inspect(name); },
        [](HttpExchange *e, const QJsonObject &o) {
            if (e)
                e->respond(HttpResponse::json(200, o));
        });
}

void ImageRoutes::history(HttpExchange &exchange)
{
    const QString name = exchange.request().capture(QStringLiteral("name"));
    runOnEngine<QJsonArray>(m_context.worker, m_context.store, exchange,
        [name](ImageStore &store) -> Result<QJsonArray> {
            auto items = store.history(name);
            if (!items)
                return fail(items.error());
            QJsonArray out;
            for (const Common::ImageHistoryItem &item : std::as_const(*items))
                out.append(item.toJson());
            return out;
        },
        [](HttpExchange *e, const QJsonArray &a) {
            if (e)
                e->respond(HttpResponse::json(200, a));
        });
}

void ImageRoutes::tag(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString source = request.capture(QStringLiteral("name"));
    const QString repo = request.query(QStringLiteral("repo"));
    const QString tagName = request.query(QStringLiteral("tag"));
    if (repo.isEmpty())
        return exchange.respondError(400, QStringLiteral("repository name must have at least one component"));
    struct Tagged { QString id; QString name; };
    EventBus *events = m_context.events;
    runOnEngine<Tagged>(m_context.worker, m_context.store, exchange,
        [source, repo, tagName](ImageStore &store) -> Result<Tagged> {
            auto id = store.resolve(source);
            if (!id)
                return fail(id.error());
            if (auto st = store.tag(source, repo, tagName); !st)
                return fail(st.error());
            auto ref = Common::Reference::parseNormalized(repo);
            QString name = repo;
            if (ref)
                name = ref->withTag(tagName.isEmpty() ? QStringLiteral("latest") : tagName).familiarString();
            return Tagged{id->toString(), name};
        },
        [events](HttpExchange *e, const Tagged &t) {
            events->publish(imageEvent(QStringLiteral("tag"), t.id, t.name));
            if (e)
                e->respond(HttpResponse::empty(201));
        });
}

namespace {
struct Removal
{
    QString imageId;
    QList<Common::ImageDeleteItem> items;
    qint64 reclaimed = 0;
};

// The reply lists deleted layers too; events name images only, as dockerd's do.
void publishRemoval(EventBus *events, const QString &imageId, const QList<Common::ImageDeleteItem> &items)
{
    for (const Common::ImageDeleteItem &item : items) {
        if (!item.untagged.isEmpty())
            events->publish(imageEvent(QStringLiteral("untag"), imageId, item.untagged));
        else if (item.deleted == imageId)
            events->publish(imageEvent(QStringLiteral("delete"), imageId, imageId));
    }
}
} // namespace

void ImageRoutes::remove(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    const QString name = request.capture(QStringLiteral("name"));
    auto force = request.queryBool(QStringLiteral("force"));
    if (!force)
        return exchange.respondError(force.error());
    auto noprune = request.queryBool(QStringLiteral("noprune"));
    if (!noprune)
        return exchange.respondError(noprune.error());
    const bool f = *force;
    const bool prune = !*noprune;
    EventBus *events = m_context.events;
    runOnEngine<Removal>(m_context.worker, m_context.store, exchange,
        [name, f, prune, usage = m_usage](ImageStore &store) -> Result<Removal> {
            auto id = store.resolve(name);
            if (!id)
                return fail(id.error());
            auto items = store.remove(name, f, prune, usage);
            if (!items)
                return fail(items.error());
            return Removal{id->toString(), *items, 0};
        },
        [events](HttpExchange *e, const Removal &r) {
            publishRemoval(events, r.imageId, r.items);
            if (e)
                e->respond(HttpResponse::json(200, Common::imageDeleteItemsToJson(r.items)));
        });
}

void ImageRoutes::prune(HttpExchange &exchange)
{
    auto filters = exchange.request().filters({QStringLiteral("dangling"), QStringLiteral("label"),
                                               QStringLiteral("label!"), QStringLiteral("until")});
    if (!filters)
        return exchange.respondError(filters.error());
    auto danglingOnly = danglingValue(*filters);
    if (!danglingOnly)
        return exchange.respondError(danglingOnly.error());
    qint64 until = -1;
    if (const QStringList u = filters->values(QStringLiteral("until")); !u.isEmpty()) {
        auto t = parseUntil(u.first());
        if (!t)
            return exchange.respondError(t.error());
        until = *t;
    }
    const Filters f = *filters;
    const bool dangling = *danglingOnly;
    EventBus *events = m_context.events;
    struct Pruned { Common::ImagePruneReport report; QSet<QString> images; };
    runOnEngine<Pruned>(m_context.worker, m_context.store, exchange,
        [f, dangling, until, usage = m_usage](ImageStore &store) -> Result<Pruned> {
            const auto select = [&f, until](const ImageRecord &record) {
                const QMap<QString, QString> labels = labelsOf(record);
                if (!f.matchKeyValues(QStringLiteral("label"), labels))
                    return false;
                const QStringList excluded = f.values(QStringLiteral("label!"));
                for (const QString &kv : excluded) {
                    Filters one;
                    one.add(QStringLiteral("l"), kv);
                    if (one.matchKeyValues(QStringLiteral("l"), labels))
                        return false;
                }
                return until < 0 || createdOf(record) < until;
            };
            Pruned pruned;
            const QList<Digest> before = store.imageIds();
            for (const Digest &id : before)
                pruned.images.insert(id.toString());
            auto report = store.prune(dangling, usage, select);
            if (!report)
                return fail(report.error());
            pruned.report = *report;
            return pruned;
        },
        [events](HttpExchange *e, const Pruned &pruned) {
            const Common::ImagePruneReport &report = pruned.report;
            for (const Common::ImageDeleteItem &item : report.imagesDeleted) {
                if (pruned.images.contains(item.deleted))
                    events->publish(imageEvent(QStringLiteral("delete"), item.deleted, item.deleted));
            }
            Common::Event pruneEvent;
            pruneEvent.type = QStringLiteral("image");
            pruneEvent.action = QStringLiteral("prune");
            pruneEvent.attributes.insert(QStringLiteral("reclaimed"), QString::number(report.spaceReclaimed));
            events->publish(pruneEvent);
            if (e)
                e->respond(HttpResponse::json(200, report.toJson()));
        });
}

void ImageRoutes::create(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    if (request.hasQuery(QStringLiteral("fromImage"))) {
        if (m_context.pull)
            return m_context.pull(exchange);
        return exchange.respondError(501, QStringLiteral("pulling %1 from a registry is not supported by this Berth engine yet; "
                                                         "load or import the image instead")
                                              .arg(request.query(QStringLiteral("fromImage"))));
    }
    const QString fromSrc = request.query(QStringLiteral("fromSrc"));
    if (fromSrc != QLatin1String("-")) {
        return exchange.respondError(400, fromSrc.isEmpty()
            ? QStringLiteral("POST /images/create needs fromImage or fromSrc")
            : QStringLiteral("importing from '%1' is not supported: send the archive as the request body (fromSrc=-)").arg(fromSrc));
    }
    importStream(exchange);
}

namespace {
// One import in flight: the importer lives on the engine thread; the HTTP
// side only counts what it queued so it can pause the socket.
struct ImportSession
{
    std::unique_ptr<Engine::ImageImporter> importer;
    std::optional<Error> error;
    std::atomic<qint64> queued{0};
    bool paused = false; // HTTP thread only
};
} // namespace

void ImageRoutes::importStream(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    Engine::ImageImporter::Options options;
    options.repository = request.query(QStringLiteral("repo"));
    options.tag = request.query(QStringLiteral("tag"));
    options.changes = request.queryValues(QStringLiteral("changes"));
    options.message = request.query(QStringLiteral("message"));

    auto session = std::make_shared<ImportSession>();
    ImageStore *store = m_context.store;
    EngineWorker *worker = m_context.worker;
    EventBus *events = m_context.events;
    QPointer<HttpExchange> guard(&exchange);

    worker->post([session, store, options] {
        auto importer = Engine::ImageImporter::start(*store, options);
        if (!importer)
            session->error = importer.error();
        else
            session->importer = std::move(*importer);
    });

    QObject::connect(&exchange, &HttpExchange::bodyReceived, &exchange, [session, worker, guard](const QByteArray &piece) {
        session->queued += piece.size();
        if (!session->paused && session->queued.load() > kImportHighWater && guard) {
            session->paused = true;
            guard->setBodyPaused(true);
        }
        worker->run<bool>(
            [session, piece] {
                if (!session->error && session->importer) {
                    if (auto st = session->importer->write(piece); !st)
                        session->error = st.error();
                }
                session->queued -= piece.size();
                return session->queued.load() < kImportLowWater;
            },
            [session, guard](bool drained) {
                if (drained && session->paused && guard) {
                    session->paused = false;
                    guard->setBodyPaused(false);
                }
            });
    });

    QObject::connect(&exchange, &HttpExchange::bodyFinished, &exchange, [session, worker, events, guard, options] {
        worker->run<Result<QString>>(
            [session]() -> Result<QString> {
                if (session->error)
                    return fail(*session->error);
                if (!session->importer)
                    return fail(ErrorCode::Internal, "import did not start");
                auto id = session->importer->finish();
                session->importer.reset();
                if (!id)
                    return fail(id.error());
                return id->toString();
            },
            [guard, events, options](Result<QString> id) {
                if (!id) {
                    qCWarning(lcDaemon).noquote() << "import failed:" << Common::toQString(id.error());
                    if (guard && !guard->isFinished())
                        guard->respondError(id.error());
                    return;
                }
                events->publish(imageEvent(QStringLiteral("import"), *id, *id));
                if (!options.repository.isEmpty()) {
                    QString name = options.repository;
                    if (auto ref = Common::Reference::parseNormalized(options.repository)) {
                        const QString t = !options.tag.isEmpty() ? options.tag
                                          : !ref->tag().isEmpty() ? ref->tag() : QStringLiteral("latest");
                        name = ref->withTag(t).familiarString();
                    }
                    events->publish(imageEvent(QStringLiteral("tag"), *id, name));
                }
                if (guard && !guard->isFinished()) {
                    guard->beginStream(200);
                    guard->writeJson(QJsonObject{{QStringLiteral("status"), *id}});
                    guard->endStream();
                }
            });
    });
    // A client that disconnects mid-upload abandons the import: the
    // importer's blob writer removes its temp file when destroyed.
    QObject::connect(&exchange, &HttpExchange::clientGone, &exchange, [session, worker] {
        worker->post([session] { session->importer.reset(); });
    });
}

} // namespace Berth::Daemon
