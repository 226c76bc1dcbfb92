#include "stattile.h"

#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace Berth::Gui {

StatTile::StatTile(const QString &caption, QWidget *parent)
    : QFrame(parent)
    , m_caption(caption)
    , m_number(new QLabel(this))
{
    setFrameShape(QFrame::StyledPanel);
    setFocusPolicy(Qt::TabFocus); // reachable by keyboard, read by screen readers
    auto *layout = new QVBoxLayout(this);
    QFont big = m_number->font();
    big.setPointSizeF(big.pointSizeF() * 2.2);
    big.setBold(true);
    m_number->setFont(big);
    m_number->setAlignment(Qt::AlignCenter);
    auto *label = new QLabel(caption, this);
    label->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_number);
    layout->addWidget(label);
    setMinimumWidth(110);
    setValue(-1);
}

void StatTile::setValue(int value)
{
    m_value = value;
    //: Shown instead of a number the engine has not reported
    const QString text = value < 0 ? tr("–") : QLocale().toString(value);
    m_number->setText(text);
    //: Accessible name of a number tile: %1 caption, %2 number
    setAccessibleName(tr("%1: %2").arg(m_caption, text));
}

} // namespace Berth::Gui
