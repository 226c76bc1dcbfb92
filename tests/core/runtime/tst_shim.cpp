// berth-shim end to end: a busybox rootfs, a hand-written shim.json, the
// real binary, and the control socket protocol of core/runtime/README.md.
// Root only (QSKIP otherwise). After every test: no mount under the temp
// dir, no cgroup dir, no shim process left.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const QStringList kDefaultCaps = {
    QStringLiteral("CAP_CHOWN"), QStringLiteral("CAP_DAC_OVERRIDE"), QStringLiteral("CAP_FSETID"),
    QStringLiteral("CAP_FOWNER"), QStringLiteral("CAP_MKNOD"), QStringLiteral("CAP_NET_RAW"),
    QStringLiteral("CAP_SETGID"), QStringLiteral("CAP_SETUID"), QStringLiteral("CAP_SETFCAP"),
    QStringLiteral("CAP_SETPCAP"), QStringLiteral("CAP_NET_BIND_SERVICE"), QStringLiteral("CAP_SYS_CHROOT"),
    QStringLiteral("CAP_KILL"), QStringLiteral("CAP_AUDIT_WRITE")};

// A blocking client of one control-socket connection.
class ShimConnection
{
public:
    ~ShimConnection()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool connectTo(const QString &path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = {};
        addr.sun_family = AF_UNIX;
        const QByteArray p = QFile::encodeName(path);
        if (p.size() >= static_cast<qsizetype>(sizeof addr.sun_path))
            return false;
        std::memcpy(addr.sun_path, p.constData(), static_cast<size_t>(p.size()) + 1);
        return ::connect(m_fd, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0;
    }
    QJsonObject request(const QJsonObject &req)
    {
        send(QJsonDocument(req).toJson(QJsonDocument::Compact) + '\n');
        const QByteArray line = readLine();
        return QJsonDocument::fromJson(line).object();
    }
    void send(const QByteArray &data) { (void)!::write(m_fd, data.constData(), static_cast<size_t>(data.size())); }
    void halfClose() { ::shutdown(m_fd, SHUT_WR); }
    QByteArray readLine(int timeoutMs = 10000)
    {
        while (!m_buffer.contains('\n')) {
            if (!fill(timeoutMs))
                break;
        }
        const qsizetype nl = m_buffer.indexOf('\n');
        QByteArray line = nl < 0 ? m_buffer : m_buffer.left(nl);
        m_buffer.remove(0, nl < 0 ? m_buffer.size() : nl + 1);
        return line;
    }
    // Everything until the shim closes the connection.
    QByteArray readAll(int timeoutMs = 15000)
    {
        while (fill(timeoutMs)) {
        }
        QByteArray out = m_buffer;
        m_buffer.clear();
        return out;
    }
    // Reads until `needle` shows up in the stream.
    bool waitFor(const QByteArray &needle, int timeoutMs = 10000)
    {
        while (!m_buffer.contains(needle)) {
            if (!fill(timeoutMs))
                return false;
        }
        return true;
    }

private:
    bool fill(int timeoutMs)
    {
        struct pollfd p = {m_fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0)
            return false;
        char buf[65536];
        const ssize_t n = ::read(m_fd, buf, sizeof buf);
        if (n <= 0)
            return false;
        m_buffer.append(buf, n);
        return true;
    }
    int m_fd = -1;
    QByteArray m_buffer;
};

struct Demuxed
{
    QByteArray out, err;
};

Demuxed demux(QByteArray data)
{
    Demuxed d;
    while (data.size() >= 8) {
        const int stream = static_cast<unsigned char>(data[0]);
        const quint32 size = (quint32(uchar(data[4])) << 24) | (quint32(uchar(data[5])) << 16) |
                             (quint32(uchar(data[6])) << 8) | quint32(uchar(data[7]));
        (stream == 2 ? d.err : d.out) += data.mid(8, size);
        data.remove(0, 8 + size);
    }
    return d;
}

bool processAlive(pid_t pid)
{
    return pid > 0 && ::kill(pid, 0) == 0;
}

} // namespace

class TestShim : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void outputAndExitCodes_data();
    void outputAndExitCodes();
    void killedBySignalExits137();
    void commandNotFoundIs127();
    void notExecutableIs126();
    void execFailureAtStartIsReported();
    void stdinThroughAttach();
    void detachKeysAndSeveralAttachers();
    void terminalModeAndResize();
    void logFileAndRotation();
    void longLinesAreSplit();
    void pid1AndHostname();
    void isolationAsRoot();
    void isolationAsNonRoot();
    void unknownUserIsRefused();
    void memoryAndPidsLimits();
    void oomKillIsRecorded();
    void pidsLimitStopsForks();
    void execJoinsRunningContainer();
    void execPidMustBeTheContainersInit();
    void corruptSeccompCacheIsRebuilt();
    void seccompProbe();
    void unusedSeccompCachesArePruned();
    void initReapsAndForwards();
    void workdirThroughProcFdIsRefused();
    void rootfsCommandShowsFiles();
    void upperDirGetsTheWrites();
    void badSpecIsRefused();
    void takenPortFailsCleanly();
    void noFdLeaksIntoTheContainer();
    void imageSymlinkForProcIsRefused();
    void readonlyRootAndVolumes();

private:
    struct Run
    {
        int exitCode = -1;
        QByteArray out, err;
        QJsonObject exitFile;
    };

    QJsonObject baseSpec(const QStringList &args) const;
    QString newBundle(const QJsonObject &spec);
    QJsonObject create(const QString &bundle);
    Run runToEnd(const QJsonObject &spec, const QByteArray &input = {});
    QJsonObject readExit(const QString &bundle, const QString &name = QStringLiteral("exit.json"));
    QString cgroupDir(const QString &controller, const QString &id) const;
    void waitShimGone(const QString &bundle);

    QTemporaryDir m_temp{QStringLiteral("/tmp/berth-shimtest-XXXXXX")};
    QString m_shim;
    QString m_layers;
    QString m_cgroupParent;
    QStringList m_bundles;
    QStringList m_ids;
};

void TestShim::initTestCase()
{
    if (::geteuid() != 0)
        QSKIP("berth-shim tests need root");
    m_shim = QStringLiteral(BERTH_BIN_DIR "/berth-shim");
    QVERIFY(QFile::exists(m_shim));
    QVERIFY(m_temp.isValid());
    m_layers = m_temp.filePath(QStringLiteral("layers"));
    QVERIFY(QDir().mkpath(m_layers + QStringLiteral("/base")));
    QVERIFY(QDir().mkpath(m_layers + QStringLiteral("/extra")));
    // The default image's root: busybox-static, applet links, passwd, group.
    QProcess sh;
    sh.start(QStringLiteral("/bin/bash"),
             {QStringLiteral("-c"), QStringLiteral("bash '%1/installer/make-default-image.sh' - | tar -x -C '%2/base'")
                                        .arg(QStringLiteral(BERTH_SOURCE_DIR), m_layers)});
    QVERIFY(sh.waitForFinished(60000));
    QCOMPARE(sh.exitCode(), 0);
    QVERIFY(QFile::exists(m_layers + QStringLiteral("/base/bin/busybox")));
    // A second layer on top: a non-executable file and a script whose
    // interpreter is missing.
    QFile plain(m_layers + QStringLiteral("/extra/plain"));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.write("not a program\n");
    plain.close();
    QFile script(m_layers + QStringLiteral("/extra/broken.sh"));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("#!/no/such/interpreter\n");
    script.close();
    script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther | QFile::ReadOther);
    m_cgroupParent = QStringLiteral("berth-shimtest-%1").arg(::getpid());
}

