// Integration: volumes and mounts on a private berthd with the real
// berth-shim, driven by `berth` and the real docker CLI side by side:
// data that persists across containers in a named and an anonymous volume,
// the image's VOLUME seeded from the image (owner, mode, symlinks kept;
// nocopy honoured; a volume that has data is left alone), rm -v / run --rm
// / volume prune / prune -a removing exactly the volumes docker removes
// (the volumes directory listed before and after), --mount of each type
// (a tmpfs is a tmpfs in the container's mountinfo with its size and mode,
// readonly refuses writes), --tmpfs, inspect Mounts as dockerd shows them,
// docker's wording for bad specs with nothing left behind, and the
// adversarial cases (mount targets through symlinks in the image and with
// "..", binds of berthd's root, targets in /proc), --volumes-from (:ro, rm -v
// of the receiver keeps the shared volumes). Needs root; skips
// otherwise. cleanup() removes every container and volume; berthd is
// stopped by PID in cleanupTestCase (or the fixture's destructor).

#include <support/commandrunner.h>
#include <support/enginefixture.h>

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <sys/stat.h>
#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::EngineFixture;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);

const QRegularExpression kHex64(QStringLiteral("^[0-9a-f]{64}$"));

// inspect Mounts entries as dockerd writes them.
QJsonObject volumeMount(const QString &name, const QString &source, const QString &destination, const QString &mode, bool rw)
{
    QJsonObject o;
    o.insert(QStringLiteral("Type"), QStringLiteral("volume"));
    o.insert(QStringLiteral("Name"), name);
    o.insert(QStringLiteral("Source"), source);
    o.insert(QStringLiteral("Destination"), destination);
    o.insert(QStringLiteral("Driver"), QStringLiteral("local"));
    o.insert(QStringLiteral("Mode"), mode);
    o.insert(QStringLiteral("RW"), rw);
    o.insert(QStringLiteral("Propagation"), QString());
    return o;
}

QJsonObject otherMount(const QString &type, const QString &source, const QString &destination, const QString &mode, bool rw,
                       const QString &propagation)
{
    QJsonObject o;
    o.insert(QStringLiteral("Type"), type);
    o.insert(QStringLiteral("Source"), source);
    o.insert(QStringLiteral("Destination"), destination);
    o.insert(QStringLiteral("Mode"), mode);
    o.insert(QStringLiteral("RW"), rw);
    o.insert(QStringLiteral("Propagation"), propagation);
    return o;
}

} // namespace

