#include "imagespage.h"

#include <common/activityview.h>
#include <common/engineconnection.h>
#include <common/stattile.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace Berth::Gui {

ImagesPage::ImagesPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_summary(new QStackedWidget(this))
    , m_tiles(new QWidget(m_summary))
    , m_message(new QLabel(m_summary))
{
    setObjectName(QStringLiteral("imagesPage"));
    setAccessibleName(tr("Images"));

    auto *heading = new QLabel(tr("Images"), this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);

    m_images = new StatTile(tr("Images"), m_tiles);
    auto *tileLayout = new QHBoxLayout(m_tiles);
    tileLayout->setContentsMargins(0, 0, 0, 0);
    tileLayout->addWidget(m_images);
    tileLayout->addStretch(1);

    m_message->setObjectName(QStringLiteral("imagesMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_message->setFocusPolicy(Qt::TabFocus);
    m_summary->addWidget(m_tiles);
    m_summary->addWidget(m_message);
    m_summary->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    m_activity = new ActivityView(events, QStringLiteral("image"),
                                  tr("No image activity since Berth connected. Pulls, builds, tags and "
                                     "removals appear here as they happen."),
                                  this);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(m_summary);
    layout->addSpacing(12);
    layout->addWidget(m_activity, 1);

    connect(connection, &EngineConnection::stateChanged, this, &ImagesPage::update);
    connect(connection, &EngineConnection::infoChanged, this, &ImagesPage::update);
    update();
}

void ImagesPage::update()
{
    const auto info = m_connection->info();
    if (!m_connection->isConnected() || !info) {
        m_message->setText(m_connection->isConnected()
                               ? tr("Reading the image count from the engine…")
                               : tr("Not connected to the engine. The image count appears as soon as "
                                    "Berth reaches the helper."));
        m_summary->setCurrentWidget(m_message);
        return;
    }
    m_images->setValue(info->images);
    if (info->images == 0) {
        m_message->setText(tr("No images yet. Import a root file system with “berth import FILE NAME”, "
                              "or load a saved image with “berth load -i FILE”."));
        m_summary->setCurrentWidget(m_message);
    } else {
        m_summary->setCurrentWidget(m_tiles);
    }
}

} // namespace Berth::Gui
