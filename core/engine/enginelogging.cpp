#include "enginelogging.h"

namespace Berth::Engine {
Q_LOGGING_CATEGORY(lcEngine, "berth.core.engine", QtWarningMsg)
}
