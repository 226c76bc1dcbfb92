#include "containerlistmodel.h"

#include <common/displayformat.h>
#include <common/vectoricon.h>

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QSet>

namespace Berth::Gui {

using Client::ContainerPort;
using Client::ContainerSummary;

namespace {

QColor stateColor(const ContainerSummary &c)
{
    if (c.state == QLatin1String("running"))
        return QColor(0x2e, 0x7d, 0x32);
    if (c.state == QLatin1String("paused"))
        return QColor(0xef, 0x6c, 0x00);
    if (c.state == QLatin1String("restarting"))
        return QColor(0x15, 0x65, 0xc0);
    if (c.state == QLatin1String("exited") && c.exitCode() > 0)
        return QColor(0xc6, 0x28, 0x28);
    if (c.state == QLatin1String("dead"))
        return QColor(0xc6, 0x28, 0x28);
    return QColor(0x75, 0x75, 0x75);
}

// A filled dot in the state's colour (a paused or created container gets a ring).
QIcon stateIcon(const ContainerSummary &c, QHash<QRgb, QIcon> &cache)
{
    const QColor color = stateColor(c);
    const bool ring = c.state == QLatin1String("paused") || c.state == QLatin1String("created");
    const QRgb key = color.rgb() ^ (ring ? 1u : 0u);
    auto it = cache.constFind(key);
    if (it != cache.constEnd())
        return *it;
    // Drawn at the size and pixel ratio it is shown at (sharp on high DPI).
    const QIcon icon = VectorIcon::make([ring](QPainter &painter, const QRectF &box, const QColor &color) {
        const qreal side = box.width();
        if (ring) {
            painter.setPen(QPen(color, side / 6.0));
            painter.setBrush(Qt::NoBrush);
        } else {
            painter.setPen(Qt::NoPen);
            painter.setBrush(color);
        }
        painter.drawEllipse(box.adjusted(side * 0.125, side * 0.125, -side * 0.125, -side * 0.125));
    }, color);
    return *cache.insert(key, icon);
}

bool hasProcess(const ContainerSummary &c)
{
    return c.state == QLatin1String("running") || c.state == QLatin1String("paused")
           || c.state == QLatin1String("restarting");
}

} // namespace

ContainerListModel::ContainerListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

QString ContainerListModel::stateText(const ContainerSummary &c)
{
    if (c.state == QLatin1String("running"))
        return tr("Running");
    if (c.state == QLatin1String("paused"))
        return tr("Paused");
    if (c.state == QLatin1String("restarting"))
        return tr("Restarting");
    if (c.state == QLatin1String("exited")) {
        const int code = c.exitCode();
        return code >= 0 ? tr("Exited (%1)").arg(code) : tr("Exited");
    }
    if (c.state == QLatin1String("created"))
        return tr("Created");
    if (c.state == QLatin1String("removing"))
        return tr("Removing");
    if (c.state == QLatin1String("dead"))
        return tr("Dead");
    return c.state;
}

QString ContainerListModel::portsText(const QList<ContainerPort> &ports)
{
    QStringList parts;
    for (const ContainerPort &p : ports) {
        if (p.publicPort > 0) {
            const QString ip = p.ip.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(p.ip) : p.ip;
            parts.append(QStringLiteral("%1:%2->%3/%4").arg(ip).arg(p.publicPort).arg(p.privatePort).arg(p.type));
        } else {
            parts.append(QStringLiteral("%1/%2").arg(p.privatePort).arg(p.type));
        }
    }
    return parts.join(QLatin1String(", "));
}

void ContainerListModel::setContainers(const QList<ContainerSummary> &containers)
{
    QHash<QString, qsizetype> fresh;
    for (qsizetype i = 0; i < containers.size(); ++i)
        fresh.insert(containers.at(i).id, i);
    for (int i = int(m_rows.size()) - 1; i >= 0;) {
        if (fresh.contains(m_rows.at(i).id)) {
            --i;
            continue;
        }
        int first = i;
        while (first > 0 && !fresh.contains(m_rows.at(first - 1).id))
            --first;
        beginRemoveRows(QModelIndex(), first, i);
        for (int r = first; r <= i; ++r)
            m_stats.remove(m_rows.at(r).id);
        m_rows.remove(first, i - first + 1);
        endRemoveRows();
        i = first - 1;
    }
    QSet<QString> present;
    for (int i = 0; i < m_rows.size(); ++i) {
        present.insert(m_rows.at(i).id);
        const ContainerSummary &now = containers.at(fresh.value(m_rows.at(i).id));
        if (!(now == m_rows.at(i))) {
            m_rows[i] = now;
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
        }
    }
    QList<ContainerSummary> added;
    for (const ContainerSummary &c : containers) {
        if (!present.contains(c.id))
            added.append(c);
    }
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(added.size()) - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

void ContainerListModel::updateContainer(const ContainerSummary &container)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == container.id) {
            if (!(m_rows.at(i) == container)) {
                m_rows[i] = container;
                if (!hasProcess(container))
                    m_stats.remove(container.id);
                emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
            }
            return;
        }
    }
    const int row = int(m_rows.size());
    beginInsertRows(QModelIndex(), row, row);
    m_rows.append(container);
    endInsertRows();
}

