#include "guilogging.h"

namespace Berth::Gui {

Q_LOGGING_CATEGORY(lcGui, "berth.gui", QtWarningMsg)

} // namespace Berth::Gui
