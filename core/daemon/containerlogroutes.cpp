#include "containerlogroutes.h"

#include "containersupervisor.h"
#include "eventbus.h"
#include "httpexchange.h"

#include <engine/containerlogreader.h>
#include <engine/containerlogwatcher.h>
#include <engine/containerstore.h>

#include <QPointer>
#include <QTimer>

#include <memory>

namespace Berth::Daemon {

namespace {

// Output queued on the socket before the producer waits for it to drain.
constexpr qsizetype kMaxPending = 1024 * 1024;
constexpr qsizetype kBatchBytes = 64 * 1024;

// One logs request: reads entries, writes frames, and in follow mode wakes
// up on the watcher and ends when the container stops.
class LogSession : public QObject
{
public:
    LogSession(HttpExchange *exchange, const QString &logPath, Engine::LogReadOptions options, bool tty)
        : QObject(exchange)
        , m_exchange(exchange)
        , m_reader(logPath, options)
        , m_tty(tty)
        , m_timestamps(options.timestamps)
        , m_logPath(logPath)
    {
    }

    Status start(bool follow, ContainerSupervisor *supervisor, const QString &id)
    {
        if (auto st = m_reader.open(); !st)
            return st;
        m_follow = follow;
        if (follow) {
            m_watcher = std::make_unique<Engine::ContainerLogWatcher>(m_logPath);
            if (auto st = m_watcher->start(); !st)
                return st;
            connect(m_watcher.get(), &Engine::ContainerLogWatcher::changed, this, [this] { pump(); });
            connect(supervisor, &ContainerSupervisor::containerExited, this, [this, id](const QString &which, int) {
                if (which == id)
                    stopFollowing();
            });
            connect(supervisor, &ContainerSupervisor::containerRemoved, this, [this, id](const QString &which) {
                if (which == id)
                    stopFollowing();
            });
        }
        m_exchange->beginStream(200, QByteArray());
        connect(m_exchange, &HttpExchange::clientGone, this, [this] {
            m_done = true;
            if (m_exchange)
                m_exchange->endStream();
        });
        pump();
        return {};
    }

    void stopFollowing()
    {
        m_follow = false;
        pump(); // what the process wrote last, then the end
    }

    void pump()
    {
        if (m_done || !m_exchange)
            return;
        if (m_exchange->pendingOutput() > kMaxPending) {
            scheduleRetry();
            return;
        }
        QByteArray batch;
        for (;;) {
            auto entry = m_reader.next();
            if (!entry) {
                // Status is on the wire: a system-error frame is docker's way
                // to report it in-stream (the CLI prints it).
                QByteArray msg = QByteArray::fromStdString(entry.error().toString());
                if (!m_tty) {
                    Engine::LogEntry e;
                    e.text = msg;
                    QByteArray frame = Engine::ContainerLogReader::format(e, false, false);
                    frame[0] = 3;
                    batch += frame;
                }
                flush(batch);
                finish();
                return;
            }
            if (!*entry)
                break;
            batch += Engine::ContainerLogReader::format(**entry, m_tty, m_timestamps);
            if (batch.size() >= kBatchBytes) {
                flush(batch);
                if (m_exchange->pendingOutput() > kMaxPending) {
                    scheduleRetry();
                    return;
                }
                // let other connections run between batches
                QTimer::singleShot(0, this, [this] { pump(); });
                return;
            }
        }
        flush(batch);
        if (!m_follow || m_reader.finished())
            finish();
    }

private:
    void flush(QByteArray &batch)
    {
        if (!batch.isEmpty() && m_exchange)
            m_exchange->writeChunk(batch);
        batch.clear();
    }
    void scheduleRetry() { QTimer::singleShot(5, this, [this] { pump(); }); }
    void finish()
    {
        if (m_done)
            return;
        m_done = true;
        m_watcher.reset();
        if (m_exchange)
            m_exchange->endStream();
    }

    QPointer<HttpExchange> m_exchange;
    Engine::ContainerLogReader m_reader;
    std::unique_ptr<Engine::ContainerLogWatcher> m_watcher;
    bool m_tty = false;
    bool m_timestamps = false;
    bool m_follow = false;
    bool m_done = false;
    QString m_logPath;
};

} // namespace

ContainerLogRoutes::ContainerLogRoutes(ContainerSupervisor *supervisor)
    : m_supervisor(supervisor)
{
}

void ContainerLogRoutes::registerRoutes(Router &router)
{
    router.addRoute("GET", QStringLiteral("/containers/{id}/logs"), [this](HttpExchange &e) { logs(e); });
}

void ContainerLogRoutes::logs(HttpExchange &exchange)
{
    const HttpRequest &request = exchange.request();
    auto record = m_supervisor->store().find(request.capture(QStringLiteral("id")));
    if (!record)
        return exchange.respondError(record.error());
    Engine::LogReadOptions options;
    auto out = request.queryBool(QStringLiteral("stdout"));
    auto err = request.queryBool(QStringLiteral("stderr"));
    auto follow = request.queryBool(QStringLiteral("follow"));
    auto timestamps = request.queryBool(QStringLiteral("timestamps"));
    for (const auto *r : {&out, &err, &follow, &timestamps}) {
        if (!*r)
            return exchange.respondError(r->error());
    }
    if (!*out && !*err)
        return exchange.respondError(400, QStringLiteral("Bad parameters: you must choose at least one stream"));
    options.stdoutStream = *out;
    options.stderrStream = *err;
    options.timestamps = *timestamps;
    const QString tail = request.query(QStringLiteral("tail"), QStringLiteral("all"));
    bool ok = false;
    const qint64 n = tail.toLongLong(&ok);
    options.tail = ok && n >= 0 ? n : -1; // docker: anything but a count is "all"
    const qint64 now = EventBus::nowNano();
    for (const char *key : {"since", "until"}) {
        const QString v = request.query(QString::fromLatin1(key));
        if (v.isEmpty() || v == u"0")
            continue;
        auto t = Engine::ContainerLogReader::parseTimeArgument(v, now);
        if (!t)
            return exchange.respondError(t.error());
        (qstrcmp(key, "since") == 0 ? options.sinceNs : options.untilNs) = *t;
    }
    const bool tty = record->config.value(QStringLiteral("Tty")).toBool();
    const QString logPath = m_supervisor->store().bundlePath(record->id) + QStringLiteral("/container.log");
    auto *session = new LogSession(&exchange, logPath, options, tty);
    if (auto st = session->start(*follow && record->isRunning(), m_supervisor, record->id); !st) {
        delete session;
        return exchange.respondError(st.error());
    }
}

} // namespace Berth::Daemon
