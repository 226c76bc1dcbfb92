#include "containerspage.h"

#include <common/activityview.h>
#include <common/engineconnection.h>
#include <common/stattile.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace Berth::Gui {

ContainersPage::ContainersPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_summary(new QStackedWidget(this))
    , m_tiles(new QWidget(m_summary))
    , m_message(new QLabel(m_summary))
{
    setObjectName(QStringLiteral("containersPage"));
    setAccessibleName(tr("Containers"));

    auto *heading = new QLabel(tr("Containers"), this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);

    m_total = new StatTile(tr("Total"), m_tiles);
    m_running = new StatTile(tr("Running"), m_tiles);
    m_paused = new StatTile(tr("Paused"), m_tiles);
    m_stopped = new StatTile(tr("Stopped"), m_tiles);
    auto *tileLayout = new QHBoxLayout(m_tiles);
    tileLayout->setContentsMargins(0, 0, 0, 0);
    for (StatTile *tile : {m_total, m_running, m_paused, m_stopped})
        tileLayout->addWidget(tile);
    tileLayout->addStretch(1);

    m_message->setObjectName(QStringLiteral("containersMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_message->setFocusPolicy(Qt::TabFocus);
    m_summary->addWidget(m_tiles);
    m_summary->addWidget(m_message);
    m_summary->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    m_activity = new ActivityView(events, QStringLiteral("container"),
                                  tr("No container activity since Berth connected. Containers created, "
                                     "started or stopped from Berth, the berth CLI or the docker CLI "
                                     "appear here as it happens."),
                                  this);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(m_summary);
    layout->addSpacing(12);
    layout->addWidget(m_activity, 1);

    connect(connection, &EngineConnection::stateChanged, this, &ContainersPage::update);
    connect(connection, &EngineConnection::infoChanged, this, &ContainersPage::update);
    update();
}

void ContainersPage::update()
{
    const auto info = m_connection->info();
    if (!m_connection->isConnected() || !info) {
        m_message->setText(m_connection->isConnected()
                               ? tr("Reading the container counts from the engine…")
                               : tr("Not connected to the engine. The container counts appear as soon as "
                                    "Berth reaches the helper."));
        m_summary->setCurrentWidget(m_message);
        return;
    }
    m_total->setValue(info->containers);
    m_running->setValue(info->containersRunning);
    m_paused->setValue(info->containersPaused);
    m_stopped->setValue(info->containersStopped);
    if (info->containers == 0) {
        m_message->setText(tr("This engine has no containers."));
        m_summary->setCurrentWidget(m_message);
    } else {
        m_summary->setCurrentWidget(m_tiles);
    }
}

} // namespace Berth::Gui
