#include "commonlogging.h"

namespace Berth::Common {
Q_LOGGING_CATEGORY(lcCommon, "berth.core.common", QtWarningMsg)
}