class tst_Volumes : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth};
    QString m_seedImage = QStringLiteral("berth-vol-seed:1");
    QString m_trapImage = QStringLiteral("berth-vol-trap:1");

    CommandResult berth(const QStringList &args, const QByteArray &input = {}) { return m_engine.berth(args, input); }
    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_engine.docker(args, input); }


    QString volumesDir() const { return m_engine.root() + QStringLiteral("/volumes"); }

    // What is on disk under <root>/volumes (every directory, temp ones too).
    QStringList volumeDirs() const
    {
        QStringList names = QDir(volumesDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
        names.sort();
        return names;
    }

    QStringList containerIds()
    {
        const CommandResult r = docker({"ps", "-aq", "--no-trunc"});
        return r.out.split(u'\n', Qt::SkipEmptyParts);
    }

    QJsonArray mountsOf(const QString &ref)
    {
        const CommandResult r = docker({"inspect", "--format", "{{json .Mounts}}", ref});
        return QJsonDocument::fromJson(r.out.toUtf8()).array();
    }

    static QJsonObject mountAt(const QJsonArray &mounts, const QString &destination)
    {
        for (const QJsonValue &v : mounts) {
            if (v.toObject().value(QStringLiteral("Destination")).toString() == destination)
                return v.toObject();
        }
        return {};
    }

    QString build(const QString &tag, const QByteArray &dockerfile)
    {
        QTemporaryDir dir(m_engine.tempDir() + QStringLiteral("/ctx-XXXXXX"));
        if (!dir.isValid())
            return QStringLiteral("no temp dir");
        QFile f(dir.filePath(QStringLiteral("Dockerfile")));
        if (!f.open(QIODevice::WriteOnly) || f.write(dockerfile) != dockerfile.size())
            return QStringLiteral("cannot write the Dockerfile");
        f.close();
        const CommandResult r = berth({"build", "-q", "-t", tag, dir.path()});
        return r.exitCode == 0 ? QString() : r.describe();
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd and berth-shim create namespaces, mounts and cgroups");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = QStringLiteral("berth-vol");
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        // An image with a VOLUME holding owned files, modes, a symlink to a
        // host-looking path, a fifo and a nested dir.
        QString err = build(m_seedImage,
                            "FROM busybox\n"
                            "RUN mkdir -p /seed/sub/deep && echo hello > /seed/file && chown 1234:2345 /seed/file"
                            " && chmod 640 /seed/file && echo deep > /seed/sub/deep/f && chown 99:98 /seed/sub"
                            " && chmod 1750 /seed/sub && ln -s /etc/shadow /seed/link && mkfifo /seed/fifo"
                            " && chown 7:8 /seed && chmod 711 /seed\n"
                            "VOLUME /seed\n"
                            "CMD [\"sh\"]\n");
        QVERIFY2(err.isEmpty(), qPrintable(err));
        // Symlinks that would take a mount target out of the rootfs if a
        // runtime followed them on the host.
        err = build(m_trapImage,
                    "FROM busybox\n"
                    "RUN ln -s / /escape && ln -s ../../../../../../tmp /up && ln -s /proc/self/root /selfroot\n"
                    "CMD [\"sh\"]\n");
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void cleanup()
    {
        m_engine.removeAllContainers();
        m_engine.removeAllVolumes();
    }

    void cleanupTestCase() { m_engine.tearDown(); }

    void namedVolumePersistsAcrossContainers()
    {
        CommandResult r = berth({"run", "--rm", "--network", "none", "-v", "vdata:/data", "busybox", "sh", "-c",
                                 "echo from-berth > /data/f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList{"vdata"});
        // The docker CLI sees the same volume and its data.
        r = docker({"run", "--rm", "--network", "none", "-v", "vdata:/data", "busybox", "cat", "/data/f"});
        QVERIFY2(r.exitCode == 0 && r.out == "from-berth\n", qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList{"vdata"}); // named: run --rm keeps it
        QFile onDisk(volumesDir() + QStringLiteral("/vdata/_data/f"));
        QVERIFY(onDisk.open(QIODevice::ReadOnly));
        QCOMPARE(onDisk.readAll(), QByteArray("from-berth\n"));

        // inspect Mounts for a named -v volume, as dockerd shows it.
        r = berth({"create", "--name", "n1", "-v", "vdata:/data:ro", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QJsonObject m = mountAt(mountsOf("n1"), "/data");
        QCOMPARE(m, volumeMount("vdata", volumesDir() + "/vdata/_data", "/data", "ro", false));
        // ps --filter volume= by name and by destination.
        m_engine.compareBoth({"ps", "-a", "--filter", "volume=vdata", "--format", "{{.Names}}"});
        r = docker({"ps", "-a", "--filter", "volume=/data", "--format", "{{.Names}}"});
        QCOMPARE(r.out, QStringLiteral("n1\n"));
        r = docker({"ps", "-a", "--filter", "volume=other", "--format", "{{.Names}}"});
        QCOMPARE(r.out, QString());
    }

    void anonymousVolumePersistsAndGoesWithRmV()
    {
        CommandResult r = docker({"create", "--name", "a1", "--network", "none", "-v", "/data", "-v", "keep1:/keep",
                                  "busybox", "sh", "-c", "echo x >> /data/f; cat /data/f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QJsonArray mounts = mountsOf("a1");
        const QJsonObject anon = mountAt(mounts, "/data");
        const QString name = anon.value("Name").toString();
        QVERIFY2(kHex64.match(name).hasMatch(), qPrintable(name));
        QCOMPARE(anon, volumeMount(name, volumesDir() + "/" + name + "/_data", "/data", "", true));
        QCOMPARE(volumeDirs(), (QStringList{name, "keep1"}));
        // docker 28 labels the anonymous volume.
        r = docker({"volume", "inspect", "--format", "{{json .Labels}}", name});
        QCOMPARE(r.out, QStringLiteral("{\"com.docker.volume.anonymous\":\"\"}\n"));
        // Data persists across starts of the container.
        r = docker({"start", "-a", "a1"});
        QVERIFY2(r.exitCode == 0 && r.out == "x\n", qPrintable(r.describe()));
        r = berth({"start", "-a", "a1"});
        QVERIFY2(r.exitCode == 0 && r.out == "x\nx\n", qPrintable(r.describe()));

        // In use: volume rm is refused with docker's message, -f too.
        const QString id = m_engine.inspect("a1", "{{.Id}}");
        r = docker({"volume", "rm", name});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err, QStringLiteral("Error response from daemon: remove %1: volume is in use - [%2]\n").arg(name, id));
        m_engine.compareBoth({"volume", "rm", name});
        m_engine.compareBoth({"volume", "rm", "-f", name});
        m_engine.compareBoth({"volume", "rm", "nosuchvolume"});
        m_engine.compareBoth({"volume", "rm", "-f", "nosuchvolume"});

        // rm -v: the anonymous volume goes, the named one stays.
        r = berth({"rm", "-v", "a1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList{"keep1"});

        // rm without -v keeps the anonymous volume.
        r = docker({"create", "--name", "a2", "-v", "/data", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QString name2 = mountAt(mountsOf("a2"), "/data").value("Name").toString();
        r = docker({"rm", "a2"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), (QStringList{name2, "keep1"}));
    }

    void runRmRemovesOnlyAnonymousVolumes()
    {
        const QStringList before = volumeDirs();
        CommandResult r = docker({"run", "--rm", "--network", "none", "-v", "/anon", "-v", "keep2:/keep", "--mount",
                                  "type=volume,target=/anon2", m_seedImage, "sh", "-c", "ls /seed /anon /anon2 >/dev/null"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList(before + QStringList{"keep2"}));
        r = berth({"run", "--rm", "--network", "none", "-v", "/anon", "-v", "keep2:/keep", m_seedImage, "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList(before + QStringList{"keep2"}));
    }

    void imageVolumeIsSeededFromTheImage()
    {
        CommandResult r = berth({"run", "--name", "s1", "--network", "none", m_seedImage, "sh", "-c",
                                 "stat -c '%n %u:%g %a %F' /seed /seed/file /seed/sub /seed/link /seed/fifo"
                                 " && cat /seed/file /seed/sub/deep/f && readlink /seed/link"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.out, QStringLiteral("/seed 7:8 711 directory\n"
                                       "/seed/file 1234:2345 640 regular file\n"
                                       "/seed/sub 99:98 1750 directory\n"
                                       "/seed/link 0:0 777 symbolic link\n"
                                       "/seed/fifo 0:0 644 fifo\n"
                                       "hello\ndeep\n/etc/shadow\n"));
        const QString name = mountAt(mountsOf("s1"), "/seed").value("Name").toString();
        QVERIFY2(kHex64.match(name).hasMatch(), qPrintable(name));
        // On the host: the copy, with the owner and mode; the symlink is a
        // link (never followed to the host's /etc/shadow).
        const QString data = volumesDir() + "/" + name + "/_data";
        struct stat st;
        QCOMPARE(::lstat(QFile::encodeName(data + "/file").constData(), &st), 0);
        QCOMPARE(int(st.st_uid), 1234);
        QCOMPARE(int(st.st_mode & 07777), 0640);
        QCOMPARE(::lstat(QFile::encodeName(data + "/link").constData(), &st), 0);
        QVERIFY(S_ISLNK(st.st_mode));
        QCOMPARE(::lstat(QFile::encodeName(data).constData(), &st), 0);
        QCOMPARE(int(st.st_uid), 7);
        QCOMPARE(int(st.st_mode & 07777), 0711);

        // A named volume is seeded on first use too; changes in it survive
        // and are not overwritten by the image later.
        r = docker({"run", "--rm", "--network", "none", "-v", "seeded:/seed", m_seedImage, "sh", "-c",
                    "cat /seed/file && echo changed > /seed/file"});
        QVERIFY2(r.exitCode == 0 && r.out == "hello\n", qPrintable(r.describe()));
        r = berth({"run", "--rm", "--network", "none", "-v", "seeded:/seed", m_seedImage, "cat", "/seed/file"});
        QVERIFY2(r.exitCode == 0 && r.out == "changed\n", qPrintable(r.describe()));

        // nocopy: -v NAME:/path:nocopy and --mount volume-nocopy leave the volume empty.
        r = berth({"run", "--rm", "--network", "none", "-v", "nc1:/seed:nocopy", m_seedImage, "ls", "-A", "/seed"});
        QVERIFY2(r.exitCode == 0 && r.out.isEmpty(), qPrintable(r.describe()));
        r = docker({"run", "--rm", "--network", "none", "--mount", "type=volume,src=nc2,dst=/seed,volume-nocopy",
                    m_seedImage, "ls", "-A", "/seed"});
        QVERIFY2(r.exitCode == 0 && r.out.isEmpty(), qPrintable(r.describe()));
        // A bind is never seeded.
        QTemporaryDir host(m_engine.tempDir() + QStringLiteral("/bind-XXXXXX"));
        r = berth({"run", "--rm", "--network", "none", "-v", host.path() + ":/seed", m_seedImage, "ls", "-A", "/seed"});
        QVERIFY2(r.exitCode == 0 && r.out.isEmpty(), qPrintable(r.describe()));
    }

    void volumesFromSharesTheOtherContainersMounts()
    {
        QTemporaryDir host(m_engine.tempDir() + QStringLiteral("/bind-XXXXXX"));
        QVERIFY(host.isValid());
        CommandResult r = docker({"run", "--name", "src", "--network", "none", "-v", "/data", "-v", "vf-named:/n", "-v",
                                  host.path() + ":/h", "busybox", "sh", "-c", "echo a > /data/f; echo b > /n/f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QJsonArray srcMounts = mountsOf("src");
        const QString anon = mountAt(srcMounts, "/data").value("Name").toString();
        // :ro makes every inherited mount read-only; the data is shared.
        r = berth({"run", "--rm", "--network", "none", "--volumes-from", "src:ro", "busybox", "sh", "-c",
                   "cat /data/f /n/f; ls /h; touch /n/x 2>/dev/null && echo WROTE; true"});
        QVERIFY2(r.exitCode == 0 && r.out == "a\nb\n", qPrintable(r.describe()));
        r = docker({"run", "--name", "rcv", "--network", "none", "--volumes-from", "src", "-v", "/other", "busybox", "sh", "-c",
                    "echo c >> /data/f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QJsonArray mounts = mountsOf("rcv");
        QCOMPARE(mountAt(mounts, "/data"), volumeMount(anon, volumesDir() + "/" + anon + "/_data", "/data", "", true));
        QCOMPARE(mountAt(mounts, "/h"), otherMount("bind", host.path(), "/h", "", true, "rprivate"));
        const QString other = mountAt(mounts, "/other").value("Name").toString();
        // rm -v of the receiver: its own anonymous volume goes; the shared
        // ones stay (in use by src; the named one is never removed).
        r = berth({"rm", "-v", "rcv"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY(!volumeDirs().contains(other));
        QVERIFY(volumeDirs().contains(anon) && volumeDirs().contains("vf-named"));
        r = docker({"run", "--rm", "--network", "none", "--volumes-from", "src", "busybox", "cat", "/data/f"});
        QVERIFY2(r.exitCode == 0 && r.out == "a\nc\n", qPrintable(r.describe()));
        // (A 404 from create makes the docker CLI try a pull; --pull never keeps it to the error.)
        m_engine.compareBoth({"create", "--pull", "never", "--volumes-from", "nosuch", "busybox", "true"});
        r = berth({"create", "--volumes-from", "nosuch", "busybox", "true"});
        QCOMPARE(r.err, QStringLiteral("Error response from daemon: No such container: nosuch\n"));
        m_engine.compareBoth({"create", "--volumes-from", "src:bogus", "busybox", "true"});
        r = docker({"rm", "-v", "src"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList{"vf-named"});
    }

    void pruneRemovesWhatDockerRemoves()
    {
        CommandResult r = docker({"volume", "create", "named-unused"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"create", "--name", "user1", "-v", "named-used:/u", "-v", "/anon-used", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"create", "--name", "gone", "-v", "/anon-unused", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QString anonUnused = mountAt(mountsOf("gone"), "/anon-unused").value("Name").toString();
        const QString anonUsed = mountAt(mountsOf("user1"), "/anon-used").value("Name").toString();
        QCOMPARE(docker({"rm", "gone"}).exitCode, 0);
        QStringList all{anonUnused, anonUsed, "named-unused", "named-used"};
        all.sort();
        QCOMPARE(volumeDirs(), all);

        // docker 28's prune: unused anonymous volumes only.
        r = berth({"volume", "prune", "-f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.startsWith(QStringLiteral("Deleted Volumes:\n") + anonUnused + "\n"), qPrintable(r.out));
        all.removeAll(anonUnused);
        QCOMPARE(volumeDirs(), all);
        // -a: every unused one; the used ones stay.
        r = berth({"volume", "prune", "-a", "-f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains(QStringLiteral("named-unused\n")), qPrintable(r.out));
        QCOMPARE(volumeDirs(), (QStringList{anonUsed, "named-used"}));

        // The docker CLI speaks API 1.41 to berthd; dockerd 28 prunes every
        // unused volume for a client of that version, and so does berthd.
        QCOMPARE(docker({"volume", "create", "named-unused2"}).exitCode, 0);
        QCOMPARE(docker({"rm", "user1"}).exitCode, 0);
        r = docker({"volume", "prune", "-f"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(volumeDirs(), QStringList());
    }

    void mountOfEachType()
    {
        QTemporaryDir host(m_engine.tempDir() + QStringLiteral("/bind-XXXXXX"));
        QVERIFY(host.isValid());
        QFile hostFile(host.filePath("hostfile"));
        QVERIFY(hostFile.open(QIODevice::WriteOnly));
        hostFile.write("on the host\n");
        hostFile.close();
        CommandResult r = docker(
            {"run", "--name", "m1", "--network", "none", "--mount", "type=bind,source=" + host.path() + ",target=/b,readonly",
             "--mount", "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770", "--mount", "type=volume,source=mv,target=/v",
             "--tmpfs", "/run2:size=64k,exec", "busybox", "sh", "-c",
             "cat /b/hostfile; echo x > /b/new 2>/dev/null && echo WROTE; echo y > /t/f && cat /t/f;"
             " stat -c '%a' /t; grep -E ' /(t|run2|b|v) ' /proc/self/mountinfo"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QStringList lines = r.out.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.size() >= 7, qPrintable(r.out));
        QCOMPARE(lines.at(0), QStringLiteral("on the host"));
        QCOMPARE(lines.at(1), QStringLiteral("y"));   // no WROTE: the bind is read-only
        QCOMPARE(lines.at(2), QStringLiteral("1770"));
        QVERIFY(!QFileInfo::exists(host.filePath("new")));
        auto mountLine = [&lines](const QString &target) {
            for (const QString &l : lines) {
                if (l.contains(QStringLiteral(" %1 ").arg(target)))
                    return l;
            }
            return QString();
        };
        const QString t = mountLine("/t");
        QVERIFY2(t.contains(" - tmpfs tmpfs ") && t.contains("size=1024k") && t.contains("mode=1770")
                     && t.contains("nosuid") && t.contains("nodev") && t.contains("noexec"),
                 qPrintable(t));
        const QString run2 = mountLine("/run2");
        QVERIFY2(run2.contains(" - tmpfs tmpfs ") && run2.contains("size=64k") && !run2.contains("noexec"), qPrintable(run2));
        const QString b = mountLine("/b");
        QVERIFY2(b.contains(" ro,") || b.contains(" ro "), qPrintable(b));
        QVERIFY2(!mountLine("/v").isEmpty(), qPrintable(r.out));

        // inspect Mounts as dockerd shows --mount entries (--tmpfs is not listed).
        const QJsonArray mounts = mountsOf("m1");
        QCOMPARE(mounts.size(), 3);
        QCOMPARE(mountAt(mounts, "/b"), otherMount("bind", host.path(), "/b", "", false, "rprivate"));
        QCOMPARE(mountAt(mounts, "/t"), otherMount("tmpfs", "", "/t", "", true, ""));
        QCOMPARE(mountAt(mounts, "/v"), volumeMount("mv", volumesDir() + "/mv/_data", "/v", "", true));
        // The same --mount through berth makes the same HostConfig.Mounts.
        r = berth({"create", "--name", "m2", "--mount", "type=bind,src=" + host.path() + ",dst=/b,ro=true,bind-propagation=rslave",
                   "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = docker({"create", "--name", "m3", "--mount", "type=bind,src=" + host.path() + ",dst=/b,ro=true,bind-propagation=rslave",
                    "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(m_engine.inspect("m2", "{{json .HostConfig.Mounts}}"), m_engine.inspect("m3", "{{json .HostConfig.Mounts}}"));
        QCOMPARE(mountAt(mountsOf("m2"), "/b").value("Propagation").toString(), QStringLiteral("rslave"));
        // A -v bind as dockerd shows it.
        r = berth({"create", "--name", "m4", "-v", host.path() + ":/hb:ro", "busybox", "true"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(mountAt(mountsOf("m4"), "/hb"), otherMount("bind", host.path(), "/hb", "ro", false, "rprivate"));
    }

    void badSpecsFailWithDockersWordsAndLeaveNothing()
    {
        const QStringList volumesBefore = volumeDirs();
        const QStringList containersBefore = containerIds();
        const QString missing = m_engine.tempDir() + QStringLiteral("/no-such-dir");
        // Refused by the daemon: the same text from both CLIs (exit 125).
        m_engine.compareBoth({"run", "--rm", "-v", "newvol1:/a", "--mount", "type=bind,source=" + missing + ",target=/x", "busybox", "true"});
        CommandResult r = docker({"create", "--mount", "type=bind,source=" + missing + ",target=/x", "busybox", "true"});
        QVERIFY2(r.exitCode != 0, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(QStringLiteral("Error response from daemon: invalid mount config for type \"bind\": bind "
                                               "source path does not exist: %1\n").arg(missing)),
                 qPrintable(r.describe()));
        m_engine.compareBoth({"create", "--mount", "type=bind,target=/x", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "type=tmpfs,source=/tmp,target=/x", "busybox", "true"});
        m_engine.compareBoth({"create", "-v", "vol2:/data", "-v", "vol4:/data/", "busybox", "true"});
        m_engine.compareBoth({"create", "-v", "bad$name:/x", "busybox", "true"});
        m_engine.compareBoth({"create", "-v", "vol3:relative", "busybox", "true"});
        m_engine.compareBoth({"create", "-v", "vol3:/", "busybox", "true"});
        m_engine.compareBoth({"create", "-v", "vol3:/x:bogus", "busybox", "true"});
        // Refused by the CLI's --mount parser: the same usage error.
        m_engine.compareBoth({"create", "--mount", "type=volume", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "target", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "type=bind,target=/x,volume-nocopy", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "type=volume,target=/x,tmpfs-size=1m", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "type=tmpfs,target=/x,tmpfs-size=lots", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "type=volume,target=/x,bogus=1", "busybox", "true"});
        m_engine.compareBoth({"create", "--mount", "type=volume,target=/x,readonly=maybe", "busybox", "true"});
        // Nothing was made: no container, no volume (not newvol1 either).
        QCOMPARE(containerIds(), containersBefore);
        QCOMPARE(volumeDirs(), volumesBefore);
    }

    void adversarialTargetsAreConfined()
    {
        QTemporaryDir host(m_engine.tempDir() + QStringLiteral("/bind-XXXXXX"));
        QVERIFY(host.isValid());
        const QString canary = QStringLiteral("berth-vol-canary-%1").arg(::getpid());
        QVERIFY(!QFileInfo::exists("/tmp/" + canary));
        // Targets through image symlinks (absolute "/", relative "../../..",
        // /proc/self/root) land inside the rootfs, never on the host.
        CommandResult r = berth({"run", "--rm", "--network", "none", "-v", host.path() + ":/escape/tmp/" + canary + "/a",
                                 "-v", "advol:/up/" + canary + "/b", m_trapImage, "sh", "-c",
                                 "echo in > /tmp/" + canary + "/a/f && ls /tmp/" + canary});
        QVERIFY2(r.exitCode == 0 && r.out == "a\nb\n", qPrintable(r.describe()));
        QVERIFY2(!QFileInfo::exists("/tmp/" + canary), "a mount target followed an image symlink to the host");
        QVERIFY(QFileInfo::exists(host.filePath("f")));
        r = berth({"run", "--rm", "--network", "none", "--tmpfs", "/selfroot/tmp/" + canary, m_trapImage, "true"});
        QVERIFY2(!QFileInfo::exists("/tmp/" + canary), qPrintable(r.describe()));
        // ".." in a target is cleaned, not walked up from the rootfs.
        r = docker({"run", "--rm", "--network", "none", "-v", host.path() + ":/a/../../../../" + canary, "busybox", "ls", "/" + canary});
        QVERIFY2(r.exitCode == 0 && r.out == "f\n", qPrintable(r.describe()));
        QVERIFY(!QFileInfo::exists("/" + canary));

        const QStringList volumesBefore = volumeDirs();
        const QStringList containersBefore = containerIds();
        // Binds of berthd's root or anything below it are refused.
        r = docker({"create", "-v", m_engine.root() + ":/host-root", "busybox", "true"});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("is inside the engine's root"), qPrintable(r.describe()));
        r = berth({"create", "--mount", "type=bind,src=" + volumesDir() + ",dst=/vols", "busybox", "true"});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("is inside the engine's root"), qPrintable(r.describe()));
        // Nothing but procfs goes on /proc (runc's rule), for every kind.
        for (const QStringList &args : {QStringList{"-v", host.path() + ":/proc/sys"}, QStringList{"--tmpfs", "/proc/x"},
                                        QStringList{"--mount", "type=volume,dst=/proc/../proc/y"}}) {
            r = docker(QStringList{"create"} + args + QStringList{"busybox", "true"});
            QVERIFY(r.exitCode != 0);
            QVERIFY2(r.err.contains("cannot be mounted because it is inside /proc"), qPrintable(r.describe()));
        }
        QCOMPARE(containerIds(), containersBefore);
        QCOMPARE(volumeDirs(), volumesBefore);
    }
};

QTEST_GUILESS_MAIN(tst_Volumes)
#include "tst_volumes.moc"
