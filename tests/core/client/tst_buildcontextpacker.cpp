#include <client/buildcontextpacker.h>
#include <client/localbuildcontext.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

using Berth::Client::BuildContextPacker;
using Berth::Client::LocalBuildContext;
using Berth::Dockerfile::DockerIgnore;

namespace {

struct TarEntry
{
    QString name;
    mode_t mode = 0;
    qint64 uid = -1;
    qint64 gid = -1;
    QString uname;
    qint64 mtime = 0;
    long mtimeNsec = 0;
    QString symlink;
    QString hardlink;
    QByteArray content;
};

// Reads the whole stream in pieces of `piece` bytes, recording the most
// the packer ever held ready beyond one read.
QByteArray drain(BuildContextPacker &packer, qint64 piece, qint64 *mostBuffered = nullptr)
{
    QByteArray all;
    qint64 most = 0;
    while (!packer.atEnd()) {
        QByteArray chunk(piece, Qt::Uninitialized);
        const qint64 n = packer.read(chunk.data(), piece);
        if (n < 0) {
            qWarning() << "read failed:" << packer.errorString();
            return {};
        }
        if (n == 0)
            break;
        all.append(chunk.constData(), n);
        most = qMax(most, packer.bytesAvailable());
    }
    if (mostBuffered)
        *mostBuffered = most;
    return all;
}

QList<TarEntry> listTar(const QByteArray &tar)
{
    QList<TarEntry> out;
    std::unique_ptr<struct archive, int (*)(struct archive *)> a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    if (archive_read_open_memory(a.get(), tar.constData(), size_t(tar.size())) != ARCHIVE_OK)
        return out;
    struct archive_entry *e = nullptr;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
        TarEntry t;
        t.name = QString::fromUtf8(archive_entry_pathname(e));
        t.mode = archive_entry_mode(e);
        t.uid = archive_entry_uid(e);
        t.gid = archive_entry_gid(e);
        t.uname = QString::fromUtf8(archive_entry_uname(e) ? archive_entry_uname(e) : "");
        t.mtime = archive_entry_mtime(e);
        t.mtimeNsec = archive_entry_mtime_nsec(e);
        if (archive_entry_symlink(e))
            t.symlink = QString::fromUtf8(archive_entry_symlink(e));
        if (archive_entry_hardlink(e))
            t.hardlink = QString::fromUtf8(archive_entry_hardlink(e));
        char buffer[65536];
        la_ssize_t n;
        while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0)
            t.content.append(buffer, n);
        out.append(t);
    }
    return out;
}

QStringList names(const QList<TarEntry> &entries)
{
    QStringList out;
    for (const TarEntry &e : entries)
        out << e.name;
    return out;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

QByteArray packDirectory(const QString &dir, const QStringList &patterns = {})
{
    BuildContextPacker::Spec spec;
    spec.directory = dir;
    auto ignore = DockerIgnore::fromPatterns(patterns);
    if (!ignore)
        return {};
    spec.ignore = *ignore;
    auto packer = BuildContextPacker::open(std::move(spec));
    if (!packer)
        return {};
    return drain(**packer, 4096);
}

} // namespace

class tst_BuildContextPacker : public QObject
{
    Q_OBJECT

private slots:
    void entriesComeInGoByteOrderWithDockersHeaders()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString root = dir.path();
        QVERIFY(writeFile(root + QStringLiteral("/b.txt"), "bee\n"));
        QVERIFY(writeFile(root + QStringLiteral("/B.txt"), "upper\n"));
        QVERIFY(writeFile(root + QStringLiteral("/a/z.sh"), "#!/bin/sh\n"));
        QVERIFY(writeFile(root + QStringLiteral("/a-b"), "dash\n"));
        QVERIFY(QFile::setPermissions(root + QStringLiteral("/a/z.sh"),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
                                          | QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther));
        QCOMPARE(::symlink("../b.txt", QFile::encodeName(root + QStringLiteral("/a/link")).constData()), 0);
        QCOMPARE(::link(QFile::encodeName(root + QStringLiteral("/b.txt")).constData(),
                        QFile::encodeName(root + QStringLiteral("/c-hard")).constData()), 0);
        // mtime with a fraction: docker truncates it to whole seconds.
        struct timeval times[2] = {{1700000000, 500000}, {1700000123, 750000}};
        QCOMPARE(::utimes(QFile::encodeName(root + QStringLiteral("/b.txt")).constData(), times), 0);

