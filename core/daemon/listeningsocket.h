#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QString>

namespace Berth::Daemon {

// The helper's Unix socket: creates the parent directory, replaces a stale
// socket file only when it is a socket nobody answers on, binds and listens,
// then chmod 0660 and chown to the configured group when that group exists.
// Unlinks the file on destruction (if it is still ours).
class ListeningSocket
{
public:
    ListeningSocket() = default;
    ~ListeningSocket();
    ListeningSocket(ListeningSocket &&other) noexcept;
    ListeningSocket &operator=(ListeningSocket &&other) noexcept;

    static Result<ListeningSocket> create(const QString &path, const QString &group);

    // The listening descriptor, for HttpServer::listen().
    UniqueFd takeFd() { return std::move(m_fd); }
    const QString &path() const { return m_path; }
    // Removes the socket file now (shutdown).
    void unlink();

private:
    QString m_path;
    UniqueFd m_fd;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    bool m_owned = false;
};

} // namespace Berth::Daemon
