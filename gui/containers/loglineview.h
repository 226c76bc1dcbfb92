#pragma once

#include <QAbstractItemView>

namespace Berth::Gui {

// A list view for a long, growing list of one-line rows of one height (a
// container's output). QListView lays out every row again on each insert
// or removal (it asks the model for each row's index), which for 200000
// lines costs tens of milliseconds per batch; here a row's place is
// row * rowHeight(), so appending and dropping lines costs the same at ten
// rows or a million. Rows are painted by the item delegate, visible ones
// only; selection (extended, with the keyboard or the mouse), the current
// row, scrollTo() and keyboard movement work as in QListView. When rows
// are dropped at the top while the user reads older lines, the view keeps
// showing the same lines. Copy (Ctrl+C) puts the selected lines on the
// clipboard, one per line, in order.
class LogLineView : public QAbstractItemView
{
    Q_OBJECT
public:
    explicit LogLineView(QWidget *parent = nullptr);

    // The height of every row: the font's line spacing plus 2 pixels.
    int rowHeight() const;
    // The first and last rows (partly) in view; -1 when none.
    int firstVisibleRow() const;
    int lastVisibleRow() const;

    void setModel(QAbstractItemModel *model) override;
    QRect visualRect(const QModelIndex &index) const override;
    void scrollTo(const QModelIndex &index, ScrollHint hint = EnsureVisible) override;
    QModelIndex indexAt(const QPoint &point) const override;
    void reset() override;
    void doItemsLayout() override;

protected:
    QModelIndex moveCursor(CursorAction cursorAction, Qt::KeyboardModifiers modifiers) override;
    int horizontalOffset() const override;
    int verticalOffset() const override;
    bool isIndexHidden(const QModelIndex &index) const override;
    void setSelection(const QRect &rect, QItemSelectionModel::SelectionFlags command) override;
    QRegion visualRegionForSelection(const QItemSelection &selection) const override;
    void updateGeometries() override;
    void rowsInserted(const QModelIndex &parent, int start, int end) override;
    void rowsAboutToBeRemoved(const QModelIndex &parent, int start, int end) override;
    void paintEvent(QPaintEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool event(QEvent *event) override;

private:
    void onRowsRemoved(const QModelIndex &parent, int start, int end);
    int rowCount() const;
    int contentWidth() const;

    int m_removedAbove = 0; // rows about to go that lie above the view
    mutable int m_contentWidth = -1;
};

} // namespace Berth::Gui
