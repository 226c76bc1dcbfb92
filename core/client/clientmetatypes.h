#pragma once

#include <base/result.h>
#include <common/event.h>

#include <QMetaType>

// Types carried by EngineClient's stream signals, declared so that queued
// connections (a stream read in one thread, shown in another) work.
Q_DECLARE_METATYPE(Berth::Status)
Q_DECLARE_METATYPE(Berth::Common::Event)

namespace Berth::Client {
// Registers the types above; EngineClient's constructor calls it.
void registerMetaTypes();
} // namespace Berth::Client
