// Integration: images saved by berthd load and run in real peers (a private
// dockerd with its own containerd, podman with a private store), images
// saved by those peers load into berthd with the same config and layer
// diff-ids, and skopeo and umoci read Berth's OCI layout. Needs root
// (style.md C24) and the peers from Debian's packages (docker.io, podman,
// skopeo, umoci; installer/install-deps.sh); nothing is installed here.
// Every process started is stopped by its PID in cleanup, even on failure,
// mounts left under the private directory are detached, and containers run
// with --network none only.

#include <support/cgrouptrees.h>
#include <support/commandrunner.h>
#include <support/daemonprocess.h>
#include <support/privatedockerd.h>
#include <support/privatehelper.h>
#include <support/treelisting.h>

#include <QtTest>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <memory>
#include <vector>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::DaemonProcess;
using Berth::TestSupport::PrivateDockerd;
using Berth::TestSupport::PrivateHelper;
using Berth::TestSupport::treeListing;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kSourceDir = QStringLiteral(BERTH_SOURCE_DIR);
constexpr int kCommandTimeoutMs = 120 * 1000;


} // namespace

class tst_ImageInterop : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    CommandRunner m_runner; // the isolated environment, 120 s per command
    // Declared after m_tmp; stopped by PID in cleanup, in reverse start order.
    std::vector<std::unique_ptr<DaemonProcess>> m_started;
    // podman makes "libpod_parent" below every cgroup root and never removes
    // it: the ones this test made go at the end (PrivateDockerd does the same
    // for dockerd's "docker").
    std::unique_ptr<Berth::TestSupport::CgroupTrees> m_peerCgroups;
    QString m_docker;
    QString m_berthSocket;
    QString m_berthRoot;
    std::unique_ptr<PrivateDockerd> m_dockerd; // its own containerd, no bridge, under the temp dir
    QString m_dockerError; // why the private dockerd is not there
    QString m_podmanRoot;

    QString path(const QString &name) const { return m_tmp->filePath(name); }

    template<typename Daemon>
    Daemon *track(std::unique_ptr<Daemon> daemon, const QString &log)
    {
        daemon->setEnvironment(m_runner.environment());
        daemon->setLogFile(log);
        Daemon *raw = daemon.get();
        m_started.push_back(std::move(daemon));
        return raw;
    }

    CommandResult run(const QString &program, const QStringList &args) { return m_runner.run(program, args); }
    CommandRunner on(const QString &socket) const
    {
        return m_runner.with(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + socket);
    }
    CommandResult berth(const QStringList &args) { return on(m_berthSocket).run(m_docker, args); }
    CommandResult dockerd(const QStringList &args) { return on(m_dockerd->socket()).run(m_docker, args); }
    QStringList podmanArgs(const QStringList &args) const
    {
        return QStringList{QStringLiteral("--root"), m_podmanRoot + QStringLiteral("/root"),
                           QStringLiteral("--runroot"), m_podmanRoot + QStringLiteral("/run"),
                           QStringLiteral("--tmpdir"), m_podmanRoot + QStringLiteral("/tmp"),
                           QStringLiteral("--network-config-dir"), m_podmanRoot + QStringLiteral("/net"),
                           QStringLiteral("--cgroup-manager"), QStringLiteral("cgroupfs"),
                           QStringLiteral("--events-backend"), QStringLiteral("file")} + args;
    }
    CommandResult podman(const QStringList &args) { return run(QStringLiteral("podman"), podmanArgs(args)); }

