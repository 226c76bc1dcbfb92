#include "statsgraph.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace Berth::Gui {

StatsGraph::StatsGraph(const QString &title, std::function<QString(double)> format, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_format(std::move(format))
{
    setAccessibleName(title);
    setMinimumHeight(100);
}

void StatsGraph::addSample(double value)
{
    m_samples.push_back(value);
    while (m_samples.size() > size_t(DefaultCapacity))
        m_samples.pop_front();
    setAccessibleDescription(m_format(value));
    update();
}

void StatsGraph::setMaximum(double maximum)
{
    m_maximum = maximum;
    update();
}

void StatsGraph::clear()
{
    m_samples.clear();
    update();
}

void StatsGraph::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = palette();
    const QRect area = rect().adjusted(1, 1, -1, -1);
    painter.fillRect(area, pal.base());
    painter.setPen(pal.mid().color());
    painter.drawRect(area);

    const QString caption = m_samples.empty() ? m_title : tr("%1: %2").arg(m_title, m_format(m_samples.back()));
    painter.setPen(pal.text().color());
    const QFontMetrics metrics(font());
    painter.drawText(area.adjusted(6, 4, -6, 0), Qt::AlignLeft | Qt::AlignTop, caption);
    if (m_samples.size() < 2)
        return;

    const QRectF plot = QRectF(area).adjusted(6, metrics.height() + 8, -6, -6);
    double top = m_maximum;
    if (top <= 0) {
        top = *std::max_element(m_samples.begin(), m_samples.end());
        top = top > 0 ? top * 1.2 : 1.0;
    }
    painter.setPen(QPen(pal.midlight().color(), 1, Qt::DashLine));
    painter.drawLine(plot.topLeft(), plot.topRight());
    painter.drawText(plot.adjusted(0, 2, -2, 0), Qt::AlignRight | Qt::AlignTop, m_format(top));

    const double step = plot.width() / double(DefaultCapacity - 1);
    const double x0 = plot.right() - step * double(m_samples.size() - 1);
    QPainterPath line;
    for (size_t i = 0; i < m_samples.size(); ++i) {
        const double v = std::clamp(m_samples[i] / top, 0.0, 1.0);
        const QPointF p(x0 + step * double(i), plot.bottom() - v * plot.height());
        if (i == 0)
            line.moveTo(p);
        else
            line.lineTo(p);
    }
    QPainterPath fill = line;
    fill.lineTo(plot.right(), plot.bottom());
    fill.lineTo(x0, plot.bottom());
    fill.closeSubpath();
    QColor accent = pal.highlight().color();
    QColor shade = accent;
    shade.setAlpha(50);
    painter.fillPath(fill, shade);
    painter.setPen(QPen(accent, 1.5));
    painter.drawPath(line);
}

} // namespace Berth::Gui
