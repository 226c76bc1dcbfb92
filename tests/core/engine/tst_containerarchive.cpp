#include "tarbuilder.h"

#include <engine/containerarchive.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Engine;

namespace {

struct TarItem
{
    QByteArray name;
    QByteArray data;
    QByteArray link;
    bool isHardlink = false;
    mode_t type = 0;
};

QList<TarItem> listTar(const QByteArray &tar)
{
    QList<TarItem> out;
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    if (archive_read_open_memory(a, tar.constData(), size_t(tar.size())) != ARCHIVE_OK) {
        archive_read_free(a);
        return out;
    }
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        TarItem item;
        item.name = archive_entry_pathname(e);
        item.type = archive_entry_filetype(e);
        if (archive_entry_symlink(e))
            item.link = archive_entry_symlink(e);
        if (archive_entry_hardlink(e)) {
            item.link = archive_entry_hardlink(e);
            item.isHardlink = true;
        }
        char buf[8192];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
            item.data.append(buf, n);
        out.append(item);
    }
    archive_read_free(a);
    return out;
}

QStringList names(const QList<TarItem> &items)
{
    QStringList out;
    for (const auto &i : items)
        out.append(QString::fromUtf8(i.name));
    out.sort();
    return out;
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(data), data.size());
}

} // namespace

class tst_ContainerArchive : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void statReportsGoModeBitsAndBaseName();
    void statOfAMissingPathIsNotFound();
    void statDoesNotLeaveTheRootThroughSymlinks();
    void headerIsBase64Json();
    void archiveOfAFileHasOneEntryNamedAfterIt();
    void archiveOfADirectoryKeepsSymlinksAndHardlinks();
    void archiveOfDirDotGivesTheContent();
    void archiveStreamsLargeFilesInPieces();
    void extractWritesFilesDirsAndLinks();
    void extractMakesMissingParents();
    void extractRefusesDotDot();
    void extractNeverWritesThroughASymlinkOutOfTheRoot();
    void extractDestinationThroughSymlinksStaysInTheRoot();
    void extractOfNonTarInputIsInvalid();
    void extractHonoursNoOverwriteDirNonDir();
    void extractIntoAFileOrMissingDirFails();
    void extractKeepsOwnersOnlyWithCopyUidGid();

private:
    Result<UniqueFd> rootFd() const;
    Status extractBytes(const QString &dest, const QByteArray &tar, const ContainerExtractOptions &o = {});
    QByteArray readAll(ContainerArchive &a, qsizetype chunk = 256 * 1024, qsizetype *largest = nullptr);

    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
};

