#pragma once

#include <base/result.h>

#include <QWidget>

class QAbstractButton;
class QVBoxLayout;

namespace Berth::Client {
class ImageTransfer;
class RegistryTransfer;
}

namespace Berth::Gui {

class ProgressTask;

// Long actions in progress, one row each: what runs, a progress bar
// (bytes moved of the total, or busy when the total is unknown) and a
// Cancel button. Hidden when nothing runs. The panel owns nothing it shows:
// each row goes when its action finishes.
class ProgressPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ProgressPanel(QWidget *parent = nullptr);

    // Shows a transfer until it finishes.
    void addTransfer(Client::ImageTransfer *transfer, const QString &title);
    // Shows a pull or push: the overall bar, the layers live (a table
    // under the bar) and Cancel.
    void addRegistryTransfer(Client::RegistryTransfer *transfer, const QString &title);
    // Shows a task of several steps ("Stopping 3 containers", 1 of 3).
    void addTask(ProgressTask *task);
    int activeCount() const { return m_active; }

private:
    QWidget *addRow(const QString &title, QWidget **barOut, QAbstractButton **cancelOut);
    void rowFinished(QWidget *row);

    QVBoxLayout *m_layout = nullptr;
    int m_active = 0;
};

} // namespace Berth::Gui
