#pragma once

#include <QLoggingCategory>

namespace Berth::Engine {
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
}
