#pragma once

#include <base/result.h>

#include <QWidget>

class QVBoxLayout;

namespace Berth::Client {
class ImageTransfer;
}

namespace Berth::Gui {

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
    int activeCount() const { return m_active; }

private:
    QVBoxLayout *m_layout = nullptr;
    int m_active = 0;
};

} // namespace Berth::Gui