void TestShim::cleanupTestCase()
{
    for (const QString &controller : QDir(QStringLiteral("/sys/fs/cgroup")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        ::rmdir(QFile::encodeName(QStringLiteral("/sys/fs/cgroup/%1/%2").arg(controller, m_cgroupParent)).constData());
    ::rmdir(QFile::encodeName(QStringLiteral("/sys/fs/cgroup/") + m_cgroupParent).constData());
}

void TestShim::init()
{
    m_bundles.clear();
    m_ids.clear();
}

void TestShim::cleanup()
{
    // Stop what a failed test left running, then check nothing stayed.
    for (const QString &bundle : std::as_const(m_bundles)) {
        if (QFile::exists(bundle + QStringLiteral("/shim.sock"))) {
            ShimConnection c;
            if (c.connectTo(bundle + QStringLiteral("/shim.sock")))
                c.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 9}});
        }
        waitShimGone(bundle);
    }
    QFile mountinfo(QStringLiteral("/proc/self/mountinfo"));
    QVERIFY(mountinfo.open(QIODevice::ReadOnly));
    const QByteArray mounts = mountinfo.readAll();
    QVERIFY2(!mounts.contains(QFile::encodeName(m_temp.path())), "a mount under the test's temp dir was left behind");
    for (const QString &id : std::as_const(m_ids)) {
        for (const QString &controller : {QStringLiteral("memory"), QStringLiteral("pids"), QStringLiteral("cpu"), QStringLiteral("devices"), QStringLiteral("freezer"), QString()}) {
            const QString dir = cgroupDir(controller, id);
            QVERIFY2(!QFileInfo::exists(dir), qPrintable(QStringLiteral("cgroup left behind: ") + dir));
        }
    }
}

QString TestShim::cgroupDir(const QString &controller, const QString &id) const
{
    if (controller.isEmpty())
        return QStringLiteral("/sys/fs/cgroup/%1/%2").arg(m_cgroupParent, id);
    return QStringLiteral("/sys/fs/cgroup/%1/%2/%3").arg(controller, m_cgroupParent, id);
}

void TestShim::waitShimGone(const QString &bundle)
{
    QFile pidFile(bundle + QStringLiteral("/shim.pid"));
    if (!pidFile.open(QIODevice::ReadOnly))
        return;
    const pid_t pid = pidFile.readAll().split(' ').value(0).toInt();
    for (int i = 0; i < 500 && processAlive(pid); ++i)
        QTest::qWait(10);
    if (processAlive(pid)) {
        ::kill(pid, SIGKILL);
        QFAIL("the shim did not exit after its container ended");
    }
}

QJsonObject TestShim::baseSpec(const QStringList &args) const
{
    QString id;
    for (int i = 0; i < 4; ++i)
        id += QStringLiteral("%1").arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
    QJsonObject process{{QStringLiteral("args"), QJsonArray::fromStringList(args)},
                        {QStringLiteral("env"), QJsonArray{QStringLiteral("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")}},
                        {QStringLiteral("cwd"), QStringLiteral("/")},
                        {QStringLiteral("capabilities"), QJsonArray::fromStringList(kDefaultCaps)}};
    return {{QStringLiteral("id"), id},
            {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("layersDir"), m_layers},
                                                  {QStringLiteral("lower"), QJsonArray{QStringLiteral("extra"), QStringLiteral("base")}}}},
            {QStringLiteral("process"), process},
            {QStringLiteral("hostname"), QStringLiteral("shimtest")},
            {QStringLiteral("etcFiles"), QJsonObject{{QStringLiteral("hostname"), QStringLiteral("hostname")},
                                                    {QStringLiteral("hosts"), QStringLiteral("hosts")},
                                                    {QStringLiteral("resolv.conf"), QStringLiteral("resolv.conf")}}},
            {QStringLiteral("network"), QJsonObject{{QStringLiteral("mode"), QStringLiteral("none")}}},
            {QStringLiteral("cgroup"), QJsonObject{{QStringLiteral("parent"), m_cgroupParent}}},
            {QStringLiteral("log"), QJsonObject{{QStringLiteral("path"), QStringLiteral("container.log")},
                                               {QStringLiteral("maxSize"), 0}, {QStringLiteral("maxFiles"), 1}}}};
}

QString TestShim::newBundle(const QJsonObject &spec)
{
    const QString id = spec.value(QStringLiteral("id")).toString();
    const QString bundle = m_temp.filePath(QStringLiteral("c/") + id.left(12));
    QDir().mkpath(bundle);
    QDir().mkpath(bundle + QStringLiteral("/exec"));
    auto write = [&](const QString &name, const QByteArray &data) {
        QFile f(bundle + QLatin1Char('/') + name);
        if (f.open(QIODevice::WriteOnly))
            f.write(data);
    };
    write(QStringLiteral("shim.json"), QJsonDocument(spec).toJson(QJsonDocument::Compact));
    write(QStringLiteral("hostname"), "shimtest\n");
    write(QStringLiteral("hosts"), "127.0.0.1\tlocalhost\n");
    write(QStringLiteral("resolv.conf"), "nameserver 127.0.0.53\n");
    m_bundles << bundle;
    m_ids << id;
    return bundle;
}

QJsonObject TestShim::create(const QString &bundle)
{
    QProcess p;
    p.start(m_shim, {QStringLiteral("create"), QStringLiteral("--bundle"), bundle});
    if (!p.waitForFinished(15000))
        return {{QStringLiteral("error"), QStringLiteral("create timed out")}};
    const QByteArray out = p.readAllStandardOutput();
    const QJsonObject reply = QJsonDocument::fromJson(out.trimmed()).object();
    if (reply.contains(QStringLiteral("error")) != (p.exitCode() != 0))
        return {{QStringLiteral("error"), QString(QStringLiteral("exit status and reply disagree: ") + QString::fromUtf8(out))}};
    return reply;
}

QJsonObject TestShim::readExit(const QString &bundle, const QString &name)
{
    QFile f(bundle + QLatin1Char('/') + name);
    for (int i = 0; i < 500 && !f.exists(); ++i)
        QTest::qWait(10);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

TestShim::Run TestShim::runToEnd(const QJsonObject &spec, const QByteArray &input)
{
    Run run;
    const QString bundle = newBundle(spec);
    const QJsonObject created = create(bundle);
    if (created.contains(QStringLiteral("error"))) {
        run.err = created.value(QStringLiteral("error")).toString().toUtf8();
        run.exitCode = created.value(QStringLiteral("exitCode")).toInt(-1);
        return run;
    }
    ShimConnection attach;
    if (!attach.connectTo(bundle + QStringLiteral("/shim.sock")))
        return run;
    const bool withStdin = !input.isNull();
    const QJsonObject ok = attach.request({{QStringLiteral("op"), QStringLiteral("attach")},
                                           {QStringLiteral("stdin"), withStdin},
                                           {QStringLiteral("stdout"), true},
                                           {QStringLiteral("stderr"), true}});
    if (!ok.value(QStringLiteral("ok")).toBool())
        return run;
    ShimConnection starter;
    starter.connectTo(bundle + QStringLiteral("/shim.sock"));
    const QJsonObject started = starter.request({{QStringLiteral("op"), QStringLiteral("start")}});
    if (!started.value(QStringLiteral("ok")).toBool()) {
        run.err = started.value(QStringLiteral("error")).toString().toUtf8();
        run.exitCode = started.value(QStringLiteral("exitCode")).toInt(-1);
        run.exitFile = readExit(bundle);
        return run;
    }
    if (withStdin) {
        attach.send(input);
        attach.halfClose();
    }
    const bool terminal = spec.value(QStringLiteral("process")).toObject().value(QStringLiteral("terminal")).toBool();
    const QByteArray stream = attach.readAll();
    if (terminal) {
        run.out = stream;
    } else {
        const Demuxed d = demux(stream);
        run.out = d.out;
        run.err = d.err;
    }
    run.exitFile = readExit(bundle);
    run.exitCode = run.exitFile.value(QStringLiteral("exitCode")).toInt(-1);
    return run;
}

static QJsonObject withProcess(QJsonObject spec, const char *key, const QJsonValue &value)
{
    QJsonObject process = spec.value(QStringLiteral("process")).toObject();
    process.insert(QLatin1String(key), value);
    spec.insert(QStringLiteral("process"), process);
    return spec;
}

void TestShim::outputAndExitCodes_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("out");
    QTest::addColumn<QByteArray>("err");
    QTest::newRow("exit 0") << QStringLiteral("echo hello") << 0 << QByteArray("hello\n") << QByteArray();
    QTest::newRow("exit 3") << QStringLiteral("echo out; echo err >&2; exit 3") << 3 << QByteArray("out\n") << QByteArray("err\n");
}

