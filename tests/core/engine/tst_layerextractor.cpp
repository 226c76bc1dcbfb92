#include "tarbuilder.h"

#include <engine/layerexporter.h>
#include <engine/layerextractor.h>
#include <engine/fsutil.h>
#include <engine/layerstore.h>
#include <engine/sha256hasher.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Engine;

Q_DECLARE_METATYPE(TarBuilder)

namespace {

struct Stat : public stat
{
    bool ok = false;
};

Stat lstatPath(const QString &path)
{
    Stat st;
    st.ok = ::lstat(QFile::encodeName(path).constData(), &st) == 0;
    return st;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray("<missing>");
    return f.readAll();
}

QStringList tarNames(const QByteArray &tar)
{
    QStringList names;
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_open_memory(a, tar.constData(), size_t(tar.size()));
    struct archive_entry *e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK)
        names.append(QString::fromUtf8(archive_entry_pathname(e)));
    archive_read_free(a);
    return names;
}

} // namespace

class tst_LayerExtractor : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_canaryDir;

    Result<LayerInfo> applyTo(LayerStore &store, const QByteArray &tar, const std::optional<Digest> &parent = std::nullopt)
    {
        const int fd = TarBuilder::toFd(tar, m_tmp.filePath(QStringLiteral("input.tar")));
        auto r = store.applyTar(fd, parent);
        ::close(fd);
        return r;
    }

    Result<QByteArray> exportLayer(LayerStore &store, const Digest &chain, Digest *diffId = nullptr)
    {
        const QString out = m_tmp.filePath(QStringLiteral("export.tar"));
        const int fd = ::open(QFile::encodeName(out).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        auto info = store.exportTar(chain, fd);
        ::close(fd);
        if (!info)
            return std::unexpected(info.error());
        if (diffId)
            *diffId = info->diffId;
        return readFile(out);
    }

private slots:
    void cleanupTestCase()
    {
        // whiteout devices and read-only directories: QTemporaryDir cannot remove those
        QVERIFY(Internal::removeTree(m_tmp.path()));
    }

    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_canaryDir = m_tmp.filePath(QStringLiteral("canary"));
        QVERIFY(QDir().mkpath(m_canaryDir));
        QFile f(m_canaryDir + QStringLiteral("/passwd"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("original");
    }

    void hostileEntriesAreRefusedAndLeaveNothing_data()
    {
        QTest::addColumn<TarBuilder>("tar");
        QTest::addColumn<QString>("entry");
        const QByteArray canary = QFile::encodeName(m_canaryDir);
        const QByteArray up = QByteArray("../").repeated(10);
        QTest::newRow("dot-dot escape") << TarBuilder().file("ok", "x").file(up + "canary/pwned", "evil") << QString::fromUtf8(up + "canary/pwned");
        QTest::newRow("absolute path") << TarBuilder().file(canary + "/pwned", "evil") << QString::fromUtf8(canary + "/pwned");
        QTest::newRow("inner dot-dot") << TarBuilder().file("a/../../x", "evil") << QStringLiteral("a/../../x");
        QTest::newRow("dot slash dot-dot") << TarBuilder().file("./../x", "evil") << QStringLiteral("./../x");
        QTest::newRow("trailing dot-dot") << TarBuilder().dir("x/..") << QStringLiteral("x/..");
        QTest::newRow("write through climbing symlink") << TarBuilder().symlink("a", up + "canary").file("a/pwned", "evil") << QStringLiteral("a/pwned");
        QTest::newRow("write through nested climbing symlink") << TarBuilder().dir("d").symlink("d/l", "../../x").file("d/l/y", "evil") << QStringLiteral("d/l/y");
        QTest::newRow("write through absolute symlink") << TarBuilder().symlink("a", canary).file("a/pwned", "evil") << QStringLiteral("a/pwned");
        QTest::newRow("overwrite through symlink") << TarBuilder().symlink("a", canary).file("a/passwd", "evil") << QStringLiteral("a/passwd");
        QTest::newRow("mkdir through symlink") << TarBuilder().symlink("a", canary).dir("a/sub") << QStringLiteral("a/sub");
        QTest::newRow("hardlink to /etc/passwd") << TarBuilder().hardlink("h", "/etc/passwd") << QStringLiteral("h");
        QTest::newRow("hardlink up and out") << TarBuilder().hardlink("h", up + "canary/passwd") << QStringLiteral("h");
        QTest::newRow("hardlink through symlink") << TarBuilder().symlink("s", canary).hardlink("h", "s/passwd") << QStringLiteral("h");
        QTest::newRow("hardlink to missing target") << TarBuilder().hardlink("h", "nothere") << QStringLiteral("h");
        QTest::newRow("char device") << TarBuilder().device("dev/sda", AE_IFCHR, makedev(8, 0)) << QStringLiteral("dev/sda");
        QTest::newRow("block device") << TarBuilder().device("disk", AE_IFBLK, makedev(8, 0)) << QStringLiteral("disk");
        QTest::newRow("whiteout of nothing") << TarBuilder().file(".wh.", "") << QStringLiteral(".wh.");
        QTest::newRow("whiteout of dot-dot") << TarBuilder().file("etc/.wh...", "") << QStringLiteral("etc/.wh...");
        QTest::newRow("whiteout of dot") << TarBuilder().file("etc/.wh..", "") << QStringLiteral("etc/.wh..");
        QTest::newRow("whiteout under symlink") << TarBuilder().symlink("s", canary).file("s/.wh.passwd", "") << QStringLiteral("s/.wh.passwd");
        QTest::newRow("opaque under symlink") << TarBuilder().symlink("s", canary).file("s/.wh..wh..opq", "") << QStringLiteral("s/.wh..wh..opq");
        QTest::newRow("root as symlink") << TarBuilder().symlink(".", "/") << QStringLiteral(".");
        QTest::newRow("component too long") << TarBuilder().file(QByteArray(300, 'n'), "x") << QString(300, u'n');
        const QByteArray huge = QByteArray("abcdefgh/").repeated(600) + "f";
        QTest::newRow("path too long") << TarBuilder().file(huge, "x") << QString::fromUtf8(huge.left(64));
    }
    void hostileEntriesAreRefusedAndLeaveNothing()
    {
        QFETCH(TarBuilder, tar);
        QFETCH(QString, entry);
        const QString root = m_tmp.filePath(QStringLiteral("state-") + QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'));
        LayerStore store(root);
        QVERIFY(store.initialize());
        const auto r = applyTo(store, tar.build());
        QVERIFY(!r);
        const QString message = QString::fromStdString(r.error().toString());
        QVERIFY2(message.contains(QStringLiteral("\"") + entry), qPrintable(message));
        // nothing registered, no partial directory left
        QVERIFY(QDir(store.layersDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
        // nothing written outside
        QCOMPARE(readFile(m_canaryDir + QStringLiteral("/passwd")), QByteArray("original"));
        QCOMPARE(QDir(m_canaryDir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{QStringLiteral("passwd")});
        QVERIFY(!QFile::exists(m_tmp.filePath(QStringLiteral("x"))));
    }

    // Real images carry links such as "../../../lib/x": they resolve inside the
    // container, so they are kept, and nothing outside is touched.
    void climbingSymlinksAreKeptAsTheyAre()
    {
        const QByteArray up = QByteArray("../").repeated(10);
        LayerStore store(m_tmp.filePath(QStringLiteral("state-climbing")));
        QVERIFY(store.initialize());
        const auto r = applyTo(store, TarBuilder().dir("d").symlink("d/l", up + "canary/passwd").symlink("abs", "/etc/passwd").build());
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        QCOMPARE(QFile::symLinkTarget(r->diffPath + QStringLiteral("/d/l")).isEmpty(), false);
        QCOMPARE(QFileInfo(r->diffPath + QStringLiteral("/d/l")).isSymLink(), true);
        QCOMPARE(QString::fromUtf8(QFile::encodeName(QFileInfo(r->diffPath + QStringLiteral("/abs")).symLinkTarget())),
                 QStringLiteral("/etc/passwd"));
        QCOMPARE(readFile(m_canaryDir + QStringLiteral("/passwd")), QByteArray("original"));
    }

    void truncatedAndGarbageStreamsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("data");
        const QByteArray good = TarBuilder().file("a", QByteArray(100000, 'a')).build(TarBuilder::Compression::Gzip);
        QTest::newRow("truncated gzip") << good.left(good.size() / 2);
        QTest::newRow("not an archive") << QByteArray("this is not a tar file at all, just text. ").repeated(40);
    }
    void truncatedAndGarbageStreamsAreRefused()
    {
        QFETCH(QByteArray, data);
        LayerStore store(m_tmp.filePath(QStringLiteral("state-bad-") + QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-')));
        QVERIFY(store.initialize());
        QVERIFY(!applyTo(store, data));
        QVERIFY(QDir(store.layersDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
    }

    void diffIdIsTheDigestOfTheUncompressedTar_data()
    {
        QTest::addColumn<int>("compression");
        QTest::newRow("plain") << int(TarBuilder::Compression::None);
        QTest::newRow("gzip") << int(TarBuilder::Compression::Gzip);
        QTest::newRow("zstd") << int(TarBuilder::Compression::Zstd);
    }
    void diffIdIsTheDigestOfTheUncompressedTar()
    {
        QFETCH(int, compression);
        TarBuilder b;
        b.dir("etc").file("etc/hostname", "berth\n").file("big", QByteArray(300000, 'z'));
        const QByteArray plain = b.build();
        LayerStore store(m_tmp.filePath(QStringLiteral("state-c%1").arg(compression)));
        QVERIFY(store.initialize());
        const auto r = applyTo(store, b.build(TarBuilder::Compression(compression)));
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        QCOMPARE(r->diffId, Digest::ofData(plain));
        QCOMPARE(r->tarSize, quint64(plain.size()));
        QCOMPARE(r->chainId, r->diffId);
        QCOMPARE(r->size, quint64(6 + 300000));
        QCOMPARE(readFile(r->diffPath + QStringLiteral("/etc/hostname")), QByteArray("berth\n"));
    }

    void metadataSurvivesARoundTrip()
    {
        TarBuilder b;
        TarBuilder::Entry setuid;
        setuid.path = "bin/su";
        setuid.data = "#!/bin/true\n";
        setuid.perm = 04755;
        setuid.mtime = 1500000000;
        TarBuilder::Entry withXattr;
        withXattr.path = "etc/tagged";
        withXattr.data = "x";
        withXattr.xattrs = {{"user.berth.test", "value1"}, {"trusted.overlay.redirect", "/etc"}};
        TarBuilder::Entry ro;
        ro.path = "ro";
        ro.type = AE_IFDIR;
        ro.perm = 0555;
        ro.mtime = 1400000000;
        b.dir("bin", 0755).add(setuid).dir("etc", 0750).add(withXattr).file("etc/data", "shared", 0600)
            .hardlink("etc/data-link", "etc/data").symlink("bin/sh", "/bin/busybox").symlink("etc/rel", "../bin/su")
            .add(ro).file("ro/inside", "in", 0444);
        LayerStore store(m_tmp.filePath(QStringLiteral("state-meta")));
        QVERIFY(store.initialize());
        const auto r = applyTo(store, b.build());
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        const QString d = r->diffPath;
        const Stat su = lstatPath(d + QStringLiteral("/bin/su"));
        QVERIFY(su.ok);
        QCOMPARE(su.st_mode & 07777, 04755u);
        QCOMPARE(qint64(su.st_mtim.tv_sec), qint64(1500000000));
        QCOMPARE(lstatPath(d + QStringLiteral("/etc")).st_mode & 07777, 0750u);
        const Stat roDir = lstatPath(d + QStringLiteral("/ro"));
        QCOMPARE(roDir.st_mode & 07777, 0555u);
        QCOMPARE(qint64(roDir.st_mtim.tv_sec), qint64(1400000000));
        QCOMPARE(lstatPath(d + QStringLiteral("/ro/inside")).st_mode & 07777, 0444u);
        const Stat data = lstatPath(d + QStringLiteral("/etc/data"));
        const Stat link = lstatPath(d + QStringLiteral("/etc/data-link"));
        QCOMPARE(data.st_ino, link.st_ino);
        QCOMPARE(data.st_nlink, nlink_t(2));
        QVERIFY(S_ISLNK(lstatPath(d + QStringLiteral("/bin/sh")).st_mode));
        QCOMPARE(QFile::symLinkTarget(d + QStringLiteral("/bin/sh")), QStringLiteral("/bin/busybox"));
        char value[64] = {};
        const ssize_t n = ::getxattr(QFile::encodeName(d + QStringLiteral("/etc/tagged")).constData(), "user.berth.test", value, sizeof value);
        if (n < 0 && errno == ENOTSUP)
            QWARN("user xattrs unsupported on the test filesystem");
        else
            QCOMPARE(QByteArray(value, int(n)), QByteArray("value1"));
        // trusted.overlay.* from an image is never restored
        QVERIFY(::getxattr(QFile::encodeName(d + QStringLiteral("/etc/tagged")).constData(), "trusted.overlay.redirect", value, sizeof value) < 0);

        // export, re-apply, export again: identical tar, identical diff-id
        Digest firstId;
        const auto exported = exportLayer(store, r->chainId, &firstId);
        QVERIFY(exported);
        QCOMPARE(firstId, Digest::ofData(*exported));
        const QStringList names = tarNames(*exported);
        QVERIFY(names.contains(QStringLiteral("bin/su")));
        QVERIFY(names.contains(QStringLiteral("ro/")));
        LayerStore second(m_tmp.filePath(QStringLiteral("state-meta2")));
        QVERIFY(second.initialize());
        const auto again = applyTo(second, *exported);
        QVERIFY2(again, again ? "" : again.error().toString().c_str());
        QCOMPARE(again->diffId, firstId);
        Digest secondId;
        QVERIFY(exportLayer(second, again->chainId, &secondId));
        QCOMPARE(secondId, firstId);
        const Stat su2 = lstatPath(again->diffPath + QStringLiteral("/bin/su"));
        QCOMPARE(su2.st_mode & 07777, 04755u);
        QCOMPARE(lstatPath(again->diffPath + QStringLiteral("/etc/data")).st_ino,
                 lstatPath(again->diffPath + QStringLiteral("/etc/data-link")).st_ino);
    }

    void ownershipIsRestoredAsRoot()
    {
        if (::geteuid() != 0)
            QSKIP("restoring file ownership needs root (CI runs as root)");
        TarBuilder::Entry owned;
        owned.path = "owned";
        owned.data = "x";
        owned.uid = 1234;
        owned.gid = 5678;
        owned.perm = 06755;
        TarBuilder::Entry link;
        link.path = "link";
        link.type = AE_IFLNK;
        link.link = "owned";
        link.uid = 42;
        link.gid = 43;
        LayerStore store(m_tmp.filePath(QStringLiteral("state-owner")));
        QVERIFY(store.initialize());
        const auto r = applyTo(store, TarBuilder().add(owned).add(link).build());
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        const Stat st = lstatPath(r->diffPath + QStringLiteral("/owned"));
        QCOMPARE(st.st_uid, uid_t(1234));
        QCOMPARE(st.st_gid, gid_t(5678));
        QCOMPARE(st.st_mode & 07777, 06755u); // chown before chmod keeps setuid/setgid
        const Stat ls = lstatPath(r->diffPath + QStringLiteral("/link"));
        QCOMPARE(ls.st_uid, uid_t(42));
        QCOMPARE(lstatPath(r->diffPath + QStringLiteral("/owned")).st_uid, uid_t(1234)); // target untouched
    }

    void sparseFilesStaySparse()
    {
        TarBuilder::Entry sparse;
        sparse.path = "sparse.img";
        sparse.sparseSize = 16 * 1024 * 1024;
        sparse.sparse = {{0, 4096}, {8 * 1024 * 1024, 4096}};
        sparse.data = QByteArray(4096, 'A') + QByteArray(4096, 'B');
        LayerStore store(m_tmp.filePath(QStringLiteral("state-sparse")));
        QVERIFY(store.initialize());
        const auto r = applyTo(store, TarBuilder().add(sparse).build());
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        const QString path = r->diffPath + QStringLiteral("/sparse.img");
        const Stat st = lstatPath(path);
        QCOMPARE(qint64(st.st_size), qint64(16 * 1024 * 1024));
        QVERIFY2(qint64(st.st_blocks) * 512 < 4 * 1024 * 1024, "holes were written out");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.read(4096), QByteArray(4096, 'A'));
        QCOMPARE(f.read(4096), QByteArray(4096, '\0'));
        QVERIFY(f.seek(8 * 1024 * 1024));
        QCOMPARE(f.read(4096), QByteArray(4096, 'B'));
    }

    void whiteoutsBecomeOverlayFormAndComeBack()
    {
        TarBuilder b;
        b.dir("etc").file("etc/.wh.gone", "").dir("opaque").file("opaque/.wh..wh..opq", "").file("opaque/kept", "k")
            .file(".wh..wh.plnk", "");
        LayerStore store(m_tmp.filePath(QStringLiteral("state-wh")));
        QVERIFY(store.initialize());
        const auto r = applyTo(store, b.build());
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        const QString d = r->diffPath;
        if (::geteuid() == 0) {
            const Stat wh = lstatPath(d + QStringLiteral("/etc/gone"));
            QVERIFY(wh.ok);
            QVERIFY(S_ISCHR(wh.st_mode));
            QCOMPARE(wh.st_rdev, makedev(0, 0));
            QVERIFY(!QFile::exists(d + QStringLiteral("/etc/.wh.gone")));
        } else {
            QVERIFY(lstatPath(d + QStringLiteral("/etc/.wh.gone")).ok);
        }
        char v = 0;
        QCOMPARE(::getxattr(QFile::encodeName(d + QStringLiteral("/opaque")).constData(),
                            LayerExtractor::opaqueXattrName().constData(), &v, 1), ssize_t(1));
        QCOMPARE(v, 'y');
        QVERIFY(!QFile::exists(d + QStringLiteral("/.wh..wh.plnk")));
        const auto exported = exportLayer(store, r->chainId);
        QVERIFY(exported);
        const QStringList names = tarNames(*exported);
        QVERIFY2(names.contains(QStringLiteral("etc/.wh.gone")), qPrintable(names.join(u',')));
        QVERIFY2(names.contains(QStringLiteral("opaque/.wh..wh..opq")), qPrintable(names.join(u',')));
        QVERIFY(names.indexOf(QStringLiteral("opaque/")) < names.indexOf(QStringLiteral("opaque/.wh..wh..opq")));
    }

    void exportIsDeterministic()
    {
        QTemporaryDir tree;
        QVERIFY(QDir().mkpath(tree.filePath(QStringLiteral("b/c"))));
        QVERIFY(QDir().mkpath(tree.filePath(QStringLiteral("a"))));
        for (const char *name : {"b/c/z", "b/a", "a/x", "top"}) {
            QFile f(tree.filePath(QString::fromLatin1(name)));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(name);
        }
        auto run = [&](Digest *id) {
            const QString out = m_tmp.filePath(QStringLiteral("det.tar"));
            const int fd = ::open(QFile::encodeName(out).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            const auto info = LayerExporter::exportDirectory(tree.path(), fd);
            ::close(fd);
            QVERIFY(info);
            *id = info->diffId;
        };
        Digest one;
        Digest two;
        run(&one);
        // reading the files changes atimes; that must not matter
        QFile(tree.filePath(QStringLiteral("top"))).open(QIODevice::ReadOnly);
        run(&two);
        QCOMPARE(one, two);
    }
};

QTEST_GUILESS_MAIN(tst_LayerExtractor)
#include "tst_layerextractor.moc"
