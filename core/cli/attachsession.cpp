#include "attachsession.h"

#include <client/hijackedstream.h>

#include <QSocketNotifier>

#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

namespace Berth::Cli {

AttachSession::AttachSession(Client::HijackedStream *stream, const Options &options, QObject *parent)
    : QObject(parent)
    , m_stream(stream)
    , m_options(options)
    , m_decoder([this](Client::MultiplexedDecoder::Stream s, const QByteArray &payload) {
        switch (s) {
        case Client::MultiplexedDecoder::Stream::Stdin:
        case Client::MultiplexedDecoder::Stream::Stdout:
            writeAll(m_options.stdoutFd, payload);
            break;
        case Client::MultiplexedDecoder::Stream::Stderr:
            writeAll(m_options.stderrFd, payload);
            break;
        case Client::MultiplexedDecoder::Stream::System:
            m_result = fail(ErrorCode::Internal, payload.toStdString());
            break;
        }
    })
{
    if (m_options.tty && m_options.input)
        m_matcher.emplace(m_options.detachKeys.isEmpty() ? QByteArray("\x10\x11") : m_options.detachKeys);
    connect(stream, &Client::HijackedStream::data, this, &AttachSession::onOutput);
    connect(stream, &Client::HijackedStream::finished, this, [this](const Status &r) {
        if (!r) {
            finish(r);
            return;
        }
        if (!m_options.tty) {
            if (auto s = m_decoder.finish(); !s) {
                finish(s);
                return;
            }
        }
        finish(m_result);
    });
}

AttachSession::~AttachSession() = default;

void AttachSession::start()
{
    if (m_started || m_done)
        return;
    m_started = true;
    if (!m_options.input)
        return;
    struct stat st{};
    if (::fstat(m_options.stdinFd, &st) != 0) {
        endInput();
        return;
    }
    if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || (S_ISCHR(st.st_mode) && !::isatty(m_options.stdinFd))) {
        // Not pollable (a file, /dev/null): read it all now; the stream
        // queues the bytes and sends them as the socket drains.
        QByteArray buffer(64 * 1024, Qt::Uninitialized);
        for (;;) {
            const ssize_t n = ::read(m_options.stdinFd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            if (m_stream)
                m_stream->write(buffer.left(n));
        }
        endInput();
        return;
    }
    m_stdinNotifier = new QSocketNotifier(m_options.stdinFd, QSocketNotifier::Read, this);
    connect(m_stdinNotifier, &QSocketNotifier::activated, this, &AttachSession::readInput);
}

void AttachSession::readInput()
{
    char buffer[32 * 1024];
    const ssize_t n = ::read(m_options.stdinFd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        endInput();
        return;
    }
    QByteArray bytes(buffer, n);
    if (m_matcher) {
        const DetachKeyMatcher::Result r = m_matcher->feed(bytes);
        if (!r.forward.isEmpty() && m_stream)
            m_stream->write(r.forward);
        if (r.detach) {
            m_detached = true;
            if (m_stream)
                m_stream->cancel();
            finish({});
        }
        return;
    }
    if (m_stream)
        m_stream->write(bytes);
}

void AttachSession::endInput()
{
    if (m_inputEnded)
        return;
    m_inputEnded = true;
    if (m_stdinNotifier) {
        m_stdinNotifier->setEnabled(false);
        m_stdinNotifier->deleteLater();
        m_stdinNotifier = nullptr;
    }
    if (m_stream)
        m_stream->closeWrite();
}

void AttachSession::onOutput(const QByteArray &bytes)
{
    if (m_options.tty) {
        writeAll(m_options.stdoutFd, bytes);
        return;
    }
    if (auto s = m_decoder.feed(bytes); !s)
        finish(s);
}

void AttachSession::finish(const Status &result)
{
    if (m_done)
        return;
    m_done = true;
    m_result = result;
    if (m_stdinNotifier)
        m_stdinNotifier->setEnabled(false);
    emit done();
}

void AttachSession::writeAll(int fd, const QByteArray &bytes)
{
    const char *p = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, size_t(left));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // the reader went away (EPIPE): drop the rest, as docker does
        }
        p += n;
        left -= n;
    }
}

} // namespace Berth::Cli
