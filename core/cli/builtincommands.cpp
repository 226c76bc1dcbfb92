#include "cliapplication.h"

#include "buildcommand.h"
#include "containercommands.h"
#include "eventscommand.h"
#include "imagecommands.h"
#include "infocommand.h"
#include "networkcommands.h"
#include "registrycommands.h"
#include "versioncommand.h"

namespace Berth::Cli {

// Management groups first, then the commands. A later command adds one
// line here (and its group when it is the first of that group).
void registerBuiltinCommands(CommandRegistry &registry)
{
    Command system;
    system.path = QStringLiteral("system");
    system.section = Command::Section::Management;
    system.shortHelp = QStringLiteral("Manage Berth");
    registry.add(std::move(system));

    registerVersionCommand(registry);
    registerInfoCommand(registry);
    registerEventsCommand(registry);
    registerImageCommands(registry);
    registerImageTransferCommands(registry);
    registerBuildCommand(registry);
    registerRegistryCommands(registry);
    registerContainerCommands(registry);
    registerVolumeCommands(registry);
    registerNetworkCommands(registry);
}

} // namespace Berth::Cli