#define RUN_OK(result, command)                                                                   \
    do {                                                                                          \
        result = command;                                                                         \
        QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));                            \
    } while (false)

    // What `docker image inspect` says about the config and layers.
    static QString identity(const CommandResult &inspect)
    {
        const QJsonArray a = QJsonDocument::fromJson(inspect.out.toUtf8()).array();
        const QJsonObject o = a.first().toObject();
        return o.value(QStringLiteral("Id")).toString() + u' '
               + QString::fromUtf8(QJsonDocument(o.value(QStringLiteral("RootFS")).toObject().value(QStringLiteral("Layers")).toArray()).toJson(QJsonDocument::Compact));
    }

    // How podman runs a container on these hosts: crun refuses the v1
    // hybrid cgroup layout, so use runc; and podman's default rlimits are
    // above what this sandbox lets a process raise to, so ask for modest ones.
    static QStringList podmanRunOptions()
    {
        return {QStringLiteral("--runtime"), QStringLiteral("runc"),
                QStringLiteral("--ulimit"), QStringLiteral("nofile=1024:1024"),
                QStringLiteral("--ulimit"), QStringLiteral("nproc=1024:1024")};
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd, dockerd and rootful podman are privileged (run the suite as root; CI does)");
        QVERIFY2(QFileInfo(kBerthd).isExecutable(), qPrintable(kBerthd + QStringLiteral(" is not built")));
        m_docker = QStandardPaths::findExecutable(QStringLiteral("docker"));
        for (const char *tool : {"docker", "dockerd", "containerd", "podman", "skopeo", "umoci"})
            QVERIFY2(!QStandardPaths::findExecutable(QLatin1String(tool)).isEmpty(),
                     qPrintable(QStringLiteral("%1 is not installed (installer/install-deps.sh installs the peers)").arg(QLatin1String(tool))));

        m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/berth-io-XXXXXX"));
        QVERIFY(m_tmp->isValid());
        QDir().mkpath(path(QStringLiteral("docker-config")));
        m_runner = CommandRunner(CommandRunner::isolatedEnvironment(path(QStringLiteral("docker-config"))), kCommandTimeoutMs);
        // podman reads the docker config too (for credentials): give it an empty one
        QFile dockerConfig(path(QStringLiteral("docker-config/config.json")));
        QVERIFY(dockerConfig.open(QIODevice::WriteOnly));
        dockerConfig.write("{}\n");
        dockerConfig.close();
        m_podmanRoot = path(QStringLiteral("podman"));
        for (const char *sub : {"root", "run", "tmp", "net"})
            QDir().mkpath(m_podmanRoot + u'/' + QLatin1String(sub));

        m_peerCgroups = std::make_unique<Berth::TestSupport::CgroupTrees>(
            QStringList{QStringLiteral("libpod_parent")});
        m_berthRoot = path(QStringLiteral("berth"));
        m_berthSocket = path(QStringLiteral("berth.sock"));
        PrivateHelper *b = track(std::make_unique<PrivateHelper>(kBerthd, m_berthRoot, m_berthSocket), path(QStringLiteral("berthd.log")));
        QVERIFY2(b->start(15000), "berthd did not answer");

        // the default busybox image, imported through the docker CLI
        const QString rootfs = path(QStringLiteral("busybox-rootfs.tar"));
        CommandResult r = run(QStringLiteral("bash"), {kSourceDir + QStringLiteral("/installer/make-default-image.sh"), rootfs});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        RUN_OK(r, berth({QStringLiteral("import"), QStringLiteral("--change"), QStringLiteral("CMD [\"sh\"]"), rootfs,
                         QStringLiteral("busybox:latest")}));

        m_dockerd = std::make_unique<PrivateDockerd>(path(QStringLiteral("dockerd")), QStringLiteral("berth-interop"));
        m_dockerError = m_dockerd->start(m_runner.environment());
    }

    void cleanupTestCase()
    {
        // podman containers are --rm; its storage may still hold mounts
        if (m_tmp && QFileInfo::exists(m_podmanRoot + QStringLiteral("/root")))
            m_runner.withTimeout(60000).run(QStringLiteral("podman"), podmanArgs({QStringLiteral("system"), QStringLiteral("reset"), QStringLiteral("--force")}));
        // dockerd (before its containerd), then berthd
        if (m_dockerd) {
            const QStringList left = m_dockerd->stop();
            if (!left.isEmpty())
                qWarning("the private dockerd left behind: %s", qPrintable(left.join(u' ')));
        }
        for (auto it = m_started.rbegin(); it != m_started.rend(); ++it)
            (*it)->stop();
        m_started.clear();
        if (!m_tmp)
            return;
        // nothing may stay mounted under the private directory
        QFile mountinfo(QStringLiteral("/proc/self/mountinfo"));
        QStringList mounts;
        if (mountinfo.open(QIODevice::ReadOnly)) {
            for (const QByteArray &line : mountinfo.readAll().split('\n')) {
                const QList<QByteArray> f = line.split(' ');
                if (f.size() > 4 && QString::fromUtf8(f[4]).startsWith(m_tmp->path() + u'/'))
                    mounts.append(QString::fromUtf8(f[4]));
            }
        }
        std::sort(mounts.begin(), mounts.end(), std::greater<>());
        for (const QString &m : std::as_const(mounts))
            ::umount2(QFile::encodeName(m).constData(), MNT_DETACH);
        if (!mounts.isEmpty())
            qWarning("detached %d mount(s) a peer left under %s", int(mounts.size()), qPrintable(m_tmp->path()));
        // last: the peers' cgroups are empty once their containers and mounts are gone
        if (m_peerCgroups) {
            const QStringList left = m_peerCgroups->removeNew();
            QVERIFY2(left.isEmpty(), qPrintable(QStringLiteral("peer cgroups left behind: ") + left.join(u' ')));
        }
    }

    void berthSaveLoadsAndRunsInDockerd()
    {
        if (!m_dockerError.isEmpty())
            QFAIL(qPrintable(QStringLiteral("private dockerd: ") + m_dockerError));
        const QString archive = path(QStringLiteral("berth-save.tar"));
        CommandResult r;
        RUN_OK(r, berth({QStringLiteral("save"), QStringLiteral("-o"), archive, QStringLiteral("busybox:latest")}));
        RUN_OK(r, dockerd({QStringLiteral("load"), QStringLiteral("-i"), archive}));
        QVERIFY2(r.out.contains(QStringLiteral("Loaded image: busybox:latest")), qPrintable(r.out));
        RUN_OK(r, dockerd({QStringLiteral("run"), QStringLiteral("--rm"), QStringLiteral("--network"), QStringLiteral("none"),
                           QStringLiteral("busybox"), QStringLiteral("busybox"), QStringLiteral("echo"), QStringLiteral("ok")}));
        QCOMPARE(r.out.trimmed(), QStringLiteral("ok"));
        CommandResult a, b;
        RUN_OK(a, berth({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("busybox:latest")}));
        RUN_OK(b, dockerd({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("busybox:latest")}));
        QCOMPARE(identity(b), identity(a));
    }

    void berthSaveLoadsAndRunsInPodman()
    {
        const QString archive = path(QStringLiteral("berth-save-podman.tar"));
        CommandResult r;
        RUN_OK(r, berth({QStringLiteral("save"), QStringLiteral("-o"), archive, QStringLiteral("busybox:latest")}));
        RUN_OK(r, podman({QStringLiteral("load"), QStringLiteral("-i"), archive}));
        QVERIFY2(r.out.contains(QStringLiteral("busybox:latest")), qPrintable(r.out));
        RUN_OK(r, podman(QStringList{QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--format"),
                                     QStringLiteral("{{.Id}}"), QStringLiteral("busybox:latest")}));
        CommandResult id;
        RUN_OK(id, berth({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--format"), QStringLiteral("{{.Id}}"),
                          QStringLiteral("busybox:latest")}));
        QCOMPARE(QStringLiteral("sha256:") + r.out.trimmed(), id.out.trimmed());
        r = podman(QStringList{QStringLiteral("run"), QStringLiteral("--rm"), QStringLiteral("--network"), QStringLiteral("none")}
                   + podmanRunOptions() + QStringList{QStringLiteral("busybox:latest"), QStringLiteral("busybox"), QStringLiteral("echo"), QStringLiteral("ok")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.out.trimmed(), QStringLiteral("ok"));
    }

    void dockerdSaveLoadsIntoBerth()
    {
        if (!m_dockerError.isEmpty())
            QFAIL(qPrintable(QStringLiteral("private dockerd: ") + m_dockerError));
        CommandResult r;
        // the busybox image berthd handed to dockerd, re-tagged and saved by dockerd 20.10
        r = dockerd({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("busybox:latest")});
        if (r.exitCode != 0) {
            RUN_OK(r, berth({QStringLiteral("save"), QStringLiteral("-o"), path(QStringLiteral("seed.tar")), QStringLiteral("busybox:latest")}));
            RUN_OK(r, dockerd({QStringLiteral("load"), QStringLiteral("-i"), path(QStringLiteral("seed.tar"))}));
        }
        RUN_OK(r, dockerd({QStringLiteral("tag"), QStringLiteral("busybox:latest"), QStringLiteral("fromdocker:v1")}));
        const QString archive = path(QStringLiteral("docker-save.tar"));
        RUN_OK(r, dockerd({QStringLiteral("save"), QStringLiteral("-o"), archive, QStringLiteral("fromdocker:v1")}));
        RUN_OK(r, berth({QStringLiteral("load"), QStringLiteral("-i"), archive}));
        QVERIFY2(r.out.contains(QStringLiteral("Loaded image: fromdocker:v1")), qPrintable(r.out));
        CommandResult a, b;
        RUN_OK(a, dockerd({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("fromdocker:v1")}));
        RUN_OK(b, berth({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("fromdocker:v1")}));
        QCOMPARE(identity(b), identity(a));
    }

    void podmanSaveLoadsIntoBerth_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("docker-archive") << QStringLiteral("docker-archive");
        QTest::newRow("oci-archive") << QStringLiteral("oci-archive");
    }
    void podmanSaveLoadsIntoBerth()
    {
        QFETCH(QString, format);
        CommandResult r;
        if (podman({QStringLiteral("image"), QStringLiteral("exists"), QStringLiteral("busybox:latest")}).exitCode != 0) {
            RUN_OK(r, berth({QStringLiteral("save"), QStringLiteral("-o"), path(QStringLiteral("seed-podman.tar")), QStringLiteral("busybox:latest")}));
            RUN_OK(r, podman({QStringLiteral("load"), QStringLiteral("-i"), path(QStringLiteral("seed-podman.tar"))}));
        }
        const QString tag = QStringLiteral("frompodman:") + QString(format).remove(u'-');
        RUN_OK(r, podman({QStringLiteral("tag"), QStringLiteral("busybox:latest"), tag}));
        const QString archive = path(QStringLiteral("podman-%1.tar").arg(format));
        RUN_OK(r, podman({QStringLiteral("save"), QStringLiteral("--format"), format, QStringLiteral("-o"), archive, tag}));
        RUN_OK(r, berth({QStringLiteral("load"), QStringLiteral("-i"), archive}));
        QVERIFY2(r.out.contains(QStringLiteral("Loaded image")), qPrintable(r.out));
        CommandResult id, layers, ours;
        RUN_OK(id, podman({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--format"), QStringLiteral("{{.Id}}"), tag}));
        RUN_OK(layers, podman({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--format"),
                               QStringLiteral("{{json .RootFS.Layers}}"), tag}));
        // podman names an image it loaded from its own store localhost/NAME
        const QString ref = QStringLiteral("sha256:") + id.out.trimmed();
        RUN_OK(ours, berth({QStringLiteral("image"), QStringLiteral("inspect"), ref}));
        const QJsonArray theirs = QJsonDocument::fromJson(layers.out.trimmed().toUtf8()).array();
        QCOMPARE(identity(ours), ref + u' ' + QString::fromUtf8(QJsonDocument(theirs).toJson(QJsonDocument::Compact)));
    }

    void skopeoAndUmociReadBerthsOciLayout()
    {
        const QString archive = path(QStringLiteral("berth-oci.tar"));
        CommandResult r;
        RUN_OK(r, berth({QStringLiteral("save"), QStringLiteral("-o"), archive, QStringLiteral("busybox:latest")}));
        CommandResult inspect;
        RUN_OK(inspect, berth({QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("busybox:latest")}));
        const QJsonObject image = QJsonDocument::fromJson(inspect.out.toUtf8()).array().first().toObject();
        const QJsonArray diffIds = image.value(QStringLiteral("RootFS")).toObject().value(QStringLiteral("Layers")).toArray();
        QCOMPARE(diffIds.size(), 1);

        // skopeo, straight from the archive and from the extracted layout
        RUN_OK(r, run(QStringLiteral("skopeo"), {QStringLiteral("inspect"), QStringLiteral("oci-archive:") + archive + QStringLiteral(":latest")}));
        const QJsonObject sk = QJsonDocument::fromJson(r.out.toUtf8()).object();
        // the layer blob is the uncompressed tar: its digest is the diff-id
        QCOMPARE(sk.value(QStringLiteral("Layers")).toArray(), diffIds);
        const QString layout = path(QStringLiteral("oci-layout"));
        QDir().mkpath(layout);
        RUN_OK(r, run(QStringLiteral("tar"), {QStringLiteral("-xf"), archive, QStringLiteral("-C"), layout}));
        RUN_OK(r, run(QStringLiteral("skopeo"), {QStringLiteral("inspect"), QStringLiteral("--config"), QStringLiteral("oci:") + layout + QStringLiteral(":latest")}));
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("rootfs")).toObject().value(QStringLiteral("diff_ids")).toArray(), diffIds);
        RUN_OK(r, run(QStringLiteral("skopeo"), {QStringLiteral("inspect"), QStringLiteral("docker-archive:") + archive}));
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("Layers")).toArray().size(), 1);

        // umoci unpacks the same file tree as Berth's layer (rootless: no mounts, no chown)
        const QString bundle = path(QStringLiteral("umoci-bundle"));
        RUN_OK(r, run(QStringLiteral("umoci"), {QStringLiteral("unpack"), QStringLiteral("--rootless"), QStringLiteral("--image"),
                                                 layout + QStringLiteral(":latest"), bundle}));
        // one layer: its chain-id is its diff-id
        const QString diff = m_berthRoot + QStringLiteral("/layers/") + diffIds.first().toString().mid(7) + QStringLiteral("/diff");
        QVERIFY2(QFileInfo(diff).isDir(), qPrintable(diff));
        const QStringList ours = treeListing(diff);
        const QStringList theirs = treeListing(bundle + QStringLiteral("/rootfs"));
        QVERIFY(ours.size() > 100);
        QCOMPARE(theirs, ours);
    }
};

QTEST_GUILESS_MAIN(tst_ImageInterop)
#include "tst_imageinterop.moc"
