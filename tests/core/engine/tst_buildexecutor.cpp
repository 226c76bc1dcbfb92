#include "tarbuilder.h"

#include <engine/buildcache.h>
#include <engine/buildcommit.h>
#include <engine/buildcontext.h>
#include <engine/buildexecutor.h>
#include <engine/imagestore.h>

#include <QDir>
#include <QDate>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Engine;

namespace {

QString msg(const Error &e)
{
    return QString::fromStdString(e.toString());
}

const QByteArray kDockerfile = "FROM scratch\n"
                               "WORKDIR /app\n"
                               "COPY src/ ./\n"
                               "COPY top.txt /top.txt\n"
                               "ENV A=b\n"
                               "EXPOSE 80\n"
                               "CMD [\"/app/run\"]\n";

} // namespace

// BuildExecutor: the dispatch loop, cache semantics, history, failures.
class tst_BuildExecutor : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_n = 0;
    std::unique_ptr<ImageStore> m_store;
    std::optional<BuildCache> m_cache;

    struct Outcome
    {
        Result<Digest> id;
        QString text;
        QList<BuildStepEvent> steps;
    };

    Outcome build(const QByteArray &dockerfile, const QByteArray &top, BuildOptions options = {}, BuildRunner run = {})
    {
        TarBuilder t;
        t.file("Dockerfile", dockerfile).dir("src").file("src/run", "#!/bin/sh\necho hi\n", 0755).file("top.txt", top);
        const QString dir = m_tmp.filePath(QStringLiteral("ctx%1").arg(++m_n));
        QDir().mkpath(dir);
        const int fd = TarBuilder::toFd(t.build(), dir + QStringLiteral(".tar"));
        auto ctx = BuildContext::extract(fd, dir);
        ::close(fd);
        if (!ctx)
            qFatal("extract: %s", ctx.error().toString().c_str());
        Outcome out{Digest(), {}, {}};
        BuildExecutor exec(*m_store, *m_cache, *ctx, options, [&out](const QString &s) { out.text += s; },
                           [&out](const BuildStepEvent &e) { out.steps.append(e); }, run);
        out.id = exec.build();
        return out;
    }

    // A build over a context of `files` (path -> bytes) and a Dockerfile.
    Outcome buildFiles(const QByteArray &dockerfile, const QList<QPair<QByteArray, QByteArray>> &files,
                       BuildOptions options = {})
    {
        TarBuilder t;
        t.file("Dockerfile", dockerfile);
        for (const auto &f : files)
            t.file(f.first, f.second);
        const QString dir = m_tmp.filePath(QStringLiteral("ctx%1").arg(++m_n));
        QDir().mkpath(dir);
        const int fd = TarBuilder::toFd(t.build(), dir + QStringLiteral(".tar"));
        auto ctx = BuildContext::extract(fd, dir);
        ::close(fd);
        if (!ctx)
            qFatal("extract: %s", ctx.error().toString().c_str());
        Outcome out{Digest(), {}, {}};
        BuildExecutor exec(*m_store, *m_cache, *ctx, options, [&out](const QString &s) { out.text += s; },
                           [&out](const BuildStepEvent &e) { out.steps.append(e); });
        out.id = exec.build();
        return out;
    }
    QString topLayer(const Digest &image)
    {
        auto rec = m_store->image(image);
        return rec && !rec->chainIds.isEmpty() ? m_store->layers().diffPath(rec->chainIds.last()) : QString();
    }

    static int cachedSteps(const Outcome &o) { return int(o.text.count(QStringLiteral("Using cache"))); }

