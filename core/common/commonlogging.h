#pragma once

#include <QLoggingCategory>

namespace Berth::Common {
Q_DECLARE_LOGGING_CATEGORY(lcCommon)
}
