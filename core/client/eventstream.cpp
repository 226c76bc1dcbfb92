#include "eventstream.h"

#include "eventstream_p.h"

namespace Berth::Client {

EventStream::EventStream(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{}

EventStream::~EventStream()
{
    if (d->stream)
        d->stream->cancel();
}

void EventStream::cancel()
{
    d->finished = true;
    if (d->stream)
        d->stream->cancel();
}

} // namespace Berth::Client
