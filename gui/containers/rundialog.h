#pragma once

#include "runoptions.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QRadioButton;

namespace Berth::Gui {

// "Run…": the docker run choices a person needs most (image, name, ports,
// environment, volumes, command, detached or interactive, remove when
// stopped). Checks the entries before it closes, so a typo is shown next
// to the fields instead of coming back from the engine.
class RunDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RunDialog(const QString &image, QWidget *parent = nullptr);

    RunOptions options() const;
    void setOptions(const RunOptions &options);

    void accept() override;

private:
    QLineEdit *m_image = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_ports = nullptr;
    QPlainTextEdit *m_environment = nullptr;
    QPlainTextEdit *m_volumes = nullptr;
    QLineEdit *m_command = nullptr;
    QComboBox *m_network = nullptr;
    QRadioButton *m_detached = nullptr;
    QRadioButton *m_interactive = nullptr;
    QCheckBox *m_autoRemove = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace Berth::Gui
