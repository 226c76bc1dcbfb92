#pragma once

#include <QFrame>

class QLabel;

namespace Berth::Gui {

// One number the engine reported, large, with its caption under it.
class StatTile : public QFrame
{
    Q_OBJECT
public:
    explicit StatTile(const QString &caption, QWidget *parent = nullptr);

    // A negative value shows that the number is not known.
    void setValue(int value);
    int value() const { return m_value; }

private:
    QString m_caption;
    QLabel *m_number = nullptr;
    int m_value = -1;
};

} // namespace Berth::Gui
