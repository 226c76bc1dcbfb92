// Integration: berthd's pool of ready network namespaces (core/daemon/
// netnspool.h, `berth-shim create --netns-fd`) on a private berthd with the
// real shim. Containers on --network none and bridge get a namespace the
// pool made beforehand (one berthd held open before the run), each its own,
// never the host's or berthd's; lo is up, sysfs shows the container's own
// interfaces; bridge containers get eth0 with their address and reach each
// other; host containers take nothing from the pool. After the containers
// are removed, berthd killed with -9 and stopped, no namespace this test saw
// is left anywhere. Root only (style.md C24).

#include <support/enginefixture.h>
#include <support/netnsprobe.h>

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QSet>

#include <csignal>
#include <cstring>

#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::EngineFixture;
using Berth::TestSupport::netnsFdsOf;
using Berth::TestSupport::netnsInodeOfLink;
using Berth::TestSupport::netnsInUse;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

quint64 parseNetLink(const QString &text)
{
    unsigned long long ino = 0;
    return std::sscanf(text.trimmed().toLatin1().constData(), "net:[%llu]", &ino) == 1 ? ino : 0;
}

} // namespace

class tst_NetnsPool : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};
    quint64 m_host = 0;
    // Every namespace the pool made or a container had, for the final check.
    QSet<quint64> m_seen;

    CommandResult docker(const QStringList &args) { return m_engine.docker(args); }

    // berthd's ready namespaces (its fds on network namespaces other than
    // its own: the pool thread keeps one of those to return to).
    QSet<quint64> pooled()
    {
        QSet<quint64> s = netnsFdsOf(QString::number(m_engine.daemon().pid()));
        s.remove(m_host);
        m_seen += s;
        return s;
    }

    bool waitPoolFull()
    {
        for (int i = 0; i < 200; ++i) {
            if (pooled().size() == 4)
                return true;
            QTest::qWait(25);
        }
        return false;
    }

    quint64 containerNetns(const QString &name)
    {
        const CommandResult r = docker({"exec", name, "readlink", "/proc/self/ns/net"});
        const quint64 ino = r.exitCode == 0 ? parseNetLink(r.out) : 0;
        const QString pid = m_engine.inspect(name, "{{.State.Pid}}");
        // The same namespace seen from the host through the init's pid.
        if (ino == 0 || netnsInodeOfLink(QStringLiteral("/proc/%1/ns/net").arg(pid)) != ino)
            return 0;
        m_seen.insert(ino);
        return ino;
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        m_host = netnsInodeOfLink(QStringLiteral("/proc/self/ns/net"));
        QVERIFY(m_host != 0);
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-nsp");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QCOMPARE(netnsInodeOfLink(QStringLiteral("/proc/%1/ns/net").arg(m_engine.daemon().pid())), m_host);
    }

    void cleanup() { m_engine.removeAllContainers(); }

    void cleanupTestCase() { m_engine.tearDown(); }

    void noneContainersGetPooledNamespacesOfTheirOwn()
    {
        QVERIFY2(waitPoolFull(), "berthd's pool did not fill to 4");
        const QSet<quint64> ready = pooled();
        for (const char *name : {"n1", "n2"}) {
            const CommandResult r = docker({"run", "-d", "--name", name, "--network", "none", "busybox", "sleep", "300"});
            QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        }
        const quint64 n1 = containerNetns("n1"), n2 = containerNetns("n2");
        QVERIFY(n1 != 0 && n2 != 0);
        QVERIFY2(n1 != n2, "two containers share a network namespace");
        QVERIFY(n1 != m_host && n2 != m_host);
        // Both came from the pool, and berthd no longer holds them.
        QVERIFY2(ready.contains(n1) && ready.contains(n2), "a none container did not get a pooled namespace");
        QVERIFY(waitPoolFull());
        const QSet<quint64> now = pooled();
        QVERIFY(!now.contains(n1) && !now.contains(n2));

        for (const char *name : {"n1", "n2"}) {
            // Neither the container's init nor its shim (the init's parent)
            // holds a namespace fd: the shim closed its copy once the child
            // joined, and no pooled fd leaked into either.
            const qint64 pid = m_engine.inspect(name, "{{.State.Pid}}").toLongLong();
            QVERIFY(pid > 0);
            QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
            QVERIFY(stat.open(QIODevice::ReadOnly));
            const QByteArray fields = stat.readAll();
            const qint64 shimPid = fields.mid(fields.lastIndexOf(')') + 2).split(' ').value(1).toLongLong();
            QVERIFY(shimPid > 1);
            QVERIFY2(netnsFdsOf(QString::number(pid)).isEmpty(), "the container's init holds a network namespace fd");
            QVERIFY2(netnsFdsOf(QString::number(shimPid)).isEmpty(), "the container's shim holds a network namespace fd");
            CommandResult r = docker({"exec", name, "ls", "/sys/class/net"});
            QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
            QCOMPARE(r.out.split(u'\n', Qt::SkipEmptyParts), QStringList{"lo"});
            r = docker({"exec", name, "ip", "-o", "link"});
            QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
            const QStringList links = r.out.split(u'\n', Qt::SkipEmptyParts);
            QCOMPARE(links.size(), 1);
            QVERIFY2(links.first().contains("lo: <LOOPBACK,UP,LOWER_UP>"), qPrintable(r.out));
            // The sysctls the shim writes, in the container's namespace.
            r = docker({"exec", name, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"});
            QCOMPARE(r.out.trimmed(), QStringLiteral("0"));
        }
        // berth's own CLI, run --rm: a pooled namespace too, gone afterwards.
        const QSet<quint64> before = pooled();
        const CommandResult r = m_engine.berth({"run", "--rm", "--network", "none", "busybox", "readlink", "/proc/self/ns/net"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const quint64 once = parseNetLink(r.out);
        QVERIFY2(before.contains(once), qPrintable(r.out));
        QTRY_VERIFY_WITH_TIMEOUT(!netnsInUse().contains(once), 10000);
    }

    void bridgeContainersGetEth0AndReachEachOther()
    {
        QVERIFY2(waitPoolFull(), "berthd's pool did not fill to 4");
        const QSet<quint64> ready = pooled();
        for (const char *name : {"b1", "b2"}) {
            const CommandResult r = docker({"run", "-d", "--name", name, "busybox", "sleep", "300"});
            QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        }
        const quint64 b1 = containerNetns("b1"), b2 = containerNetns("b2");
        QVERIFY(b1 != 0 && b2 != 0 && b1 != b2 && b1 != m_host && b2 != m_host);
        QVERIFY2(ready.contains(b1) && ready.contains(b2), "a bridge container did not get a pooled namespace");
        QString addresses[2];
        int i = 0;
        for (const char *name : {"b1", "b2"}) {
            const QString ip = m_engine.inspect(name, "{{.NetworkSettings.IPAddress}}");
            QVERIFY(!ip.isEmpty());
            addresses[i++] = ip;
            CommandResult r = docker({"exec", name, "ls", "/sys/class/net"});
            QCOMPARE(r.out.split(u'\n', Qt::SkipEmptyParts), (QStringList{"eth0", "lo"}));
            r = docker({"exec", name, "ip", "-o", "-4", "addr", "show", "eth0"});
            QVERIFY2(r.exitCode == 0 && r.out.contains(" " + ip + "/"), qPrintable(r.describe()));
            r = docker({"exec", name, "ip", "-o", "link", "show", "lo"});
            QVERIFY2(r.out.contains("<LOOPBACK,UP,LOWER_UP>"), qPrintable(r.out));
        }
        CommandResult r = docker({"exec", "b1", "ping", "-c", "1", "-W", "5", addresses[1]});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"exec", "b2", "ping", "-c", "1", "-W", "5", addresses[0]});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    }

    void hostContainersTakeNothing()
    {
        QVERIFY2(waitPoolFull(), "berthd's pool did not fill to 4");
        const QSet<quint64> ready = pooled();
        const CommandResult r = docker({"run", "--rm", "--network", "host", "busybox", "readlink", "/proc/self/ns/net"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(parseNetLink(r.out), m_host);
        QCOMPARE(pooled(), ready);
    }

    void nothingLeftAfterKillAndStop()
    {
        QVERIFY2(waitPoolFull(), "berthd's pool did not fill to 4");
        CommandResult r = docker({"run", "-d", "--name", "k1", "--network", "none", "busybox", "sleep", "300"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const quint64 k1 = containerNetns("k1");
        QVERIFY(k1 != 0);
        QVERIFY(waitPoolFull());
        const QSet<quint64> full = pooled();

        // kill -9 with a full pool: its namespaces die with the process; the
        // running container keeps its own.
        ::kill(pid_t(m_engine.daemon().pid()), SIGKILL);
        QVERIFY(m_engine.daemon().waitForExit(10000));
        QSet<quint64> inUse = netnsInUse();
        for (const quint64 ino : full)
            QVERIFY2(!inUse.contains(ino), qPrintable(QStringLiteral("net:[%1] outlived a killed berthd").arg(ino)));
        QVERIFY(inUse.contains(k1));

        QVERIFY2(m_engine.restart().isEmpty(), qPrintable(m_engine.daemon().log()));
        QVERIFY2(waitPoolFull(), "the restarted berthd's pool did not fill");
        QCOMPARE(m_engine.inspect("k1", "{{.State.Status}}"), QStringLiteral("running"));
        QCOMPARE(containerNetns("k1"), k1);

        m_engine.removeAllContainers();
        m_engine.tearDown();
        // Containers removed and berthd stopped: nothing this test saw is left.
        QTRY_VERIFY_WITH_TIMEOUT(
            [this] {
                const QSet<quint64> now = netnsInUse();
                return !(now.intersects(m_seen));
            }(),
            10000);
    }
};

QTEST_GUILESS_MAIN(tst_NetnsPool)
#include "tst_netnspoolengine.moc"