void TestShim::outputAndExitCodes()
{
    QFETCH(QString, script);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, out);
    QFETCH(QByteArray, err);
    const Run run = runToEnd(baseSpec({QStringLiteral("sh"), QStringLiteral("-c"), script}));
    QCOMPARE(run.out, out);
    QCOMPARE(run.err, err);
    QCOMPARE(run.exitCode, exitCode);
    QCOMPARE(run.exitFile.value(QStringLiteral("signal")).toInt(), 0);
    QVERIFY(!run.exitFile.value(QStringLiteral("startedAt")).toString().isEmpty());
    QVERIFY(run.exitFile.value(QStringLiteral("finishedAt")).toString() >= run.exitFile.value(QStringLiteral("startedAt")).toString());
}

void TestShim::killedBySignalExits137()
{
    const QString bundle = newBundle(baseSpec({QStringLiteral("sleep"), QStringLiteral("100")}));
    QVERIFY(!create(bundle).contains(QStringLiteral("error")));
    ShimConnection watch;
    QVERIFY(watch.connectTo(bundle + QStringLiteral("/shim.sock")));
    QCOMPARE(watch.request({{QStringLiteral("op"), QStringLiteral("watch")}}).value(QStringLiteral("status")).toString(), QStringLiteral("created"));
    ShimConnection start;
    QVERIFY(start.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(start.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool());
    ShimConnection state;
    QVERIFY(state.connectTo(bundle + QStringLiteral("/shim.sock")));
    QCOMPARE(state.request({{QStringLiteral("op"), QStringLiteral("state")}}).value(QStringLiteral("status")).toString(), QStringLiteral("running"));
    ShimConnection again;
    QVERIFY(again.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(again.request({{QStringLiteral("op"), QStringLiteral("start")}}).contains(QStringLiteral("error")));
    ShimConnection kill;
    QVERIFY(kill.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(kill.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 9}}).value(QStringLiteral("ok")).toBool());
    const QJsonObject final = QJsonDocument::fromJson(watch.readLine()).object();
    QCOMPARE(final.value(QStringLiteral("status")).toString(), QStringLiteral("exited"));
    QCOMPARE(final.value(QStringLiteral("exitCode")).toInt(), 137);
    const QJsonObject exitFile = readExit(bundle);
    QCOMPARE(exitFile.value(QStringLiteral("exitCode")).toInt(), 137);
    QCOMPARE(exitFile.value(QStringLiteral("signal")).toInt(), 9);
}

void TestShim::commandNotFoundIs127()
{
    const Run run = runToEnd(baseSpec({QStringLiteral("no-such-command")}));
    QCOMPARE(run.exitCode, 127);
    QVERIFY2(run.err.contains("executable file not found in $PATH"), run.err.constData());
}

void TestShim::notExecutableIs126()
{
    const Run run = runToEnd(baseSpec({QStringLiteral("/plain")}));
    QCOMPARE(run.exitCode, 126);
    QVERIFY2(run.err.contains("permission denied"), run.err.constData());
}

void TestShim::execFailureAtStartIsReported()
{
    // The file is executable, but its interpreter is missing: execve fails
    // with ENOENT only at start.
    const Run run = runToEnd(baseSpec({QStringLiteral("/broken.sh")}));
    QCOMPARE(run.exitCode, 127);
    QVERIFY2(run.err.contains("/broken.sh"), run.err.constData());
    QCOMPARE(run.exitFile.value(QStringLiteral("exitCode")).toInt(), 127);
    QVERIFY(!run.exitFile.value(QStringLiteral("error")).toString().isEmpty());
}

void TestShim::stdinThroughAttach()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("cat; echo done")});
    spec = withProcess(spec, "openStdin", true);
    spec = withProcess(spec, "stdinOnce", true);
    const Run run = runToEnd(spec, QByteArray("line one\nline two\n"));
    QCOMPARE(run.out, QByteArray("line one\nline two\ndone\n"));
    QCOMPARE(run.exitCode, 0);
}

void TestShim::detachKeysAndSeveralAttachers()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("while read line; do echo got:$line; done; echo bye")});
    spec = withProcess(spec, "openStdin", true);
    const QString bundle = newBundle(spec);
    QVERIFY(!create(bundle).contains(QStringLiteral("error")));
    const QString sock = bundle + QStringLiteral("/shim.sock");
    ShimConnection first, second;
    QVERIFY(first.connectTo(sock));
    QVERIFY(second.connectTo(sock));
    QVERIFY(first.request({{QStringLiteral("op"), QStringLiteral("attach")}, {QStringLiteral("stdin"), true},
                           {QStringLiteral("stdout"), true}, {QStringLiteral("detachKeys"), QJsonArray{16, 17}}})
                .value(QStringLiteral("ok")).toBool());
    QVERIFY(second.request({{QStringLiteral("op"), QStringLiteral("attach")}, {QStringLiteral("stdin"), true},
                            {QStringLiteral("stdout"), true}})
                .value(QStringLiteral("ok")).toBool());
    ShimConnection start;
    QVERIFY(start.connectTo(sock));
    QVERIFY(start.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool());
    // A lone ctrl-p is passed on; ctrl-p ctrl-q detaches only this client.
    first.send("one\x10x\n");
    QVERIFY(first.waitFor("got:one\x10x"));
    QVERIFY(second.waitFor("got:one\x10x"));
    first.send("\x10\x11");
    first.readAll(5000); // the shim closes the detached connection
    ShimConnection state;
    QVERIFY(state.connectTo(sock));
    QCOMPARE(state.request({{QStringLiteral("op"), QStringLiteral("state")}}).value(QStringLiteral("status")).toString(),
             QStringLiteral("running"));
    second.send("two\n");
    QVERIFY(second.waitFor("got:two"));
    // Half-closing without stdinOnce does not close the container's stdin.
    second.halfClose();
    ShimConnection state2;
    QVERIFY(state2.connectTo(sock));
    QCOMPARE(state2.request({{QStringLiteral("op"), QStringLiteral("state")}}).value(QStringLiteral("status")).toString(),
             QStringLiteral("running"));
    ShimConnection kill;
    QVERIFY(kill.connectTo(sock));
    QVERIFY(kill.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 9}}).value(QStringLiteral("ok")).toBool());
    QCOMPARE(readExit(bundle).value(QStringLiteral("exitCode")).toInt(), 137);
}

