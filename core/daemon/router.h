#pragma once

#include "httpresponse.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QRegularExpression>
#include <QString>

#include <functional>

namespace Berth::Daemon {

class HttpExchange;
class HttpRequest;

// How a route takes its request body.
enum class BodyMode {
    Buffered, // the whole body (capped) is in HttpRequest::body() before the handler runs
    Streamed, // the handler runs after the head; pieces arrive through HttpExchange
};

// Maps (method, path pattern) to handlers. Patterns are paths whose
// segments may be captures:
//   {id}     one segment (no '/')
//   {name*}  greedy: one or more segments, '/', ':' and '@' included, so
//            "/images/{name*}/json" matches "/images/localhost:5999/a/b:v2/json".
// A path with no captures beats one with single-segment captures, which
// beats a greedy one; ties go to the earlier registration. The version
// prefix is stripped before matching (HttpRequest::fromHead).
class Router
{
public:
    using ExchangeHandler = std::function<void(HttpExchange &exchange)>;
    using ReplyHandler = std::function<HttpResponse(const HttpRequest &request)>;

    struct Route
    {
        QByteArray method;
        QString pattern;
        QRegularExpression regex;
        QStringList captureNames;
        int rank = 0; // 0 literal, 1 single-segment captures, 2 greedy
        int order = 0;
        BodyMode bodyMode = BodyMode::Buffered;
        ExchangeHandler handler;
    };

    struct Match
    {
        enum Kind { Found, NotFound, MethodNotAllowed };
        Kind kind = NotFound;
        const Route *route = nullptr;
        QMap<QString, QString> captures;
        QByteArrayList allowedMethods; // for MethodNotAllowed
    };

    // A handler that owns the exchange: it may answer now or later, stream,
    // read a streamed body or hijack the connection.
    void addRoute(const QByteArray &method, const QString &pattern, ExchangeHandler handler,
                  BodyMode bodyMode = BodyMode::Buffered);
    // A handler that answers at once with a complete reply.
    void addReplyRoute(const QByteArray &method, const QString &pattern, ReplyHandler handler);

    Match match(const QByteArray &method, const QString &path) const;
    qsizetype routeCount() const { return m_routes.size(); }

private:
    QList<Route> m_routes;
};

// One class per API resource registers its routes (SystemRoutes now;
// ContainerRoutes, ImageRoutes, ... later).
class ApiRoutes
{
public:
    virtual ~ApiRoutes() = default;
    virtual void registerRoutes(Router &router) = 0;
};

} // namespace Berth::Daemon
