#pragma once

#include <QStyledItemDelegate>

namespace Berth::Gui {

// Paints a progress bar in a cell from an integer role holding per mille
// (0-1000), with the cell's display text on the bar; -1 paints the text alone.
class ProgressDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    ProgressDelegate(int progressRole, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_role;
};

} // namespace Berth::Gui