void TestShim::terminalModeAndResize()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("stty size; tty; read line; stty size; echo got:$line")});
    spec = withProcess(spec, "terminal", true);
    spec = withProcess(spec, "openStdin", true);
    spec = withProcess(spec, "consoleSize", QJsonArray{24, 80});
    const QString bundle = newBundle(spec);
    QVERIFY(!create(bundle).contains(QStringLiteral("error")));
    ShimConnection attach;
    QVERIFY(attach.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(attach.request({{QStringLiteral("op"), QStringLiteral("attach")}, {QStringLiteral("stdin"), true},
                            {QStringLiteral("stdout"), true}, {QStringLiteral("stderr"), true}})
                .value(QStringLiteral("ok")).toBool());
    ShimConnection start;
    QVERIFY(start.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(start.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool());
    QVERIFY(attach.waitFor("/dev/pts/0"));
    ShimConnection resize;
    QVERIFY(resize.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(resize.request({{QStringLiteral("op"), QStringLiteral("resize")}, {QStringLiteral("height"), 33},
                            {QStringLiteral("width"), 101}})
                .value(QStringLiteral("ok")).toBool());
    attach.send("hello\r");
    const QByteArray all = attach.readAll();
    // Raw terminal bytes: no multiplexing headers, CRLF line ends.
    QVERIFY2(all.contains("24 80\r\n"), all.constData());
    QVERIFY2(all.contains("33 101\r\n"), all.constData());
    QVERIFY2(all.contains("got:hello"), all.constData());
    QCOMPARE(readExit(bundle).value(QStringLiteral("exitCode")).toInt(), 0);
}

void TestShim::logFileAndRotation()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); done; echo last >&2")});
    spec.insert(QStringLiteral("log"), QJsonObject{{QStringLiteral("path"), QStringLiteral("container.log")},
                                                   {QStringLiteral("maxSize"), 1500}, {QStringLiteral("maxFiles"), 3}});
    const Run run = runToEnd(spec);
    QCOMPARE(run.exitCode, 0);
    const QString bundle = m_bundles.last();
    QVERIFY(QFile::exists(bundle + QStringLiteral("/container.log")));
    QVERIFY(QFile::exists(bundle + QStringLiteral("/container.log.1")));
    QVERIFY(QFile::exists(bundle + QStringLiteral("/container.log.2")));
    QVERIFY(!QFile::exists(bundle + QStringLiteral("/container.log.3")));
    QStringList lines;
    for (const QString &name : {QStringLiteral("container.log.2"), QStringLiteral("container.log.1"), QStringLiteral("container.log")}) {
        QFile f(bundle + QLatin1Char('/') + name);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.size() <= 1500);
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject entry = QJsonDocument::fromJson(line).object();
            QVERIFY2(!entry.isEmpty(), line.constData());
            QVERIFY(entry.value(QStringLiteral("time")).toString().endsWith(QLatin1Char('Z')));
            lines << entry.value(QStringLiteral("stream")).toString() + QLatin1Char(':') + entry.value(QStringLiteral("log")).toString();
        }
    }
    // The newest entries survive rotation, in order.
    QCOMPARE(lines.last(), QStringLiteral("stderr:last\n"));
    QCOMPARE(lines.at(lines.size() - 2), QStringLiteral("stdout:line-99\n"));
    QVERIFY(!lines.contains(QStringLiteral("stdout:line-0\n")));
}

void TestShim::longLinesAreSplit()
{
    const Run run = runToEnd(baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                       QStringLiteral("head -c 20000 /dev/zero | tr '\\0' x; echo")}));
    QCOMPARE(run.exitCode, 0);
    QFile f(m_bundles.last() + QStringLiteral("/container.log"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QString first = QJsonDocument::fromJson(lines[0]).object().value(QStringLiteral("log")).toString();
    const QString second = QJsonDocument::fromJson(lines[1]).object().value(QStringLiteral("log")).toString();
    QCOMPARE(first.size(), 16384);
    QVERIFY(!first.contains(QLatin1Char('\n')));
    QCOMPARE(second.size(), 20000 - 16384 + 1);
    QVERIFY(second.endsWith(QLatin1Char('\n')));
}

void TestShim::pid1AndHostname()
{
    const Run run = runToEnd(baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                       QStringLiteral("echo $$; hostname; cat /etc/hostname; ls /proc | grep -c '^[0-9]'; echo $HOME; pwd")}));
    QCOMPARE(run.exitCode, 0);
    const QList<QByteArray> lines = run.out.split('\n');
    QCOMPARE(lines.value(0), QByteArray("1"));
    QCOMPARE(lines.value(1), QByteArray("shimtest"));
    QCOMPARE(lines.value(2), QByteArray("shimtest"));
    // Only the shell and its ls/grep pipeline: host processes are invisible.
    QVERIFY2(lines.value(3).toInt() <= 3, lines.value(3).constData());
    QCOMPARE(lines.value(4), QByteArray("/root"));
    QCOMPARE(lines.value(5), QByteArray("/"));
}

void TestShim::isolationAsRoot()
{
    const QString script = QStringLiteral(
        "grep -E '^(CapEff|CapInh|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\\t'; "
        "mount -t tmpfs t /mnt 2>/dev/null && echo mount-ok || echo mount-refused; "
        "unshare -m true 2>/dev/null && echo unshare-ok || echo unshare-refused; "
        "(echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo sysctl-ok || echo sysctl-refused; "
        "for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $f ] && echo $f-$(wc -c < $f); done; "
        "(echo 1 > /sys/kernel/profiling) 2>/dev/null && echo sys-ok || echo sys-refused; "
        "ls /dev | tr '\\n' ' '");
    const Run run = runToEnd(baseSpec({QStringLiteral("sh"), QStringLiteral("-c"), script}));
    QCOMPARE(run.exitCode, 0);
    const QByteArray out = run.out;
    QVERIFY2(out.contains("CapEff:00000000a80425fb\n"), out.constData());
    QVERIFY2(out.contains("CapInh:0000000000000000\n"), out.constData());
    QVERIFY2(out.contains("CapAmb:0000000000000000\n"), out.constData());
    QVERIFY2(out.contains("NoNewPrivs:1\n"), out.constData());
    QVERIFY2(out.contains("Seccomp:2\n"), out.constData());
    QVERIFY2(out.contains("mount-refused"), out.constData());
    QVERIFY2(out.contains("unshare-refused"), out.constData());
    QVERIFY2(out.contains("sysctl-refused"), out.constData());
    // Masked: empty where the host has them.
    for (const char *masked : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
        if (QFileInfo::exists(QLatin1String(masked)))
            QVERIFY2(out.contains(QByteArray(QByteArray(masked) + "-0\n")), out.constData());
    }
    QVERIFY2(out.contains("sys-refused"), out.constData());
    for (const char *node : {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "ptmx", "fd"})
        QVERIFY2(out.contains(QByteArray(QByteArray(node) + ' ')), out.constData());
}

void TestShim::isolationAsNonRoot()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("id; grep -E '^(CapEff|CapPrm):' /proc/self/status | tr -d '\\t'")});
    spec = withProcess(spec, "user", QStringLiteral("nobody"));
    const Run run = runToEnd(spec);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains("uid=65534(nobody)"), run.out.constData());
    QVERIFY2(run.out.contains("CapEff:0000000000000000"), run.out.constData());
    QVERIFY2(run.out.contains("CapPrm:0000000000000000"), run.out.constData());
}

void TestShim::unknownUserIsRefused()
{
    QJsonObject spec = withProcess(baseSpec({QStringLiteral("true")}), "user", QStringLiteral("no-such-user"));
    const Run run = runToEnd(spec);
    QCOMPARE(run.exitCode, 125);
    QVERIFY2(run.err.contains("unable to find user no-such-user"), run.err.constData());
    // By uid and uid:gid, even when /etc/passwd has no entry.
    QJsonObject numeric = withProcess(baseSpec({QStringLiteral("id")}), "user", QStringLiteral("1234:5678"));
    const Run byNumber = runToEnd(numeric);
    QCOMPARE(byNumber.exitCode, 0);
    QVERIFY2(byNumber.out.contains("uid=1234 gid=5678"), byNumber.out.constData());
}