void tst_ContainerArchive::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + u"/root";
    QVERIFY(QDir().mkpath(m_root + u"/data/sub"));
    QVERIFY(QDir().mkpath(m_root + u"/tmp"));
    writeFile(m_root + u"/data/f.txt", "hello\n");
    writeFile(m_root + u"/data/sub/b", "bee");
    QVERIFY(QFile::setPermissions(m_root + u"/data/f.txt", QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    QVERIFY(QFile::link(QStringLiteral("f.txt"), m_root + u"/data/ln"));
    QCOMPARE(::link(QFile::encodeName(m_root + u"/data/f.txt").constData(),
                    QFile::encodeName(m_root + u"/data/hard").constData()),
             0);
}

Result<UniqueFd> tst_ContainerArchive::rootFd() const
{
    const int fd = ::open(QFile::encodeName(m_root).constData(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return failErrno("open root");
    return UniqueFd(fd);
}

Status tst_ContainerArchive::extractBytes(const QString &dest, const QByteArray &tar, const ContainerExtractOptions &o)
{
    QTemporaryFile f;
    if (!f.open())
        return fail(ErrorCode::Io, "temp file");
    f.write(tar);
    f.flush();
    const int fd = ::open(QFile::encodeName(f.fileName()).constData(), O_RDONLY | O_CLOEXEC);
    UniqueFd in(fd);
    auto root = rootFd();
    if (!root)
        return fail(root.error());
    return ContainerArchive::extract(root->get(), dest, in.get(), o);
}

QByteArray tst_ContainerArchive::readAll(ContainerArchive &a, qsizetype chunk, qsizetype *largest)
{
    QByteArray all;
    for (int guard = 0; guard < 100000; ++guard) {
        auto piece = a.read(chunk);
        if (!piece) {
            qWarning() << QString::fromStdString(piece.error().toString());
            return {};
        }
        if (largest)
            *largest = qMax(*largest, piece->size());
        if (piece->isEmpty() && a.atEnd())
            break;
        all += *piece;
    }
    return all;
}

void tst_ContainerArchive::statReportsGoModeBitsAndBaseName()
{
    auto root = rootFd();
    QVERIFY(root);
    auto f = ContainerArchive::stat(root->get(), QStringLiteral("/data/f.txt"));
    QVERIFY2(f, f ? "" : f.error().toString().c_str());
    QCOMPARE(f->name, QStringLiteral("f.txt"));
    QCOMPARE(f->size, 6);
    QCOMPARE(f->mode, quint32(0644));
    auto d = ContainerArchive::stat(root->get(), QStringLiteral("/data"));
    QVERIFY(d);
    QVERIFY(d->isDir());
    QCOMPARE(d->mode & ~0777u, ContainerPathStat::kGoModeDir);
    auto l = ContainerArchive::stat(root->get(), QStringLiteral("/data/ln"));
    QVERIFY(l);
    QVERIFY(l->isSymlink());
    QCOMPARE(l->linkTarget, QStringLiteral("f.txt"));
    auto r = ContainerArchive::stat(root->get(), QStringLiteral("/"));
    QVERIFY(r);
    QCOMPARE(r->name, QStringLiteral("/"));
    QVERIFY(r->isDir());
    auto dotdot = ContainerArchive::stat(root->get(), QStringLiteral("/data/sub/../f.txt"));
    QVERIFY(dotdot);
    QCOMPARE(dotdot->name, QStringLiteral("f.txt"));
}

void tst_ContainerArchive::statOfAMissingPathIsNotFound()
{
    auto root = rootFd();
    QVERIFY(root);
    for (const char *p : {"/nosuch", "/nosuch/deeper", "/data/missing"}) {
        auto s = ContainerArchive::stat(root->get(), QString::fromLatin1(p));
        QVERIFY(!s);
        QCOMPARE(s.error().code(), ErrorCode::NotFound);
    }
    auto notDir = ContainerArchive::stat(root->get(), QStringLiteral("/data/f.txt/"));
    QVERIFY(!notDir);
    QCOMPARE(notDir.error().code(), ErrorCode::InvalidArgument);
}

void tst_ContainerArchive::statDoesNotLeaveTheRootThroughSymlinks()
{
    // /etc/hostname exists on the host, not in this root
    QVERIFY(QFileInfo::exists(QStringLiteral("/etc/hostname")) || QFileInfo::exists(QStringLiteral("/etc/passwd")));
    QVERIFY(QFile::link(QStringLiteral("/etc"), m_root + u"/abs"));
    QVERIFY(QFile::link(QStringLiteral("../../../../../../../etc"), m_root + u"/climb"));
    QVERIFY(QFile::link(QStringLiteral("/proc/self/root/etc"), m_root + u"/magic"));
    auto root = rootFd();
    QVERIFY(root);
    for (const char *p : {"/abs/passwd", "/climb/passwd", "/magic/passwd"}) {
        auto s = ContainerArchive::stat(root->get(), QString::fromLatin1(p));
        QVERIFY2(!s, p);
        QCOMPARE(s.error().code(), ErrorCode::NotFound);
    }
    // the same links resolve to the root's own /etc once it has one
    QVERIFY(QDir().mkpath(m_root + u"/etc"));
    writeFile(m_root + u"/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    for (const char *p : {"/abs/passwd", "/climb/passwd"}) {
        auto s = ContainerArchive::stat(root->get(), QString::fromLatin1(p));
        QVERIFY2(s, p);
        QCOMPARE(s->size, 26);
    }
    auto archive = ContainerArchive::open(root->get(), QStringLiteral("/abs/passwd"));
    QVERIFY(archive);
    const auto items = listTar(readAll(**archive));
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().data, QByteArray("root:x:0:0::/root:/bin/sh\n"));
}

void tst_ContainerArchive::headerIsBase64Json()
{
    ContainerPathStat s;
    s.name = QStringLiteral("tmp");
    s.size = 4096;
    s.mode = ContainerPathStat::kGoModeDir | 0755;
    s.mtimeNs = 1'795'819'056'977'450'540LL;
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromBase64(s.toHeaderValue())).object();
    QCOMPARE(o.value(u"name"_qs).toString(), QStringLiteral("tmp"));
    QCOMPARE(o.value(u"size"_qs).toInteger(), 4096);
    QCOMPARE(o.value(u"mode"_qs).toInteger(), qint64(2147484141LL));
    QCOMPARE(o.value(u"mtime"_qs).toString(), QStringLiteral("2026-11-27T22:37:36.97745054Z"));
    QCOMPARE(o.value(u"linkTarget"_qs).toString(), QString());
    s.mtimeNs = 1'795'819'056'000'000'000LL;
    const QJsonObject whole = QJsonDocument::fromJson(QByteArray::fromBase64(s.toHeaderValue())).object();
    QCOMPARE(whole.value(u"mtime"_qs).toString(), QStringLiteral("2026-11-27T22:37:36Z"));
}

void tst_ContainerArchive::archiveOfAFileHasOneEntryNamedAfterIt()
{
    auto root = rootFd();
    QVERIFY(root);
    auto a = ContainerArchive::open(root->get(), QStringLiteral("/data/f.txt"));
    QVERIFY(a);
    QCOMPARE((*a)->pathStat().name, QStringLiteral("f.txt"));
    const auto items = listTar(readAll(**a));
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().name, QByteArray("f.txt"));
    QCOMPARE(items.first().data, QByteArray("hello\n"));
    // a symlink itself is archived as a symlink
    auto l = ContainerArchive::open(root->get(), QStringLiteral("/data/ln"));
    QVERIFY(l);
    const auto link = listTar(readAll(**l));
    QCOMPARE(link.size(), 1);
    QCOMPARE(link.first().type, mode_t(AE_IFLNK));
    QCOMPARE(link.first().link, QByteArray("f.txt"));
}

