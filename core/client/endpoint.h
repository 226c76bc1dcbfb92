#pragma once

#include <base/result.h>

#include <QString>

namespace Berth::Client {

// Where the engine listens. Only local Unix sockets for now; remote engines
// (ssh://, tcp://) will be further schemes of this class.
class Endpoint
{
public:
    Endpoint() = default;

    // "unix:///run/berth/berth.sock" or an absolute socket path.
    static Result<Endpoint> parse(const QString &host);

    // The engine to use: the -H/--host option when given, else BERTH_HOST,
    // else the default socket (/run/berth/berth.sock).
    static Result<Endpoint> resolve(const QString &hostOption = QString());

    static Endpoint defaultEndpoint();

    QString socketPath() const { return m_socketPath; }
    // "unix:///run/berth/berth.sock"
    QString url() const;
    bool isValid() const { return !m_socketPath.isEmpty(); }

    friend bool operator==(const Endpoint &a, const Endpoint &b) { return a.m_socketPath == b.m_socketPath; }

private:
    QString m_socketPath;
};

} // namespace Berth::Client