void TestShim::memoryAndPidsLimits()
{
    QJsonObject spec = baseSpec({QStringLiteral("sleep"), QStringLiteral("30")});
    QJsonObject cg = spec.value(QStringLiteral("cgroup")).toObject();
    cg.insert(QStringLiteral("memory"), 64 * 1024 * 1024);
    cg.insert(QStringLiteral("pidsLimit"), 42);
    cg.insert(QStringLiteral("cpuQuota"), 50000);
    spec.insert(QStringLiteral("cgroup"), cg);
    const QString id = spec.value(QStringLiteral("id")).toString();
    const QString bundle = newBundle(spec);
    const QJsonObject created = create(bundle);
    QVERIFY2(!created.contains(QStringLiteral("error")), qPrintable(created.value(QStringLiteral("error")).toString()));
    const int pid = created.value(QStringLiteral("pid")).toInt();
    auto readFile = [](const QString &path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray("<missing>");
    };
    const bool unified = QFileInfo::exists(QStringLiteral("/sys/fs/cgroup/cgroup.controllers"));
    if (unified) {
        QCOMPARE(readFile(cgroupDir(QString(), id) + QStringLiteral("/memory.max")), QByteArray("67108864"));
        QCOMPARE(readFile(cgroupDir(QString(), id) + QStringLiteral("/pids.max")), QByteArray("42"));
        QCOMPARE(readFile(cgroupDir(QString(), id) + QStringLiteral("/cpu.max")), QByteArray("50000 100000"));
    } else {
        QCOMPARE(readFile(cgroupDir(QStringLiteral("memory"), id) + QStringLiteral("/memory.limit_in_bytes")), QByteArray("67108864"));
        QCOMPARE(readFile(cgroupDir(QStringLiteral("pids"), id) + QStringLiteral("/pids.max")), QByteArray("42"));
        QCOMPARE(readFile(cgroupDir(QStringLiteral("cpu"), id) + QStringLiteral("/cpu.cfs_quota_us")), QByteArray("50000"));
        QVERIFY(readFile(cgroupDir(QStringLiteral("memory"), id) + QStringLiteral("/cgroup.procs")).split('\n').contains(QByteArray::number(pid)));
        QVERIFY(readFile(cgroupDir(QStringLiteral("devices"), id) + QStringLiteral("/devices.list")).contains("c 1:3 rwm"));
    }
    ShimConnection kill;
    QVERIFY(kill.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(kill.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 9}}).value(QStringLiteral("ok")).toBool());
    QCOMPARE(readExit(bundle).value(QStringLiteral("exitCode")).toInt(), 137);
}

void TestShim::oomKillIsRecorded()
{
    // The shell's variable grows past the limit: the kernel OOM-kills it
    // inside the container's own cgroup.
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived")});
    QJsonObject cg = spec.value(QStringLiteral("cgroup")).toObject();
    cg.insert(QStringLiteral("memory"), 16 * 1024 * 1024);
    cg.insert(QStringLiteral("memorySwap"), 16 * 1024 * 1024);
    spec.insert(QStringLiteral("cgroup"), cg);
    const Run run = runToEnd(spec);
    QVERIFY2(!run.out.contains("survived"), run.out.constData());
    QVERIFY(run.exitCode != 0);
    QCOMPARE(run.exitFile.value(QStringLiteral("oomKilled")).toBool(), true);
}

void TestShim::pidsLimitStopsForks()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); echo $i; done")});
    QJsonObject cg = spec.value(QStringLiteral("cgroup")).toObject();
    cg.insert(QStringLiteral("pidsLimit"), 8);
    spec.insert(QStringLiteral("cgroup"), cg);
    const Run run = runToEnd(spec);
    // The shell and 7 sleeps fit; the 8th fork fails and busybox sh gives up.
    QCOMPARE(run.out.trimmed().split('\n').last(), QByteArray("7"));
    QVERIFY2(run.err.contains("fork"), run.err.constData());
    QVERIFY(run.exitCode != 0);
}

void TestShim::execJoinsRunningContainer()
{
    const QString bundle = newBundle(baseSpec({QStringLiteral("sleep"), QStringLiteral("30")}));
    const QJsonObject created = create(bundle);
    QVERIFY(!created.contains(QStringLiteral("error")));
    ShimConnection start;
    QVERIFY(start.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(start.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool());

    const QJsonObject execSpec{{QStringLiteral("id"), QStringLiteral("e1e1e1")},
                               {QStringLiteral("process"), QJsonObject{
                                   {QStringLiteral("args"), QJsonArray{QStringLiteral("sh"), QStringLiteral("-c"),
                                                                      QStringLiteral("echo pid=$$; cat /proc/1/cmdline | tr '\\0' ' '; echo; hostname; id -u; exit 5")}},
                                   {QStringLiteral("env"), QJsonArray{QStringLiteral("PATH=/bin")}},
                                   {QStringLiteral("user"), QStringLiteral("0")},
                                   {QStringLiteral("capabilities"), QJsonArray::fromStringList(kDefaultCaps)}}}};
    QFile f(bundle + QStringLiteral("/exec/e1e1e1.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(execSpec).toJson(QJsonDocument::Compact));
    f.close();
    QProcess p;
    p.start(m_shim, {QStringLiteral("exec"), QStringLiteral("--bundle"), bundle, QStringLiteral("--exec-id"), QStringLiteral("e1e1e1"),
                     QStringLiteral("--pid"), QString::number(created.value(QStringLiteral("pid")).toInt())});
    QVERIFY(p.waitForFinished(15000));
    const QByteArray reply = p.readAllStandardOutput();
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(!reply.contains("error"), reply.constData());
    ShimConnection attach;
    QVERIFY(attach.connectTo(bundle + QStringLiteral("/exec/e1e1e1.sock")));
    QVERIFY(attach.request({{QStringLiteral("op"), QStringLiteral("attach")}, {QStringLiteral("stdout"), true}, {QStringLiteral("stderr"), true}})
                .value(QStringLiteral("ok")).toBool());
    ShimConnection execStart;
    QVERIFY(execStart.connectTo(bundle + QStringLiteral("/exec/e1e1e1.sock")));
    QVERIFY(execStart.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool());
    const Demuxed out = demux(attach.readAll());
    QVERIFY2(out.out.contains("sleep 30 \n"), out.out.constData());
    QVERIFY2(out.out.contains("shimtest\n0\n"), out.out.constData());
    QVERIFY2(!out.out.contains("pid=1\n"), out.out.constData());
    QCOMPARE(readExit(bundle, QStringLiteral("exec/e1e1e1.exit.json")).value(QStringLiteral("exitCode")).toInt(), 5);
    // The exec output is not in the container's log.
    QFile log(bundle + QStringLiteral("/container.log"));
    QVERIFY(log.open(QIODevice::ReadOnly));
    QVERIFY(!log.readAll().contains("shimtest"));
    ShimConnection kill;
    QVERIFY(kill.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(kill.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 9}}).value(QStringLiteral("ok")).toBool());
    QCOMPARE(readExit(bundle).value(QStringLiteral("exitCode")).toInt(), 137);
}

void TestShim::execPidMustBeTheContainersInit()
{
    // Security checklist 38: exec joins the namespaces of the process
    // --pid names; any pid but this container's init is refused.
    auto startContainer = [&](const QStringList &args, QString &bundle) -> int {
        bundle = newBundle(baseSpec(args));
        const QJsonObject created = create(bundle);
        if (created.contains(QStringLiteral("error")))
            return -1;
        ShimConnection start;
        if (!start.connectTo(bundle + QStringLiteral("/shim.sock"))
            || !start.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool())
            return -1;
        return created.value(QStringLiteral("pid")).toInt();
    };
    QString bundle, other;
    const int init = startContainer({QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("sleep 30 & wait")}, bundle);
    QVERIFY(init > 0);
    const int otherInit = startContainer({QStringLiteral("sleep"), QStringLiteral("30")}, other);
    QVERIFY(otherInit > 0);

    // The init's child (in the container's pid namespace and cgroup, but not pid 1).
    int child = 0;
    for (int i = 0; i < 200 && child <= 0; ++i) {
        QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(init));
        if (children.open(QIODevice::ReadOnly))
            child = children.readAll().trimmed().split(' ').first().toInt();
        if (child <= 0)
            QTest::qWait(10);
    }
    QVERIFY(child > 0);

    const QJsonObject execSpec{{QStringLiteral("id"), QStringLiteral("e2e2e2")},
                               {QStringLiteral("process"), QJsonObject{
                                   {QStringLiteral("args"), QJsonArray{QStringLiteral("true")}},
                                   {QStringLiteral("env"), QJsonArray{QStringLiteral("PATH=/bin")}},
                                   {QStringLiteral("capabilities"), QJsonArray::fromStringList(kDefaultCaps)}}}};
    QFile f(bundle + QStringLiteral("/exec/e2e2e2.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(execSpec).toJson(QJsonDocument::Compact));
    f.close();

    const struct { int pid; const char *what; } cases[] = {
        {child, "is not the container's init"},
        {otherInit, "is not the container's init"},
        {static_cast<int>(getpid()), "is not the container's init"},
        {1, "is not the container's init"},
    };
    for (const auto &c : cases) {
        QProcess p;
        p.start(m_shim, {QStringLiteral("exec"), QStringLiteral("--bundle"), bundle, QStringLiteral("--exec-id"), QStringLiteral("e2e2e2"),
                         QStringLiteral("--pid"), QString::number(c.pid)});
        QVERIFY(p.waitForFinished(15000));
        const QByteArray reply = p.readAllStandardOutput();
        QCOMPARE(p.exitCode(), 1);
        const QJsonObject error = QJsonDocument::fromJson(reply.trimmed()).object();
        QVERIFY2(error.value(QStringLiteral("error")).toString().contains(QLatin1String(c.what)), reply.constData());
        QCOMPARE(error.value(QStringLiteral("exitCode")).toInt(), 125);
        QVERIFY(!QFile::exists(bundle + QStringLiteral("/exec/e2e2e2.sock")));
    }

    for (const QString &b : {bundle, other}) {
        ShimConnection kill;
        QVERIFY(kill.connectTo(b + QStringLiteral("/shim.sock")));
        QVERIFY(kill.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 9}}).value(QStringLiteral("ok")).toBool());
        QCOMPARE(readExit(b).value(QStringLiteral("exitCode")).toInt(), 137);
    }
}

