#include "daemonlogging.h"

namespace Berth::Daemon {
Q_LOGGING_CATEGORY(lcDaemon, "berth.core.daemon", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDaemonHttp, "berth.core.daemon.http", QtWarningMsg)
Q_LOGGING_CATEGORY(lcDaemonEvents, "berth.core.daemon.events", QtWarningMsg)
} // namespace Berth::Daemon
