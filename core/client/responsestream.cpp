#include "responsestream.h"

#include "responsestream_p.h"

namespace Berth::Client {

ResponseStream::ResponseStream(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{}

ResponseStream::~ResponseStream()
{
    if (d->job)
        d->job->cancel();
}

int ResponseStream::status() const
{
    return d->status;
}

const Common::HttpHeaders &ResponseStream::headers() const
{
    return d->headers;
}

bool ResponseStream::isFinished() const
{
    return d->finished;
}

void ResponseStream::cancel()
{
    d->finished = true;
    if (d->job)
        d->job->cancel();
}

} // namespace Berth::Client
