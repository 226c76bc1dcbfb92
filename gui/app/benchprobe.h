#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Berth::Gui {

class MainWindow;

// The measuring hook of tests/bench/desktop.sh, active only when
// BERTH_DESKTOP_BENCH=1. It prints one line per figure on stderr:
//   bench: first-paint-ms N      process start -> the containers table painted with rows
//   bench: rss-kb N              resident memory once containers and images are loaded
//   bench: log-lines N           lines the log view received (BERTH_DESKTOP_BENCH_LOGS)
//   bench: max-stall-ms N        longest UI-thread block seen by a 5 ms heartbeat
// BERTH_DESKTOP_BENCH_LOGS=NAME selects that container and follows its logs;
// BERTH_DESKTOP_BENCH_SECONDS=S quits S seconds after the first paint
// (default 3), printing the final figures.
class BenchProbe : public QObject
{
    Q_OBJECT
public:
    // Installs a probe on the window when the environment asks for one.
    static BenchProbe *installIfRequested(MainWindow *window);

    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    explicit BenchProbe(MainWindow *window);
    void beat();
    void checkLoaded();
    void finish();
    static qint64 rssKb();

    QPointer<MainWindow> m_window;
    qint64 m_startMs = 0;     // CLOCK_BOOTTIME ms of the process start (/proc/self/stat)
    QTimer m_heartbeat;
    QElapsedTimer m_sinceBeat;
    qint64 m_maxStallMs = 0;
    qint64 m_maxStallAfterLoadMs = 0;
    bool m_painted = false;
    bool m_containersLoaded = false;
    bool m_imagesLoaded = false;
    bool m_rssPrinted = false;
    QString m_logContainer;
    int m_seconds = 3;
};

} // namespace Berth::Gui
