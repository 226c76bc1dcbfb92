#pragma once

#include <QLoggingCategory>

namespace Berth::Client {
Q_DECLARE_LOGGING_CATEGORY(lcClient)
}