private slots:
    void init()
    {
        const QString root = m_tmp.filePath(QStringLiteral("root%1").arg(++m_n));
        auto store = ImageStore::open(root);
        QVERIFY(store);
        m_store = std::move(*store);
        auto cache = BuildCache::open(root);
        QVERIFY(cache);
        m_cache = std::move(*cache);
    }

    void buildsAndCaches()
    {
        BuildOptions options;
        options.tags = {QStringLiteral("x"), QStringLiteral("y:2")};
        const Outcome first = build(kDockerfile, "top1", options);
        QVERIFY2(first.id, first.id ? "" : qPrintable(msg(first.id.error())));
        QVERIFY(first.text.startsWith(QStringLiteral("Step 1/7 : FROM scratch\n")));
        QVERIFY(first.text.contains(QStringLiteral("Step 3/7 : COPY src/ ./\n")));
        QVERIFY(first.text.contains(QStringLiteral("Successfully built ") + first.id->shortHex()));
        QVERIFY(first.text.endsWith(QStringLiteral("Successfully tagged x:latest\nSuccessfully tagged y:2\n")));
        QCOMPARE(cachedSteps(first), 0);
        QCOMPARE(*m_store->resolve(QStringLiteral("x")), *first.id);

        auto rec = m_store->image(*first.id);
        QVERIFY(rec);
        QCOMPARE(rec->diffIds.size(), 3); // WORKDIR, COPY, COPY
        const QJsonObject cfg = rec->config.value(QStringLiteral("config")).toObject();
        QCOMPARE(cfg.value(QStringLiteral("WorkingDir")).toString(), QStringLiteral("/app"));
        // dockerd's default PATH for an image without one, then the ENV
        QCOMPARE(cfg.value(QStringLiteral("Env")).toArray(),
                 (QJsonArray{QStringLiteral("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), QStringLiteral("A=b")}));
        QCOMPARE(cfg.value(QStringLiteral("Cmd")).toArray(), QJsonArray{QStringLiteral("/app/run")});
        QVERIFY(cfg.value(QStringLiteral("ExposedPorts")).toObject().contains(QStringLiteral("80/tcp")));
        auto history = m_store->history(first.id->toString());
        QVERIFY(history);
        QCOMPARE(history->size(), 6);
        QVERIFY(QFile::exists(m_store->layers().diffPath(rec->chainIds.at(1)) + QStringLiteral("/app/run")));
        QCOMPARE(first.steps.size(), 6);
        QVERIFY(first.steps.at(1).layer.has_value());
        QVERIFY(!first.steps.at(1).cached);

        // nothing changed: every step is a cache hit, same image
        const Outcome again = build(kDockerfile, "top1", options);
        QVERIFY(again.id);
        QCOMPARE(*again.id, *first.id);
        QCOMPARE(cachedSteps(again), 6);
    }

    void changedFileRebuildsFromItsCopy()
    {
        const Outcome first = build(kDockerfile, "top1");
        QVERIFY(first.id);
        const Outcome changed = build(kDockerfile, "top2");
        QVERIFY2(changed.id, changed.id ? "" : qPrintable(msg(changed.id.error())));
        QVERIFY(*changed.id != *first.id);
        // WORKDIR and COPY src hit; COPY top.txt and everything after rebuild
        QCOMPARE(cachedSteps(changed), 2);
        QVERIFY(changed.steps.at(0).cached && changed.steps.at(1).cached);
        for (int i = 2; i < changed.steps.size(); ++i)
            QVERIFY(!changed.steps.at(i).cached);

        BuildOptions noCache;
        noCache.noCache = true;
        const Outcome fresh = build(kDockerfile, "top2", noCache);
        QVERIFY(fresh.id);
        QCOMPARE(cachedSteps(fresh), 0);
    }

    void badInputLeavesStoreAsItWas()
    {
        BuildOptions options;
        options.tags = {QStringLiteral("bad-input:tag")};
        const QList<Digest> before = m_store->imageIds();
        const Outcome unknown = build("FROM scratch\nFOO bar\n", "t", options);
        QVERIFY(!unknown.id);
        QCOMPARE(msg(unknown.id.error()), QStringLiteral("dockerfile parse error line 2: unknown instruction: FOO"));
        const Outcome missing = build("FROM scratch\nCOPY nope /\n", "t", options);
        QVERIFY(!missing.id);
        QVERIFY(msg(missing.id.error()).contains(QStringLiteral("COPY failed: file not found in build context")));
        QCOMPARE(m_store->imageIds(), before);
        QVERIFY(!m_store->resolve(QStringLiteral("bad-input:tag")));
    }

    void runStepsGoThroughTheRunner()
    {
        BuildOptions options;
        options.tags = {QStringLiteral("r")};
        options.buildArgs.insert(QStringLiteral("V"), QStringLiteral("1"));
        QList<BuildRunRequest> seen;
        const BuildRunner runner = [&seen](const BuildRunRequest &r) -> Result<int> {
            seen.append(r);
            if (r.argv.last() == QLatin1String("false"))
                return 1;
            QFile f(r.upperDir + QStringLiteral("/made"));
            if (!f.open(QIODevice::WriteOnly))
                return fail(ErrorCode::Io, "write");
            f.write("made");
            return 0;
        };
        const Outcome ok = build("FROM scratch\nARG V\nRUN make\n", "t", options, runner);
        QVERIFY2(ok.id, ok.id ? "" : qPrintable(msg(ok.id.error())));
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen.first().argv, (QStringList{QStringLiteral("/bin/sh"), QStringLiteral("-c"), QStringLiteral("make")}));
        QCOMPARE(seen.first().extraEnv, QStringList{QStringLiteral("V=1")});
        auto rec = m_store->image(*ok.id);
        QVERIFY(rec);
        QVERIFY(QFile::exists(m_store->layers().diffPath(rec->chainIds.last()) + QStringLiteral("/made")));
        const auto history = m_store->history(ok.id->toString());
        QVERIFY(history);
        QCOMPARE(history->first().createdBy, QStringLiteral("|1 V=1 /bin/sh -c make"));

        const Outcome again = build("FROM scratch\nARG V\nRUN make\n", "t", options, runner);
        QVERIFY(again.id);
        QCOMPARE(seen.size(), 1); // cached: not run again

        options.tags = {QStringLiteral("failing:tag")};
        const Outcome failed = build("FROM scratch\nARG V\nRUN make\nRUN false\n", "t", options, runner);
        QVERIFY(!failed.id);
        QCOMPARE(QString::fromStdString(failed.id.error().message()),
                 QStringLiteral("The command '/bin/sh -c false' returned a non-zero code: 1"));
        QVERIFY(!m_store->resolve(QStringLiteral("failing:tag")));
        QCOMPARE(cachedSteps(failed), 2); // the steps before it stay cached
    }

    void onbuildTriggersRunAfterFromAndAreNotInherited()
    {
        QList<BuildRunRequest> seen;
        const BuildRunner runner = [&seen](const BuildRunRequest &r) -> Result<int> {
            seen.append(r);
            QFile f(r.upperDir + QStringLiteral("/ran"));
            if (!f.open(QIODevice::WriteOnly))
                return fail(ErrorCode::Io, "write");
            f.write(r.argv.last().toUtf8());
            return 0;
        };
        BuildOptions options;
        options.tags = {QStringLiteral("base:on")};
        const Outcome base = build("FROM scratch\nENV A=1\nONBUILD COPY top.txt /trigger.txt\nONBUILD ENV T=$A\n"
                                   "ONBUILD RUN make\nCMD [\"x\"]\n", "top-of-child", options, runner);
        QVERIFY2(base.id, base.id ? "" : qPrintable(msg(base.id.error())));
        QVERIFY(seen.isEmpty()); // recorded, not run, in the image that declares them
        auto baseRec = m_store->image(*base.id);
        QVERIFY(baseRec);
        QCOMPARE(baseRec->config.value(QStringLiteral("config")).toObject().value(QStringLiteral("OnBuild")).toArray(),
                 (QJsonArray{QStringLiteral("COPY top.txt /trigger.txt"), QStringLiteral("ENV T=$A"), QStringLiteral("RUN make")}));

        options.tags = {QStringLiteral("child")};
        const Outcome child = build("FROM base:on\nENV B=2\n", "child-top", options, runner);
        QVERIFY2(child.id, child.id ? "" : qPrintable(msg(child.id.error())));
        // dockerd's text: the triggers between FROM's step line and its " ---> ID", not counted as steps
        QVERIFY2(child.text.startsWith(QStringLiteral("Step 1/2 : FROM base:on\n# Executing 3 build triggers\n")), qPrintable(child.text));
        QVERIFY2(child.text.contains(QStringLiteral("Step 2/2 : ENV B=2\n")), qPrintable(child.text));
        QCOMPARE(int(child.text.count(QStringLiteral("Step "))), 2);
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen.first().argv, (QStringList{QStringLiteral("/bin/sh"), QStringLiteral("-c"), QStringLiteral("make")}));
        QVERIFY(seen.first().config.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("T=1")));

        auto rec = m_store->image(*child.id);
        QVERIFY(rec);
        const QJsonObject cfg = rec->config.value(QStringLiteral("config")).toObject();
        QVERIFY(cfg.value(QStringLiteral("OnBuild")).toArray().isEmpty()); // not inherited
        QVERIFY(cfg.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("T=1")));
        QVERIFY(cfg.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("B=2")));
        QCOMPARE(rec->diffIds.size(), 2); // the trigger's COPY and RUN
        QFile copied(m_store->layers().diffPath(rec->chainIds.first()) + QStringLiteral("/trigger.txt"));
        QVERIFY(copied.open(QIODevice::ReadOnly));
        QCOMPARE(copied.readAll(), QByteArray("child-top"));
        // FROM's event carries the image after its triggers
        QCOMPARE(child.steps.size(), 2);
        QCOMPARE(child.steps.first().step, 1);
        QVERIFY(child.steps.first().image != *base.id);

        // built again: every trigger and step from the cache, same image
        const Outcome again = build("FROM base:on\nENV B=2\n", "child-top", options, runner);
        QVERIFY(again.id);
        QCOMPARE(*again.id, *child.id);
        QCOMPARE(seen.size(), 1);
        QCOMPARE(cachedSteps(again), 4);

        // a grandchild of the child runs no trigger
        const Outcome grand = build("FROM child\nENV C=3\n", "x", {}, runner);
        QVERIFY(grand.id);
        QVERIFY(!grand.text.contains(QStringLiteral("build trigger")));
    }

    void onbuildTriggersThatCannotBeAreRefused_data()
    {
        QTest::addColumn<QString>("trigger");
        QTest::addColumn<QString>("message");
        QTest::newRow("FROM") << "FROM busybox" << "FROM isn't allowed as an ONBUILD trigger";
        QTest::newRow("MAINTAINER") << "MAINTAINER me" << "MAINTAINER isn't allowed as an ONBUILD trigger";
        QTest::newRow("ONBUILD") << "ONBUILD RUN x" << "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed";
        QTest::newRow("two") << "ENV A=1\nENV B=2" << "onbuild trigger should be a single expression";
    }

    void onbuildTriggersThatCannotBeAreRefused()
    {
        QFETCH(QString, trigger);
        QFETCH(QString, message);
        // An image whose config says so (another builder could have written it).
        QJsonObject config{{QStringLiteral("Env"), QJsonArray{QStringLiteral("PATH=/bin")}},
                           {QStringLiteral("OnBuild"), QJsonArray{trigger}}};
        auto image = BuildCommit::createImage(*m_store, std::nullopt, config,
                                              BuildHistoryEntry{QStringLiteral("2026-01-01T00:00:00Z"), QStringLiteral("test"), {}, true},
                                              std::nullopt);
        QVERIFY2(image, image ? "" : qPrintable(msg(image.error())));
        QVERIFY(m_store->tag(image->toString(), QStringLiteral("bad"), QStringLiteral("trigger")));
        const QList<Digest> before = m_store->imageIds();
        BuildOptions options;
        options.tags = {QStringLiteral("never")};
        const Outcome out = build("FROM bad:trigger\nENV X=1\n", "t", options);
        QVERIFY(!out.id);
        QVERIFY2(msg(out.id.error()).contains(message), qPrintable(msg(out.id.error())));
        QVERIFY(!m_store->resolve(QStringLiteral("never")));
        QCOMPARE(m_store->imageIds(), before);
    }

    void addUnpacksLocalTarsAndCopiesFiles()
    {
        const QByteArray archive = TarBuilder().dir("inner").file("inner/file", "from the tar").build(TarBuilder::Compression::Gzip);
        const QByteArray plainTar = TarBuilder().file("flat", "plain tar").build();
        const Outcome o = buildFiles("FROM scratch\nADD a.tar.gz /x/\nADD b.tar /y\nADD plain.txt /p.txt\n",
                                     {{"a.tar.gz", archive}, {"b.tar", plainTar}, {"plain.txt", "just a file"}});
        QVERIFY2(o.id, o.id ? "" : qPrintable(msg(o.id.error())));
        auto rec = m_store->image(*o.id);
        QVERIFY(rec);
        QCOMPARE(rec->chainIds.size(), 3);
        const auto read = [](const QString &path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
        };
        QCOMPARE(read(m_store->layers().diffPath(rec->chainIds.at(0)) + QStringLiteral("/x/inner/file")), QByteArray("from the tar"));
        QCOMPARE(read(m_store->layers().diffPath(rec->chainIds.at(1)) + QStringLiteral("/y/flat")), QByteArray("plain tar"));
        QCOMPARE(read(m_store->layers().diffPath(rec->chainIds.at(2)) + QStringLiteral("/p.txt")), QByteArray("just a file"));
        QVERIFY(!QFile::exists(m_store->layers().diffPath(rec->chainIds.at(0)) + QStringLiteral("/x/a.tar.gz")));
        const auto history = m_store->history(o.id->toString());
        QVERIFY(history);
        QVERIFY(history->first().createdBy.contains(QStringLiteral("ADD file:")));
        // the same context again: all from the cache
        const Outcome again = buildFiles("FROM scratch\nADD a.tar.gz /x/\nADD b.tar /y\nADD plain.txt /p.txt\n",
                                         {{"a.tar.gz", archive}, {"b.tar", plainTar}, {"plain.txt", "just a file"}});
        QVERIFY(again.id);
        QCOMPARE(*again.id, *o.id);
        QCOMPARE(cachedSteps(again), 3);
    }

    void addRefusesArchivesThatEscape()
    {
        const QByteArray evil = TarBuilder().file("../../escaped", "x").build();
        const QList<Digest> before = m_store->imageIds();
        const Outcome o = buildFiles("FROM scratch\nADD evil.tar /d/\n", {{"evil.tar", evil}});
        QVERIFY(!o.id);
        QVERIFY2(msg(o.id.error()).contains(QStringLiteral("ADD")), qPrintable(msg(o.id.error())));
        QCOMPARE(m_store->imageIds(), before);
        QVERIFY(!QFile::exists(m_store->root() + QStringLiteral("/escaped")));
        QVERIFY(!QFile::exists(m_store->root() + QStringLiteral("/tmp/escaped")));
    }

    void addFetchesHttpUrls()
    {
        // a one-shot HTTP server on loopback, on a thread of its own (the
        // build blocks this one)
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(listener >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QVERIFY(::bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
        QVERIFY(::listen(listener, 4) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len);
        const int port = ntohs(addr.sin_port);
        std::thread server([listener] {
            for (int i = 0; i < 2; ++i) {
                const int c = ::accept(listener, nullptr, nullptr);
                if (c < 0)
                    return;
                QByteArray request;
                char buf[4096];
                while (!request.contains("\r\n\r\n")) {
                    const ssize_t n = ::read(c, buf, sizeof buf);
                    if (n <= 0)
                        break;
                    request.append(buf, n);
                }
                const bool missing = request.startsWith("GET /missing");
                const QByteArray body = missing ? QByteArray("no") : QByteArray("downloaded bytes");
                const QByteArray reply = (missing ? QByteArray("HTTP/1.1 404 Not Found\r\n") : QByteArray("HTTP/1.1 200 OK\r\n"))
                                         + "Content-Length: " + QByteArray::number(body.size())
                                         + "\r\nLast-Modified: Wed, 01 Jan 2020 00:00:00 GMT\r\nConnection: close\r\n\r\n" + body;
                (void)::write(c, reply.constData(), size_t(reply.size()));
                ::close(c);
            }
        });
        const QByteArray base = "http://127.0.0.1:" + QByteArray::number(port);
        const Outcome o = buildFiles("FROM scratch\nADD " + base + "/dl/file.txt /d/\n", {});
        const Outcome missing = buildFiles("FROM scratch\nADD " + base + "/missing/x /x\n", {});
        ::shutdown(listener, SHUT_RDWR);
        ::close(listener);
        server.join();
        QVERIFY2(o.id, o.id ? "" : qPrintable(msg(o.id.error())));
        const QString path = topLayer(*o.id) + QStringLiteral("/d/file.txt");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("downloaded bytes"));
        QCOMPARE(int(QFileInfo(path).permissions() & 0x7777), int(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser));
        QCOMPARE(QFileInfo(path).lastModified().toUTC().date(), QDate(2020, 1, 1));
        QVERIFY(!missing.id);
        QVERIFY2(msg(missing.id.error()).contains(QStringLiteral("with status 404")), qPrintable(msg(missing.id.error())));
        QVERIFY(QDir(m_store->root() + QStringLiteral("/tmp")).entryList({QStringLiteral("build-add-*")}, QDir::Files).isEmpty());
    }

    void copyFromAnEarlierStage()
    {
        const Outcome o = buildFiles("FROM scratch AS first\nCOPY a.txt /made/a.txt\n"
                                     "FROM scratch\nCOPY --from=first /made/a.txt /copied\nCOPY --from=0 /made /dir\n",
                                     {{"a.txt", "stage file"}});
        QVERIFY2(o.id, o.id ? "" : qPrintable(msg(o.id.error())));
        auto rec = m_store->image(*o.id);
        QVERIFY(rec);
        QCOMPARE(rec->chainIds.size(), 2);
        QFile f(m_store->layers().diffPath(rec->chainIds.at(0)) + QStringLiteral("/copied"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("stage file"));
        QVERIFY(QFile::exists(m_store->layers().diffPath(rec->chainIds.at(1)) + QStringLiteral("/dir/a.txt")));
    }

    void copyFromAMultiLayerStageMountsIt()
    {
        if (::geteuid() != 0)
            QSKIP("mounting an overlay needs root");
        const Outcome o = buildFiles("FROM scratch AS first\nCOPY a.txt /one/a.txt\nCOPY b.txt /two/b.txt\n"
                                     "FROM scratch\nCOPY --from=first / /all/\n",
                                     {{"a.txt", "A"}, {"b.txt", "B"}});
        QVERIFY2(o.id, o.id ? "" : qPrintable(msg(o.id.error())));
        const QString top = topLayer(*o.id);
        QVERIFY(QFile::exists(top + QStringLiteral("/all/one/a.txt")));
        QVERIFY(QFile::exists(top + QStringLiteral("/all/two/b.txt")));
        // the view is unmounted and gone
        QVERIFY(QDir(m_store->root() + QStringLiteral("/tmp")).entryList({QStringLiteral("build-from-*")}, QDir::Dirs).isEmpty());
        QFile mounts(QStringLiteral("/proc/self/mountinfo"));
        QVERIFY(mounts.open(QIODevice::ReadOnly));
        QVERIFY(!mounts.readAll().contains(m_store->root().toUtf8()));
    }

    void copyFromAnImageThatCannotBePulled()
    {
        const Outcome o = buildFiles("FROM scratch\nCOPY --from=nosuch/image:v1 /x /x\n", {});
        QVERIFY(!o.id);
        QCOMPARE(o.id.error().code(), ErrorCode::NotFound);
        QVERIFY2(msg(o.id.error()).contains(QStringLiteral("pull access denied for nosuch/image:v1")), qPrintable(msg(o.id.error())));
    }
};

QTEST_GUILESS_MAIN(tst_BuildExecutor)
#include "tst_buildexecutor.moc"
