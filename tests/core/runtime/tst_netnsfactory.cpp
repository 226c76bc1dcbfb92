// Ready network namespaces (core/runtime/netnsfactory.h): what berthd's
// pool makes and what berth-shim accepts as --netns-fd. Making namespaces
// needs root (QSKIP otherwise); the refusals of checkHandedNetns() run as
// anyone, and the shim's own refusal runs the built berth-shim.

#include <runtime/netnsfactory.h>
#include <support/netnsprobe.h>

#include <QtTest>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Runtime;
using Berth::TestSupport::netnsInUse;
using Berth::TestSupport::procEntries;

namespace {

ino_t inodeOf(int fd)
{
    struct stat st;
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

ino_t inodeOfPath(const char *path)
{
    struct stat st;
    return ::stat(path, &st) == 0 ? st.st_ino : 0;
}

struct LinkReport
{
    bool joined = false;
    bool loUp = false;
    QStringList interfaces;
    int error = 0;
};

// Looks inside the namespace at fd from a throwaway thread (setns moves
// only that thread; its exit drops the reference).
LinkReport inspectNetns(int fd)
{
    LinkReport r;
    std::thread([&] {
        if (::setns(fd, CLONE_NEWNET) != 0) {
            r.error = errno;
            return;
        }
        r.joined = true;
        const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};
        std::memcpy(ifr.ifr_name, "lo", 3);
        r.loUp = sock >= 0 && ::ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
        if (sock >= 0)
            ::close(sock);
        if (struct if_nameindex *names = ::if_nameindex()) {
            for (auto *n = names; n->if_index; ++n)
                r.interfaces << QString::fromLatin1(n->if_name);
            ::if_freenameindex(names);
        }
    }).join();
    return r;
}

} // namespace

class TestNetnsFactory : public QObject
{
    Q_OBJECT

private slots:
    void madeNamespacesAreDistinctWithLoUp();
    void closingTheFdsFreesTheNamespaces();
    void handedFdMustBeAnotherNetworkNamespace();
    void shimRefusesABadNetnsFd_data();
    void shimRefusesABadNetnsFd();
};

