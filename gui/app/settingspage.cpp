#include "settingspage.h"

#include <client/endpoint.h>
#include <common/engineconnection.h>
#include <common/errortext.h>
#include <editor/syntaxhighlighting.h>

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace Berth::Gui {

namespace {
QLabel *valueLabel(QWidget *parent, const char *objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QLatin1String(objectName));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    label->setFocusPolicy(Qt::TabFocus);
    return label;
}
} // namespace

SettingsPage::SettingsPage(EngineConnection *connection, const SyntaxHighlighting *highlighting, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
{
    setObjectName(QStringLiteral("settingsPage"));
    setAccessibleName(tr("Settings"));

    auto *heading = new QLabel(tr("Settings"), this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);

    // Engine
    auto *engineBox = new QGroupBox(tr("Engine"), this);
    auto *engineForm = new QFormLayout(engineBox);
    m_address = valueLabel(engineBox, "settingsAddress");
    m_state = valueLabel(engineBox, "settingsState");
    m_state->setWordWrap(true);
    engineForm->addRow(tr("Address in use:"), m_address);
    engineForm->addRow(tr("Status:"), m_state);

    m_newAddress = new QLineEdit(engineBox);
    m_newAddress->setObjectName(QStringLiteral("settingsNewAddress"));
    m_newAddress->setPlaceholderText(QStringLiteral("unix:///run/berth/berth.sock"));
    m_newAddress->setClearButtonEnabled(true);
    m_newAddress->setAccessibleName(tr("Engine address"));
    auto *connectButton = new QPushButton(tr("&Connect"), engineBox);
    connectButton->setObjectName(QStringLiteral("settingsConnect"));
    auto *addressRow = new QHBoxLayout;
    addressRow->addWidget(m_newAddress, 1);
    addressRow->addWidget(connectButton);
    auto *addressLabel = new QLabel(tr("Switch to &engine:"), engineBox);
    addressLabel->setBuddy(m_newAddress);
    engineForm->addRow(addressLabel, addressRow);
    m_addressError = new QLabel(engineBox);
    m_addressError->setWordWrap(true);
    m_addressError->hide();
    engineForm->addRow(QString(), m_addressError);
    connect(connectButton, &QPushButton::clicked, this, &SettingsPage::switchEngine);
    connect(m_newAddress, &QLineEdit::returnPressed, this, &SettingsPage::switchEngine);

    // Helper
    auto *helperBox = new QGroupBox(tr("Helper"), this);
    auto *helperLayout = new QVBoxLayout(helperBox);
    m_helperMessage = new QLabel(helperBox);
    m_helperMessage->setObjectName(QStringLiteral("settingsHelperMessage"));
    m_helperMessage->setWordWrap(true);
    m_helperDetails = new QWidget(helperBox);
    auto *helperForm = new QFormLayout(m_helperDetails);
    helperForm->setContentsMargins(0, 0, 0, 0);
    m_version = valueLabel(m_helperDetails, "settingsVersion");
    m_rootDir = valueLabel(m_helperDetails, "settingsRootDir");
    m_kernel = valueLabel(m_helperDetails, "settingsKernel");
    m_os = valueLabel(m_helperDetails, "settingsOs");
    m_cgroup = valueLabel(m_helperDetails, "settingsCgroup");
    m_cpus = valueLabel(m_helperDetails, "settingsCpus");
    m_memory = valueLabel(m_helperDetails, "settingsMemory");
    helperForm->addRow(tr("Version:"), m_version);
    helperForm->addRow(tr("Root directory:"), m_rootDir);
    helperForm->addRow(tr("Kernel:"), m_kernel);
    helperForm->addRow(tr("Operating system:"), m_os);
    helperForm->addRow(tr("Cgroup version:"), m_cgroup);
    helperForm->addRow(tr("CPUs:"), m_cpus);
    helperForm->addRow(tr("Memory:"), m_memory);
    m_startHelper = new QPushButton(tr("&Start Helper"), helperBox);
    m_startHelper->setObjectName(QStringLiteral("settingsStartHelper"));
    m_startHelper->setToolTip(tr("Starts berthd for this address; outside root, pkexec asks for permission."));
    connect(m_startHelper, &QPushButton::clicked, connection, &EngineConnection::startHelper);
    auto *startRow = new QHBoxLayout;
    startRow->addWidget(m_startHelper);
    startRow->addStretch(1);
    helperLayout->addWidget(m_helperMessage);
    helperLayout->addWidget(m_helperDetails);
    helperLayout->addLayout(startRow);

    // Editor
    auto *editorBox = new QGroupBox(tr("Editor"), this);
    auto *editorForm = new QFormLayout(editorBox);
    auto *highlighter = valueLabel(editorBox, "settingsHighlighter");
    highlighter->setText(highlighting->backendName());
    editorForm->addRow(tr("Syntax highlighting:"), highlighter);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(engineBox);
    layout->addWidget(helperBox);
    layout->addWidget(editorBox);
    layout->addStretch(1);

    connect(connection, &EngineConnection::stateChanged, this, &SettingsPage::update);
    connect(connection, &EngineConnection::infoChanged, this, &SettingsPage::update);
    connect(connection, &EngineConnection::versionChanged, this, &SettingsPage::update);
    connect(connection, &EngineConnection::endpointChanged, this, &SettingsPage::update);
    update();
}

bool SettingsPage::switchEngine()
{
    const QString text = m_newAddress->text().trimmed();
    if (text.isEmpty()) {
        m_addressError->setText(tr("Enter a unix:// address or the absolute path of a socket."));
        m_addressError->show();
        return false;
    }
    const Result<Client::Endpoint> endpoint = Client::Endpoint::parse(text);
    if (!endpoint) {
        m_addressError->setText(tr("“%1” is not an engine address: %2").arg(text, errorText(endpoint.error())));
        m_addressError->show();
        return false;
    }
    m_addressError->hide();
    m_newAddress->clear();
    m_connection->connectTo(*endpoint);
    return true;
}

void SettingsPage::update()
{
    const QString url = m_connection->endpoint().url();
    m_address->setText(url);
    switch (m_connection->state()) {
    case EngineConnection::State::Connected:
        m_state->setText(tr("Connected"));
        break;
    case EngineConnection::State::Connecting:
        m_state->setText(tr("Connecting…"));
        break;
    case EngineConnection::State::StartingHelper:
        m_state->setText(tr("Starting the helper…"));
        break;
    case EngineConnection::State::Reconnecting:
        m_state->setText(tr("Reconnecting…"));
        break;
    case EngineConnection::State::NotRunning:
        m_state->setText(tr("Not connected"));
        break;
    }
    const bool connected = m_connection->isConnected();
    m_startHelper->setEnabled(!connected && m_connection->state() != EngineConnection::State::StartingHelper);

    const auto info = m_connection->info();
    const auto version = m_connection->version();
    if (!connected || !info) {
        m_helperMessage->setText(connected ? tr("Reading the helper's information…")
                                           : tr("No helper answers at %1. Start one here, or run "
                                                "“berthd --socket PATH” as root.")
                                                 .arg(url));
        m_helperMessage->show();
        m_helperDetails->hide();
        return;
    }
    m_helperMessage->hide();
    m_helperDetails->show();
    m_version->setText(version ? EngineConnection::versionText(*version) : QString());
    m_rootDir->setText(info->rootDir);
    m_kernel->setText(info->kernelVersion);
    m_os->setText(info->operatingSystem);
    m_cgroup->setText(info->cgroupVersion.isEmpty() ? tr("unknown") : tr("v%1").arg(info->cgroupVersion));
    m_cpus->setText(QLocale().toString(info->ncpu));
    m_memory->setText(QLocale().formattedDataSize(info->memTotal, 1, QLocale::DataSizeTraditionalFormat));
}

} // namespace Berth::Gui
