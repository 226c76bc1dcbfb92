#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace Berth::Client {
class CredentialStore;
class EngineClient;
}

namespace Berth::Gui {

// Logs in to a registry the way `berth login` does: the engine checks the
// credentials (POST /auth) and, when they are good, they are stored in the
// same config file the CLI reads. The check runs asynchronously; the
// dialog stays responsive and shows the engine's refusal inline.
class LoginDialog : public QDialog
{
    Q_OBJECT
public:
    LoginDialog(Client::EngineClient *client, const Client::CredentialStore &store, const QString &server,
                QWidget *parent = nullptr);

    QString server() const;
    QString username() const;
    void setMessage(const QString &text);

    // Fills in and submits (tests drive the dialog with it).
    void submit(const QString &username, const QString &password);

signals:
    void loggedIn(const QString &server);

private:
    void tryLogin();

    Client::EngineClient *m_client = nullptr;
    const Client::CredentialStore &m_store;
    QLineEdit *m_server = nullptr;
    QLineEdit *m_username = nullptr;
    QLineEdit *m_password = nullptr;
    QLabel *m_message = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    bool m_busy = false;
};

} // namespace Berth::Gui