void TestNetnsFactory::madeNamespacesAreDistinctWithLoUp()
{
    if (::geteuid() != 0)
        QSKIP("creating network namespaces needs root");
    const ino_t home = inodeOfPath("/proc/self/ns/net");
    QVERIFY(home != 0);

    // A filler thread as berthd's: four namespaces, then where it ended up.
    std::vector<UniqueFd> made;
    QStringList errors;
    ino_t fillerBefore = 0, fillerAfter = 0;
    std::thread([&] {
        fillerBefore = inodeOfPath("/proc/thread-self/ns/net");
        auto homeFd = openThreadNetns();
        if (!homeFd) {
            errors << QString::fromStdString(homeFd.error().toString());
            return;
        }
        for (int i = 0; i < 4; ++i) {
            bool stranded = true;
            auto fd = makeNetns(homeFd->get(), &stranded);
            if (stranded)
                errors << QStringLiteral("stranded");
            if (!fd) {
                errors << QString::fromStdString(fd.error().toString());
                return;
            }
            made.push_back(std::move(*fd));
        }
        fillerAfter = inodeOfPath("/proc/thread-self/ns/net");
    }).join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
    QCOMPARE(made.size(), size_t(4));
    QCOMPARE(fillerBefore, home);
    QCOMPARE(fillerAfter, home); // the filler holds no reference to what it made

    QSet<ino_t> seen;
    for (const UniqueFd &fd : made) {
        QVERIFY((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
        QCOMPARE(::ioctl(fd.get(), NS_GET_NSTYPE), CLONE_NEWNET);
        const ino_t ino = inodeOf(fd.get());
        QVERIFY(ino != 0);
        QVERIFY2(ino != home, "a made namespace is the caller's own");
        QVERIFY2(!seen.contains(ino), "two made namespaces are the same");
        seen.insert(ino);
        const LinkReport r = inspectNetns(fd.get());
        QVERIFY2(r.joined, std::strerror(r.error));
        QVERIFY2(r.loUp, "lo is not up in a made namespace");
        QCOMPARE(r.interfaces, QStringList{QStringLiteral("lo")});
        QVERIFY(checkHandedNetns(fd.get()).has_value());
    }
    // No task of this process was left in one of them.
    for (const QString &task : procEntries(QStringLiteral("/proc/self/task")))
        QCOMPARE(inodeOfPath(QFile::encodeName(QStringLiteral("/proc/self/task/") + task + QStringLiteral("/ns/net")).constData()), home);
}

void TestNetnsFactory::closingTheFdsFreesTheNamespaces()
{
    if (::geteuid() != 0)
        QSKIP("creating network namespaces needs root");
    auto homeFd = openThreadNetns();
    QVERIFY(homeFd.has_value());
    std::vector<UniqueFd> made;
    for (int i = 0; i < 3; ++i) {
        // The test's main thread as the filler: it must be back home each time.
        auto fd = makeNetns(homeFd->get());
        QVERIFY2(fd.has_value(), fd ? "" : fd.error().toString().c_str());
        made.push_back(std::move(*fd));
        QCOMPARE(inodeOfPath("/proc/thread-self/ns/net"), inodeOf(homeFd->get()));
    }
    QSet<quint64> ours;
    for (const UniqueFd &fd : made)
        ours.insert(inodeOf(fd.get()));
    QCOMPARE(ours.size(), 3);
    // Held only by our fds: visible through /proc/self/fd, in no task's ns/net.
    const QSet<quint64> before = netnsInUse();
    for (quint64 ino : std::as_const(ours))
        QVERIFY2(before.contains(ino), "a made namespace is not visible through /proc/self/fd");

    made.clear();
    const QSet<quint64> after = netnsInUse();
    for (quint64 ino : std::as_const(ours))
        QVERIFY2(!after.contains(ino), qPrintable(QStringLiteral("net:[%1] is still referenced after its fd closed").arg(ino)));
}

void TestNetnsFactory::handedFdMustBeAnotherNetworkNamespace()
{
    // A pipe, a regular file, another kind of namespace, a closed fd and the
    // caller's own network namespace: all refused.
    int p[2];
    QCOMPARE(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd pipeRead(p[0]), pipeWrite(p[1]);
    auto refused = checkHandedNetns(pipeRead.get());
    QVERIFY(!refused);
    QVERIFY2(refused.error().toString().find("not a namespace") != std::string::npos, refused.error().toString().c_str());

    UniqueFd file(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
    QVERIFY(file.isValid());
    QVERIFY(!checkHandedNetns(file.get()));

    UniqueFd mnt(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
    QVERIFY(mnt.isValid());
    refused = checkHandedNetns(mnt.get());
    QVERIFY(!refused);
    QVERIFY2(refused.error().toString().find("not a network namespace") != std::string::npos, refused.error().toString().c_str());

    const int closed = pipeWrite.get();
    pipeWrite.reset();
    refused = checkHandedNetns(closed);
    QVERIFY(!refused);
    QCOMPARE(refused.error().sysErrno(), EBADF);

    UniqueFd host(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    QVERIFY(host.isValid());
    refused = checkHandedNetns(host.get(), "--netns-fd");
    QVERIFY(!refused);
    QVERIFY2(refused.error().toString().find("own (host) network namespace") != std::string::npos, refused.error().toString().c_str());
    QVERIFY2(refused.error().toString().find("--netns-fd") != std::string::npos, refused.error().toString().c_str());

    if (::geteuid() == 0) {
        auto homeFd = openThreadNetns();
        QVERIFY(homeFd.has_value());
        auto fresh = makeNetns(homeFd->get());
        QVERIFY(fresh.has_value());
        QVERIFY(checkHandedNetns(fresh->get()).has_value());
    }
}

void TestNetnsFactory::shimRefusesABadNetnsFd_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("message");
    QTest::newRow("pipe") << "pipe" << "none" << "not a namespace";
    QTest::newRow("mount namespace") << "mnt" << "bridge" << "not a network namespace";
    QTest::newRow("host netns") << "host" << "none" << "own (host) network namespace";
    QTest::newRow("fresh netns, host mode") << "fresh" << "host" << "given for a container on the host network";
    QTest::newRow("not inherited") << "closed" << "none" << "--netns-fd";
}

void TestNetnsFactory::shimRefusesABadNetnsFd()
{
    QFETCH(QString, kind);
    QFETCH(QString, mode);
    QFETCH(QString, message);
    const QString shim = QStringLiteral(BERTH_BIN_DIR "/berth-shim");
    if (!QFile::exists(shim))
        QSKIP("berth-shim is not built");
    if (kind == QLatin1String("fresh") && ::geteuid() != 0)
        QSKIP("creating a network namespace needs root");

    // A spec the shim parses; the refusal comes before anything is made
    // (the layers do not even exist), so no cgroup, mount or process.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString bundle = dir.filePath(QStringLiteral("b"));
    QVERIFY(QDir().mkpath(bundle));
    const QString id = QString(64, u'a');
    const QJsonObject spec{
        {QStringLiteral("id"), id},
        {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("layersDir"), dir.filePath(QStringLiteral("layers"))},
                                              {QStringLiteral("lower"), QJsonArray{QStringLiteral("base")}}}},
        {QStringLiteral("process"), QJsonObject{{QStringLiteral("args"), QJsonArray{QStringLiteral("true")}},
                                                {QStringLiteral("env"), QJsonArray{QStringLiteral("PATH=/bin")}},
                                                {QStringLiteral("cwd"), QStringLiteral("/")}}},
        {QStringLiteral("hostname"), QStringLiteral("netnstest")},
        {QStringLiteral("network"), QJsonObject{{QStringLiteral("mode"), mode},
                                                {QStringLiteral("bridge"), QStringLiteral("bnx0")},
                                                {QStringLiteral("gateway"), QStringLiteral("10.251.12.1")},
                                                {QStringLiteral("prefixLength"), 24},
                                                {QStringLiteral("address"), QStringLiteral("10.251.12.2")}}},
        {QStringLiteral("cgroup"), QJsonObject{{QStringLiteral("parent"), QStringLiteral("berth-netnsfactory-test")}}},
        {QStringLiteral("log"), QJsonObject{{QStringLiteral("path"), QStringLiteral("container.log")},
                                           {QStringLiteral("maxSize"), 0}, {QStringLiteral("maxFiles"), 1}}}};
    QFile json(bundle + QStringLiteral("/shim.json"));
    QVERIFY(json.open(QIODevice::WriteOnly));
    json.write(QJsonDocument(spec).toJson(QJsonDocument::Compact));
    json.close();

    UniqueFd handed, keep;
    if (kind == QLatin1String("pipe")) {
        int p[2];
        QCOMPARE(::pipe2(p, O_CLOEXEC), 0);
        handed.reset(p[0]);
        keep.reset(p[1]);
    } else if (kind == QLatin1String("mnt")) {
        handed.reset(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
    } else if (kind == QLatin1String("host") || kind == QLatin1String("closed")) {
        handed.reset(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    } else {
        auto homeFd = openThreadNetns();
        QVERIFY(homeFd.has_value());
        auto fresh = makeNetns(homeFd->get());
        QVERIFY(fresh.has_value());
        handed = std::move(*fresh);
    }
    QVERIFY(handed.isValid());
    const int fd = handed.get();
    QProcess p;
    // As berthd hands it: the same number, close-on-exec cleared in the
    // child only ("closed": left close-on-exec, so the shim never gets it).
    if (kind != QLatin1String("closed"))
        p.setChildProcessModifier([fd] { ::fcntl(fd, F_SETFD, 0); });
    p.start(shim, {QStringLiteral("create"), QStringLiteral("--bundle"), bundle, QStringLiteral("--netns-fd"),
                   QString::number(fd)});
    QVERIFY(p.waitForFinished(15000));
    const QByteArray out = p.readAllStandardOutput().trimmed();
    QCOMPARE(p.exitCode(), 1);
    const QJsonObject reply = QJsonDocument::fromJson(out.split('\n').first()).object();
    QVERIFY2(reply.value(QStringLiteral("error")).toString().contains(message), out.constData());
    QCOMPARE(reply.value(QStringLiteral("exitCode")).toInt(), 125);
    // Nothing was started or written.
    QVERIFY(!QFile::exists(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(!QFile::exists(bundle + QStringLiteral("/shim.pid")));
    QVERIFY(!QFile::exists(bundle + QStringLiteral("/rootfs")));
}

QTEST_GUILESS_MAIN(TestNetnsFactory)
#include "tst_netnsfactory.moc"
