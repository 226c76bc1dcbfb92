#pragma once

#include <base/result.h>

#include <QFuture>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QString>
#include <QStringList>

namespace Berth::Client {

class EngineClient;

// One published or exposed port of a GET /containers/json item.
struct ContainerPort
{
    QString ip;          // "0.0.0.0", "::"; empty when only exposed
    int privatePort = 0;
    int publicPort = 0;  // 0 when only exposed
    QString type = QStringLiteral("tcp");

    bool operator==(const ContainerPort &) const = default;
};

// One GET /containers/json item (engine-api.md 8.3).
struct ContainerSummary
{
    QString id;
    QStringList names; // "/name"
    QString image;     // as given at create
    QString imageId;
    QString command;
    qint64 created = 0;
    QString state;     // created, running, paused, restarting, removing, exited, dead
    QString status;    // the engine's "Up 5 minutes", "Exited (1) 2 hours ago"
    QList<ContainerPort> ports;
    QMap<QString, QString> labels;
    QJsonArray mounts;

    // The first name without the leading slash.
    QString name() const;
    // The exit code in "Exited (N) ..." (-1 when the status has none).
    int exitCode() const;

    bool operator==(const ContainerSummary &) const = default;

    static Result<ContainerSummary> fromJson(const QJsonObject &o);
};

// The container calls of the Engine API (engine-api.md 7.2-7.10, 8.3, 8.4),
// typed and asynchronous over one EngineClient. Errors carry the engine's
// message ("cannot remove container ...: container is running: stop the
// container before removing or force remove").
class ContainerApi
{
public:
    explicit ContainerApi(EngineClient *client);

    // GET /containers/json?all=1 (all: stopped ones too). filters is
    // docker's JSON object ({"id":["abc"]}), may be empty.
    QFuture<Result<QList<ContainerSummary>>> list(bool all = true, const QJsonObject &filters = {}) const;
    QFuture<Result<QJsonObject>> inspect(const QString &id) const;

    // POST /containers/create[?name=]: the new ID.
    QFuture<Result<QString>> create(const QJsonObject &body, const QString &name = {}) const;
    QFuture<Status> start(const QString &id) const;
    // t: seconds before SIGKILL; -1: the container's default.
    QFuture<Status> stop(const QString &id, int timeout = -1) const;
    QFuture<Status> restart(const QString &id, int timeout = -1) const;
    QFuture<Status> kill(const QString &id, const QString &signal = {}) const;
    QFuture<Status> pause(const QString &id) const;
    QFuture<Status> unpause(const QString &id) const;
    QFuture<Status> rename(const QString &id, const QString &name) const;
    QFuture<Status> remove(const QString &id, bool force = false, bool volumes = false) const;

private:
    QFuture<Status> post(const QString &id, const QString &verb, const QList<std::pair<QString, QString>> &query) const;

    QPointer<EngineClient> m_client;
};

} // namespace Berth::Client
