#pragma once

#include <QFrame>

class QLabel;

namespace Berth::Gui {

// A non-modal message above the pages, closed with its button or Escape.
class NotificationBar : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { Information, Warning };

    explicit NotificationBar(QWidget *parent = nullptr);

    void showMessage(const QString &text, Kind kind = Kind::Information);
    QString text() const;

private:
    QLabel *m_label = nullptr;
};

} // namespace Berth::Gui
