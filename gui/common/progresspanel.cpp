#include "progresspanel.h"

#include "displayformat.h"
#include "progressdelegate.h"
#include "progresstask.h"

#include <client/imagetransfer.h>
#include <client/registryapi.h>
#include <images/layerprogressmodel.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace Berth::Gui {

ProgressPanel::ProgressPanel(QWidget *parent)
    : QWidget(parent)
    , m_layout(new QVBoxLayout(this))
{
    setObjectName(QStringLiteral("progressPanel"));
    m_layout->setContentsMargins(0, 0, 0, 0);
    hide();
}

QWidget *ProgressPanel::addRow(const QString &title, QWidget **barOut, QAbstractButton **cancelOut)
{
    auto *row = new QWidget(this);
    row->setObjectName(QStringLiteral("transferRow"));
    auto *label = new QLabel(title, row);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *bar = new QProgressBar(row);
    bar->setAccessibleName(title);
    bar->setTextVisible(true);
    bar->setRange(0, 0);
    auto *cancel = new QPushButton(tr("Cancel"), row);
    cancel->setObjectName(QStringLiteral("transferCancel"));
    cancel->setAccessibleDescription(tr("Stops %1").arg(title));
    auto *outer = new QVBoxLayout(row);
    outer->setContentsMargins(0, 0, 0, 0);
    auto *layout = new QHBoxLayout;
    layout->addWidget(label, 2);
    layout->addWidget(bar, 3);
    layout->addWidget(cancel);
    outer->addLayout(layout);
    m_layout->addWidget(row);
    ++m_active;
    show();
    *barOut = bar;
    *cancelOut = cancel;
    return row;
}

void ProgressPanel::rowFinished(QWidget *row)
{
    row->deleteLater();
    if (--m_active == 0)
        hide();
}

void ProgressPanel::addTransfer(Client::ImageTransfer *transfer, const QString &title)
{
    QWidget *barWidget = nullptr;
    QAbstractButton *cancel = nullptr;
    QWidget *row = addRow(title, &barWidget, &cancel);
    auto *bar = static_cast<QProgressBar *>(barWidget);

    QPointer<Client::ImageTransfer> guard(transfer);
    connect(cancel, &QAbstractButton::clicked, row, [guard] {
        if (guard)
            guard->cancel();
    });
    connect(transfer, &Client::ImageTransfer::progress, bar, [bar](qint64 done, qint64 total) {
        if (total > 0) {
            // QProgressBar holds ints: show per mille.
            bar->setRange(0, 1000);
            bar->setValue(int(qBound(qint64(0), done * 1000 / total, qint64(1000))));
            bar->setFormat(tr("%1 of %2").arg(formatSize(done), formatSize(total)));
        } else {
            bar->setRange(0, 0);
            bar->setFormat(formatSize(done));
        }
    });
    connect(transfer, &Client::ImageTransfer::finished, this, [this, row] { rowFinished(row); });
}

void ProgressPanel::addRegistryTransfer(Client::RegistryTransfer *transfer, const QString &title)
{
    QWidget *barWidget = nullptr;
    QAbstractButton *cancel = nullptr;
    QWidget *row = addRow(title, &barWidget, &cancel);
    row->setObjectName(QStringLiteral("registryTransferRow"));
    auto *bar = static_cast<QProgressBar *>(barWidget);

    auto *model = new LayerProgressModel(row);
    model->setTransfer(transfer);
    auto *layers = new QTableView(row);
    layers->setObjectName(QStringLiteral("layerProgress"));
    layers->setAccessibleName(tr("Layers of %1").arg(title));
    layers->setModel(model);
    layers->setItemDelegateForColumn(LayerProgressModel::ProgressColumn,
                                     new ProgressDelegate(LayerProgressModel::ProgressRole, layers));
    layers->verticalHeader()->hide();
    layers->setShowGrid(false);
    layers->setWordWrap(false);
    layers->setSelectionMode(QAbstractItemView::NoSelection);
    layers->setFocusPolicy(Qt::TabFocus);
    layers->horizontalHeader()->setSectionResizeMode(LayerProgressModel::LayerColumn, QHeaderView::ResizeToContents);
    layers->horizontalHeader()->setSectionResizeMode(LayerProgressModel::StatusColumn, QHeaderView::ResizeToContents);
    layers->horizontalHeader()->setStretchLastSection(true);
    layers->setMaximumHeight(layers->fontMetrics().height() * 9);
    layers->hide();
    auto *status = new QLabel(row);
    status->setObjectName(QStringLiteral("registryTransferStatus"));
    status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    static_cast<QVBoxLayout *>(row->layout())->addWidget(status);
    static_cast<QVBoxLayout *>(row->layout())->addWidget(layers);

    QPointer<Client::RegistryTransfer> guard(transfer);
    connect(cancel, &QAbstractButton::clicked, row, [guard] {
        if (guard)
            guard->cancel();
    });
    connect(model, &LayerProgressModel::totalsChanged, bar, [bar, model, layers] {
        const int count = model->rowCount();
        layers->setVisible(count > 0);
        const qint64 total = model->bytesTotal();
        const int done = model->completedLayers();
        if (count > 0 && done == count) {
            bar->setRange(0, 1000);
            bar->setValue(1000);
        } else if (total > 0) {
            bar->setRange(0, 1000);
            bar->setValue(int(qBound(qint64(0), model->bytesDone() * 1000 / total, qint64(1000))));
        } else {
            bar->setRange(0, 0);
        }
        bar->setFormat(count > 0 ? tr("%1 of %n layer(s) done", nullptr, count).arg(done) : QString());
    });
    connect(transfer, &Client::RegistryTransfer::statusLine, status, &QLabel::setText);
    connect(transfer, &Client::RegistryTransfer::finished, this, [this, row] { rowFinished(row); });
}

void ProgressPanel::addTask(ProgressTask *task)
{
    QWidget *barWidget = nullptr;
    QAbstractButton *cancel = nullptr;
    QWidget *row = addRow(task->title(), &barWidget, &cancel);
    row->setObjectName(QStringLiteral("taskRow"));
    auto *bar = static_cast<QProgressBar *>(barWidget);
    bar->setRange(0, qMax(1, task->total()));
    bar->setValue(task->done());
    bar->setFormat(tr("%1 of %2").arg(task->done()).arg(task->total()));

    QPointer<ProgressTask> guard(task);
    connect(cancel, &QAbstractButton::clicked, row, [guard, cancel] {
        cancel->setEnabled(false);
        if (guard)
            guard->requestCancel();
    });
    connect(task, &ProgressTask::progressChanged, bar, [bar](int done, int total) {
        bar->setRange(0, qMax(1, total));
        bar->setValue(done);
        bar->setFormat(tr("%1 of %2").arg(done).arg(total));
    });
    connect(task, &ProgressTask::finished, this, [this, row] { rowFinished(row); });
}

} // namespace Berth::Gui