void ContainerListModel::removeContainer(const QString &id)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id) {
            beginRemoveRows(QModelIndex(), i, i);
            m_rows.removeAt(i);
            m_stats.remove(id);
            endRemoveRows();
            return;
        }
    }
}

void ContainerListModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    m_stats.clear();
    endResetModel();
}

void ContainerListModel::setStats(const QString &id, const Client::StatsSample &sample)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_stats.insert(id, sample);
    emit dataChanged(index(row, CpuColumn), index(row, MemoryColumn));
}

void ContainerListModel::clearStats(const QString &id)
{
    if (!m_stats.remove(id))
        return;
    const int row = rowOf(id);
    if (row >= 0)
        emit dataChanged(index(row, CpuColumn), index(row, MemoryColumn));
}

int ContainerListModel::rowOf(const QString &idOrName) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        const ContainerSummary &c = m_rows.at(i);
        if (c.id == idOrName || c.name() == idOrName)
            return i;
    }
    return -1;
}

QStringList ContainerListModel::runningIds() const
{
    QStringList ids;
    for (const ContainerSummary &c : m_rows) {
        if (c.state == QLatin1String("running"))
            ids.append(c.id);
    }
    return ids;
}

int ContainerListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ContainerListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ContainerListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ContainerSummary &c = m_rows.at(index.row());
    const auto stats = m_stats.constFind(c.id);
    const bool haveStats = stats != m_stats.constEnd();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return c.name();
        case ImageColumn:
            return c.image.startsWith(QLatin1String("sha256:")) ? c.image.mid(7, 12) : c.image;
        case StateColumn:
            return stateText(c);
        case CommandColumn:
            return c.command;
        case PortsColumn:
            return portsText(c.ports);
        case CreatedColumn:
            return formatRelativeTime(c.created, QDateTime::currentSecsSinceEpoch());
        case CpuColumn:
            return haveStats ? QStringLiteral("%1 %").arg(QLocale().toString(stats->cpuPercent, 'f', 1)) : QString();
        case MemoryColumn:
            return haveStats ? formatSize(stats->memoryUsage) : QString();
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case NameColumn:
            return c.id;
        case StateColumn:
            return c.status;
        case CommandColumn:
            return c.command;
        case PortsColumn:
            return c.ports.isEmpty() ? QString() : tr("Click to open a published port in the browser");
        case CreatedColumn:
            return QLocale().toString(QDateTime::fromSecsSinceEpoch(c.created), QLocale::LongFormat);
        case MemoryColumn:
            if (haveStats && stats->memoryLimit > 0)
                return tr("%1 of %2").arg(formatSize(stats->memoryUsage), formatSize(stats->memoryLimit));
            return {};
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == StateColumn)
            return stateIcon(c, m_icons);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn)
            return stateColor(c);
        if (index.column() == PortsColumn && !data(index, PortUrlsRole).toStringList().isEmpty())
            return QColor(0x15, 0x65, 0xc0);
        return {};
    case Qt::FontRole:
        if (index.column() == PortsColumn && !data(index, PortUrlsRole).toStringList().isEmpty()) {
            QFont font;
            font.setUnderline(true);
            return font;
        }
        return {};
    case SortRole:
        switch (index.column()) {
        case CreatedColumn:
            return c.created;
        case CpuColumn:
            return haveStats ? stats->cpuPercent : -1.0;
        case MemoryColumn:
            return haveStats ? stats->memoryUsage : qint64(-1);
        default:
            return data(index, Qt::DisplayRole);
        }
    case IdRole:
        return c.id;
    case NameRole:
        return c.name();
    case StateRole:
        return c.state;
    case IsRunningRole:
        return hasProcess(c);
    case PortUrlsRole: {
        QStringList urls;
        for (const ContainerPort &p : c.ports) {
            if (p.publicPort > 0 && p.type == QLatin1String("tcp")) {
                const QString url = QStringLiteral("http://localhost:%1/").arg(p.publicPort);
                if (!urls.contains(url))
                    urls.append(url);
            }
        }
        return urls;
    }
    default:
        return {};
    }
}

QVariant ContainerListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ImageColumn:
        return tr("Image");
    case StateColumn:
        return tr("State");
    case CommandColumn:
        return tr("Command");
    case PortsColumn:
        return tr("Ports");
    case CreatedColumn:
        return tr("Created");
    case CpuColumn:
        return tr("CPU");
    case MemoryColumn:
        return tr("Memory");
    }
    return {};
}

} // namespace Berth::Gui
