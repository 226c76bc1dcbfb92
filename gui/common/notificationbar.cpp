#include "notificationbar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>

namespace Berth::Gui {

NotificationBar::NotificationBar(QWidget *parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
{
    setObjectName(QStringLiteral("notificationBar"));
    setAccessibleName(tr("Notification"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_detailsButton = new QPushButton(tr("Details…"), this);
    m_detailsButton->setObjectName(QStringLiteral("notificationDetails"));
    m_detailsButton->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    m_detailsButton->setToolTip(tr("Show the full message (%1)").arg(m_detailsButton->shortcut().toString(QKeySequence::NativeText)));
    m_detailsButton->hide();
    connect(m_detailsButton, &QPushButton::clicked, this, &NotificationBar::showDetails);
    auto *close = new QPushButton(tr("Dismiss"), this);
    close->setShortcut(Qt::Key_Escape);
    connect(close, &QPushButton::clicked, this, &QWidget::hide);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_detailsButton);
    layout->addWidget(close);
    hide();
}

void NotificationBar::showMessage(const QString &text, Kind kind, const QString &details)
{
    m_label->setText(text);
    m_details = details;
    m_detailsButton->setVisible(!details.isEmpty());
    m_label->setAccessibleName(text);
    QPalette pal = palette();
    const bool dark = pal.color(QPalette::Window).lightness() < 128;
    const QColor info = dark ? QColor(0x1f, 0x3a, 0x5a) : QColor(0xdd, 0xeb, 0xfa);
    const QColor warning = dark ? QColor(0x5a, 0x3d, 0x10) : QColor(0xfb, 0xec, 0xc8);
    pal.setColor(QPalette::Window, kind == Kind::Warning ? warning : info);
    setPalette(pal);
    show();
}

void NotificationBar::showDetails()
{
    if (m_details.isEmpty())
        return;
    // Non-modal: the window stays usable while the details are open.
    auto *box = new QMessageBox(QMessageBox::Information, tr("Details"), m_label->text(), QMessageBox::Close, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDetailedText(m_details);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
}

QString NotificationBar::text() const
{
    return m_label->text();
}

} // namespace Berth::Gui
