#include "privatehelper.h"

#include <QByteArray>
#include <QFileInfo>
#include <QLocalSocket>

namespace Berth::TestSupport {

PrivateHelper::PrivateHelper(const QString &berthd, const QString &root, const QString &socket)
    : DaemonProcess(berthd, {QStringLiteral("--root"), root, QStringLiteral("--socket"), socket})
    , m_root(root)
    , m_socket(socket)
{
}

bool PrivateHelper::start(int timeoutMs)
{
    return launch() && waitUntilAnswering(timeoutMs);
}

bool PrivateHelper::waitUntilAnswering(int timeoutMs)
{
    return waitUntil([this] { return QFileInfo::exists(m_socket) && socketAnswers(m_socket); }, timeoutMs);
}

bool PrivateHelper::socketAnswers(const QString &socket)
{
    QLocalSocket s;
    s.connectToServer(socket);
    if (!s.waitForConnected(500))
        return false;
    s.write("GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    QByteArray reply;
    while (s.waitForReadyRead(1000))
        reply += s.readAll();
    return reply.startsWith("HTTP/1.1 200") && reply.endsWith("OK");
}

} // namespace Berth::TestSupport
