#include "activityview.h"

#include "eventmodel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace Berth::Gui {

ActivityView::ActivityView(QAbstractItemModel *events, const QString &type, const QString &emptyText,
                           QWidget *parent)
    : QWidget(parent)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_stack(new QStackedWidget(this))
    , m_list(new QListView(m_stack))
    , m_empty(new QLabel(emptyText, m_stack))
    , m_count(new QLabel(this))
{
    m_proxy->setSourceModel(events);
    m_proxy->setFilterRole(EventModel::TypeRole);
    m_proxy->setFilterRegularExpression(
        QRegularExpression(QLatin1Char('^') + QRegularExpression::escape(type) + QLatin1Char('$')));

    auto *title = new QLabel(tr("Engine activity"), this);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);

    m_list->setModel(m_proxy);
    m_list->setUniformItemSizes(true);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setAlternatingRowColors(true);
    m_list->setAccessibleName(tr("Engine activity"));
    title->setBuddy(m_list);

    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->setMargin(8);

    m_stack->addWidget(m_list);
    m_stack->addWidget(m_empty);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *header = new QHBoxLayout;
    header->addWidget(title);
    header->addStretch(1);
    header->addWidget(m_count);
    m_count->setForegroundRole(QPalette::PlaceholderText);
    layout->addLayout(header);
    layout->addWidget(m_stack, 1);

    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &ActivityView::updateEmptyState);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &ActivityView::updateEmptyState);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ActivityView::updateEmptyState);
    updateEmptyState();
}

int ActivityView::visibleCount() const
{
    return m_proxy->rowCount();
}

void ActivityView::updateEmptyState()
{
    const int count = m_proxy->rowCount();
    m_count->setText(tr("%n recent event(s)", nullptr, count));
    m_count->setVisible(count > 0);
    m_stack->setCurrentWidget(m_proxy->rowCount() > 0 ? static_cast<QWidget *>(m_list) : m_empty);
}

} // namespace Berth::Gui