void TestShim::corruptSeccompCacheIsRebuilt()
{
    // The compiled default profile is cached in /run/berth-shim under a name
    // keyed by capability mask, libseccomp and this shim binary.
    const QStringList args{QStringLiteral("sh"), QStringLiteral("-c"),
                           QStringLiteral("grep -E '^Seccomp:' /proc/self/status | tr -d '\\t'; unshare -U true")};
    const Run first = runToEnd(baseSpec(args));
    QCOMPARE(first.exitCode, 1);
    QVERIFY2(first.out.contains("Seccomp:2\n"), first.out.constData());
    QVERIFY2(first.err.contains("Operation not permitted"), first.err.constData());

    struct stat self;
    QCOMPARE(::stat(QFile::encodeName(m_shim).constData(), &self), 0);
    const QString suffix = QStringLiteral("-%1-%2-%3.%4.bpf")
                               .arg(static_cast<qulonglong>(self.st_dev), 0, 16)
                               .arg(static_cast<qulonglong>(self.st_ino), 0, 16)
                               .arg(static_cast<qlonglong>(self.st_mtim.tv_sec))
                               .arg(static_cast<qlonglong>(self.st_mtim.tv_nsec), 9, 10, QLatin1Char('0'));
    const QDir dir(QStringLiteral("/run/berth-shim"));
    const QStringList files = dir.entryList({QStringLiteral("seccomp-*") + suffix}, QDir::Files);
    QCOMPARE(files.size(), 1);
    const QString path = dir.filePath(files.first());
    QFile cache(path);
    QVERIFY(cache.open(QIODevice::ReadOnly));
    const QByteArray good = cache.readAll();
    cache.close();
    QVERIFY(good.size() > 32 && (good.size() - 32) % 8 == 0);

    // Each bad file is refused: the profile still applies (unshare fails)
    // and the file is rebuilt to the good bytes.
    QByteArray flipped = good;
    flipped[good.size() - 12] = static_cast<char>(flipped[good.size() - 12] ^ 0x01);
    QByteArray truncated = good.left(good.size() - 8);
    const QByteArray allowAll("\x06\x00\x00\x00\x00\x00\xff\x7f", 8); // BPF_RET | BPF_K, SECCOMP_RET_ALLOW
    QByteArray headerOnlyAllowAll = good.left(32) + allowAll;
    const QList<QPair<const char *, QByteArray>> bad = {
        {"bit flip", flipped}, {"truncated", truncated}, {"bare allow-all program", allowAll}, {"allow-all behind a header", headerOnlyAllowAll}};
    for (const auto &[what, bytes] : bad) {
        QVERIFY(cache.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(cache.write(bytes), bytes.size());
        cache.close();
        const Run run = runToEnd(baseSpec(args));
        QVERIFY2(run.exitCode == 1, what);
        QVERIFY2(run.out.contains("Seccomp:2\n"), what);
        QVERIFY2(run.err.contains("Operation not permitted"), QByteArray(QByteArray(what) + ": " + run.err).constData());
        QVERIFY(cache.open(QIODevice::ReadOnly));
        QVERIFY2(cache.readAll() == good, what);
        cache.close();
    }
}

// Every rebuilt shim keys its own cache files; a compile removes the files
// nobody loaded for a day, and leaves recent ones (another shim in use).
void TestShim::unusedSeccompCachesArePruned()
{
    const QDir dir(QStringLiteral("/run/berth-shim"));
    const QString tag = QString::number(::getpid());
    const QString stale = dir.filePath(QStringLiteral("seccomp-0-test-stale-%1.bpf").arg(tag));
    const QString recent = dir.filePath(QStringLiteral("seccomp-0-test-recent-%1.bpf").arg(tag));
    const QString unrelated = dir.filePath(QStringLiteral("other-test-%1").arg(tag));
    auto cleanupFiles = qScopeGuard([&] {
        for (const QString &f : {stale, recent, unrelated})
            QFile::remove(f);
    });
    QVERIFY(QDir().mkpath(dir.path()));
    for (const QString &f : {stale, recent, unrelated}) {
        QFile file(f);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("x");
    }
    const auto setAge = [](const QString &f, qint64 seconds) {
        const struct timespec then = {::time(nullptr) - seconds, 0};
        const struct timespec times[2] = {then, then};
        return ::utimensat(AT_FDCWD, QFile::encodeName(f).constData(), times, 0) == 0;
    };
    QVERIFY(setAge(stale, 2 * 24 * 3600));
    QVERIFY(setAge(recent, 3600));
    QVERIFY(setAge(unrelated, 2 * 24 * 3600));

    // This shim's own files go, so that the run compiles (and prunes).
    struct stat self;
    QCOMPARE(::stat(QFile::encodeName(m_shim).constData(), &self), 0);
    const QString suffix = QStringLiteral("-%1-%2-%3.%4.bpf")
                               .arg(static_cast<qulonglong>(self.st_dev), 0, 16)
                               .arg(static_cast<qulonglong>(self.st_ino), 0, 16)
                               .arg(static_cast<qlonglong>(self.st_mtim.tv_sec))
                               .arg(static_cast<qlonglong>(self.st_mtim.tv_nsec), 9, 10, QLatin1Char('0'));
    for (const QString &f : dir.entryList({QStringLiteral("seccomp-*") + suffix}, QDir::Files))
        QVERIFY(QFile::remove(dir.filePath(f)));

    const Run run = runToEnd(baseSpec({QStringLiteral("true")}));
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(dir.entryList({QStringLiteral("seccomp-*") + suffix}, QDir::Files).size(), 1);
    QVERIFY2(!QFileInfo::exists(stale), "a cache file unused for two days is left");
    QVERIFY2(QFileInfo::exists(recent), "a cache file used an hour ago was removed");
    QVERIFY2(QFileInfo::exists(unrelated), "a file that is no seccomp cache was removed");
}

// Security checklist 4F item 29: what the default profile refuses, seen
// from inside a container by a static probe built here.
static const char kSeccompProbe[] = R"C(
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void report(const char *name, long rc)
{
    printf("%s=%s\n", name, rc < 0 ? strerrorname_np(errno) : "ok");
}
int main(void)
{
    char buf[256] = {0};
    report("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
    report("unshare_user", unshare(CLONE_NEWUSER));
    int ns = open("/proc/self/ns/uts", O_RDONLY);
    report("setns", setns(ns, 0));
    report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, buf));
    report("bpf", syscall(SYS_bpf, 0, buf, 48));
    report("perf_event_open", syscall(SYS_perf_event_open, buf, 0, -1, -1, 0));
    report("socket_vsock", socket(40, SOCK_STREAM, 0));
    report("socket_alg", socket(38, SOCK_SEQPACKET, 0));
    report("socket_decnet", socket(12, SOCK_STREAM, 0));
    report("socket_inet", socket(AF_INET, SOCK_STREAM, 0));
    report("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
    report("personality_rie", personality(READ_IMPLIES_EXEC));
    report("personality_query", personality(0xffffffff));
    report("clone3", syscall(SYS_clone3, buf, 0));
    long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    report("clone_newns", pid);
    pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    report("clone_plain", pid);
    report("pivot_root", syscall(SYS_pivot_root, "/", "/"));
    report("userfaultfd", syscall(SYS_userfaultfd, 0));
    return 0;
}
)C";

