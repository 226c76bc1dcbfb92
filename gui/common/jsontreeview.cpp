#include "jsontreeview.h"

#include "jsontreemodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace Berth::Gui {

JsonTreeView::JsonTreeView(QWidget *parent)
    : QWidget(parent)
    , m_model(new JsonTreeModel(this))
    , m_tree(new QTreeView(this))
    , m_path(new QLabel(this))
{
    m_tree->setObjectName(QStringLiteral("jsonTree"));
    m_tree->setAccessibleName(tr("Inspect"));
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->header()->setSectionResizeMode(JsonTreeModel::KeyColumn, QHeaderView::Interactive);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(JsonTreeModel::KeyColumn, 220);

    m_path->setObjectName(QStringLiteral("jsonPath"));
    m_path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_path->setWordWrap(true);

    auto *copyValueAction = new QAction(tr("Copy Value"), this);
    copyValueAction->setShortcut(QKeySequence::Copy);
    copyValueAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copyValueAction, &QAction::triggered, this, &JsonTreeView::copyValue);
    auto *copyPathAction = new QAction(tr("Copy Path"), this);
    copyPathAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    copyPathAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copyPathAction, &QAction::triggered, this, &JsonTreeView::copyPath);
    m_tree->addAction(copyValueAction);
    m_tree->addAction(copyPathAction);

    connect(m_tree, &QWidget::customContextMenuRequested, this, [this, copyValueAction, copyPathAction](const QPoint &pos) {
        if (!m_tree->indexAt(pos).isValid())
            return;
        QMenu menu(this);
        menu.addAction(copyValueAction);
        menu.addAction(copyPathAction);
        menu.addSeparator();
        QAction *expandAll = menu.addAction(tr("Expand All"));
        connect(expandAll, &QAction::triggered, m_tree, &QTreeView::expandAll);
        QAction *collapseAll = menu.addAction(tr("Collapse All"));
        connect(collapseAll, &QAction::triggered, m_tree, &QTreeView::collapseAll);
        menu.exec(m_tree->viewport()->mapToGlobal(pos));
    });

    auto *expand = new QToolButton(this);
    expand->setText(tr("Expand All"));
    connect(expand, &QToolButton::clicked, m_tree, &QTreeView::expandAll);
    auto *collapse = new QToolButton(this);
    collapse->setText(tr("Collapse All"));
    connect(collapse, &QToolButton::clicked, m_tree, &QTreeView::collapseAll);
    auto *copy = new QToolButton(this);
    copy->setDefaultAction(copyValueAction);
    auto *copyPathButton = new QToolButton(this);
    copyPathButton->setDefaultAction(copyPathAction);

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &current) {
        m_path->setText(current.isValid() ? m_model->path(current) : QString());
    });

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_path, 1);
    bar->addWidget(copy);
    bar->addWidget(copyPathButton);
    bar->addWidget(expand);
    bar->addWidget(collapse);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_tree, 1);
}

void JsonTreeView::setJson(const QJsonValue &value)
{
    m_model->setJson(value);
    m_tree->expandToDepth(0);
    m_path->clear();
}

void JsonTreeView::setMessage(const QString &text)
{
    m_model->setJson(QJsonValue());
    m_path->setText(text);
}

void JsonTreeView::copyValue()
{
    const QModelIndex current = m_tree->currentIndex();
    if (current.isValid())
        QGuiApplication::clipboard()->setText(m_model->valueText(current));
}

void JsonTreeView::copyPath()
{
    const QModelIndex current = m_tree->currentIndex();
    if (current.isValid())
        QGuiApplication::clipboard()->setText(m_model->path(current));
}

} // namespace Berth::Gui
