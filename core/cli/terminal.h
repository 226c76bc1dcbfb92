#pragma once

#include <base/result.h>

#include <QList>
#include <QObject>

#include <optional>
#include <utility>

#include <signal.h>
#include <termios.h>

class QSocketNotifier;

namespace Berth::Cli {

// The local terminal of an interactive session (`run -it`, `attach`,
// `exec -it`): its size, and raw mode on stdin restored by the destructor
// on every way out (moby/term SetRawTerminal).
class RawTerminal
{
public:
    RawTerminal() = default;
    ~RawTerminal();
    RawTerminal(const RawTerminal &) = delete;
    RawTerminal &operator=(const RawTerminal &) = delete;

    // Puts `fd` in raw mode as moby/term MakeRaw does (cfmakeraw).
    Status makeRaw(int fd);
    // Back to the settings makeRaw found. Safe to call twice.
    void restore();

    static bool isTerminal(int fd);
    // [rows, cols] of the terminal on `fd`, nullopt when it is none.
    static std::optional<std::pair<int, int>> size(int fd);

private:
    int m_fd = -1;
    termios m_saved{};
};

// Unix signals as a Qt signal (style.md C13): the handler only writes the
// signal number into a socketpair; a QSocketNotifier reads it in the event
// loop. The previous dispositions come back in the destructor.
class SignalNotifier : public QObject
{
    Q_OBJECT
public:
    explicit SignalNotifier(const QList<int> &signalList, QObject *parent = nullptr);
    ~SignalNotifier() override;

    // docker's names without "SIG" ("INT", "WINCH"), or the number.
    static QString signalName(int signal);

signals:
    void received(int signal);

private:
    void drain();

    QList<int> m_signals;
    QList<struct sigaction> m_previous;
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Berth::Cli