void tst_ContainerArchive::archiveOfADirectoryKeepsSymlinksAndHardlinks()
{
    auto root = rootFd();
    QVERIFY(root);
    auto a = ContainerArchive::open(root->get(), QStringLiteral("/data"));
    QVERIFY(a);
    const auto items = listTar(readAll(**a));
    QCOMPARE(names(items), (QStringList{u"data/"_qs, u"data/f.txt"_qs, u"data/hard"_qs, u"data/ln"_qs,
                                        u"data/sub/"_qs, u"data/sub/b"_qs}));
    int hardlinks = 0;
    for (const auto &i : items) {
        if (i.name == "data/ln")
            QCOMPARE(i.link, QByteArray("f.txt"));
        if (i.isHardlink) {
            ++hardlinks;
            QVERIFY(i.link == "data/f.txt" || i.link == "data/hard");
        }
    }
    QCOMPARE(hardlinks, 1);
    // "dir/" is the same as "dir"
    auto slash = ContainerArchive::open(root->get(), QStringLiteral("/data/"));
    QVERIFY(slash);
    QCOMPARE(names(listTar(readAll(**slash))).size(), 6);
}

void tst_ContainerArchive::archiveOfDirDotGivesTheContent()
{
    auto root = rootFd();
    QVERIFY(root);
    auto a = ContainerArchive::open(root->get(), QStringLiteral("/data/sub/."));
    QVERIFY(a);
    QCOMPARE(names(listTar(readAll(**a))), (QStringList{u"./"_qs, u"./b"_qs}));
}

