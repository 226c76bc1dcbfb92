#include "privatedockerd.h"

#include "commandrunner.h"
#include "privatehelper.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>
#include <functional>

#include <sys/mount.h>

namespace Berth::TestSupport {

namespace {

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// Mount points at or below `directory`, deepest first.
QStringList mountsBelow(const QString &directory)
{
    QStringList mounts;
    QFile mountinfo(QStringLiteral("/proc/self/mountinfo"));
    if (!mountinfo.open(QIODevice::ReadOnly))
        return mounts;
    for (const QByteArray &line : mountinfo.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() > 4 && QString::fromUtf8(fields[4]).startsWith(directory + u'/'))
            mounts.append(QString::fromUtf8(fields[4]));
    }
    std::sort(mounts.begin(), mounts.end(), std::greater<>());
    return mounts;
}

} // namespace

PrivateDockerd::PrivateDockerd(const QString &directory, const QString &name)
    : m_directory(QDir(directory).absolutePath())
    , m_name(name)
{
}

PrivateDockerd::~PrivateDockerd()
{
    stop();
}

std::unique_ptr<DaemonProcess> PrivateDockerd::launch(const QString &program, const QStringList &arguments, const QString &log) const
{
    auto daemon = std::make_unique<DaemonProcess>(program, arguments);
    daemon->setEnvironment(m_environment);
    daemon->setLogFile(log);
    daemon->launch();
    return daemon;
}

QString PrivateDockerd::start(const QProcessEnvironment &environment)
{
    m_environment = environment;
    const QString d = m_directory;
    for (const char *tool : {"containerd", "dockerd", "docker"}) {
        if (QStandardPaths::findExecutable(QLatin1String(tool)).isEmpty())
            return QStringLiteral("%1 is not installed (installer/install-deps.sh installs the peers)").arg(QLatin1String(tool));
    }
    for (const char *sub : {"data", "exec", "ctd-root", "ctd-state"}) {
        if (!QDir().mkpath(d + u'/' + QLatin1String(sub)))
            return QStringLiteral("cannot make %1/%2").arg(d, QLatin1String(sub));
    }
    m_cgroups = std::make_unique<CgroupTrees>(QStringList{QStringLiteral("docker")});

    if (!writeFile(d + QStringLiteral("/containerd.toml"),
                   QStringLiteral("version = 2\nroot = \"%1/ctd-root\"\nstate = \"%1/ctd-state\"\n"
                                  "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                                  "[grpc]\n  address = \"%1/containerd.sock\"\n"
                                  "[ttrpc]\n  address = \"%1/containerd.sock.ttrpc\"\n"
                                  "[debug]\n  address = \"%1/containerd-debug.sock\"\n"
                                  "[metrics]\n  address = \"\"\n")
                       .arg(d)
                       .toUtf8()))
        return QStringLiteral("cannot write %1/containerd.toml").arg(d);
    m_containerd = launch(QStringLiteral("containerd"), {QStringLiteral("--config"), d + QStringLiteral("/containerd.toml")},
                          d + QStringLiteral("/containerd.log"));
    if (!m_containerd->waitUntil([&] { return QFileInfo::exists(d + QStringLiteral("/containerd.sock")); }, 30000))
        return QStringLiteral("containerd did not start; see %1/containerd.log").arg(d);

    if (!writeFile(d + QStringLiteral("/daemon.json"), QStringLiteral("{ \"deprecated-key-path\": \"%1/key.json\" }\n").arg(d).toUtf8()))
        return QStringLiteral("cannot write %1/daemon.json").arg(d);
    m_dockerd = launch(
        QStringLiteral("dockerd"),
        {QStringLiteral("--config-file"), d + QStringLiteral("/daemon.json"), QStringLiteral("--data-root"), d + QStringLiteral("/data"),
         QStringLiteral("--exec-root"), d + QStringLiteral("/exec"), QStringLiteral("--pidfile"), d + QStringLiteral("/dockerd.pid"),
         QStringLiteral("-H"), host(), QStringLiteral("--containerd"), d + QStringLiteral("/containerd.sock"),
         QStringLiteral("--containerd-namespace"), m_name, QStringLiteral("--containerd-plugins-namespace"), m_name + QStringLiteral("-plugins"),
         QStringLiteral("--bridge=none"), QStringLiteral("--iptables=false"), QStringLiteral("--ip6tables=false"),
         QStringLiteral("--ip-masq=false"), QStringLiteral("--userland-proxy=false")},
        d + QStringLiteral("/dockerd.log"));
    if (!m_dockerd->waitUntil([&] { return PrivateHelper::socketAnswers(socket()); }, 60000))
        return QStringLiteral("dockerd did not answer; see %1/dockerd.log").arg(d);
    return {};
}

bool PrivateDockerd::isRunning() const
{
    return m_dockerd && m_dockerd->isRunning();
}

QStringList PrivateDockerd::stop()
{
    QStringList left;
    if (isRunning() && PrivateHelper::socketAnswers(socket())) {
        QProcessEnvironment env = m_environment;
        env.insert(QStringLiteral("DOCKER_HOST"), host());
        const CommandRunner docker(env, 60 * 1000);
        const QString program = QStandardPaths::findExecutable(QStringLiteral("docker"));
        const QStringList ids = docker.run(program, {QStringLiteral("ps"), QStringLiteral("-aq")}).out.split(u'\n', Qt::SkipEmptyParts);
        if (!ids.isEmpty())
            docker.run(program, QStringList{QStringLiteral("rm"), QStringLiteral("-f")} + ids);
    }
    // dockerd before its containerd: reverse start order.
    if (m_dockerd)
        m_dockerd->stop();
    if (m_containerd)
        m_containerd->stop();
    m_dockerd.reset();
    m_containerd.reset();
    for (const QString &mount : mountsBelow(m_directory)) {
        if (::umount2(QFile::encodeName(mount).constData(), MNT_DETACH) != 0)
            left << mount;
    }
    if (m_cgroups) {
        left << m_cgroups->removeNew();
        m_cgroups.reset();
    }
    return left;
}

} // namespace Berth::TestSupport
