#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace Berth::Gui {

// A non-modal message above the pages, closed with its button or Escape.
class NotificationBar : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { Information, Warning };

    explicit NotificationBar(QWidget *parent = nullptr);

    // `details` (the engine's full message, the action, the objects) is
    // shown on demand with the Details button, never in the bar itself.
    void showMessage(const QString &text, Kind kind = Kind::Information, const QString &details = {});
    QString text() const;
    QString details() const { return m_details; }
    void showDetails();

private:
    QLabel *m_label = nullptr;
    QPushButton *m_detailsButton = nullptr;
    QString m_details;
};

} // namespace Berth::Gui
