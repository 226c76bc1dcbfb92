#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace Berth::Gui {

// Asks for an image reference to pull ("busybox", "localhost:5000/app:1",
// "alpine@sha256:...") and an optional platform ("linux/arm64").
class PullDialog : public QDialog
{
    Q_OBJECT
public:
    explicit PullDialog(QWidget *parent = nullptr);

    QString reference() const;
    QString platform() const;
    void setReference(const QString &reference);

private:
    void validate();

    QLineEdit *m_reference = nullptr;
    QComboBox *m_platform = nullptr;
    QLabel *m_problem = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace Berth::Gui
