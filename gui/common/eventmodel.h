#pragma once

#include <client/clientmetatypes.h> // Q_DECLARE_METATYPE(Event, Status) before any moc uses them
#include <common/event.h>

#include <QAbstractListModel>

#include <deque>

namespace Berth::Gui {

// The engine's recent events (GET /events), newest first, bounded: the
// oldest event is dropped when a new one would exceed capacity(). Rows are
// inserted and removed incrementally (style.md C16).
class EventModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        TimeRole = Qt::UserRole + 1, // QDateTime, local time
        TypeRole,                    // "container", "image", ... (engine words)
        ActionRole,                  // "start", "die", "tag", ...
        ActorRole,                   // the actor's name, else its short id
        ActorIdRole,                 // the full actor id
    };
    Q_ENUM(Role)

    static constexpr int DefaultCapacity = 500;

    explicit EventModel(QObject *parent = nullptr);
    ~EventModel() override;

    int capacity() const { return m_capacity; }
    void setCapacity(int capacity);

    void addEvent(const Common::Event &event);
    void clear();
    const Common::Event &eventAt(int row) const { return m_events.at(std::size_t(row)); }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Translated words for the engine's object types and actions; unknown
    // words come back as they are.
    static QString typeText(const QString &type);
    static QString actionText(const QString &action);
    static QString actorName(const Common::Event &event);

private:
    void trimTo(int capacity);

    std::deque<Common::Event> m_events; // front is newest
    int m_capacity = DefaultCapacity;
};

} // namespace Berth::Gui
