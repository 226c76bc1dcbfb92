#include "clientlogging.h"

namespace Berth::Client {
Q_LOGGING_CATEGORY(lcClient, "berth.core.client", QtWarningMsg)
}
