#pragma once

#include "clientmetatypes.h"
#include "jsonsplitter.h"

#include <base/result.h>

#include <QJsonObject>
#include <QObject>
#include <QPointer>

namespace Berth::Client {

class EngineClient;
class ResponseStream;

// One resource sample of a running container, computed as `docker stats`
// computes it (engine-api.md 8.9).
struct StatsSample
{
    qint64 readMs = 0;          // when the engine read it (ms since the epoch)
    double cpuPercent = 0.0;    // Δcontainer / Δsystem × online CPUs × 100
    qint64 memoryUsage = 0;     // usage minus inactive file cache
    qint64 memoryLimit = 0;
    qint64 pids = 0;
    qint64 networkRx = 0;
    qint64 networkTx = 0;

    // From one stats object (its precpu_stats give the previous sample).
    static StatsSample fromJson(const QJsonObject &o);
};

// GET /containers/{id}/stats?stream=1: about one sample a second until the
// container stops or cancel() is called. Open it only while the numbers are
// on screen (the app idles at 0 % CPU otherwise).
class StatsStream : public QObject
{
    Q_OBJECT
public:
    StatsStream(EngineClient *client, const QString &container, QObject *parent = nullptr);
    ~StatsStream() override;

    QString container() const { return m_container; }
    void cancel();

signals:
    void sample(const Berth::Client::StatsSample &sample);
    void finished(const Berth::Status &result);

private:
    QString m_container;
    QPointer<ResponseStream> m_stream;
    JsonSplitter m_splitter;
    bool m_failed = false;
};

} // namespace Berth::Client

Q_DECLARE_METATYPE(Berth::Client::StatsSample)
