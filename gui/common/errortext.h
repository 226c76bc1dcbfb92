#pragma once

#include <base/error.h>

#include <QString>

namespace Berth::Gui {

// A translated sentence for an error code (style.md C15: the GUI turns an
// ErrorCode into translated text and shows the raw message as detail).
QString errorSummary(ErrorCode code);

// "<summary> (<technical message>)" for status lines and notifications.
QString errorText(const Error &error);

} // namespace Berth::Gui
