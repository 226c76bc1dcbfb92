#pragma once

#include <base/result.h>

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace Berth::Gui {

// What the Run dialog asks, turned into a POST /containers/create body the
// way `docker run` fills it (engine-api.md 9).
struct RunOptions
{
    QString image;
    QString name;
    QString ports;       // "8080:80, 127.0.0.1:8443:443/tcp, 53/udp"
    QString environment; // KEY=VALUE per line
    QString volumes;     // SRC:DST[:ro] per line
    QString command;     // shell words; empty: the image's
    QString network;     // --network: empty is "default" (the bridge), or "none", "host"
    bool interactive = false; // -it: a TTY and open stdin
    bool autoRemove = false;  // --rm

    // The create body, or an InvalidArgument error naming the bad entry
    // (the messages docker's CLI gives: "invalid containerPort: x").
    Result<QJsonObject> toCreateBody() const;
};

} // namespace Berth::Gui
