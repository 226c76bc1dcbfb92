#pragma once

#include "endpoint.h"

#include <base/result.h>
#include <common/httpparser.h>

#include <QByteArray>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

class QIODevice;

namespace Berth::Client::Internal {

class Transport;

// One HTTP/1.1 connection to the engine: connects, sends one request at a
// time, feeds the reply through HttpParser and reports it through callbacks.
// After a complete keep-alive reply it can carry the next request; after a
// 101 reply the socket is handed over (takeSocket) to a hijacked stream.
class Connection : public QObject
{
    Q_OBJECT
public:
    struct Callbacks
    {
        std::function<void(const Common::HttpMessageHead &head)> head;
        std::function<void(const char *data, qsizetype size)> body;
        // Exactly once per exchange. `retryable` is true when the exchange
        // failed on a reused connection before any byte of the reply came.
        std::function<void(const Status &result, bool retryable)> done;
    };

    struct Exchange
    {
        QByteArray requestBytes;
        bool headRequest = false;   // HEAD: the reply has no body
        bool upgrade = false;       // expect 101 and stop parsing after the head
        bool timeoutStopsAtHead = false; // streams: no timeout once the head came
        int timeoutMs = 0;
        // Streamed after requestBytes (the head) as chunked body pieces.
        QIODevice *bodyDevice = nullptr;
        Callbacks callbacks;
    };

    explicit Connection(const Endpoint &endpoint, QObject *parent = nullptr);
    ~Connection() override;

    bool isConnected() const;
    bool isBusy() const { return m_busy; }
    // Whether the socket has carried an earlier exchange.
    bool wasUsed() const { return m_exchanges > 0; }

    // Connects when needed, then writes the request.
    void start(Exchange exchange);

    // Drops the exchange without calling back and closes the socket.
    void abort();

    // After a 101: the transport and any bytes read past the head.
    std::unique_ptr<Transport> takeTransport(QByteArray *leftover);
    // Whether the transport went to a hijacked stream (the connection did
    // not fail: its end says nothing about the engine).
    bool wasHandedOver() const { return m_handedOver; }

signals:
    // The exchange completed and the connection can carry another one.
    void reusable();
    // The connection is gone (peer closed, error, abort); delete it.
    void closed();

private:
    void onConnected();
    void onReadyRead();
    void onSocketError();
    void onDisconnected();
    void onTimeout();
    void feed(const char *data, qsizetype size);
    void writeRequest();
    // Writes body pieces while the socket's queue is short.
    void pumpBody();
    void stopBody();
    void finishExchange(const Status &result, bool retryable = false);
    Error connectError() const;

    Endpoint m_endpoint;
    std::unique_ptr<Transport> m_socket;
    std::unique_ptr<Common::HttpParser> m_parser;
    QTimer m_timer;
    Exchange m_exchange;
    QByteArray m_leftover;
    int m_exchanges = 0;
    bool m_busy = false;
    bool m_connecting = false;
    bool m_gotReplyBytes = false;
    bool m_headSeen = false;
    bool m_keepAlive = true;
    bool m_upgraded = false;
    bool m_closed = false;
    bool m_handedOver = false;
    bool m_sendingBody = false; // bodyDevice pieces still to come
    bool m_bodyIncomplete = false; // the reply came before the body ended
};

} // namespace Berth::Client::Internal
