#include "tarbuilder.h"

#include <engine/buildcontext.h>
#include <engine/buildcopy.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Engine;

namespace {

QString msg(const Error &e)
{
    return QString::fromStdString(e.toString());
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

} // namespace

// BuildContext (context tar unpacking) and BuildCopy (COPY into a layer dir).
class tst_BuildCopy : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_n = 0;

    QString newDir()
    {
        const QString d = m_tmp.filePath(QStringLiteral("d%1").arg(++m_n));
        QDir().mkpath(d);
        return d;
    }

    BuildContext context(const TarBuilder &tar)
    {
        const int fd = TarBuilder::toFd(tar.build(), m_tmp.filePath(QStringLiteral("ctx%1.tar").arg(++m_n)));
        auto ctx = BuildContext::extract(fd, newDir());
        ::close(fd);
        if (!ctx)
            qFatal("extract: %s", ctx.error().toString().c_str());
        return std::move(*ctx);
    }

    TarBuilder sample()
    {
        TarBuilder t;
        t.file("Dockerfile", "FROM scratch\nCOPY . /\n")
            .dir("src")
            .file("src/a.txt", "alpha", 0640)
            .dir("src/sub")
            .file("src/sub/b.txt", "beta", 0755)
            .symlink("src/link", "a.txt")
            .file("top.txt", "top")
            .file("x.conf", "x")
            .file("y.conf", "y");
        return t;
    }

