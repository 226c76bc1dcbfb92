#pragma once

#include "eventstream.h"
#include "jsonsplitter.h"
#include "responsestream.h"

#include <QPointer>

namespace Berth::Client {

struct EventStream::Private
{
    std::unique_ptr<ResponseStream> stream;
    JsonSplitter splitter;
    bool finished = false;
};

} // namespace Berth::Client
