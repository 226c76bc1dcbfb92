#include "loglineview.h"

#include <QApplication>
#include <QClipboard>
#include <QKeyEvent>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>
#include <utility>

namespace Berth::Gui {

LogLineView::LogLineView(QWidget *parent)
    : QAbstractItemView(parent)
{
    setSelectionMode(ExtendedSelection);
    setSelectionBehavior(SelectRows);
    setHorizontalScrollMode(ScrollPerPixel);
    setVerticalScrollMode(ScrollPerPixel);
    setEditTriggers(NoEditTriggers);
    setTabKeyNavigation(false);
    viewport()->setAutoFillBackground(true);
}

int LogLineView::rowHeight() const
{
    return fontMetrics().height() + 2;
}

int LogLineView::rowCount() const
{
    return model() ? model()->rowCount(rootIndex()) : 0;
}

int LogLineView::contentWidth() const
{
    if (m_contentWidth < 0) {
        m_contentWidth = 0;
        if (rowCount() > 0) {
            QStyleOptionViewItem option;
            const_cast<LogLineView *>(this)->initViewItemOption(&option);
            const QModelIndex first = model()->index(0, 0, rootIndex());
            m_contentWidth = itemDelegateForIndex(first)->sizeHint(option, first).width();
        }
    }
    return m_contentWidth;
}

int LogLineView::firstVisibleRow() const
{
    const int count = rowCount();
    if (count == 0)
        return -1;
    return std::clamp(verticalOffset() / rowHeight(), 0, count - 1);
}

int LogLineView::lastVisibleRow() const
{
    const int count = rowCount();
    if (count == 0)
        return -1;
    return std::clamp((verticalOffset() + viewport()->height() - 1) / rowHeight(), 0, count - 1);
}

void LogLineView::setModel(QAbstractItemModel *newModel)
{
    if (model())
        disconnect(model(), &QAbstractItemModel::rowsRemoved, this, &LogLineView::onRowsRemoved);
    QAbstractItemView::setModel(newModel);
    if (newModel)
        connect(newModel, &QAbstractItemModel::rowsRemoved, this, &LogLineView::onRowsRemoved);
    m_contentWidth = -1;
    updateGeometries();
}

QRect LogLineView::visualRect(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != model() || index.parent() != rootIndex())
        return {};
    const int width = qMax(contentWidth(), viewport()->width() + horizontalOffset());
    return QRect(-horizontalOffset(), index.row() * rowHeight() - verticalOffset(), width, rowHeight());
}

void LogLineView::scrollTo(const QModelIndex &index, ScrollHint hint)
{
    if (!index.isValid())
        return;
    const int h = rowHeight();
    const int top = index.row() * h;
    const int viewHeight = viewport()->height();
    QScrollBar *bar = verticalScrollBar();
    int value = bar->value();
    switch (hint) {
    case PositionAtTop:
        value = top;
        break;
    case PositionAtBottom:
        value = top + h - viewHeight;
        break;
    case PositionAtCenter:
        value = top - (viewHeight - h) / 2;
        break;
    case EnsureVisible:
        if (top < value)
            value = top;
        else if (top + h > value + viewHeight)
            value = top + h - viewHeight;
        break;
    }
    bar->setValue(value);
}

QModelIndex LogLineView::indexAt(const QPoint &point) const
{
    if (point.y() < 0)
        return {};
    const int row = (point.y() + verticalOffset()) / rowHeight();
    if (row < 0 || row >= rowCount())
        return {};
    return model()->index(row, 0, rootIndex());
}

void LogLineView::reset()
{
    QAbstractItemView::reset();
    m_contentWidth = -1;
    updateGeometries();
}

void LogLineView::doItemsLayout()
{
    // Nothing to lay out: a row's place is its number times the row height.
    m_contentWidth = -1;
    updateGeometries();
    QAbstractItemView::doItemsLayout();
}

QModelIndex LogLineView::moveCursor(CursorAction cursorAction, Qt::KeyboardModifiers)
{
    const int count = rowCount();
    if (count == 0)
        return {};
    const QModelIndex current = currentIndex();
    const int row = current.isValid() ? current.row() : -1;
    const int page = qMax(1, viewport()->height() / rowHeight() - 1);
    int next = row;
    switch (cursorAction) {
    case MoveUp:
    case MovePrevious:
        next = row < 0 ? firstVisibleRow() : row - 1;
        break;
    case MoveDown:
    case MoveNext:
        next = row < 0 ? firstVisibleRow() : row + 1;
        break;
    case MovePageUp:
        next = (row < 0 ? firstVisibleRow() : row) - page;
        break;
    case MovePageDown:
        next = (row < 0 ? firstVisibleRow() : row) + page;
        break;
    case MoveHome:
        next = 0;
        break;
    case MoveEnd:
        next = count - 1;
        break;
    case MoveLeft:
    case MoveRight:
        // Lines do not wrap: left and right scroll sideways.
        horizontalScrollBar()->triggerAction(cursorAction == MoveLeft ? QAbstractSlider::SliderSingleStepSub
                                                                      : QAbstractSlider::SliderSingleStepAdd);
        return current;
    }
    return model()->index(std::clamp(next, 0, count - 1), 0, rootIndex());
}

int LogLineView::horizontalOffset() const
{
    return horizontalScrollBar()->value();
}

int LogLineView::verticalOffset() const
{
    return verticalScrollBar()->value();
}

bool LogLineView::isIndexHidden(const QModelIndex &) const
{
    return false;
}