        const QList<TarEntry> entries = listTar(packDirectory(root));
        // filepath.WalkDir: lexical byte order, a directory before its entries.
        QCOMPARE(names(entries), (QStringList{QStringLiteral("B.txt"), QStringLiteral("a/"), QStringLiteral("a/link"),
                                              QStringLiteral("a/z.sh"), QStringLiteral("a-b"), QStringLiteral("b.txt"),
                                              QStringLiteral("c-hard")}));
        for (const TarEntry &e : entries) {
            QCOMPARE(e.uid, 0);
            QCOMPARE(e.gid, 0);
            QCOMPARE(e.uname, QString());
            QCOMPARE(e.mtimeNsec, 0L);
        }
        QVERIFY(S_ISDIR(entries[1].mode));
        QVERIFY(S_ISLNK(entries[2].mode));
        QCOMPARE(entries[2].symlink, QStringLiteral("../b.txt"));
        QCOMPARE(entries[3].mode & 07777, mode_t(0755));
        QCOMPARE(entries[3].content, QByteArray("#!/bin/sh\n"));
        QCOMPARE(entries[5].content, QByteArray("bee\n"));
        QCOMPARE(entries[5].mtime, 1700000123);
        // The second name of an inode is a link to the first one.
        QCOMPARE(entries[6].hardlink, QStringLiteral("b.txt"));
        QVERIFY(entries[6].content.isEmpty());
    }

    void theStreamIsUnblockedAndEndsWithTwoZeroBlocksAsGosTarWriter()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.path() + QStringLiteral("/hello.txt"), "hi-there\n"));
        const QByteArray tar = packDirectory(dir.path());
        // One header, one data block, two zero blocks: no 10 KiB record padding.
        QCOMPARE(tar.size(), 4 * 512);
        QCOMPARE(tar.mid(257, 8), QByteArray("ustar\0" "00", 8));
        QCOMPARE(tar.right(1024), QByteArray(1024, '\0'));
        // The header's mode and owner fields (libarchive pads octal fields
        // with a space where Go writes one more digit; readers accept both).
        QCOMPARE(tar.mid(100, 8).trimmed().replace('\0', "").toInt(nullptr, 8), 0644);
        QCOMPARE(tar.mid(108, 8).trimmed().replace('\0', "").toInt(nullptr, 8), 0);
        QCOMPARE(tar.mid(116, 8).trimmed().replace('\0', "").toInt(nullptr, 8), 0);
    }

    void dockerignorePatternsFilterAsTheDockerCliWalkerDoes_data()
    {
        QTest::addColumn<QStringList>("patterns");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("nothing ignored")
            << QStringList{}
            << QStringList{QStringLiteral("app.log"), QStringLiteral("build/"), QStringLiteral("build/keep"),
                           QStringLiteral("build/out.o"), QStringLiteral("keep.log"), QStringLiteral("src/"),
                           QStringLiteral("src/main.c"), QStringLiteral("src/tmp/"), QStringLiteral("src/tmp/x.tmp")};
        QTest::newRow("a glob and an exception")
            << QStringList{QStringLiteral("*.log"), QStringLiteral("!keep.log")}
            << QStringList{QStringLiteral("build/"), QStringLiteral("build/keep"), QStringLiteral("build/out.o"),
                           QStringLiteral("keep.log"), QStringLiteral("src/"), QStringLiteral("src/main.c"),
                           QStringLiteral("src/tmp/"), QStringLiteral("src/tmp/x.tmp")};
        QTest::newRow("a directory skipped whole")
            << QStringList{QStringLiteral("build")}
            << QStringList{QStringLiteral("app.log"), QStringLiteral("keep.log"), QStringLiteral("src/"),
                           QStringLiteral("src/main.c"), QStringLiteral("src/tmp/"), QStringLiteral("src/tmp/x.tmp")};
        // The excluded directory itself is not sent, the re-included file is.
        QTest::newRow("an exception inside an excluded directory")
            << QStringList{QStringLiteral("build"), QStringLiteral("!build/keep")}
            << QStringList{QStringLiteral("app.log"), QStringLiteral("build/keep"), QStringLiteral("keep.log"),
                           QStringLiteral("src/"), QStringLiteral("src/main.c"), QStringLiteral("src/tmp/"),
                           QStringLiteral("src/tmp/x.tmp")};
        QTest::newRow("double star")
            << QStringList{QStringLiteral("**/*.tmp"), QStringLiteral("**/*.o")}
            << QStringList{QStringLiteral("app.log"), QStringLiteral("build/"), QStringLiteral("build/keep"),
                           QStringLiteral("keep.log"), QStringLiteral("src/"), QStringLiteral("src/main.c"),
                           QStringLiteral("src/tmp/")};
        QTest::newRow("everything but one tree")
            << QStringList{QStringLiteral("*"), QStringLiteral("!src")}
            << QStringList{QStringLiteral("src/"), QStringLiteral("src/main.c"), QStringLiteral("src/tmp/"),
                           QStringLiteral("src/tmp/x.tmp")};
    }

    void dockerignorePatternsFilterAsTheDockerCliWalkerDoes()
    {
        QFETCH(QStringList, patterns);
        QFETCH(QStringList, expected);
        QTemporaryDir dir;
        const QString root = dir.path();
        for (const char *f : {"app.log", "keep.log", "build/out.o", "build/keep", "src/main.c", "src/tmp/x.tmp"})
            QVERIFY(writeFile(root + QLatin1Char('/') + QLatin1String(f), f));
        QCOMPARE(names(listTar(packDirectory(root, patterns))), expected);
    }

    void aLargeFileStreamsInPiecesWithoutBeingHeldWhole()
    {
        QTemporaryDir dir;
        QByteArray big(8 * 1024 * 1024 + 17, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char((i * 131) % 251);
        QVERIFY(writeFile(dir.path() + QStringLiteral("/big.bin"), big));
        BuildContextPacker::Spec spec;
        spec.directory = dir.path();
        auto packer = BuildContextPacker::open(std::move(spec));
        QVERIFY(packer);
        qint64 mostBuffered = 0;
        const QByteArray tar = drain(**packer, 65536, &mostBuffered);
        QVERIFY2(mostBuffered <= 2 * 65536 + 1024, QByteArray::number(mostBuffered).constData());
        QCOMPARE((*packer)->bytesRead(), qint64(tar.size()));
        const QList<TarEntry> entries = listTar(tar);
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries[0].content, big);
    }

    void extraFilesReplaceAWalkedFileOrComeLast()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.path() + QStringLiteral("/.dockerignore"), "*.md"));
        QVERIFY(writeFile(dir.path() + QStringLiteral("/z.txt"), "z"));
        BuildContextPacker::Spec spec;
        spec.directory = dir.path();
        const QString name = LocalBuildContext::addDockerfile(spec, "FROM scratch\n", QByteArray("*.md"));
        QVERIFY(name.startsWith(QStringLiteral(".dockerfile.")));
        QCOMPARE(name.size(), 12 + 20);
        auto packer = BuildContextPacker::open(std::move(spec));
        QVERIFY(packer);
        const QList<TarEntry> entries = listTar(drain(**packer, 1000));
        QCOMPARE(names(entries), (QStringList{QStringLiteral(".dockerignore"), QStringLiteral("z.txt"), name}));
        QCOMPARE(entries[0].content, QByteArray("*.md\n") + name.toUtf8() + '\n');
        QCOMPARE(entries[2].content, QByteArray("FROM scratch\n"));
        QCOMPARE(entries[2].mode & 07777, mode_t(0600));
    }

    void theDockerfileAndDockerignoreAreSentEvenWhenIgnored()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.path() + QStringLiteral("/.dockerignore"), "*\n"));
        QVERIFY(writeFile(dir.path() + QStringLiteral("/Dockerfile"), "FROM scratch\n"));
        QVERIFY(writeFile(dir.path() + QStringLiteral("/other"), "x"));
        auto context = LocalBuildContext::prepare(dir.path(), QString());
        QVERIFY2(context, context ? "" : context.error().message().c_str());
        QCOMPARE(context->dockerfile(), QStringLiteral("Dockerfile"));
        QString dockerfileName;
        auto packer = context->openPacker(std::nullopt, &dockerfileName);
        QVERIFY(packer);
        QCOMPARE(dockerfileName, QStringLiteral("Dockerfile"));
        QCOMPARE(names(listTar(drain(**packer, 512))), (QStringList{QStringLiteral(".dockerignore"), QStringLiteral("Dockerfile")}));
    }

    void aLowerCaseDockerfileIsFoundAndFIsRelativeToTheCurrentDirectory()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.path() + QStringLiteral("/ctx/dockerfile"), "FROM scratch\n"));
        QVERIFY(writeFile(dir.path() + QStringLiteral("/ctx/sub/Dockerfile.dev"), "FROM scratch\n"));
        QVERIFY(writeFile(dir.path() + QStringLiteral("/outside.Dockerfile"), "FROM scratch\n"));
        auto context = LocalBuildContext::prepare(dir.path() + QStringLiteral("/ctx"), QString());
        QVERIFY(context);
        QCOMPARE(context->dockerfile(), QStringLiteral("dockerfile"));

        const QString cwd = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir.path()));
        auto sub = LocalBuildContext::prepare(QStringLiteral("ctx"), QStringLiteral("ctx/sub/Dockerfile.dev"));
        auto outside = LocalBuildContext::prepare(QStringLiteral("ctx"), QStringLiteral("outside.Dockerfile"));
        QDir::setCurrent(cwd);
        QVERIFY(sub);
        QCOMPARE(sub->dockerfile(), QStringLiteral("sub/Dockerfile.dev"));
        QVERIFY(!sub->dockerfileOutside());
        QVERIFY(outside);
        QVERIFY(outside->dockerfileOutside());
        QCOMPARE(outside->dockerfileOutsidePath(), QDir(dir.path()).canonicalPath() + QStringLiteral("/outside.Dockerfile"));
    }

    void preparationErrorsCarryTheDockerCliTexts()
    {
        QTemporaryDir dir;
        const QString missing = dir.path() + QStringLiteral("/nope");
        auto noDir = LocalBuildContext::prepare(missing, QString());
        QVERIFY(!noDir);
        QCOMPARE(QString::fromStdString(noDir.error().message()),
                 QStringLiteral("unable to prepare context: path \"%1\" not found").arg(missing));

        QVERIFY(writeFile(dir.path() + QStringLiteral("/file"), "x"));
        auto notDir = LocalBuildContext::prepare(dir.path() + QStringLiteral("/file"), QString());
        QVERIFY(!notDir);
        const QString canonical = QDir(dir.path()).canonicalPath();
        QCOMPARE(QString::fromStdString(notDir.error().message()),
                 QStringLiteral("unable to prepare context: context must be a directory: %1/file").arg(canonical));

        QVERIFY(QDir().mkpath(dir.path() + QStringLiteral("/empty")));
        auto noDockerfile = LocalBuildContext::prepare(dir.path() + QStringLiteral("/empty"), QString());
        QVERIFY(!noDockerfile);
        QCOMPARE(QString::fromStdString(noDockerfile.error().message()),
                 QStringLiteral("unable to prepare context: unable to evaluate symlinks in Dockerfile path: "
                                "lstat %1/empty/Dockerfile: no such file or directory").arg(canonical));

        QVERIFY(writeFile(dir.path() + QStringLiteral("/bad/.dockerignore"), "[\n"));
        QVERIFY(writeFile(dir.path() + QStringLiteral("/bad/Dockerfile"), "FROM scratch\n"));
        auto badIgnore = LocalBuildContext::prepare(dir.path() + QStringLiteral("/bad"), QString());
        QVERIFY(!badIgnore);
        QVERIFY2(QString::fromStdString(badIgnore.error().message()).startsWith(QStringLiteral("error checking context: ")),
                 badIgnore.error().message().c_str());
    }

    void onlyExtraFilesMakeAOneFileContext()
    {
        BuildContextPacker::Spec spec;
        BuildContextPacker::ExtraFile file;
        file.name = QStringLiteral("Dockerfile");
        file.content = "FROM busybox\n";
        file.mode = 0644;
        file.mtime = 1700000000;
        spec.extraFiles << file;
        auto packer = BuildContextPacker::open(std::move(spec));
        QVERIFY(packer);
        const QList<TarEntry> entries = listTar(drain(**packer, 100));
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries[0].name, QStringLiteral("Dockerfile"));
        QCOMPARE(entries[0].content, QByteArray("FROM busybox\n"));
        QCOMPARE(entries[0].mtime, 1700000000);
        QCOMPARE(entries[0].mode & 07777, mode_t(0644));
        QVERIFY((*packer)->atEnd());
    }
};

QTEST_GUILESS_MAIN(tst_BuildContextPacker)
#include "tst_buildcontextpacker.moc"
