#pragma once

#include <client/endpoint.h>

#include <QString>

namespace Berth::Gui {

// What the command line asked for.
struct StartOptions
{
    Client::Endpoint endpoint;
    QString helperRoot;       // --helper-root; used only for a helper the app starts
    bool startHelper = true;  // false with --no-start-helper
};

} // namespace Berth::Gui
