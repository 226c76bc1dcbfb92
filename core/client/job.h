#pragma once

#include "connection.h"
#include "engineclient.h"

#include <QPointer>

#include <memory>

namespace Berth::Client::Internal {

// One request on its way: queued until the API version is known, then
// carried by a Connection. Streams hold it to cancel it.
struct Job
{
    Request request;
    bool versioned = true;     // add the /v1.NN prefix
    bool streaming = false;    // no timeout once the head came
    bool upgrade = false;      // hijack: expect 101
    bool cancelled = false;
    bool retried = false;      // already re-sent after a stale keep-alive connection
    bool started = false;
    int status = 0;            // of the reply, once its head came
    Connection::Callbacks callbacks;
    // Hijack only: receives the socket after a 101, before callbacks.done.
    std::function<void(std::unique_ptr<Transport> transport, const QByteArray &leftover)> upgraded;
    QPointer<Connection> connection;

    // Stops the job: no callback runs after this.
    void cancel()
    {
        cancelled = true;
        callbacks = Connection::Callbacks();
        upgraded = nullptr;
        if (connection)
            connection->abort();
    }
};

using JobPtr = std::shared_ptr<Job>;

} // namespace Berth::Client::Internal
