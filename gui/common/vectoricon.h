#pragma once

#include <QColor>
#include <QIcon>

#include <functional>

class QPainter;

namespace Berth::Gui {

// Icons drawn with QPainter at the size and device pixel ratio they are
// shown at, so they stay sharp on high-DPI screens (the style's standard
// pixmaps and fixed-size QPixmaps are scaled up and blur at ratio 2).
namespace VectorIcon {

// Draws the icon into `box` (a square in the icon's logical pixels) with
// `color`: the given colour, or (when invalid) the application palette's
// text colour, its highlighted-text colour for a selected item and its
// disabled text colour for a disabled one.
using Painter = std::function<void(QPainter &painter, const QRectF &box, const QColor &color)>;

QIcon make(Painter painter, const QColor &color = QColor());

// The navigation's areas, drawn as simple line glyphs.
QIcon containers();
QIcon images();
QIcon build();
QIcon settings();

} // namespace VectorIcon

} // namespace Berth::Gui
