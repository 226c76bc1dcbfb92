#include "eventmodel.h"

#include <QDateTime>
#include <QLocale>

namespace Berth::Gui {

EventModel::EventModel(QObject *parent)
    : QAbstractListModel(parent)
{}

EventModel::~EventModel() = default;

void EventModel::setCapacity(int capacity)
{
    m_capacity = std::max(1, capacity);
    trimTo(m_capacity);
}

void EventModel::addEvent(const Common::Event &event)
{
    trimTo(m_capacity - 1);
    beginInsertRows({}, 0, 0);
    m_events.push_front(event);
    endInsertRows();
}

void EventModel::clear()
{
    if (m_events.empty())
        return;
    beginResetModel();
    m_events.clear();
    endResetModel();
}

void EventModel::trimTo(int capacity)
{
    const int count = int(m_events.size());
    if (count <= capacity)
        return;
    beginRemoveRows({}, capacity, count - 1);
    m_events.resize(std::size_t(capacity));
    endRemoveRows();
}

int EventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

static QDateTime eventTime(const Common::Event &event)
{
    return QDateTime::fromMSecsSinceEpoch(event.timeNano / 1000000).toLocalTime();
}

QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Common::Event &event = m_events.at(std::size_t(index.row()));
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        //: Engine activity row: %1 time, %2 object type, %3 action, %4 object name
        return tr("%1  %2 %3  %4")
            .arg(QLocale().toString(eventTime(event).time(), QStringLiteral("HH:mm:ss")),
                 typeText(event.type), actionText(event.action), actorName(event));
    case Qt::ToolTipRole: {
        QStringList attributes;
        for (auto it = event.attributes.cbegin(); it != event.attributes.cend(); ++it)
            attributes.append(it.key() + u'=' + it.value());
        //: Tooltip of an engine event: %1 date and time, %2 type, %3 action, %4 id, %5 attributes
        return tr("%1\n%2 %3\n%4\n%5")
            .arg(QLocale().toString(eventTime(event), QLocale::LongFormat), event.type, event.action,
                 event.actorId, attributes.join(QStringLiteral(", ")));
    }
    case TimeRole:
        return eventTime(event);
    case TypeRole:
        return event.type;
    case ActionRole:
        return event.action;
    case ActorRole:
        return actorName(event);
    case ActorIdRole:
        return event.actorId;
    default:
        return {};
    }
}

QHash<int, QByteArray> EventModel::roleNames() const
{
    QHash<int, QByteArray> roles = QAbstractListModel::roleNames();
    roles.insert(TimeRole, "time");
    roles.insert(TypeRole, "type");
    roles.insert(ActionRole, "action");
    roles.insert(ActorRole, "actor");
    roles.insert(ActorIdRole, "actorId");
    return roles;
}

QString EventModel::actorName(const Common::Event &event)
{
    const QString name = event.attributes.value(QStringLiteral("name"));
    if (!name.isEmpty())
        return name;
    QString id = event.actorId;
    if (id.startsWith(QLatin1String("sha256:")))
        id = id.mid(7);
    return id.size() > 12 && event.type != QLatin1String("image") ? id.left(12) : id;
}

QString EventModel::typeText(const QString &type)
{
    if (type == QLatin1String("container"))
        return tr("container");
    if (type == QLatin1String("image"))
        return tr("image");
    if (type == QLatin1String("volume"))
        return tr("volume");
    if (type == QLatin1String("network"))
        return tr("network");
    if (type == QLatin1String("daemon"))
        return tr("engine");
    return type;
}

QString EventModel::actionText(const QString &action)
{
    struct Word
    {
        const char *action;
        const char *text;
    };
    static const Word words[] = {
        {"create", QT_TR_NOOP("created")},      {"start", QT_TR_NOOP("started")},
        {"stop", QT_TR_NOOP("stopped")},        {"die", QT_TR_NOOP("exited")},
        {"kill", QT_TR_NOOP("killed")},         {"destroy", QT_TR_NOOP("removed")},
        {"restart", QT_TR_NOOP("restarted")},   {"pause", QT_TR_NOOP("paused")},
        {"unpause", QT_TR_NOOP("resumed")},     {"rename", QT_TR_NOOP("renamed")},
        {"attach", QT_TR_NOOP("attached")},     {"resize", QT_TR_NOOP("resized")},
        {"exec_create", QT_TR_NOOP("exec created")}, {"exec_start", QT_TR_NOOP("exec started")},
        {"exec_die", QT_TR_NOOP("exec exited")}, {"pull", QT_TR_NOOP("pulled")},
        {"push", QT_TR_NOOP("pushed")},         {"tag", QT_TR_NOOP("tagged")},
        {"untag", QT_TR_NOOP("untagged")},      {"delete", QT_TR_NOOP("deleted")},
        {"load", QT_TR_NOOP("loaded")},         {"save", QT_TR_NOOP("saved")},
        {"import", QT_TR_NOOP("imported")},     {"mount", QT_TR_NOOP("mounted")},
        {"unmount", QT_TR_NOOP("unmounted")},   {"reload", QT_TR_NOOP("reloaded")},
        {"extract-to-dir", QT_TR_NOOP("files copied in")}, {"archive-path", QT_TR_NOOP("files copied out")},
    };
    for (const Word &word : words) {
        if (action == QLatin1String(word.action))
            return tr(word.text);
    }
    // "exec_start: sh -c ..." carries the command after the colon.
    const qsizetype colon = action.indexOf(u':');
    if (colon > 0)
        return actionText(action.left(colon));
    return action;
}

} // namespace Berth::Gui
