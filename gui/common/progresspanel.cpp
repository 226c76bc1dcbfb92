#include "progresspanel.h"

#include "displayformat.h"

#include <client/imagetransfer.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
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

void ProgressPanel::addTransfer(Client::ImageTransfer *transfer, const QString &title)
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
    cancel->setAccessibleDescription(tr("Stops %1").arg(title));
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(label, 2);
    layout->addWidget(bar, 3);
    layout->addWidget(cancel);
    m_layout->addWidget(row);
    ++m_active;
    show();

    QPointer<Client::ImageTransfer> guard(transfer);
    connect(cancel, &QPushButton::clicked, row, [guard] {
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
    connect(transfer, &Client::ImageTransfer::finished, this, [this, row] {
        row->deleteLater();
        if (--m_active == 0)
            hide();
    });
}

} // namespace Berth::Gui