void tst_ContainerArchive::archiveStreamsLargeFilesInPieces()
{
    QByteArray big(6 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char(i * 7);
    writeFile(m_root + u"/tmp/big", big);
    auto root = rootFd();
    QVERIFY(root);
    auto a = ContainerArchive::open(root->get(), QStringLiteral("/tmp/big"));
    QVERIFY(a);
    qsizetype largest = 0;
    const QByteArray tar = readAll(**a, 128 * 1024, &largest);
    QVERIFY(largest <= 128 * 1024);
    const auto items = listTar(tar);
    QCOMPARE(items.size(), 1);
    QVERIFY(items.first().data == big);
}

void tst_ContainerArchive::extractWritesFilesDirsAndLinks()
{
    const QByteArray tar = TarBuilder()
                               .dir("d", 0750)
                               .file("d/x", "ex", 0600)
                               .symlink("d/l", "/etc/passwd")
                               .hardlink("d/h", "d/x")
                               .file("top", "t", 0755)
                               .build();
    QVERIFY(extractBytes(QStringLiteral("/tmp"), tar));
    struct stat st;
    QCOMPARE(::stat(QFile::encodeName(m_root + u"/tmp/d").constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0750));
    QCOMPARE(::stat(QFile::encodeName(m_root + u"/tmp/d/x").constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0600));
    QCOMPARE(st.st_nlink, nlink_t(2));
    char target[64] = {};
    QCOMPARE(::readlink(QFile::encodeName(m_root + u"/tmp/d/l").constData(), target, sizeof target - 1), ssize_t(11));
    QCOMPARE(QByteArray(target), QByteArray("/etc/passwd"));
    QFile top(m_root + u"/tmp/top");
    QVERIFY(top.open(QIODevice::ReadOnly));
    QCOMPARE(top.readAll(), QByteArray("t"));
    // a second copy replaces files in place
    QVERIFY(extractBytes(QStringLiteral("/tmp"), TarBuilder().file("top", "again").build()));
    QFile again(m_root + u"/tmp/top");
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), QByteArray("again"));
}

void tst_ContainerArchive::extractMakesMissingParents()
{
    QVERIFY(extractBytes(QStringLiteral("/tmp"), TarBuilder().file("a/b/c", "deep").build()));
    QVERIFY(QFileInfo(m_root + u"/tmp/a/b/c").isFile());
}

void tst_ContainerArchive::extractRefusesDotDot()
{
    const QByteArray tar = TarBuilder().file("../../escape", "x").build();
    auto st = extractBytes(QStringLiteral("/tmp"), tar);
    QVERIFY(!st);
    QCOMPARE(st.error().code(), ErrorCode::InvalidArgument);
    QVERIFY(!QFileInfo::exists(m_tmp->path() + u"/escape"));
    QVERIFY(!QFileInfo::exists(m_root + u"/escape"));
}