void TestShim::seccompProbe()
{
    const QString dir = m_temp.filePath(QStringLiteral("probe"));
    QVERIFY(QDir().mkpath(dir));
    QFile source(dir + QStringLiteral("/probe.c"));
    QVERIFY(source.open(QIODevice::WriteOnly));
    source.write(kSeccompProbe);
    source.close();
    QProcess cc;
    cc.start(QStringLiteral("cc"), {QStringLiteral("-static"), QStringLiteral("-O1"), QStringLiteral("-o"),
                                    m_layers + QStringLiteral("/extra/seccomp-probe"), source.fileName()});
    QVERIFY(cc.waitForFinished(120000));
    QVERIFY2(cc.exitCode() == 0, cc.readAllStandardError().constData());

    const Run run = runToEnd(baseSpec({QStringLiteral("/seccomp-probe")}));
    QCOMPARE(run.exitCode, 0);
    const QByteArray expected =
        "mount=EPERM\nunshare_user=EPERM\nsetns=EPERM\nkeyctl=EPERM\nio_uring_setup=EPERM\nbpf=EPERM\n"
        "perf_event_open=EPERM\nsocket_vsock=EPERM\nsocket_alg=EPERM\nsocket_decnet=EPERM\nsocket_inet=ok\n"
        "socket_unix=ok\npersonality_rie=EPERM\npersonality_query=ok\nclone3=ENOSYS\nclone_newns=EPERM\n"
        "clone_plain=ok\npivot_root=EPERM\nuserfaultfd=EPERM\n";
    QCOMPARE(run.out, expected);

    // Unconfined, the same probe gets past the filter (the kernel's own
    // checks answer): the expectations above are the profile's doing.
    QJsonObject unconfined = withProcess(baseSpec({QStringLiteral("/seccomp-probe")}), "seccomp", QStringLiteral("unconfined"));
    const Run open = runToEnd(unconfined);
    QCOMPARE(open.exitCode, 0);
    QVERIFY2(!open.out.contains("keyctl=EPERM\n"), open.out.constData());
    QVERIFY2(open.out.contains("clone3=EINVAL\n"), open.out.constData());
    QVERIFY2(!open.out.contains("socket_decnet=EPERM\n"), open.out.constData());
}

void TestShim::initReapsAndForwards()
{
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("echo pid=$$; tr '\\0' ' ' < /proc/1/cmdline; echo; (sleep 0 &); sleep 0.2; "
                                                "echo zombies=$(grep -l zombie /proc/[0-9]*/status 2>/dev/null | wc -l); exit 7")});
    spec.insert(QStringLiteral("init"), true);
    const Run run = runToEnd(spec);
    QCOMPARE(run.exitCode, 7);
    QVERIFY2(!run.out.contains("pid=1\n"), run.out.constData());
    QVERIFY2(run.out.contains("berth-init -e"), run.out.constData());
    // The orphaned subshell was reaped by berth-init.
    QVERIFY2(run.out.contains("zombies=0\n"), run.out.constData());

    // berth-init forwards SIGTERM to the command (a bare shell as PID 1
    // would never see it) and exits with the command's status.
    QJsonObject term = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("trap 'echo term; exit 9' TERM; echo ready; while :; do sleep 0.1; done")});
    term.insert(QStringLiteral("init"), true);
    const QString bundle = newBundle(term);
    QVERIFY(!create(bundle).contains(QStringLiteral("error")));
    ShimConnection attach;
    QVERIFY(attach.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(attach.request({{QStringLiteral("op"), QStringLiteral("attach")}, {QStringLiteral("stdout"), true}}).value(QStringLiteral("ok")).toBool());
    ShimConnection start;
    QVERIFY(start.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(start.request({{QStringLiteral("op"), QStringLiteral("start")}}).value(QStringLiteral("ok")).toBool());
    QVERIFY(attach.waitFor("ready"));
    ShimConnection kill;
    QVERIFY(kill.connectTo(bundle + QStringLiteral("/shim.sock")));
    QVERIFY(kill.request({{QStringLiteral("op"), QStringLiteral("kill")}, {QStringLiteral("signal"), 15}}).value(QStringLiteral("ok")).toBool());
    QVERIFY(demux(attach.readAll()).out.contains("term\n"));
    QCOMPARE(readExit(bundle).value(QStringLiteral("exitCode")).toInt(), 9);
}

void TestShim::workdirThroughProcFdIsRefused()
{
    const Run run = runToEnd(withProcess(baseSpec({QStringLiteral("true")}), "cwd", QStringLiteral("/proc/self/fd/3")));
    QCOMPARE(run.exitCode, 125);
    QVERIFY2(run.err.contains("working directory"), run.err.constData());
    // A missing working directory is created, as docker does.
    const Run created = runToEnd(withProcess(baseSpec({QStringLiteral("pwd")}), "cwd", QStringLiteral("/new/work/dir")));
    QCOMPARE(created.exitCode, 0);
    QCOMPARE(created.out, QByteArray("/new/work/dir\n"));
}

void TestShim::rootfsCommandShowsFiles()
{
    const QString bundle = newBundle(baseSpec({QStringLiteral("true")}));
    QProcess p;
    p.start(m_shim, {QStringLiteral("rootfs"), QStringLiteral("--bundle"), bundle});
    QVERIFY(p.waitForReadyRead(15000));
    const QJsonObject reply = QJsonDocument::fromJson(p.readLine().trimmed()).object();
    const int pid = reply.value(QStringLiteral("pid")).toInt();
    QVERIFY2(pid > 0, QJsonDocument(reply).toJson().constData());
    const QString root = QStringLiteral("/proc/%1/root").arg(pid);
    QVERIFY(QFileInfo(root + QStringLiteral("/bin/busybox")).isFile());
    QVERIFY(QFileInfo(root + QStringLiteral("/plain")).isFile());
    QFile hostname(root + QStringLiteral("/etc/hostname"));
    QVERIFY(hostname.open(QIODevice::ReadOnly));
    QCOMPARE(hostname.readAll(), QByteArray("shimtest\n"));
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(!processAlive(pid));
}

void TestShim::upperDirGetsTheWrites()
{
    const Run run = runToEnd(baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                       QStringLiteral("echo data > /written; rm /plain; echo x >> /etc/passwd")}));
    QCOMPARE(run.exitCode, 0);
    const QString bundle = m_bundles.last();
    QFile written(bundle + QStringLiteral("/upper/written"));
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(written.readAll(), QByteArray("data\n"));
    QVERIFY(QFile::exists(m_layers + QStringLiteral("/extra/plain")));
    QVERIFY(!QFile::exists(m_layers + QStringLiteral("/base/written")));
    QFile passwd(m_layers + QStringLiteral("/base/etc/passwd"));
    QVERIFY(passwd.open(QIODevice::ReadOnly));
    QVERIFY(!passwd.readAll().endsWith("x\n"));
}

