#pragma once

#include "clientmetatypes.h"

#include <base/result.h>
#include <common/event.h>

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <memory>

namespace Berth::Client {

class EngineClient;

// What GET /events should return.
struct EventsQuery
{
    // Docker's filters: {"type":["container"],"event":["die"]}.
    QJsonObject filters;
    // Unix timestamps ("1795819023" or "1795819023.5"), as the API takes them;
    // empty: live events only / stream until cancelled.
    QString since;
    QString until;
};

// GET /events decoded: one signal per event. Events may be split across
// chunks or packed several per chunk; each is decoded whole.
class EventStream : public QObject
{
    Q_OBJECT
public:
    ~EventStream() override;

    void cancel();

signals:
    // The engine accepted the request (200); events follow.
    void connected();
    void event(const Berth::Common::Event &event);
    // Once: no error when the engine ended the stream (--until reached),
    // else the reason (engine message, lost connection, undecodable event).
    void finished(const Berth::Status &result);

private:
    friend class EngineClient;
    explicit EventStream(QObject *parent);
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Client
