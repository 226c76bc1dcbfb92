#include "logindialog.h"

#include <client/credentialstore.h>
#include <client/registryapi.h>
#include <common/async.h>
#include <common/errortext.h>

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace Berth::Gui {

LoginDialog::LoginDialog(Client::EngineClient *client, const Client::CredentialStore &store, const QString &server,
                         QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_store(store)
{
    setObjectName(QStringLiteral("loginDialog"));
    setWindowTitle(tr("Log In to a Registry"));
    m_server = new QLineEdit(server, this);
    m_server->setObjectName(QStringLiteral("loginServer"));
    m_server->setPlaceholderText(QStringLiteral("docker.io"));
    m_server->setAccessibleName(tr("Registry"));
    m_username = new QLineEdit(this);
    m_username->setObjectName(QStringLiteral("loginUsername"));
    m_username->setAccessibleName(tr("Username"));
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("loginPassword"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(tr("Password"));
    if (const auto stored = store.lookup(server.isEmpty() ? QStringLiteral("docker.io") : server))
        m_username->setText(stored->username);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("loginMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Log In"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Registry:"), m_server);
    form->addRow(tr("&Username:"), m_username);
    form->addRow(tr("Pass&word:"), m_password);
    auto *note = new QLabel(tr("The credentials are checked by the engine and stored in %1, where “berth login” keeps them.")
                                .arg(store.berthConfigPath()),
                            this);
    note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_message);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &LoginDialog::tryLogin);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    (m_username->text().isEmpty() ? m_username : m_password)->setFocus();
}

QString LoginDialog::server() const
{
    const QString text = m_server->text().trimmed();
    return text.isEmpty() ? QStringLiteral("docker.io") : text;
}

QString LoginDialog::username() const
{
    return m_username->text().trimmed();
}

void LoginDialog::setMessage(const QString &text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

void LoginDialog::submit(const QString &username, const QString &password)
{
    m_username->setText(username);
    m_password->setText(password);
    tryLogin();
}

void LoginDialog::tryLogin()
{
    if (m_busy)
        return;
    if (username().isEmpty()) {
        setMessage(tr("Enter a username."));
        return;
    }
    if (m_password->text().isEmpty()) {
        setMessage(tr("Enter a password."));
        return;
    }
    m_busy = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    setMessage(tr("Checking the credentials with %1…").arg(server()));
    const QString server = this->server();
    const QString user = username();
    const QString password = m_password->text();
    onResultReady(Client::RegistryApi(m_client).login(server, user, password), this,
                  [this, server, user, password](const Result<QString> &result) {
                      m_busy = false;
                      m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
                      if (!result) {
                          setMessage(tr("Login failed: %1").arg(errorText(result.error())));
                          return;
                      }
                      // The store is read-modify-write of a small file: cheap enough here.
                      Client::CredentialStore store = m_store;
                      if (auto st = store.store(server, user, password); !st) {
                          setMessage(tr("Could not save the credentials: %1").arg(errorText(st.error())));
                          return;
                      }
                      emit loggedIn(server);
                      accept();
                  });
}

} // namespace Berth::Gui
