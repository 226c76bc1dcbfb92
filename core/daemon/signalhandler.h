#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QObject>

class QSocketNotifier;

namespace Berth::Daemon {

// SIGTERM, SIGINT and SIGHUP as Qt signals (style.md C13): the signals are
// blocked and read from a signalfd on the event loop, so no work ever runs
// inside a signal handler. SIGPIPE is ignored (writes use MSG_NOSIGNAL too).
class SignalHandler : public QObject
{
    Q_OBJECT
public:
    // Call first thing in main(), before any thread exists, so every thread
    // inherits the blocked mask.
    static void blockSignals();

    explicit SignalHandler(QObject *parent = nullptr);
    ~SignalHandler() override;
    Status start();

signals:
    void terminateRequested(int signalNumber);
    void reloadRequested();

private:
    void onReadable();

    UniqueFd m_fd;
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Berth::Daemon
