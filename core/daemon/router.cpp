#include "router.h"

#include "daemonlogging.h"
#include "httpexchange.h"

#include <base/assert.h>

#include <algorithm>

namespace Berth::Daemon {

void Router::addRoute(const QByteArray &method, const QString &pattern, ExchangeHandler handler,
                      BodyMode bodyMode)
{
    Route route;
    route.method = method.toUpper();
    route.pattern = pattern;
    route.bodyMode = bodyMode;
    route.handler = std::move(handler);
    route.order = int(m_routes.size());

    static const QRegularExpression captureRe(QStringLiteral("\\{([A-Za-z_][A-Za-z0-9_]*)(\\*?)\\}"));
    QString re = QStringLiteral("^");
    qsizetype pos = 0;
    auto it = captureRe.globalMatch(pattern);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        re += QRegularExpression::escape(pattern.mid(pos, m.capturedStart() - pos));
        const bool greedy = !m.captured(2).isEmpty();
        re += greedy ? QStringLiteral("(.+)") : QStringLiteral("([^/]+)");
        route.captureNames.append(m.captured(1));
        route.rank = qMax(route.rank, greedy ? 2 : 1);
        pos = m.capturedEnd();
    }
    re += QRegularExpression::escape(pattern.mid(pos));
    re += QLatin1Char('$');
    route.regex = QRegularExpression(re);
    BERTH_ASSERT(route.regex.isValid(), qCWarning(lcDaemonHttp) << "bad route pattern" << pattern; return);
    route.regex.optimize();

    // Keep the table sorted by (rank, order) so match() takes the first hit.
    auto pos2 = std::upper_bound(m_routes.begin(), m_routes.end(), route, [](const Route &a, const Route &b) {
        return a.rank != b.rank ? a.rank < b.rank : a.order < b.order;
    });
    m_routes.insert(pos2, std::move(route));
}

void Router::addReplyRoute(const QByteArray &method, const QString &pattern, ReplyHandler handler)
{
    addRoute(method, pattern, [handler = std::move(handler)](HttpExchange &exchange) {
        exchange.respond(handler(exchange.request()));
    });
}

Router::Match Router::match(const QByteArray &method, const QString &path) const
{
    Match result;
    const QByteArray upper = method.toUpper();
    for (const Route &route : m_routes) {
        const QRegularExpressionMatch m = route.regex.match(path);
        if (!m.hasMatch())
            continue;
        if (route.method != upper) {
            if (!result.allowedMethods.contains(route.method))
                result.allowedMethods.append(route.method);
            continue;
        }
        result.kind = Match::Found;
        result.route = &route;
        for (qsizetype i = 0; i < route.captureNames.size(); ++i)
            result.captures.insert(route.captureNames[i], m.captured(int(i + 1)));
        return result;
    }
    if (!result.allowedMethods.isEmpty())
        result.kind = Match::MethodNotAllowed;
    return result;
}

} // namespace Berth::Daemon
