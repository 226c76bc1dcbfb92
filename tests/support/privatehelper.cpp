#include "privatehelper.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QProcess>
#include <QRandomGenerator>

#include <atomic>
#include <unistd.h>

namespace Berth::TestSupport {

PrivateHelper::Unique PrivateHelper::makeUnique()
{
    static std::atomic<int> counter{0};
    const quint32 pid = quint32(QCoreApplication::applicationPid());
    const int n = counter.fetch_add(1);
    const quint32 tag = (pid << 6) ^ quint32(n) ^ (QRandomGenerator::global()->generate() & 0xff000000u);
    Unique u;
    // Interface names are at most 15 bytes: "bt" + 8 hex.
    u.bridge = QStringLiteral("bt%1").arg(tag, 8, 16, QLatin1Char('0'));
    // 10.128.0.0/9 split into /24s by pid and counter.
    const quint32 net = (pid * 16 + quint32(n)) % (1u << 15);
    u.subnet = QStringLiteral("10.%1.%2.0/24").arg(128 + (net >> 8)).arg(net & 0xff);
    u.cgroupParent = QStringLiteral("berth-test-") + u.bridge.mid(2);
    return u;
}

PrivateHelper::PrivateHelper(const QString &berthd, const QString &root, const QString &socket)
    : PrivateHelper(berthd, root, socket, makeUnique())
{
}

PrivateHelper::PrivateHelper(const QString &berthd, const QString &root, const QString &socket, const QStringList &extraArguments)
    : PrivateHelper(berthd, root, socket, makeUnique(), extraArguments)
{
}

PrivateHelper::PrivateHelper(const QString &berthd, const QString &root, const QString &socket, const Unique &unique,
                             const QStringList &extraArguments)
    : DaemonProcess(berthd, QStringList{QStringLiteral("--root"), root, QStringLiteral("--socket"), socket,
                                        QStringLiteral("--bridge"), unique.bridge, QStringLiteral("--bridge-subnet"), unique.subnet,
                                        QStringLiteral("--cgroup-parent"), unique.cgroupParent}
                                + extraArguments)
    , m_root(root)
    , m_socket(socket)
    , m_bridge(unique.bridge)
    , m_subnet(unique.subnet)
    , m_cgroupParent(unique.cgroupParent)
{
}

PrivateHelper::PrivateHelper(const QString &berthd, const QString &root, const QString &socket, PrivateHelper &previous)
    : PrivateHelper(berthd, root, socket, Unique{previous.m_bridge, previous.m_subnet, previous.m_cgroupParent})
{
    previous.m_ownsNetwork = false;
}

PrivateHelper::~PrivateHelper()
{
    stop();
    if (m_ownsNetwork)
        removeNetworkAndCgroups();
}

void PrivateHelper::removeNetworkAndCgroups()
{
    if (QFileInfo::exists(QStringLiteral("/sys/class/net/") + m_bridge)) {
        QProcess ip;
        ip.start(QStringLiteral("ip"), {QStringLiteral("link"), QStringLiteral("del"), m_bridge});
        ip.waitForFinished(5000);
    }
    // v2: /sys/fs/cgroup/<parent>; v1: /sys/fs/cgroup/<controller>/<parent>
    // (hybrid hosts have both). Only empty dirs go: rmdir, never a tree.
    QStringList candidates{QStringLiteral("/sys/fs/cgroup/") + m_cgroupParent,
                           QStringLiteral("/sys/fs/cgroup/unified/") + m_cgroupParent};
    const QDir cgroupRoot(QStringLiteral("/sys/fs/cgroup"));
    for (const QString &controller : cgroupRoot.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        candidates.append(cgroupRoot.filePath(controller) + u'/' + m_cgroupParent);
    for (const QString &dir : std::as_const(candidates)) {
        if (QFileInfo(dir).isDir())
            ::rmdir(QFile::encodeName(dir).constData());
    }
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
