#include "imagearchiveroutes.h"

#include "daemonlogging.h"
#include "engineworker.h"
#include "eventbus.h"
#include "httpconnection.h"
#include "httpexchange.h"
#include "httprequest.h"
#include "httpresponse.h"

#include <common/errors.h>
#include <engine/imageloader.h>
#include <engine/imagesaver.h>
#include <engine/imagestore.h>

#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>

namespace Berth::Daemon {

using Engine::ImageStore;

namespace {

// save: pieces asked of the saver, and how much may wait on the socket
// before the next piece is produced.
constexpr qsizetype kSavePiece = 1024 * 1024;
constexpr qsizetype kSaveHighWater = 4 * 1024 * 1024;
constexpr int kSaveRetryMs = 5;
// load: the socket is paused while more than this is queued for the engine.
constexpr qint64 kLoadHighWater = 8 * 1024 * 1024;
constexpr qint64 kLoadLowWater = 2 * 1024 * 1024;

Common::Event imageEvent(const QString &action, const QString &id, const QString &name)
{
    Common::Event e;
    e.type = QStringLiteral("image");
    e.action = action;
    e.actorId = id;
    e.attributes.insert(QStringLiteral("name"), name.isEmpty() ? id : name);
    return e;
}

// A stream that cannot be finished must not look finished: drop the
// connection, so the client sees an unexpected EOF (as with dockerd).
void abortStream(HttpExchange *exchange)
{
    if (!exchange)
        return;
    if (auto *connection = qobject_cast<HttpConnection *>(exchange->parent()))
        connection->abort();
}

struct SaveSession
{
    std::unique_ptr<Engine::ImageSaver> saver; // engine thread only
};

struct SavePiece
{
    QByteArray data;
    bool atEnd = false;
};

void pumpSave(const std::shared_ptr<SaveSession> &session, EngineWorker *worker, QPointer<HttpExchange> guard)
{
    if (!guard || guard->isFinished() || guard->isClientGone()) {
        worker->post([session] { session->saver.reset(); });
        return;
    }
    if (guard->pendingOutput() > kSaveHighWater) {
        QTimer::singleShot(kSaveRetryMs, guard, [session, worker, guard] { pumpSave(session, worker, guard); });
        return;
    }
    worker->run<Result<SavePiece>>(
        [session]() -> Result<SavePiece> {
            if (!session->saver)
                return fail(ErrorCode::Internal, "save was abandoned");
            auto data = session->saver->read(kSavePiece);
            if (!data) {
                session->saver.reset();
                return fail(data.error());
            }
            SavePiece piece{std::move(*data), session->saver->atEnd()};
            if (piece.atEnd)
                session->saver.reset();
            return piece;
        },
        [session, worker, guard](Result<SavePiece> piece) {
            if (!piece) {
                qCWarning(lcDaemon).noquote() << "save failed mid-stream:" << Common::toQString(piece.error());
                abortStream(guard);
                return;
            }
            if (!guard || guard->isFinished()) {
                worker->post([session] { session->saver.reset(); });
                return;
            }
            guard->writeChunk(piece->data);
            if (piece->atEnd)
                guard->endStream();
            else
                pumpSave(session, worker, guard);
        });
}

struct LoadSession
{
    std::unique_ptr<Engine::ImageLoader> loader; // engine thread only
    std::optional<Error> error;                  // engine thread only
    std::atomic<bool> failed{false};
    std::atomic<qint64> queued{0};
    bool paused = false; // HTTP thread only
};

} // namespace

ImageArchiveRoutes::ImageArchiveRoutes(Context context)
    : m_context(context)
{}

ImageArchiveRoutes::~ImageArchiveRoutes() = default;

void ImageArchiveRoutes::registerRoutes(Router &router)
{
    router.addRoute("GET", QStringLiteral("/images/get"), [this](HttpExchange &e) {
        save(e, e.request().queryValues(QStringLiteral("names")));
    });
    router.addRoute("GET", QStringLiteral("/images/{name*}/get"), [this](HttpExchange &e) {
        save(e, {e.request().capture(QStringLiteral("name"))});
    });
    router.addRoute("POST", QStringLiteral("/images/load"), [this](HttpExchange &e) { load(e); }, BodyMode::Streamed);
}

void ImageArchiveRoutes::save(HttpExchange &exchange, const QStringList &names)
{
    if (names.isEmpty() || names.contains(QString()))
        return exchange.respondError(400, QStringLiteral("no image names given: use ?names=NAME (repeatable)"));
    auto session = std::make_shared<SaveSession>();
    ImageStore *store = m_context.store;
    EngineWorker *worker = m_context.worker;
    EventBus *events = m_context.events;
    QPointer<HttpExchange> guard(&exchange);
    worker->run<Result<QList<Engine::SavedImage>>>(
        [session, store, names]() -> Result<QList<Engine::SavedImage>> {
            auto saver = Engine::ImageSaver::start(*store, names);
            if (!saver)
                return fail(saver.error());
            session->saver = std::move(*saver);
            return session->saver->images();
        },
        [session, worker, events, guard](Result<QList<Engine::SavedImage>> images) {
            if (!images) {
                if (guard && !guard->isFinished())
                    guard->respondError(images.error());
                return;
            }
            for (const Engine::SavedImage &image : std::as_const(*images))
                events->publish(imageEvent(QStringLiteral("save"), image.id.toString(),
                                           image.tags.isEmpty() ? image.id.toString() : image.tags.first()));
            if (!guard || guard->isFinished()) {
                worker->post([session] { session->saver.reset(); });
                return;
            }
            guard->beginStream(200, "application/x-tar");
            pumpSave(session, worker, guard);
        });
}

void ImageArchiveRoutes::load(HttpExchange &exchange)
{
    auto quiet = exchange.request().queryBool(QStringLiteral("quiet"));
    if (!quiet)
        return exchange.respondError(quiet.error());

    auto session = std::make_shared<LoadSession>();
    ImageStore *store = m_context.store;
    EngineWorker *worker = m_context.worker;
    EventBus *events = m_context.events;
    QPointer<HttpExchange> guard(&exchange);

    worker->post([session, store] {
        auto loader = Engine::ImageLoader::start(*store);
        if (!loader) {
            session->error = loader.error();
            session->failed = true;
        } else {
            session->loader = std::move(*loader);
        }
    });

    QObject::connect(&exchange, &HttpExchange::bodyReceived, &exchange, [session, worker, guard](const QByteArray &piece) {
        // once the archive is known bad the rest of the body is read and dropped
        if (session->failed.load())
            return;
        session->queued += piece.size();
        if (!session->paused && session->queued.load() > kLoadHighWater && guard) {
            session->paused = true;
            guard->setBodyPaused(true);
        }
        worker->run<bool>(
            [session, piece] {
                if (!session->error && session->loader) {
                    if (auto st = session->loader->write(piece); !st) {
                        session->error = st.error();
                        session->failed = true;
                        session->loader.reset(); // removes the spool now
                    }
                }
                session->queued -= piece.size();
                return session->queued.load() < kLoadLowWater || session->failed.load();
            },
            [session, guard](bool drained) {
                if (drained && session->paused && guard) {
                    session->paused = false;
                    guard->setBodyPaused(false);
                }
            });
    });

    QObject::connect(&exchange, &HttpExchange::bodyFinished, &exchange, [session, worker, events, guard] {
        worker->run<Result<Engine::LoadReport>>(
            [session]() -> Result<Engine::LoadReport> {
                if (session->error)
                    return fail(*session->error);
                if (!session->loader)
                    return fail(ErrorCode::Internal, "load did not start");
                auto report = session->loader->finish();
                session->loader.reset();
                return report;
            },
            [guard, events](Result<Engine::LoadReport> report) {
                if (!report) {
                    qCWarning(lcDaemon).noquote() << "load failed:" << Common::toQString(report.error());
                    if (guard && !guard->isFinished())
                        guard->respondError(report.error());
                    return;
                }
                for (const Engine::LoadedImage &image : std::as_const(report->images)) {
                    const QString id = image.id.toString();
                    events->publish(imageEvent(QStringLiteral("load"), id, image.tags.isEmpty() ? id : image.tags.first()));
                    for (const QString &tag : image.tags)
                        events->publish(imageEvent(QStringLiteral("tag"), id, tag));
                }
                if (!guard || guard->isFinished())
                    return;
                guard->beginStream(200);
                for (const QString &message : std::as_const(report->messages))
                    guard->writeJson(QJsonObject{{QStringLiteral("stream"), QString(message + u'\n')}});
                if (report->error) {
                    const QString text = Common::toQString(*report->error);
                    guard->writeJson(QJsonObject{{QStringLiteral("errorDetail"), QJsonObject{{QStringLiteral("message"), text}}},
                                                 {QStringLiteral("error"), text}});
                }
                guard->endStream();
            });
    });

    // A client that disconnects mid-upload abandons the load: destroying the
    // loader stops its reader and removes the spool; the store was not touched.
    QObject::connect(&exchange, &HttpExchange::clientGone, &exchange, [session, worker] {
        session->failed = true;
        worker->post([session] { session->loader.reset(); });
    });
}

} // namespace Berth::Daemon
