#pragma once

#include <common/event.h>

#include <QString>

namespace Berth::Cli {

class CommandRegistry;

// `berth events` / `berth system events`: streams engine events until
// --until passes or the user interrupts.
void registerEventsCommand(CommandRegistry &registry);

// docker's default line for an event (without the newline):
// "2026-11-27T22:37:26.928751940Z container create <id> (image=bb:latest, name=x)"
QString eventLine(const Common::Event &event);

} // namespace Berth::Cli
