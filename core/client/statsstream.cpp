#include "statsstream.h"

#include "engineclient.h"
#include "responsestream.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

namespace Berth::Client {

StatsSample StatsSample::fromJson(const QJsonObject &o)
{
    StatsSample s;
    s.readMs = QDateTime::fromString(o.value(QStringLiteral("read")).toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();

    const QJsonObject cpu = o.value(QStringLiteral("cpu_stats")).toObject();
    const QJsonObject precpu = o.value(QStringLiteral("precpu_stats")).toObject();
    const auto total = [](const QJsonObject &stats) {
        return stats.value(QStringLiteral("cpu_usage")).toObject().value(QStringLiteral("total_usage")).toDouble();
    };
    const double cpuDelta = total(cpu) - total(precpu);
    const double systemDelta = cpu.value(QStringLiteral("system_cpu_usage")).toDouble()
                               - precpu.value(QStringLiteral("system_cpu_usage")).toDouble();
    double online = cpu.value(QStringLiteral("online_cpus")).toDouble();
    if (online <= 0)
        online = double(cpu.value(QStringLiteral("cpu_usage")).toObject().value(QStringLiteral("percpu_usage")).toArray().size());
    if (cpuDelta > 0 && systemDelta > 0)
        s.cpuPercent = cpuDelta / systemDelta * qMax(1.0, online) * 100.0;

    const QJsonObject memory = o.value(QStringLiteral("memory_stats")).toObject();
    const QJsonObject memoryDetail = memory.value(QStringLiteral("stats")).toObject();
    qint64 inactive = memoryDetail.value(QStringLiteral("total_inactive_file")).toInteger(-1); // cgroup v1
    if (inactive < 0)
        inactive = memoryDetail.value(QStringLiteral("inactive_file")).toInteger(0); // v2
    const qint64 usage = memory.value(QStringLiteral("usage")).toInteger();
    s.memoryUsage = inactive < usage ? usage - inactive : usage;
    s.memoryLimit = memory.value(QStringLiteral("limit")).toInteger();
    s.pids = o.value(QStringLiteral("pids_stats")).toObject().value(QStringLiteral("current")).toInteger();
    const QJsonObject networks = o.value(QStringLiteral("networks")).toObject();
    for (auto it = networks.begin(); it != networks.end(); ++it) {
        s.networkRx += it.value().toObject().value(QStringLiteral("rx_bytes")).toInteger();
        s.networkTx += it.value().toObject().value(QStringLiteral("tx_bytes")).toInteger();
    }
    return s;
}

StatsStream::StatsStream(EngineClient *client, const QString &container, QObject *parent)
    : QObject(parent)
    , m_container(container)
{
    qRegisterMetaType<StatsSample>();
    if (!client) {
        QMetaObject::invokeMethod(this, [this] {
            emit finished(fail(ErrorCode::Unavailable, "GET /containers/" + m_container.toStdString()
                                                          + "/stats: not connected to the engine"));
        }, Qt::QueuedConnection);
        return;
    }
    Request request;
    request.path = QStringLiteral("/containers/%1/stats").arg(QString::fromLatin1(QUrl::toPercentEncoding(container)));
    request.query.addQueryItem(QStringLiteral("stream"), QStringLiteral("1"));
    m_stream = client->openStream(request, this);
    connect(m_stream, &ResponseStream::data, this, [this](const QByteArray &bytes) {
        if (m_failed)
            return;
        m_splitter.append(bytes);
        while (true) {
            auto next = m_splitter.next();
            if (!next) {
                m_failed = true;
                m_stream->cancel();
                emit finished(fail(next.error().wrap("GET /containers/" + m_container.toStdString() + "/stats")));
                return;
            }
            if (!*next)
                break;
            emit sample(StatsSample::fromJson(QJsonDocument::fromJson(**next).object()));
        }
    });
    connect(m_stream, &ResponseStream::finished, this, [this](const Status &result) {
        if (!m_failed)
            emit finished(result);
    });
}

StatsStream::~StatsStream()
{
    if (m_stream)
        m_stream->cancel();
}

void StatsStream::cancel()
{
    m_failed = true;
    if (m_stream)
        m_stream->cancel();
}

} // namespace Berth::Client
