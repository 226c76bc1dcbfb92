#include "notificationbar.h"

#include <QHBoxLayout>
#include <QLabel>
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
    auto *close = new QPushButton(tr("Dismiss"), this);
    close->setShortcut(Qt::Key_Escape);
    connect(close, &QPushButton::clicked, this, &QWidget::hide);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_label, 1);
    layout->addWidget(close);
    hide();
}

void NotificationBar::showMessage(const QString &text, Kind kind)
{
    m_label->setText(text);
    m_label->setAccessibleName(text);
    QPalette pal = palette();
    const bool dark = pal.color(QPalette::Window).lightness() < 128;
    const QColor info = dark ? QColor(0x1f, 0x3a, 0x5a) : QColor(0xdd, 0xeb, 0xfa);
    const QColor warning = dark ? QColor(0x5a, 0x3d, 0x10) : QColor(0xfb, 0xec, 0xc8);
    pal.setColor(QPalette::Window, kind == Kind::Warning ? warning : info);
    setPalette(pal);
    show();
}

QString NotificationBar::text() const
{
    return m_label->text();
}

} // namespace Berth::Gui