void tst_ContainerArchive::extractNeverWritesThroughASymlinkOutOfTheRoot()
{
    QTemporaryDir host;
    QVERIFY(host.isValid());
    // the tar plants a symlink to a host directory, then writes through it
    const QByteArray tar = TarBuilder()
                               .symlink("out", host.path().toUtf8())
                               .file("out/pwned", "x")
                               .symlink("up", "../../../../../../../../..")
                               .file("up/pwned2", "x")
                               .build();
    (void)extractBytes(QStringLiteral("/tmp"), tar);
    QCOMPARE(QDir(host.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size(), 0);
    QVERIFY(!QFileInfo::exists(m_tmp->path() + u"/pwned2"));
    QVERIFY(!QFileInfo::exists(QStringLiteral("/pwned2")));
    // and a file that is a symlink in the container is replaced, not written through
    writeFile(host.path() + u"/victim", "safe");
    QVERIFY(QFile::link(host.path() + u"/victim", m_root + u"/tmp/victim"));
    QVERIFY(extractBytes(QStringLiteral("/tmp"), TarBuilder().file("victim", "evil").build()));
    QFile v(host.path() + u"/victim");
    QVERIFY(v.open(QIODevice::ReadOnly));
    QCOMPARE(v.readAll(), QByteArray("safe"));
    QVERIFY(QFileInfo(m_root + u"/tmp/victim").isFile() && !QFileInfo(m_root + u"/tmp/victim").isSymLink());
}

void tst_ContainerArchive::extractDestinationThroughSymlinksStaysInTheRoot()
{
    QTemporaryDir host;
    QVERIFY(host.isValid());
    // destination parents that are symlinks to the host or to /proc/self/root
    QVERIFY(QFile::link(host.path(), m_root + u"/hostdir"));
    QVERIFY(QFile::link(QStringLiteral("/proc/self/root/tmp"), m_root + u"/procroot"));
    for (const char *dest : {"/hostdir", "/procroot", "/hostdir/sub"}) {
        auto st = extractBytes(QString::fromLatin1(dest), TarBuilder().file("x", "x").build());
        QVERIFY2(!st, dest);
        QCOMPARE(st.error().code(), ErrorCode::NotFound);
    }
    QCOMPARE(QDir(host.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size(), 0);
    // a symlink to a directory inside the container is followed inside it
    QVERIFY(QFile::link(QStringLiteral("/data/sub"), m_root + u"/inside"));
    QVERIFY(extractBytes(QStringLiteral("/inside"), TarBuilder().file("new", "n").build()));
    QVERIFY(QFileInfo(m_root + u"/data/sub/new").isFile());
}

void tst_ContainerArchive::extractOfNonTarInputIsInvalid()
{
    auto st = extractBytes(QStringLiteral("/tmp"), QByteArray(3000, 'z'));
    QVERIFY(!st);
    QCOMPARE(st.error().code(), ErrorCode::InvalidArgument);
    QVERIFY(QString::fromStdString(st.error().message()).startsWith(u"Error processing tar file"));
    QCOMPARE(QDir(m_root + u"/tmp").entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size(), 0);
}

void tst_ContainerArchive::extractHonoursNoOverwriteDirNonDir()
{
    ContainerExtractOptions strict;
    strict.noOverwriteDirNonDir = true;
    auto st = extractBytes(QStringLiteral("/"), TarBuilder().file("data", "file").build(), strict);
    QVERIFY(!st);
    QCOMPARE(st.error().code(), ErrorCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(st.error().message()),
             QStringLiteral("cannot overwrite directory \"/data\" with non-directory \"/data\""));
    QVERIFY(QFileInfo(m_root + u"/data/f.txt").isFile());
    st = extractBytes(QStringLiteral("/data"), TarBuilder().dir("f.txt").build(), strict);
    QVERIFY(!st);
    QCOMPARE(QString::fromStdString(st.error().message()),
             QStringLiteral("cannot overwrite non-directory \"/data/f.txt\" with directory \"/data/f.txt\""));
    // without the flag docker replaces
    st = extractBytes(QStringLiteral("/data"), TarBuilder().dir("f.txt").build());
    QVERIFY2(st, st ? "" : st.error().toString().c_str());
    QVERIFY(QFileInfo(m_root + u"/data/f.txt").isDir());
}

void tst_ContainerArchive::extractIntoAFileOrMissingDirFails()
{
    auto st = extractBytes(QStringLiteral("/data/f.txt"), TarBuilder().file("x", "x").build());
    QVERIFY(!st);
    QCOMPARE(st.error().code(), ErrorCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(st.error().message()), QStringLiteral("extraction point is not a directory"));
    st = extractBytes(QStringLiteral("/nosuch"), TarBuilder().file("x", "x").build());
    QVERIFY(!st);
    QCOMPARE(st.error().code(), ErrorCode::NotFound);
}

void tst_ContainerArchive::extractKeepsOwnersOnlyWithCopyUidGid()
{
    if (::geteuid() != 0)
        QSKIP("chown to other users needs root (CI runs as root)");
    TarBuilder::Entry e;
    e.path = "owned";
    e.data = "o";
    e.uid = 1234;
    e.gid = 4321;
    const QByteArray tar = TarBuilder().add(e).build();
    QVERIFY(extractBytes(QStringLiteral("/tmp"), tar));
    struct stat st;
    QCOMPARE(::lstat(QFile::encodeName(m_root + u"/tmp/owned").constData(), &st), 0);
    QCOMPARE(st.st_uid, uid_t(0));
    QCOMPARE(st.st_gid, gid_t(0));
    ContainerExtractOptions keep;
    keep.copyUidGid = true;
    QVERIFY(extractBytes(QStringLiteral("/tmp"), tar, keep));
    QCOMPARE(::lstat(QFile::encodeName(m_root + u"/tmp/owned").constData(), &st), 0);
    QCOMPARE(st.st_uid, uid_t(1234));
    QCOMPARE(st.st_gid, gid_t(4321));
}

QTEST_GUILESS_MAIN(tst_ContainerArchive)
#include "tst_containerarchive.moc"
