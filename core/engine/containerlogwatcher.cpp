#include "containerlogwatcher.h"

#include "fsutil.h"

#include <QFileInfo>
#include <QSocketNotifier>

#include <cerrno>
#include <sys/inotify.h>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

ContainerLogWatcher::ContainerLogWatcher(QString logPath, QObject *parent)
    : QObject(parent)
    , m_logPath(std::move(logPath))
    , m_baseName(encodePath(QFileInfo(m_logPath).fileName()))
{
}

ContainerLogWatcher::~ContainerLogWatcher() = default;

Status ContainerLogWatcher::start()
{
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0)
        return sysFail(QStringLiteral("inotify_init1 for ") + m_logPath, errno);
    m_inotify = UniqueFd(fd);
    const QString dir = QFileInfo(m_logPath).absolutePath();
    if (::inotify_add_watch(fd, encodePath(dir).constData(),
                            IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE_SELF
                                | IN_MOVE_SELF)
        < 0)
        return sysFail(QStringLiteral("inotify_add_watch ") + dir, errno);
    m_notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, [this] { readEvents(); });
    return {};
}

void ContainerLogWatcher::readEvents()
{
    alignas(struct inotify_event) char buffer[16 * 1024];
    bool relevant = false;
    for (;;) {
        const ssize_t n = ::read(m_inotify.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break; // EAGAIN: drained
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            const auto *ev = reinterpret_cast<const struct inotify_event *>(buffer + off);
            off += ssize_t(sizeof(struct inotify_event) + ev->len);
            if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                relevant = true;
                continue;
            }
            if (ev->len == 0)
                continue;
            const QByteArrayView name(static_cast<const char *>(ev->name), qsizetype(qstrnlen(ev->name, ev->len)));
            if (name.startsWith(m_baseName))
                relevant = true;
        }
    }
    if (relevant)
        emit changed();
}

} // namespace Berth::Engine
