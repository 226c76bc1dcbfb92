#pragma once

#include "job.h"
#include "responsestream.h"

namespace Berth::Client {

struct ResponseStream::Private
{
    Internal::JobPtr job;
    int status = 0;
    Common::HttpHeaders headers;
    QByteArray errorBody;
    bool finished = false;
};

} // namespace Berth::Client
