#pragma once

#include "detachkeys.h"

#include <base/result.h>
#include <client/multiplexeddecoder.h>

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <optional>

class QSocketNotifier;

namespace Berth::Client {
class HijackedStream;
}

namespace Berth::Cli {

// Carries one hijacked attach or exec stream between the engine and the
// local stdin/stdout/stderr, as docker's hijackedIOStreamer does:
// - output: raw bytes to stdout for a TTY, else multiplexed frames decoded
//   to stdout and stderr byte for byte;
// - input (when enabled): stdin copied to the stream, half-closed at end of
//   input while the output keeps coming; with a TTY the detach keys are
//   watched for (ctrl-p ctrl-q by default).
// done() comes once: when the engine ends the output, when the user
// detached, or on a stream error (result()).
class AttachSession : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool tty = false;
        bool input = false;
        QByteArray detachKeys; // used with tty and input
        int stdoutFd = 1;
        int stderrFd = 2;
        int stdinFd = 0;
    };

    AttachSession(Client::HijackedStream *stream, const Options &options, QObject *parent = nullptr);
    ~AttachSession() override;

    // Starts copying; call once the stream is established (bytes that came
    // before are handled too: connect before established).
    void start();

    bool isDone() const { return m_done; }
    bool detached() const { return m_detached; }
    Status result() const { return m_result; }

signals:
    void done();

private:
    void onOutput(const QByteArray &bytes);
    void readInput();
    void endInput();
    void finish(const Status &result);
    static void writeAll(int fd, const QByteArray &bytes);

    QPointer<Client::HijackedStream> m_stream;
    Options m_options;
    Client::MultiplexedDecoder m_decoder;
    std::optional<DetachKeyMatcher> m_matcher;
    QSocketNotifier *m_stdinNotifier = nullptr;
    bool m_started = false;
    bool m_done = false;
    bool m_detached = false;
    bool m_inputEnded = false;
    Status m_result;
};

} // namespace Berth::Cli