void TestShim::badSpecIsRefused()
{
    QJsonObject spec = baseSpec({QStringLiteral("true")});
    QJsonObject rootfs = spec.value(QStringLiteral("rootfs")).toObject();
    rootfs.insert(QStringLiteral("lower"), QJsonArray{QStringLiteral("../../etc")});
    spec.insert(QStringLiteral("rootfs"), rootfs);
    const QString bundle = newBundle(spec);
    const QJsonObject reply = create(bundle);
    QVERIFY(reply.value(QStringLiteral("error")).toString().contains(QStringLiteral("rootfs.lower")));
    QCOMPARE(reply.value(QStringLiteral("exitCode")).toInt(), 125);
    QVERIFY(!QFile::exists(bundle + QStringLiteral("/shim.sock")));
}

void TestShim::takenPortFailsCleanly()
{
    // Something already listens on the host port: create fails at once with
    // docker's message, and no container process, veth, socket or cgroup of
    // that container stays (cleanup() checks mounts and cgroups).
    const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(holder >= 0);
    auto closeHolder = qScopeGuard([holder] { ::close(holder); });
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::bind(holder, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    QCOMPARE(::listen(holder, 1), 0);
    socklen_t len = sizeof addr;
    QCOMPARE(::getsockname(holder, reinterpret_cast<sockaddr *>(&addr), &len), 0);
    const int port = ntohs(addr.sin_port);

    const QString bridge = QStringLiteral("bst%1").arg(::getpid() % 100000);
    auto dropBridge = qScopeGuard([&bridge] {
        QProcess::execute(QStringLiteral("ip"), {QStringLiteral("link"), QStringLiteral("del"), bridge});
    });
    QJsonObject spec = baseSpec({QStringLiteral("sleep"), QStringLiteral("30")});
    const QString id = spec.value(QStringLiteral("id")).toString();
    spec.insert(QStringLiteral("network"),
                QJsonObject{{QStringLiteral("mode"), QStringLiteral("bridge")},
                            {QStringLiteral("bridge"), bridge},
                            {QStringLiteral("gateway"), QStringLiteral("10.213.7.1")},
                            {QStringLiteral("prefixLength"), 24},
                            {QStringLiteral("address"), QStringLiteral("10.213.7.2")},
                            {QStringLiteral("mac"), QStringLiteral("02:42:0a:d5:07:02")},
                            {QStringLiteral("mtu"), 1500},
                            {QStringLiteral("ports"), QJsonArray{QJsonObject{{QStringLiteral("protocol"), QStringLiteral("tcp")},
                                                                           {QStringLiteral("hostIp"), QStringLiteral("127.0.0.1")},
                                                                           {QStringLiteral("hostPort"), port},
                                                                           {QStringLiteral("containerPort"), 80}}}}});
    const QString bundle = newBundle(spec);
    const QJsonObject reply = create(bundle);
    const QString error = reply.value(QStringLiteral("error")).toString();
    QVERIFY2(error.contains(QStringLiteral("127.0.0.1:%1").arg(port)) && error.contains(QStringLiteral("already allocated")),
             qPrintable(error));
    QCOMPARE(reply.value(QStringLiteral("exitCode")).toInt(), 125);
    QVERIFY(!QFile::exists(bundle + QStringLiteral("/shim.sock")));
    const QString veth = QStringLiteral("/sys/class/net/vb") + id.left(10);
    QVERIFY2(!QFileInfo::exists(veth), qPrintable(veth + QStringLiteral(" was left behind")));
    waitShimGone(bundle);
}

void TestShim::noFdLeaksIntoTheContainer()
{
    // Only stdio (and ls's own directory fd) is open in the container.
    const Run run = runToEnd(baseSpec({QStringLiteral("ls"), QStringLiteral("/proc/self/fd")}));
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, QByteArray("0\n1\n2\n3\n"));
}

void TestShim::imageSymlinkForProcIsRefused()
{
    // A layer whose /proc is a symlink to /etc: mounting procfs there would
    // land on another directory (runc refuses it the same way).
    const QString evil = m_layers + QStringLiteral("/evil");
    QVERIFY(QDir().mkpath(evil));
    QVERIFY(QFile::link(QStringLiteral("/etc"), evil + QStringLiteral("/proc")));
    QJsonObject spec = baseSpec({QStringLiteral("true")});
    QJsonObject rootfs = spec.value(QStringLiteral("rootfs")).toObject();
    rootfs.insert(QStringLiteral("lower"), QJsonArray{QStringLiteral("evil"), QStringLiteral("base")});
    spec.insert(QStringLiteral("rootfs"), rootfs);
    const Run run = runToEnd(spec);
    QCOMPARE(run.exitCode, 125);
    QVERIFY2(run.err.contains("/proc"), run.err.constData());
    QVERIFY2(run.err.contains("ELOOP"), run.err.constData());
    QVERIFY(!QFile::exists(m_bundles.last() + QStringLiteral("/shim.sock")));
}

void TestShim::readonlyRootAndVolumes()
{
    const QString volume = m_temp.filePath(QStringLiteral("volume"));
    const QString roVolume = m_temp.filePath(QStringLiteral("ro-volume"));
    QVERIFY(QDir().mkpath(volume));
    QVERIFY(QDir().mkpath(roVolume));
    QJsonObject spec = baseSpec({QStringLiteral("sh"), QStringLiteral("-c"),
                                 QStringLiteral("(echo x > /root/file) 2>/dev/null && echo root-rw || echo root-ro; "
                                                "echo data > /data/file && echo volume-rw; "
                                                "(echo x > /ro/file) 2>/dev/null && echo ro-rw || echo ro-ro; "
                                                "echo tmp > /dev/shm/file && echo shm-rw")});
    QJsonObject rootfs = spec.value(QStringLiteral("rootfs")).toObject();
    rootfs.insert(QStringLiteral("readonly"), true);
    spec.insert(QStringLiteral("rootfs"), rootfs);
    spec.insert(QStringLiteral("mounts"), QJsonArray{
        QJsonObject{{QStringLiteral("source"), volume}, {QStringLiteral("destination"), QStringLiteral("/data")}},
        QJsonObject{{QStringLiteral("source"), roVolume}, {QStringLiteral("destination"), QStringLiteral("/ro")}, {QStringLiteral("readonly"), true}}});
    const Run run = runToEnd(spec);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, QByteArray("root-ro\nvolume-rw\nro-ro\nshm-rw\n"));
    QFile written(volume + QStringLiteral("/file"));
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(written.readAll(), QByteArray("data\n"));
    QVERIFY(!QFile::exists(roVolume + QStringLiteral("/file")));
}

QTEST_GUILESS_MAIN(TestShim)
#include "tst_shim.moc"
