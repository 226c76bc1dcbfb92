#include "eventbus.h"

#include "daemonlogging.h"

#include <chrono>

namespace Berth::Daemon {

QStringList EventFilter::acceptedKeys()
{
    return {QStringLiteral("config"), QStringLiteral("container"), QStringLiteral("daemon"),
            QStringLiteral("event"), QStringLiteral("image"), QStringLiteral("label"),
            QStringLiteral("network"), QStringLiteral("node"), QStringLiteral("plugin"),
            QStringLiteral("scope"), QStringLiteral("secret"), QStringLiteral("service"),
            QStringLiteral("type"), QStringLiteral("volume")};
}

// "name:tag" -> "name", leaving "host:port/name" alone.
static QString stripTag(const QString &image)
{
    const qsizetype at = image.indexOf(QLatin1Char('@'));
    QString s = at >= 0 ? image.left(at) : image;
    const qsizetype colon = s.lastIndexOf(QLatin1Char(':'));
    if (colon > s.lastIndexOf(QLatin1Char('/')))
        s.truncate(colon);
    return s;
}

bool EventFilter::matches(const Common::Event &e) const
{
    const Filters &f = m_filters;
    if (f.isEmpty())
        return true;

    // exec_create/exec_start/health_status carry ": detail"; match by prefix.
    bool fuzzyEvent = false;
    for (const QString &v : f.values(QStringLiteral("event"))) {
        if (v == QLatin1String("exec_create") || v == QLatin1String("exec_start")
            || v == QLatin1String("health_status"))
            fuzzyEvent = true;
    }
    const bool eventOk = fuzzyEvent ? f.fuzzyMatch(QStringLiteral("event"), e.action)
                                    : f.exactMatch(QStringLiteral("event"), e.action);
    if (!eventOk || !f.exactMatch(QStringLiteral("type"), e.type))
        return false;
    if (f.contains(QStringLiteral("scope")) && !f.exactMatch(QStringLiteral("scope"), e.scope))
        return false;

    const QString name = e.attributes.value(QStringLiteral("name"));
    auto byName = [&](const QString &key, const QString &type) {
        Q_UNUSED(type); // moby matches the actor whatever the event type
        if (!f.contains(key))
            return true;
        return f.fuzzyMatch(key, e.actorId) || f.fuzzyMatch(key, name);
    };
    if (!byName(QStringLiteral("container"), QStringLiteral("container"))
        || !byName(QStringLiteral("daemon"), QStringLiteral("daemon"))
        || !byName(QStringLiteral("plugin"), QStringLiteral("plugin"))
        || !byName(QStringLiteral("volume"), QStringLiteral("volume"))
        || !byName(QStringLiteral("network"), QStringLiteral("network"))
        || !byName(QStringLiteral("node"), QStringLiteral("node"))
        || !byName(QStringLiteral("service"), QStringLiteral("service"))
        || !byName(QStringLiteral("secret"), QStringLiteral("secret"))
        || !byName(QStringLiteral("config"), QStringLiteral("config")))
        return false;

    if (f.contains(QStringLiteral("image"))) {
        const QString imageName = e.attributes.value(e.type == QLatin1String("image") ? QStringLiteral("name")
                                                                                      : QStringLiteral("image"));
        const QString key = QStringLiteral("image");
        const QStringList values = f.values(key);
        auto hit = [&](const QString &s) { return !s.isEmpty() && values.contains(s); };
        if (!(hit(e.actorId) || hit(imageName) || hit(stripTag(e.actorId)) || hit(stripTag(imageName))))
            return false;
    }
    return f.matchKeyValues(QStringLiteral("label"), e.attributes);
}

EventSubscription::EventSubscription(EventBus *bus, EventFilter filter)
    : m_bus(bus)
    , m_filter(std::move(filter))
{
}

EventSubscription::~EventSubscription()
{
    if (m_bus)
        m_bus->unsubscribe(this);
}

EventBus::EventBus(int historySize, QObject *parent)
    : QObject(parent)
    , m_historySize(qMax(historySize, 1))
{
}

EventBus::~EventBus()
{
    for (EventSubscription *s : std::as_const(m_subscribers))
        s->m_bus = nullptr;
}

qint64 EventBus::nowNano()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

void EventBus::publish(Common::Event event)
{
    if (event.timeNano == 0)
        event.timeNano = nowNano();
    m_history.push_back(event);
    while (qsizetype(m_history.size()) > m_historySize)
        m_history.pop_front();
    qCDebug(lcDaemonEvents).noquote() << event.type << event.action << event.actorId;
    // A subscriber may unsubscribe (or subscribe) from its slot.
    const QList<EventSubscription *> subscribers = m_subscribers;
    for (EventSubscription *s : subscribers) {
        if (!m_subscribers.contains(s))
            continue;
        if (s->m_filter.matches(event))
            emit s->eventPublished(event);
    }
}

QList<Common::Event> EventBus::history(const EventFilter &filter, qint64 sinceNano, qint64 untilNano) const
{
    QList<Common::Event> out;
    for (const Common::Event &e : m_history) {
        if (e.timeNano < sinceNano)
            continue;
        if (untilNano > 0 && e.timeNano > untilNano)
            continue;
        if (filter.matches(e))
            out.append(e);
    }
    return out;
}

std::unique_ptr<EventSubscription> EventBus::subscribe(const EventFilter &filter)
{
    std::unique_ptr<EventSubscription> s(new EventSubscription(this, filter));
    m_subscribers.append(s.get());
    return s;
}

void EventBus::unsubscribe(EventSubscription *subscription)
{
    m_subscribers.removeAll(subscription);
}

} // namespace Berth::Daemon
