#include "httpexchange.h"

#include "httpconnection.h"
#include "socketchannel.h"

#include <QJsonDocument>

namespace Berth::Daemon {

HttpExchange::HttpExchange(HttpConnection *connection, HttpRequest request, bool isHead)
    : QObject(connection)
    , m_connection(connection)
    , m_request(std::move(request))
    , m_isHead(isHead)
{
}

HttpExchange::~HttpExchange() = default;

void HttpExchange::respond(const HttpResponse &response)
{
    if (m_state != State::Open)
        return;
    m_responded = true;
    if (m_connection)
        m_connection->sendResponse(this, response);
    else
        m_state = State::Finished;
}

void HttpExchange::beginStream(int status, const QByteArray &contentType, const Common::HttpHeaders &extraHeaders)
{
    if (m_state != State::Open)
        return;
    m_responded = true;
    m_state = State::Streaming;
    if (m_connection)
        m_connection->sendStreamHead(this, status, contentType, extraHeaders);
}

void HttpExchange::writeChunk(const QByteArray &data)
{
    if (m_state != State::Streaming || data.isEmpty() || !m_connection)
        return;
    m_connection->sendChunk(this, data);
}

void HttpExchange::writeJson(const QJsonObject &object)
{
    writeChunk(QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n');
}

void HttpExchange::endStream()
{
    if (m_state != State::Streaming)
        return;
    if (m_connection)
        m_connection->sendStreamEnd(this);
    else
        m_state = State::Finished;
}

qsizetype HttpExchange::pendingOutput() const
{
    return m_connection ? m_connection->pendingOutput() : 0;
}

void HttpExchange::setBodyPaused(bool paused)
{
    if (m_bodyPaused == paused)
        return;
    m_bodyPaused = paused;
    if (m_connection)
        m_connection->bodyPauseChanged(this);
}

std::unique_ptr<SocketChannel> HttpExchange::hijack(const QByteArray &contentType)
{
    if (m_state != State::Open || !m_connection)
        return {};
    return m_connection->hijack(this, contentType);
}

void HttpExchange::markClientGone()
{
    if (m_clientGone)
        return;
    m_clientGone = true;
    emit clientGone();
}

} // namespace Berth::Daemon
