#pragma once

// The credential store is shared with the desktop app: it lives in
// core/client (Berth::Client::CredentialStore); the CLI keeps its name.
#include <client/credentialstore.h>

namespace Berth::Cli {
using CredentialStore = Client::CredentialStore;
} // namespace Berth::Cli
