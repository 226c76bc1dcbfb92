#include "progressdelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionProgressBar>

namespace Berth::Gui {

ProgressDelegate::ProgressDelegate(int progressRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_role(progressRole)
{
}

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant value = index.data(m_role);
    if (!value.isValid() || value.toInt() < 0) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = qBound(0, value.toInt(), 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = !bar.text.isEmpty();
    bar.state = option.state | QStyle::State_Horizontal;
    bar.palette = option.palette;
    bar.fontMetrics = option.fontMetrics;
    bar.direction = option.direction;
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    if (option.state & QStyle::State_Selected)
        painter->fillRect(option.rect, option.palette.highlight());
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
}

} // namespace Berth::Gui
