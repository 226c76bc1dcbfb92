#pragma once

#include <QObject>
#include <QString>

namespace Berth::Gui {

// A long action made of several steps (stop 12 containers): what runs,
// how many steps are done of how many, and a way to ask it to stop.
// The page that runs the action owns it, advances it and finishes it;
// ProgressPanel shows it with a bar and a Cancel button.
class ProgressTask : public QObject
{
    Q_OBJECT
public:
    ProgressTask(const QString &title, int total, QObject *parent = nullptr);

    QString title() const { return m_title; }
    int total() const { return m_total; }
    int done() const { return m_done; }
    int failed() const { return m_failed; }
    bool isCancelRequested() const { return m_cancelRequested; }
    bool isFinished() const { return m_finished; }

    // One step ended (ok or not); finishes the task after the last step.
    void stepDone(bool ok);
    // Asks the action to stop: steps not yet started are skipped and the
    // runner may abort the ones in flight (cancelRequested).
    void requestCancel();
    // Ends the task now (after a cancel, or when nothing is left).
    void finish();

signals:
    void progressChanged(int done, int total);
    void cancelRequested();
    void finished();

private:
    QString m_title;
    int m_total = 0;
    int m_done = 0;
    int m_failed = 0;
    bool m_cancelRequested = false;
    bool m_finished = false;
};

} // namespace Berth::Gui
