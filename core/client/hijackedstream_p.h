#pragma once

#include "hijackedstream.h"
#include "job.h"
#include "transport.h"

namespace Berth::Client {

struct HijackedStream::Private
{
    Internal::JobPtr job;
    std::unique_ptr<Internal::Transport> socket;
    int status = 0;
    Common::HttpHeaders headers;
    QByteArray errorBody;
    QByteArray pendingWrites; // written before the upgrade
    bool established = false;
    bool finished = false;
    bool writeClosed = false;   // closeWrite() asked
    bool shutdownDone = false;  // shutdown(SHUT_WR) issued
};

} // namespace Berth::Client
