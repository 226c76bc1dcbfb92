#pragma once

#include <QLoggingCategory>

namespace Berth::Gui {

Q_DECLARE_LOGGING_CATEGORY(lcGui)

} // namespace Berth::Gui
