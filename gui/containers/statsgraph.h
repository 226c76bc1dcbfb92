#pragma once

#include <QWidget>

#include <deque>
#include <functional>

namespace Berth::Gui {

// A line graph of one value over the last samples (CPU %, memory), drawn
// from a bounded ring of points; it repaints only when a sample arrives.
class StatsGraph : public QWidget
{
    Q_OBJECT
public:
    static constexpr int DefaultCapacity = 120; // two minutes at one sample a second

    StatsGraph(const QString &title, std::function<QString(double)> format, QWidget *parent = nullptr);

    void addSample(double value);
    // A fixed top of the scale (a memory limit, 100 % per CPU); 0: the largest sample.
    void setMaximum(double maximum);
    void clear();
    int sampleCount() const { return int(m_samples.size()); }
    double lastValue() const { return m_samples.empty() ? 0.0 : m_samples.back(); }

    QSize sizeHint() const override { return QSize(320, 140); }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_title;
    std::function<QString(double)> m_format;
    std::deque<double> m_samples;
    double m_maximum = 0.0;
};

} // namespace Berth::Gui