void LogLineView::setSelection(const QRect &rect, QItemSelectionModel::SelectionFlags command)
{
    const int count = rowCount();
    if (count == 0 || !selectionModel())
        return;
    const QRect r = rect.normalized();
    const int h = rowHeight();
    const int first = std::clamp((r.top() + verticalOffset()) / h, 0, count - 1);
    const int last = std::clamp((r.bottom() + verticalOffset()) / h, 0, count - 1);
    const QItemSelection selection(model()->index(first, 0, rootIndex()), model()->index(last, 0, rootIndex()));
    selectionModel()->select(selection, command);
}

QRegion LogLineView::visualRegionForSelection(const QItemSelection &selection) const
{
    QRegion region;
    const int h = rowHeight();
    const int width = viewport()->width();
    const int firstShown = verticalOffset() / h;
    const int lastShown = (verticalOffset() + viewport()->height()) / h;
    for (const QItemSelectionRange &range : selection) {
        if (range.parent() != rootIndex())
            continue;
        const int top = qMax(range.top(), firstShown);
        const int bottom = qMin(range.bottom(), lastShown);
        if (top > bottom)
            continue;
        region += QRect(0, top * h - verticalOffset(), width, (bottom - top + 1) * h);
    }
    return region;
}

void LogLineView::updateGeometries()
{
    const int h = rowHeight();
    const qint64 height = qint64(rowCount()) * h;
    QScrollBar *vertical = verticalScrollBar();
    vertical->setSingleStep(h);
    vertical->setPageStep(viewport()->height());
    vertical->setRange(0, int(qMin<qint64>(INT_MAX, qMax<qint64>(0, height - viewport()->height()))));
    QScrollBar *horizontal = horizontalScrollBar();
    horizontal->setSingleStep(fontMetrics().horizontalAdvance(QLatin1Char('m')) * 4);
    horizontal->setPageStep(viewport()->width());
    horizontal->setRange(0, qMax(0, contentWidth() - viewport()->width()));
    QAbstractItemView::updateGeometries();
}

void LogLineView::rowsInserted(const QModelIndex &parent, int start, int end)
{
    QAbstractItemView::rowsInserted(parent, start, end);
    if (parent != rootIndex())
        return;
    m_contentWidth = -1; // a longer line may have come
    updateGeometries();
    // Only rows that land in view need painting.
    const int shownEnd = (verticalOffset() + viewport()->height()) / rowHeight();
    if (start <= shownEnd)
        viewport()->update();
}

void LogLineView::rowsAboutToBeRemoved(const QModelIndex &parent, int start, int end)
{
    QAbstractItemView::rowsAboutToBeRemoved(parent, start, end);
    if (parent != rootIndex())
        return;
    // Rows dropped above the view: the lines shown move up by that many.
    const int firstShown = verticalOffset() / rowHeight();
    m_removedAbove = start < firstShown ? qMin(end, firstShown - 1) - start + 1 : 0;
}

void LogLineView::onRowsRemoved(const QModelIndex &parent, int, int)
{
    if (parent != rootIndex())
        return;
    const int shift = std::exchange(m_removedAbove, 0) * rowHeight();
    const int value = verticalScrollBar()->value();
    updateGeometries();
    if (shift > 0)
        verticalScrollBar()->setValue(value - shift); // keep the same lines in view
    viewport()->update();
}

void LogLineView::paintEvent(QPaintEvent *event)
{
    QPainter painter(viewport());
    const int count = rowCount();
    if (count == 0)
        return;
    const int h = rowHeight();
    const QRect area = event->rect();
    const int first = std::clamp((area.top() + verticalOffset()) / h, 0, count - 1);
    const int last = std::clamp((area.bottom() + verticalOffset()) / h, 0, count - 1);
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    const QModelIndex current = currentIndex();
    const QItemSelectionModel *selection = selectionModel();
    const bool focused = hasFocus();
    const int width = qMax(contentWidth(), viewport()->width() + horizontalOffset());
    for (int row = first; row <= last; ++row) {
        const QModelIndex index = model()->index(row, 0, rootIndex());
        option.rect = QRect(-horizontalOffset(), row * h - verticalOffset(), width, h);
        option.state = QStyle::State_Enabled;
        if (selection && selection->isSelected(index))
            option.state |= QStyle::State_Selected;
        if (focused && index == current)
            option.state |= QStyle::State_HasFocus;
        itemDelegateForIndex(index)->paint(&painter, option, index);
        if (focused && index == current) {
            // The keyboard's place: a thin frame around the current line.
            QStyleOptionFocusRect focus;
            focus.initFrom(this);
            focus.rect = option.rect.adjusted(horizontalOffset(), 0, -1, -1);
            focus.backgroundColor = palette().color(option.state & QStyle::State_Selected ? QPalette::Highlight : QPalette::Base);
            style()->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, &painter, this);
        }
    }
}

void LogLineView::keyPressEvent(QKeyEvent *event)
{
    if (event == QKeySequence::Copy && selectionModel()) {
        QModelIndexList rows = selectionModel()->selectedRows();
        if (rows.isEmpty() && currentIndex().isValid())
            rows.append(currentIndex());
        std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
        QStringList lines;
        lines.reserve(rows.size());
        for (const QModelIndex &index : std::as_const(rows))
            lines.append(index.data(Qt::DisplayRole).toString());
        if (!lines.isEmpty())
            QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
        event->accept();
        return;
    }
    QAbstractItemView::keyPressEvent(event);
}

bool LogLineView::event(QEvent *event)
{
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        m_contentWidth = -1;
        updateGeometries();
    }
    return QAbstractItemView::event(event);
}

} // namespace Berth::Gui