    Result<QString> copy(const BuildContext &ctx, CopyRequest r, const QString &layer)
    {
        auto src = BuildCopy::resolve(ctx, r);
        if (!src)
            return fail(src.error());
        if (auto s = BuildCopy::apply(ctx, r, *src, layer); !s)
            return fail(s.error());
        return src->sourceHash;
    }

private slots:
    void contextExtractsAndReadsDockerfile()
    {
        BuildContext ctx = context(sample());
        auto df = ctx.readDockerfile(QStringLiteral("Dockerfile"));
        QVERIFY2(df, df ? "" : qPrintable(msg(df.error())));
        QCOMPARE(*df, QByteArray("FROM scratch\nCOPY . /\n"));
        auto missing = ctx.readDockerfile(QStringLiteral("nope/Dockerfile"));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code(), ErrorCode::NotFound);
        QCOMPARE(QString::fromStdString(missing.error().message()),
                 QStringLiteral("Cannot locate specified Dockerfile: nope/Dockerfile"));
        QVERIFY(ctx.readDockerIgnore().isEmpty());
    }

    void malformedContextIsRefused()
    {
        QByteArray garbage(4096, 'x');
        const int fd = TarBuilder::toFd(garbage, m_tmp.filePath(QStringLiteral("bad.tar")));
        auto ctx = BuildContext::extract(fd, newDir());
        ::close(fd);
        QVERIFY(!ctx);

        TarBuilder escape;
        escape.file("../evil", "x");
        const int fd2 = TarBuilder::toFd(escape.build(), m_tmp.filePath(QStringLiteral("esc.tar")));
        const QString dir = newDir();
        auto ctx2 = BuildContext::extract(fd2, dir);
        ::close(fd2);
        QVERIFY(!ctx2);
        QVERIFY(!QFile::exists(QFileInfo(dir).dir().filePath(QStringLiteral("evil"))));
    }

    void copyDirectoryContents()
    {
        BuildContext ctx = context(sample());
        const QString layer = newDir();
        CopyRequest r;
        r.sources = {QStringLiteral("src")};
        r.destination = QStringLiteral("app/");
        r.workingDir = QStringLiteral("/srv");
        auto hash = copy(ctx, r, layer);
        QVERIFY2(hash, hash ? "" : qPrintable(msg(hash.error())));
        QVERIFY(hash->startsWith(QStringLiteral("dir:")));
        QCOMPARE(readAll(layer + QStringLiteral("/srv/app/a.txt")), QByteArray("alpha"));
        QCOMPARE(readAll(layer + QStringLiteral("/srv/app/sub/b.txt")), QByteArray("beta"));
        QCOMPARE(QFileInfo(layer + QStringLiteral("/srv/app/link")).symLinkTarget(),
                 layer + QStringLiteral("/srv/app/a.txt"));
        struct stat st{};
        QCOMPARE(::stat(QFile::encodeName(layer + QStringLiteral("/srv/app/sub/b.txt")).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0755);
        QCOMPARE(::stat(QFile::encodeName(layer + QStringLiteral("/srv")).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0755);
        // files keep their mtime
        QCOMPARE(::stat(QFile::encodeName(layer + QStringLiteral("/srv/app/a.txt")).constData(), &st), 0);
        QCOMPARE(qint64(st.st_mtime), qint64(1700000000));
    }

    void copyFileOntoPathAndIntoDirectory()
    {
        BuildContext ctx = context(sample());
        const QString layer = newDir();
        CopyRequest r;
        r.sources = {QStringLiteral("top.txt")};
        r.destination = QStringLiteral("/etc/renamed");
        QVERIFY(copy(ctx, r, layer));
        QCOMPARE(readAll(layer + QStringLiteral("/etc/renamed")), QByteArray("top"));

        // an existing directory of the image takes the file inside
        const QString lower = newDir();
        QDir().mkpath(lower + QStringLiteral("/opt/tools"));
        const QString layer2 = newDir();
        r.destination = QStringLiteral("/opt/tools");
        r.lowerDirs = {lower};
        QVERIFY(copy(ctx, r, layer2));
        QCOMPARE(readAll(layer2 + QStringLiteral("/opt/tools/top.txt")), QByteArray("top"));
    }

    void wildcardsAndSeveralSources()
    {
        BuildContext ctx = context(sample());
        const QString layer = newDir();
        CopyRequest r;
        r.sources = {QStringLiteral("*.conf")};
        r.destination = QStringLiteral("/conf/");
        auto hash = copy(ctx, r, layer);
        QVERIFY2(hash, hash ? "" : qPrintable(msg(hash.error())));
        QVERIFY(hash->startsWith(QStringLiteral("multi:")));
        QCOMPARE(readAll(layer + QStringLiteral("/conf/x.conf")), QByteArray("x"));
        QCOMPARE(readAll(layer + QStringLiteral("/conf/y.conf")), QByteArray("y"));

        r.destination = QStringLiteral("/conf");
        auto noSlash = BuildCopy::resolve(ctx, r);
        QVERIFY(!noSlash);
        QCOMPARE(QString::fromStdString(noSlash.error().message()),
                 QStringLiteral("When using COPY with more than one source file, the destination must be a directory and end with a /"));

        r.sources = {QStringLiteral("*.none")};
        auto none = BuildCopy::resolve(ctx, r);
        QVERIFY(!none);
        QCOMPARE(QString::fromStdString(none.error().message()), QStringLiteral("COPY failed: no source files were specified"));
    }

    void missingSourceAndEscapes()
    {
        BuildContext ctx = context(sample());
        CopyRequest r;
        r.sources = {QStringLiteral("missing.txt")};
        r.destination = QStringLiteral("/");
        auto res = BuildCopy::resolve(ctx, r);
        QVERIFY(!res);
        QCOMPARE(res.error().code(), ErrorCode::NotFound);
        QCOMPARE(QString::fromStdString(res.error().message()),
                 QStringLiteral("COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist"));

        // ".." cannot leave the context: it stays at the root
        r.sources = {QStringLiteral("../../top.txt")};
        auto up = BuildCopy::resolve(ctx, r);
        QVERIFY2(up, up ? "" : qPrintable(msg(up.error())));
        QCOMPARE(up->paths, QStringList{QStringLiteral("top.txt")});
    }

    void hashFollowsContentAndMode()
    {
        CopyRequest r;
        r.sources = {QStringLiteral("src")};
        r.destination = QStringLiteral("/app/");
        auto h1 = BuildCopy::resolve(context(sample()), r);
        auto h2 = BuildCopy::resolve(context(sample()), r);
        QVERIFY(h1 && h2);
        QCOMPARE(h1->sourceHash, h2->sourceHash);

        TarBuilder changed = sample();
        changed.file("src/a.txt", "ALPHA", 0640); // later entry wins
        auto h3 = BuildCopy::resolve(context(changed), r);
        QVERIFY(h3);
        QVERIFY(h3->sourceHash != h1->sourceHash);

        TarBuilder chmodded = sample();
        chmodded.file("src/a.txt", "alpha", 0600);
        auto h4 = BuildCopy::resolve(context(chmodded), r);
        QVERIFY(h4);
        QVERIFY(h4->sourceHash != h1->sourceHash);

        // other context files do not matter
        TarBuilder other = sample();
        other.file("unrelated", "z");
        auto h5 = BuildCopy::resolve(context(other), r);
        QVERIFY(h5);
        QCOMPARE(h5->sourceHash, h1->sourceHash);
    }

    void chownAndChmod()
    {
        const QString lower = newDir();
        QDir().mkpath(lower + QStringLiteral("/etc"));
        QFile p(lower + QStringLiteral("/etc/passwd"));
        QVERIFY(p.open(QIODevice::WriteOnly));
        p.write("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        p.close();
        QFile g(lower + QStringLiteral("/etc/group"));
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("root:x:0:\nstaff:x:50:\napp:x:1000:\n");
        g.close();

        auto o = BuildCopy::resolveOwner(QStringLiteral("app"), {lower});
        QVERIFY(o);
        QCOMPARE(o->first, uid_t(1000));
        QCOMPARE(o->second, gid_t(1000));
        o = BuildCopy::resolveOwner(QStringLiteral("app:staff"), {lower});
        QVERIFY(o);
        QCOMPARE(o->second, gid_t(50));
        o = BuildCopy::resolveOwner(QStringLiteral("12:34"), {});
        QVERIFY(o);
        QCOMPARE(o->first, uid_t(12));
        QCOMPARE(o->second, gid_t(34));
        o = BuildCopy::resolveOwner(QStringLiteral("nobody"), {lower});
        QVERIFY(!o);
        QCOMPARE(QString::fromStdString(o.error().message()),
                 QStringLiteral("unable to convert uid/gid chown string to host mapping: can't find uid for user nobody: no such user: nobody"));

        BuildContext ctx = context(sample());
        const QString layer = newDir();
        CopyRequest r;
        r.sources = {QStringLiteral("src")};
        r.destination = QStringLiteral("/app");
        r.chown = QStringLiteral("app:staff");
        r.chmod = QStringLiteral("640");
        r.lowerDirs = {lower};
        auto hash = copy(ctx, r, layer);
        QVERIFY2(hash, hash ? "" : qPrintable(msg(hash.error())));
        struct stat st{};
        QCOMPARE(::stat(QFile::encodeName(layer + QStringLiteral("/app/sub/b.txt")).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0640);
        if (::geteuid() == 0) {
            QCOMPARE(st.st_uid, uid_t(1000));
            QCOMPARE(st.st_gid, gid_t(50));
            // the missing destination directory is made for the owner
            QCOMPARE(::stat(QFile::encodeName(layer + QStringLiteral("/app")).constData(), &st), 0);
            QCOMPARE(st.st_uid, uid_t(1000));
        }
    }

    void neverWritesThroughCopiedSymlinks()
    {
        // a copied symlink "x -> /tmp..." must not let a later source write outside the layer
        const QString outside = newDir();
        TarBuilder t;
        t.dir("one").symlink("one/x", outside.toUtf8()).dir("two").dir("two/x").file("two/x/pwned", "no");
        BuildContext ctx = context(t);
        const QString layer = newDir();
        CopyRequest r;
        r.sources = {QStringLiteral("one"), QStringLiteral("two")};
        r.destination = QStringLiteral("/d/");
        auto res = copy(ctx, r, layer);
        QVERIFY(!QFile::exists(outside + QStringLiteral("/pwned")));
        QVERIFY2(res, res ? "" : qPrintable(msg(res.error())));
        QCOMPARE(readAll(layer + QStringLiteral("/d/x/pwned")), QByteArray("no"));
    }

    void destinationThroughImageSymlinkIsRefused()
    {
        const QString lower = newDir();
        QDir().mkpath(lower + QStringLiteral("/run"));
        QVERIFY(QFile::link(QStringLiteral("/run"), lower + QStringLiteral("/var")));
        BuildContext ctx = context(sample());
        CopyRequest r;
        r.sources = {QStringLiteral("top.txt")};
        r.destination = QStringLiteral("/var/x/");
        r.lowerDirs = {lower};
        auto res = copy(ctx, r, newDir());
        QVERIFY(!res);
    }

    void absoluteDestination()
    {
        QCOMPARE(BuildCopy::absoluteDestination(QStringLiteral("."), QStringLiteral("/app")), QStringLiteral("/app/"));
        QCOMPARE(BuildCopy::absoluteDestination(QStringLiteral("x"), QString()), QStringLiteral("/x"));
        QCOMPARE(BuildCopy::absoluteDestination(QStringLiteral("../x/"), QStringLiteral("/a/b")), QStringLiteral("/a/x/"));
        QCOMPARE(BuildCopy::absoluteDestination(QStringLiteral("/"), QStringLiteral("/a")), QStringLiteral("/"));
    }
};

QTEST_GUILESS_MAIN(tst_BuildCopy)
#include "tst_buildcopy.moc"
