#pragma once

#include <QStyledItemDelegate>

namespace Berth::Gui {

// Paints one log line on one row, no wrapping: stderr in a warning colour
// behind a thin marker, and every occurrence of the search text
// highlighted. Cheap enough to run for each visible row on every scroll.
class LogLineDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit LogLineDelegate(QObject *parent = nullptr);

    void setHighlight(const QString &text) { m_highlight = text; }
    QString highlight() const { return m_highlight; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    QString m_highlight;
};

} // namespace Berth::Gui
