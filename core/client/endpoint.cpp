#include "endpoint.h"

#include <common/apiversion.h>

#include <QDir>

namespace Berth::Client {

static constexpr char kUnixScheme[] = "unix://";

Result<Endpoint> Endpoint::parse(const QString &host)
{
    const QString trimmed = host.trimmed();
    if (trimmed.isEmpty())
        return fail(ErrorCode::InvalidArgument, "empty engine address");

    QString path;
    if (trimmed.startsWith(QLatin1String(kUnixScheme))) {
        path = trimmed.mid(int(sizeof(kUnixScheme)) - 1);
        if (path.isEmpty())
            return fail(ErrorCode::InvalidArgument,
                        "invalid engine address '" + trimmed.toStdString() + "': no socket path after unix://");
    } else if (trimmed.startsWith(QLatin1Char('/'))) {
        path = trimmed;
    } else {
        const qsizetype schemeEnd = trimmed.indexOf(QLatin1String("://"));
        if (schemeEnd > 0)
            return fail(ErrorCode::NotImplemented,
                        "unsupported engine address '" + trimmed.toStdString()
                            + "': only unix:// sockets are supported for now");
        return fail(ErrorCode::InvalidArgument,
                    "invalid engine address '" + trimmed.toStdString()
                        + "': expected unix:///path/to/socket or an absolute socket path");
    }
    if (!path.startsWith(QLatin1Char('/')))
        return fail(ErrorCode::InvalidArgument,
                    "invalid engine address '" + trimmed.toStdString() + "': the socket path must be absolute");

    Endpoint e;
    e.m_socketPath = QDir::cleanPath(path);
    return e;
}

Result<Endpoint> Endpoint::resolve(const QString &hostOption)
{
    if (!hostOption.isEmpty())
        return parse(hostOption);
    const QString fromEnv = qEnvironmentVariable("BERTH_HOST");
    if (!fromEnv.isEmpty()) {
        auto parsed = parse(fromEnv);
        if (!parsed)
            return fail(std::move(parsed.error()).wrap("BERTH_HOST"));
        return parsed;
    }
    return defaultEndpoint();
}

Endpoint Endpoint::defaultEndpoint()
{
    Endpoint e;
    e.m_socketPath = QString::fromLatin1(Common::kDefaultSocket);
    return e;
}

QString Endpoint::url() const
{
    return QLatin1String(kUnixScheme) + m_socketPath;
}

} // namespace Berth::Client
