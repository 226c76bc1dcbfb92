#pragma once

#include <QLoggingCategory>

namespace Berth::Daemon {
// berth.core.daemon: start-up, shutdown, state directory, signals.
Q_DECLARE_LOGGING_CATEGORY(lcDaemon)
// berth.core.daemon.http: connections, framing, routing.
Q_DECLARE_LOGGING_CATEGORY(lcDaemonHttp)
// berth.core.daemon.events: the event bus and event streams.
Q_DECLARE_LOGGING_CATEGORY(lcDaemonEvents)
} // namespace Berth::Daemon
