#include "vectoricon.h"

#include <QGuiApplication>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>

#include <utility>

namespace Berth::Gui::VectorIcon {

namespace {

class Engine : public QIconEngine
{
public:
    Engine(Painter painter, const QColor &color)
        : m_painter(std::move(painter))
        , m_color(color)
    {
    }

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State) override
    {
        QColor color = m_color;
        const QPalette palette = QGuiApplication::palette();
        if (!color.isValid())
            color = mode == QIcon::Selected ? palette.color(QPalette::HighlightedText) : palette.color(QPalette::WindowText);
        if (mode == QIcon::Disabled)
            color = palette.color(QPalette::Disabled, QPalette::WindowText);
        const qreal side = qMin(rect.width(), rect.height());
        const QRectF box(rect.x() + (rect.width() - side) / 2.0, rect.y() + (rect.height() - side) / 2.0, side, side);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        m_painter(*painter, box, color);
        painter->restore();
    }

    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state) override
    {
        // QIcon asks for size * devicePixelRatio here: drawn at device pixels.
        QPixmap pixmap(size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        paint(&painter, QRect(QPoint(), size), mode, state);
        return pixmap;
    }

    QSize actualSize(const QSize &size, QIcon::Mode, QIcon::State) override { return size; }

    QIconEngine *clone() const override { return new Engine(m_painter, m_color); }
    QString key() const override { return QStringLiteral("berth-vector"); }

private:
    Painter m_painter;
    QColor m_color;
};

// Pen widths and positions in units of the box: 1.0 = the whole side.
QPen linePen(const QRectF &box, const QColor &color)
{
    QPen pen(color, qMax(1.0, box.width() / 12.0));
    pen.setJoinStyle(Qt::RoundJoin);
    pen.setCapStyle(Qt::RoundCap);
    return pen;
}

QPointF at(const QRectF &box, qreal x, qreal y)
{
    return {box.x() + x * box.width(), box.y() + y * box.height()};
}

QRectF part(const QRectF &box, qreal x, qreal y, qreal w, qreal h)
{
    return {at(box, x, y), QSizeF(w * box.width(), h * box.height())};
}

} // namespace

QIcon make(Painter painter, const QColor &color)
{
    return QIcon(new Engine(std::move(painter), color));
}

QIcon containers()
{
    // A shipping container: a box with vertical ribs.
    return make([](QPainter &p, const QRectF &box, const QColor &color) {
        p.setPen(linePen(box, color));
        p.setBrush(Qt::NoBrush);
        const QRectF body = part(box, 0.1, 0.25, 0.8, 0.5);
        p.drawRoundedRect(body, box.width() * 0.04, box.width() * 0.04);
        for (qreal x : {0.3, 0.5, 0.7})
            p.drawLine(at(box, x, 0.35), at(box, x, 0.65));
    });
}

QIcon images()
{
    // Three stacked layers.
    return make([](QPainter &p, const QRectF &box, const QColor &color) {
        p.setPen(linePen(box, color));
        p.setBrush(Qt::NoBrush);
        for (qreal y : {0.62, 0.46}) {
            QPainterPath layer;
            layer.moveTo(at(box, 0.1, y));
            layer.lineTo(at(box, 0.5, y + 0.16));
            layer.lineTo(at(box, 0.9, y));
            p.drawPath(layer);
        }
        QPainterPath top;
        top.moveTo(at(box, 0.5, 0.14));
        top.lineTo(at(box, 0.9, 0.3));
        top.lineTo(at(box, 0.5, 0.46));
        top.lineTo(at(box, 0.1, 0.3));
        top.closeSubpath();
        p.drawPath(top);
    });
}

QIcon build()
{
    // A page with a folded corner and lines of text (a Dockerfile).
    return make([](QPainter &p, const QRectF &box, const QColor &color) {
        p.setPen(linePen(box, color));
        p.setBrush(Qt::NoBrush);
        QPainterPath page;
        page.moveTo(at(box, 0.2, 0.1));
        page.lineTo(at(box, 0.6, 0.1));
        page.lineTo(at(box, 0.8, 0.3));
        page.lineTo(at(box, 0.8, 0.9));
        page.lineTo(at(box, 0.2, 0.9));
        page.closeSubpath();
        page.moveTo(at(box, 0.6, 0.1));
        page.lineTo(at(box, 0.6, 0.3));
        page.lineTo(at(box, 0.8, 0.3));
        p.drawPath(page);
        p.drawLine(at(box, 0.33, 0.48), at(box, 0.67, 0.48));
        p.drawLine(at(box, 0.33, 0.62), at(box, 0.67, 0.62));
        p.drawLine(at(box, 0.33, 0.76), at(box, 0.55, 0.76));
    });
}

QIcon settings()
{
    // Three sliders with their knobs.
    return make([](QPainter &p, const QRectF &box, const QColor &color) {
        const QPen pen = linePen(box, color);
        const struct
        {
            qreal y, knob;
        } rows[] = {{0.25, 0.35}, {0.5, 0.65}, {0.75, 0.45}};
        for (const auto &row : rows) {
            p.setPen(pen);
            p.drawLine(at(box, 0.1, row.y), at(box, 0.9, row.y));
            p.setBrush(color);
            const qreal r = box.width() * 0.09;
            p.drawEllipse(at(box, row.knob, row.y), r, r);
        }
    });
}

} // namespace Berth::Gui::VectorIcon
