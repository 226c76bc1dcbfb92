#pragma once

#include "filters.h"

#include <common/event.h>

#include <QList>
#include <QObject>
#include <QPointer>

#include <deque>
#include <memory>

namespace Berth::Daemon {

class EventBus;

// Which events a GET /events client wants (moby's daemon/events Filter).
class EventFilter
{
public:
    EventFilter() = default;
    explicit EventFilter(Filters filters) : m_filters(std::move(filters)) {}

    // The keys /events accepts; anything else is `invalid filter 'x'`.
    static QStringList acceptedKeys();

    bool matches(const Common::Event &event) const;
    const Filters &filters() const { return m_filters; }

private:
    Filters m_filters;
};

// A live subscription: eventPublished() for every new matching event.
// Unsubscribes when destroyed.
class EventSubscription : public QObject
{
    Q_OBJECT
public:
    ~EventSubscription() override;
    const EventFilter &filter() const { return m_filter; }

signals:
    void eventPublished(const Berth::Common::Event &event);

private:
    friend class EventBus;
    EventSubscription(EventBus *bus, EventFilter filter);
    QPointer<EventBus> m_bus;
    EventFilter m_filter;
};

// Where the stores publish what happens (container create/start/die, image
// tag/delete, daemon reload ...). Keeps the last few events for replay
// (`docker events --since`) and fans new ones out to subscribers.
class EventBus : public QObject
{
    Q_OBJECT
public:
    explicit EventBus(int historySize = 256, QObject *parent = nullptr);
    ~EventBus() override;

    // Stamps timeNano when it is 0, keeps it for replay, notifies subscribers.
    void publish(Common::Event event);

    // Stored events with sinceNano <= timeNano <= untilNano (untilNano 0:
    // no upper bound) that match, oldest first.
    QList<Common::Event> history(const EventFilter &filter, qint64 sinceNano, qint64 untilNano = 0) const;

    // The caller owns the subscription (give it a parent or hold it).
    std::unique_ptr<EventSubscription> subscribe(const EventFilter &filter);
    int subscriberCount() const { return int(m_subscribers.size()); }
    int historySize() const { return m_historySize; }

    static qint64 nowNano();

private:
    friend class EventSubscription;
    void unsubscribe(EventSubscription *subscription);

    int m_historySize;
    std::deque<Common::Event> m_history;
    QList<EventSubscription *> m_subscribers;
};

} // namespace Berth::Daemon
