#include "rundialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace Berth::Gui {

RunDialog::RunDialog(const QString &image, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("runDialog"));
    setWindowTitle(tr("Run a Container"));
    m_image = new QLineEdit(image, this);
    m_image->setObjectName(QStringLiteral("runImage"));
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("runName"));
    m_name->setPlaceholderText(tr("A generated name"));
    m_ports = new QLineEdit(this);
    m_ports->setObjectName(QStringLiteral("runPorts"));
    m_ports->setPlaceholderText(tr("8080:80, 127.0.0.1:8443:443"));
    m_environment = new QPlainTextEdit(this);
    m_environment->setObjectName(QStringLiteral("runEnvironment"));
    m_environment->setPlaceholderText(tr("KEY=value, one per line"));
    m_environment->setTabChangesFocus(true);
    m_volumes = new QPlainTextEdit(this);
    m_volumes->setObjectName(QStringLiteral("runVolumes"));
    m_volumes->setPlaceholderText(tr("/host/path:/container/path[:ro] or volume:/path, one per line"));
    m_volumes->setTabChangesFocus(true);
    m_command = new QLineEdit(this);
    m_command->setObjectName(QStringLiteral("runCommand"));
    m_command->setPlaceholderText(tr("The image's default command"));
    m_network = new QComboBox(this);
    m_network->setObjectName(QStringLiteral("runNetwork"));
    m_network->addItem(tr("Default (bridge)"), QString());
    m_network->addItem(tr("None (no network)"), QStringLiteral("none"));
    m_network->addItem(tr("Host"), QStringLiteral("host"));
    m_detached = new QRadioButton(tr("Detached (in the background)"), this);
    m_detached->setChecked(true);
    m_interactive = new QRadioButton(tr("Interactive (a terminal and open input, -it)"), this);
    m_autoRemove = new QCheckBox(tr("Remove the container when it stops (--rm)"), this);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("runError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->hide();
    for (QPlainTextEdit *edit : {m_environment, m_volumes})
        edit->setFixedHeight(edit->fontMetrics().height() * 4);

    auto *form = new QFormLayout;
    form->addRow(tr("&Image:"), m_image);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Ports:"), m_ports);
    form->addRow(tr("&Environment:"), m_environment);
    form->addRow(tr("&Volumes:"), m_volumes);
    form->addRow(tr("&Command:"), m_command);
    form->addRow(tr("Ne&twork:"), m_network);
    auto *mode = new QVBoxLayout;
    mode->addWidget(m_detached);
    mode->addWidget(m_interactive);
    mode->addWidget(m_autoRemove);
    form->addRow(tr("Mode:"), mode);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Run"));
    connect(buttons, &QDialogButtonBox::accepted, this, &RunDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &RunDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

RunOptions RunDialog::options() const
{
    RunOptions o;
    o.image = m_image->text().trimmed();
    o.name = m_name->text().trimmed();
    o.ports = m_ports->text();
    o.environment = m_environment->toPlainText();
    o.volumes = m_volumes->toPlainText();
    o.command = m_command->text();
    o.network = m_network->currentData().toString();
    o.interactive = m_interactive->isChecked();
    o.autoRemove = m_autoRemove->isChecked();
    return o;
}

void RunDialog::setOptions(const RunOptions &o)
{
    m_image->setText(o.image);
    m_name->setText(o.name);
    m_ports->setText(o.ports);
    m_environment->setPlainText(o.environment);
    m_volumes->setPlainText(o.volumes);
    m_command->setText(o.command);
    const int network = m_network->findData(o.network);
    m_network->setCurrentIndex(network < 0 ? 0 : network);
    (o.interactive ? m_interactive : m_detached)->setChecked(true);
    m_autoRemove->setChecked(o.autoRemove);
}

void RunDialog::accept()
{
    const auto body = options().toCreateBody();
    if (!body) {
        //: %1 is the technical reason in English
        m_error->setText(tr("Check the entries: %1").arg(QString::fromStdString(body.error().message())));
        m_error->show();
        return;
    }
    QDialog::accept();
}

} // namespace Berth::Gui
