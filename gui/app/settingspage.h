#pragma once

#include <QWidget>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace Berth::Gui {

class EngineConnection;
class SyntaxHighlighting;

// The engine in use and how to switch to another, what the helper reports
// about itself (/info), and "Start helper".
class SettingsPage : public QWidget
{
    Q_OBJECT
public:
    SettingsPage(EngineConnection *connection, const SyntaxHighlighting *highlighting, QWidget *parent = nullptr);

    // Parses the address field and reconnects there; false (and a message
    // under the field) when it is not a valid address.
    bool switchEngine();

private:
    void update();

    EngineConnection *m_connection = nullptr;
    QLabel *m_address = nullptr;
    QLabel *m_state = nullptr;
    QLineEdit *m_newAddress = nullptr;
    QLabel *m_addressError = nullptr;
    QPushButton *m_startHelper = nullptr;
    QLabel *m_helperMessage = nullptr;
    QWidget *m_helperDetails = nullptr;
    QLabel *m_version = nullptr;
    QLabel *m_rootDir = nullptr;
    QLabel *m_kernel = nullptr;
    QLabel *m_os = nullptr;
    QLabel *m_cgroup = nullptr;
    QLabel *m_cpus = nullptr;
    QLabel *m_memory = nullptr;
};

} // namespace Berth::Gui
