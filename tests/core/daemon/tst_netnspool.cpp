// berthd's pool of ready network namespaces (core/daemon/netnspool.h):
// filled by its own thread to the target size and refilled after take(),
// distinct namespaces with lo up, the filler back in its own namespace,
// take() never waits, and every namespace freed with the pool. Root only
// (creating network namespaces); QSKIP otherwise.

#include <daemon/netnspool.h>
#include <support/netnsprobe.h>

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QSet>
#include <QStringList>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <unistd.h>

using Berth::UniqueFd;
using Berth::Daemon::NetnsPool;
using Berth::TestSupport::netnsFdsOf;
using Berth::TestSupport::netnsInUse;
using Berth::TestSupport::procEntries;

namespace {

ino_t inodeOf(int fd)
{
    struct stat st;
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

ino_t inodeOfPath(const QString &path)
{
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_ino : 0;
}

bool loUpIn(int fd)
{
    bool up = false;
    std::thread([&] {
        if (::setns(fd, CLONE_NEWNET) != 0)
            return;
        const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};
        std::memcpy(ifr.ifr_name, "lo", 3);
        up = sock >= 0 && ::ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
        if (sock >= 0)
            ::close(sock);
    }).join();
    return up;
}

// Raises or drops CAP_SYS_ADMIN in the calling thread's effective set
// (capabilities are per thread; a thread started afterwards inherits them).
bool setSysAdminEffective(bool on)
{
    __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &header, data) != 0)
        return false;
    if (on)
        data[CAP_SYS_ADMIN / 32].effective |= 1u << (CAP_SYS_ADMIN % 32);
    else
        data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
    return ::syscall(SYS_capset, &header, data) == 0;
}

QStringList g_messages;

void recordMessage(QtMsgType, const QMessageLogContext &, const QString &message)
{
    g_messages << message;
}

} // namespace

class TestNetnsPool : public QObject
{
    Q_OBJECT

    ino_t m_home = 0;

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("creating network namespaces needs root");
        m_home = inodeOfPath(QStringLiteral("/proc/self/ns/net"));
        QVERIFY(m_home != 0);
    }

    void fillsTakesAndRefills()
    {
        NetnsPool pool(3);
        QCOMPARE(pool.available(), 0);
        QVERIFY(!pool.take().isValid()); // not started: empty, and take() does not wait
        pool.start();
        QVERIFY2(pool.waitFull(10000), "the pool did not fill to 3");
        QVERIFY(!pool.disabled());
        QCOMPARE(pool.available(), 3);
        QCOMPARE(pool.created(), quint64(3));
        // Full: the filler waits; it made no more than the target.
        QTest::qWait(100);
        QCOMPARE(pool.created(), quint64(3));

        // Every thread of this process, the filler included, is in the
        // test's own namespace: the filler kept no reference to what it made.
        for (const QString &task : procEntries(QStringLiteral("/proc/self/task")))
            QCOMPARE(inodeOfPath(QStringLiteral("/proc/self/task/") + task + QStringLiteral("/ns/net")), m_home);

        std::vector<UniqueFd> taken;
        QSet<ino_t> seen;
        for (int i = 0; i < 3; ++i) {
            UniqueFd fd = pool.take();
            QVERIFY(fd.isValid());
            QCOMPARE(::ioctl(fd.get(), NS_GET_NSTYPE), CLONE_NEWNET);
            QVERIFY((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
            const ino_t ino = inodeOf(fd.get());
            QVERIFY2(ino != m_home, "the pool handed out the host's namespace");
            QVERIFY2(!seen.contains(ino), "the pool handed out one namespace twice");
            seen.insert(ino);
            QVERIFY2(loUpIn(fd.get()), "lo is down in a pooled namespace");
            taken.push_back(std::move(fd));
        }
        // Refilled after the takes, with new namespaces.
        QVERIFY2(pool.waitFull(10000), "the pool did not refill");
        QCOMPARE(pool.created(), quint64(6));
        UniqueFd next = pool.take();
        QVERIFY(next.isValid());
        QVERIFY(!seen.contains(inodeOf(next.get())));
    }

    void destroyedPoolFreesItsNamespaces()
    {
        const QSet<quint64> before = netnsFdsOf(QStringLiteral("self"));
        QSet<quint64> pooled;
        UniqueFd kept;
        ino_t keptIno = 0;
        {
            NetnsPool pool(4);
            pool.start();
            QVERIFY2(pool.waitFull(10000), "the pool did not fill to 4");
            pooled = netnsFdsOf(QStringLiteral("self")) - before;
            // The filler's way home (an fd of the test's own namespace) and
            // the four it made.
            QVERIFY(pooled.remove(m_home));
            QCOMPARE(pooled.size(), 4);
            kept = pool.take();
            keptIno = inodeOf(kept.get());
            QVERIFY(pooled.contains(keptIno));
        }
        // The pool's thread is gone, and with it every namespace nobody took.
        const QSet<quint64> inUse = netnsInUse();
        for (const auto ino : std::as_const(pooled)) {
            if (ino == keptIno)
                QVERIFY2(inUse.contains(ino), "a taken namespace died with the pool");
            else
                QVERIFY2(!inUse.contains(ino), qPrintable(QStringLiteral("net:[%1] outlived the pool").arg(ino)));
        }
        kept.reset();
        QVERIFY(!netnsInUse().contains(keptIno));
    }

    void withoutPrivilegeStaysEmptyAndSaysSoOnce()
    {
        // The filler thread starts without CAP_SYS_ADMIN (unshare: EPERM),
        // as in an unprivileged berthd: disabled, nothing made, one warning.
        g_messages.clear();
        const QtMessageHandler previous = qInstallMessageHandler(recordMessage);
        QVERIFY(setSysAdminEffective(false));
        {
            NetnsPool pool(2);
            pool.start();
            const bool full = pool.waitFull(10000);
            QVERIFY(setSysAdminEffective(true));
            QVERIFY(!full);
            QVERIFY(pool.disabled());
            QCOMPARE(pool.created(), quint64(0));
            QCOMPARE(pool.available(), 0);
            QVERIFY(!pool.take().isValid());
            QTest::qWait(50);
            QVERIFY(!pool.take().isValid());
        }
        qInstallMessageHandler(previous);
        QVERIFY(setSysAdminEffective(true));
        QCOMPARE(g_messages.size(), 1);
        QVERIFY2(g_messages.first().contains(QLatin1String("network namespace pool disabled")) && g_messages.first().contains(QLatin1String("EPERM")),
                 qPrintable(g_messages.first()));
    }
};

QTEST_GUILESS_MAIN(TestNetnsPool)
#include "tst_netnspool.moc"
