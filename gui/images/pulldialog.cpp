#include "pulldialog.h"

#include <common/reference.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Berth::Gui {

PullDialog::PullDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("pullDialog"));
    setWindowTitle(tr("Pull Image"));
    m_reference = new QLineEdit(this);
    m_reference->setObjectName(QStringLiteral("pullReference"));
    m_reference->setPlaceholderText(tr("e.g. busybox, debian:12, localhost:5000/app:1"));
    m_reference->setAccessibleName(tr("Image reference"));
    m_platform = new QComboBox(this);
    m_platform->setObjectName(QStringLiteral("pullPlatform"));
    m_platform->setEditable(true);
    m_platform->addItem(QString());
    m_platform->addItems({QStringLiteral("linux/amd64"), QStringLiteral("linux/arm64"), QStringLiteral("linux/arm/v7"),
                          QStringLiteral("linux/386"), QStringLiteral("linux/ppc64le"), QStringLiteral("linux/s390x")});
    m_platform->setAccessibleName(tr("Platform"));
    m_platform->setToolTip(tr("Leave empty for the engine's own platform"));
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("pullProblem"));
    m_problem->setWordWrap(true);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Pull"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Image:"), m_reference);
    form->addRow(tr("&Platform:"), m_platform);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_reference, &QLineEdit::textChanged, this, &PullDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

QString PullDialog::reference() const
{
    return m_reference->text().trimmed();
}

QString PullDialog::platform() const
{
    return m_platform->currentText().trimmed();
}

void PullDialog::setReference(const QString &reference)
{
    m_reference->setText(reference);
}

void PullDialog::validate()
{
    const QString text = reference();
    QString problem;
    if (!text.isEmpty()) {
        auto parsed = Common::Reference::parseNormalized(text, Common::Reference::Dialect::DockerCli);
        if (!parsed)
            problem = tr("Not a valid image reference: %1").arg(QString::fromStdString(parsed.error().message()));
    }
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!text.isEmpty() && problem.isEmpty());
}

} // namespace Berth::Gui
