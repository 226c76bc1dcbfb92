// Every image route of berthd through an in-process Daemon on a private
// root and socket, with raw HTTP (chunked uploads, disconnects) and the
// replies docker's CLI relies on (engine-api.md 4.4, 7.15, 8.5-8.8).

#include "routetestdata.h"
#include "testclient.h"

#include <daemon/daemon.h>

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QtTest>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

namespace {

// A minimal ustar writer: regular files and directories.
QByteArray rootfs(const QByteArray &marker)
{
    return Tar().dir("bin").dir("etc").file("etc/marker", marker).file("bin/tool", QByteArray(3000, 'x') + marker, 0755).finish();
}

} // namespace

class tst_ImageRoutes : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Berth::Daemon::Daemon> m_daemon;

    QString root() const { return m_dir.path() + QStringLiteral("/root"); }
    QString socketPath() const { return m_dir.path() + QStringLiteral("/berth.sock"); }

    // One request on its own connection; the reply or status 0.
    Reply call(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
               const QByteArray &extraHeaders = {})
    {
        TestClient client(socketPath());
        if (!client.isConnected())
            return {};
        QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders;
        if (!body.isEmpty() || method == "POST")
            req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        client.send(req + "\r\n" + body);
        if (!client.waitForReplies(1, 20000))
            return {};
        return client.reply(0);
    }
    QJsonValue json(const Reply &r) { return QJsonDocument::fromJson(r.body).isArray() ? QJsonValue(QJsonDocument::fromJson(r.body).array()) : QJsonValue(QJsonDocument::fromJson(r.body).object()); }
    QString message(const Reply &r) { return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("message")).toString(); }

    // POST /images/create?fromSrc=- with a chunked body; the new ID or "".
    QString import(const QByteArray &tar, const QByteArray &query = {}, Reply *out = nullptr)
    {
        TestClient client(socketPath());
        client.send("POST /v1.41/images/create?fromSrc=-" + query + " HTTP/1.1\r\nHost: x\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n" + chunked(tar));
        if (!client.waitForReplies(1, 20000))
            return {};
        const Reply r = client.reply(0);
        if (out)
            *out = r;
        if (r.status != 200)
            return {};
        return QJsonDocument::fromJson(r.body.trimmed()).object().value(QStringLiteral("status")).toString();
    }
    QByteArray listAll() { return call("GET", "/v1.41/images/json?all=1").body; }
    QStringList tmpFiles() { return QDir(root() + QStringLiteral("/tmp")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden); }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QDir(root()).removeRecursively();
        DaemonConfig config;
        config.root = root();
        config.socketPath = socketPath();
        config.group.clear();
        m_daemon = std::make_unique<Berth::Daemon::Daemon>(config);
        auto started = m_daemon->start(false);
        QVERIFY2(started.has_value(), started ? "" : started.error().toString().c_str());
    }
    void cleanup()
    {
        if (m_daemon) {
            QSignalSpy stopped(m_daemon.get(), &Berth::Daemon::Daemon::stopped);
            m_daemon->shutdown();
            stopped.wait(3000);
            m_daemon.reset();
        }
    }

    void importStreamsAChunkedTarAndAppliesChangesAndTag()
    {
        Reply r;
        const QString id = import(rootfs("one"), "&repo=" + enc(QStringLiteral("busybox")) + "&tag=1.0&changes="
                                                     + enc(QStringLiteral("CMD [\"sh\"]")) + "&changes="
                                                     + enc(QStringLiteral("ENV A=b")) + "&message=" + enc(QStringLiteral("hi")),
                                  &r);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/json"));
        QVERIFY2(id.startsWith(QLatin1String("sha256:")) && id.size() == 71, r.body.constData());

        const Reply inspect = call("GET", "/v1.41/images/busybox:1.0/json");
        QCOMPARE(inspect.status, 200);
        const QJsonObject o = json(inspect).toObject();
        QCOMPARE(o.value(QStringLiteral("Id")).toString(), id);
        QCOMPARE(o.value(QStringLiteral("RepoTags")).toArray(), QJsonArray{QStringLiteral("busybox:1.0")});
        QVERIFY(o.value(QStringLiteral("RepoDigests")).isArray());
        const QJsonObject config = o.value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("Cmd")).toArray(), QJsonArray{QStringLiteral("sh")});
        QVERIFY(config.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("A=b")));
        QCOMPARE(o.value(QStringLiteral("Comment")).toString(), QStringLiteral("hi"));
        QCOMPARE(o.value(QStringLiteral("Os")).toString(), QStringLiteral("linux"));
        QVERIFY(!o.value(QStringLiteral("Architecture")).toString().isEmpty());
        QVERIFY(o.value(QStringLiteral("Size")).toInteger() > 3000);
        const QJsonObject rootFs = o.value(QStringLiteral("RootFS")).toObject();
        QCOMPARE(rootFs.value(QStringLiteral("Type")).toString(), QStringLiteral("layers"));
        QCOMPARE(rootFs.value(QStringLiteral("Layers")).toArray().size(), 1);
        QVERIFY(QDateTime::fromString(o.value(QStringLiteral("Created")).toString(), Qt::ISODateWithMs).isValid());

        // The same image by ID, by short ID, and by docker.io/library name.
        QCOMPARE(call("GET", "/v1.41/images/" + id.toLatin1() + "/json").status, 200);
        QCOMPARE(call("GET", "/v1.41/images/" + id.mid(7, 12).toLatin1() + "/json").status, 200);
        QCOMPARE(call("GET", "/v1.41/images/docker.io/library/busybox:1.0/json").status, 200);
        QVERIFY(tmpFiles().isEmpty());
    }

    void listHonoursEveryFilter()
    {
        const QString a = import(rootfs("a"), "&repo=alpha&tag=1&changes=" + enc(QStringLiteral("LABEL team=x")));
        QVERIFY(!a.isEmpty());
        QTest::qWait(1100); // distinct creation seconds for before/since
        const QString b = import(rootfs("b"), "&repo=beta&tag=2");
        QVERIFY(!b.isEmpty());
        QTest::qWait(1100);
        const QString dangling = import(rootfs("c"));
        QVERIFY(!dangling.isEmpty());

        const auto ids = [this](const QByteArray &query) -> QStringList {
            const Reply r = call("GET", "/v1.41/images/json" + query);
            QStringList out;
            for (const QJsonValue &v : QJsonDocument::fromJson(r.body).array())
                out << v.toObject().value(QStringLiteral("Id")).toString();
            return out;
        };
        const auto filter = [](const char *json) -> QByteArray { return "?filters=" + QUrl::toPercentEncoding(QLatin1String(json)); };
        QCOMPARE(ids({}).size(), 3);
        QCOMPARE(ids(filter("{\"dangling\":{\"true\":true}}")), QStringList{dangling});
        QCOMPARE(ids(filter("{\"dangling\":{\"false\":true}}")).size(), 2);
        QCOMPARE(ids(filter("{\"reference\":{\"alpha\":true}}")), QStringList{a});
        QCOMPARE(ids(filter("{\"reference\":{\"beta:2\":true}}")), QStringList{b});
        QCOMPARE(ids(filter("{\"reference\":{\"nomatch\":true}}")), QStringList{});
        QCOMPARE(ids(filter("{\"label\":{\"team=x\":true}}")), QStringList{a});
        QCOMPARE(ids(filter("{\"label\":{\"team\":true}}")), QStringList{a});
        QCOMPARE(ids(filter("{\"before\":{\"beta:2\":true}}")), QStringList{a});
        QCOMPARE(ids(filter("{\"since\":{\"beta:2\":true}}")), QStringList{dangling});

        // The summary fields docker reads.
        const QJsonArray all = json(call("GET", "/v1.41/images/json?filters=" + QUrl::toPercentEncoding(QStringLiteral("{\"reference\":{\"alpha\":true}}")))).toArray();
        const QJsonObject s = all.first().toObject();
        QCOMPARE(s.value(QStringLiteral("RepoTags")).toArray(), QJsonArray{QStringLiteral("alpha:1")});
        QCOMPARE(s.value(QStringLiteral("ParentId")).toString(), QString());
        QVERIFY(s.value(QStringLiteral("Created")).toInteger() > 1700000000);
        QVERIFY(s.value(QStringLiteral("Size")).toInteger() > 3000);
        QCOMPARE(s.value(QStringLiteral("Labels")).toObject().value(QStringLiteral("team")).toString(), QStringLiteral("x"));

        const Reply bad = call("GET", "/v1.41/images/json?filters=" + QUrl::toPercentEncoding(QStringLiteral("{\"bogus\":{\"x\":true}}")));
        QCOMPARE(bad.status, 400);
        QVERIFY2(message(bad).contains(QLatin1String("bogus")), bad.body.constData());
    }

    void historyListsNewestFirstWithDockerFields()
    {
        const QString id = import(rootfs("h"), "&repo=hist&changes=" + enc(QStringLiteral("CMD [\"sh\"]")));
        QVERIFY(!id.isEmpty());
        const Reply r = call("GET", "/v1.41/images/hist/history");
        QCOMPARE(r.status, 200);
        const QJsonArray items = json(r).toArray();
        QVERIFY(!items.isEmpty());
        const QJsonObject top = items.first().toObject();
        QCOMPARE(top.value(QStringLiteral("Id")).toString(), id);
        QCOMPARE(top.value(QStringLiteral("Tags")).toArray(), QJsonArray{QStringLiteral("hist:latest")});
        for (const QString &key : {QStringLiteral("Created"), QStringLiteral("CreatedBy"), QStringLiteral("Size"), QStringLiteral("Comment")})
            QVERIFY2(top.contains(key), qPrintable(key));
        qint64 total = 0;
        for (const QJsonValue &v : items)
            total += v.toObject().value(QStringLiteral("Size")).toInteger();
        QVERIFY(total > 3000);
        QCOMPARE(call("GET", "/v1.41/images/nosuch/history").status, 404);
    }

    void tagAnswers201AndRmiUntagsBeforeItDeletes()
    {
        const QString id = import(rootfs("t"), "&repo=src&tag=v1");
        QVERIFY(!id.isEmpty());
        const Reply tagged = call("POST", "/v1.41/images/src:v1/tag?repo=" + enc(QStringLiteral("docker.io/library/copy")) + "&tag=2");
        QCOMPARE(tagged.status, 201);
        QVERIFY(tagged.body.isEmpty());
        QCOMPARE(call("POST", "/v1.41/images/src:v1/tag?repo=" + enc(QStringLiteral("localhost:5999/a/b")) + "&tag=v2").status, 201);
        QCOMPARE(json(call("GET", "/v1.41/images/copy:2/json")).toObject().value(QStringLiteral("Id")).toString(), id);

        // By ID with three names: docker's conflict, nothing removed.
        const Reply conflict = call("DELETE", "/v1.41/images/" + id.mid(7).toLatin1());
        QCOMPARE(conflict.status, 409);
        QCOMPARE(message(conflict), QStringLiteral("conflict: unable to delete %1 (must be forced) - image is referenced in multiple repositories")
                                        .arg(id.mid(7, 12)));

        const Reply untag = call("DELETE", "/v1.41/images/copy:2");
        QCOMPARE(untag.status, 200);
        QCOMPARE(json(untag).toArray(), (QJsonArray{QJsonObject{{QStringLiteral("Untagged"), QStringLiteral("copy:2")}}}));
        QCOMPARE(call("DELETE", "/v1.41/images/localhost:5999/a/b:v2").status, 200);

        const Reply del = call("DELETE", "/v1.41/images/src:v1");
        QCOMPARE(del.status, 200);
        const QJsonArray items = json(del).toArray();
        QCOMPARE(items.first().toObject().value(QStringLiteral("Untagged")).toString(), QStringLiteral("src:v1"));
        // As docker: the image first, then the layers it alone used.
        QCOMPARE(items.at(1).toObject().value(QStringLiteral("Deleted")).toString(), id);
        QVERIFY(items.size() >= 3);
        QCOMPARE(call("GET", "/v1.41/images/" + id.toLatin1() + "/json").status, 404);
    }

    void unknownImagesAndBadNamesGiveDockersErrors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::newRow("rmi") << QByteArray("DELETE") << QByteArray("/v1.41/images/nosuch:tag") << 404 << QStringLiteral("No such image: nosuch:tag");
        QTest::newRow("inspect") << QByteArray("GET") << QByteArray("/v1.41/images/nosuch/json") << 404 << QStringLiteral("No such image: nosuch:latest");
        QTest::newRow("history") << QByteArray("GET") << QByteArray("/v1.41/images/nosuch:1/history") << 404 << QStringLiteral("No such image: nosuch:1");
        QTest::newRow("tag") << QByteArray("POST") << QByteArray("/v1.41/images/nosuch/tag?repo=x&tag=1") << 404 << QStringLiteral("No such image: nosuch:latest");
        QTest::newRow("upper") << QByteArray("GET") << QByteArray("/v1.41/images/UPPER/json") << 400 << QString();
        QTest::newRow("tag without repo") << QByteArray("POST") << QByteArray("/v1.41/images/x/tag") << 400 << QStringLiteral("repository name must have at least one component");
    }

    void unknownImagesAndBadNamesGiveDockersErrors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(QString, message);
        const Reply r = call(method, target);
        QCOMPARE(r.status, status);
        QCOMPARE(r.headers.value("Content-Type"), QByteArray("application/json"));
        if (!message.isEmpty())
            QCOMPARE(this->message(r), message);
        else
            QVERIFY2(!this->message(r).isEmpty(), r.body.constData());
    }

    void pruneRemovesDanglingThenAllAndReportsSpace()
    {
        const QString kept = import(rootfs("k"), "&repo=kept");
        const QString dangling = import(rootfs("d"));
        QVERIFY(!kept.isEmpty() && !dangling.isEmpty());

        const Reply p1 = call("POST", "/v1.41/images/prune?filters=" + QUrl::toPercentEncoding(QStringLiteral("{\"dangling\":{\"true\":true}}")));
        QCOMPARE(p1.status, 200);
        const QJsonObject r1 = json(p1).toObject();
        // The image, then its layer (docker lists deleted layers too).
        const QJsonArray deleted = r1.value(QStringLiteral("ImagesDeleted")).toArray();
        QCOMPARE(deleted.size(), 2);
        QCOMPARE(deleted.first().toObject(), (QJsonObject{{QStringLiteral("Deleted"), dangling}}));
        QVERIFY(r1.value(QStringLiteral("SpaceReclaimed")).toInteger() > 3000);
        QCOMPARE(call("GET", "/v1.41/images/" + kept.toLatin1() + "/json").status, 200);

        const Reply again = call("POST", "/v1.41/images/prune");
        QCOMPARE(json(again).toObject().value(QStringLiteral("SpaceReclaimed")).toInteger(), 0);

        const Reply p2 = call("POST", "/v1.41/images/prune?filters=" + QUrl::toPercentEncoding(QStringLiteral("{\"dangling\":{\"false\":true}}")));
        QCOMPARE(p2.status, 200);
        const QJsonObject r2 = json(p2).toObject();
        const QJsonArray deleted2 = r2.value(QStringLiteral("ImagesDeleted")).toArray();
        QCOMPARE(deleted2.size(), 3); // untag, the image, its layer
        QCOMPARE(deleted2.at(0).toObject(), (QJsonObject{{QStringLiteral("Untagged"), QStringLiteral("kept:latest")}}));
        QCOMPARE(deleted2.at(1).toObject(), (QJsonObject{{QStringLiteral("Deleted"), kept}}));
        QVERIFY(r2.value(QStringLiteral("SpaceReclaimed")).toInteger() > 3000);
        QCOMPARE(json(call("GET", "/v1.41/images/json?all=1")).toArray().size(), 0);
    }

    void garbageImportFailsClearlyAndLeavesTheStoreAlone_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QString>("needle");
        QTest::newRow("not a tar") << QByteArray(5000, 'z') << QByteArray() << QString();
        QTest::newRow("truncated tar") << rootfs("x").left(700) << QByteArray() << QString();
        QTest::newRow("bad change") << rootfs("y") << ("&changes=" + enc(QStringLiteral("FROBNICATE x"))) << QStringLiteral("FROBNICATE");
        QTest::newRow("bad repo") << rootfs("y") << QByteArray("&repo=UPPER") << QString();
    }

    void garbageImportFailsClearlyAndLeavesTheStoreAlone()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, query);
        QFETCH(QString, needle);
        QVERIFY(!import(rootfs("base"), "&repo=base").isEmpty());
        const QByteArray before = listAll();
        Reply r;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("import failed")));
        QVERIFY(import(body, query, &r).isEmpty());
        QVERIFY2(r.status >= 400 && r.status < 600, QByteArray::number(r.status).constData());
        const QString text = message(r);
        QVERIFY2(!text.isEmpty(), r.body.constData());
        if (!needle.isEmpty())
            QVERIFY2(text.contains(needle), qPrintable(text));
        QCOMPARE(listAll(), before);
        QTRY_VERIFY(tmpFiles().isEmpty());
    }

    void clientGoneMidImportLeavesNoImageAndNoTempFiles()
    {
        QVERIFY(!import(rootfs("base"), "&repo=base").isEmpty());
        const QByteArray before = listAll();
        {
            TestClient client(socketPath());
            const QByteArray tar = Tar().file("big", QByteArray(3 * 1024 * 1024, 'q')).finish();
            const QByteArray body = chunked(tar, 64 * 1024);
            client.sendRaw("POST /v1.41/images/create?fromSrc=-&repo=half HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           + body.left(body.size() / 2));
            QTest::qWait(300); // the importer has a temp blob by now
            client.socket().abort();
        }
        QTest::qWait(300);
        QCOMPARE(listAll(), before);
        QTRY_VERIFY_WITH_TIMEOUT(tmpFiles().isEmpty(), 5000);
        QCOMPARE(call("GET", "/v1.41/images/half/json").status, 404);
    }

    void imageEventsAreReplayedFromTheBus()
    {
        const QString id = import(rootfs("e"), "&repo=ev&tag=1");
        QVERIFY(!id.isEmpty());
        QCOMPARE(call("POST", "/v1.41/images/ev:1/tag?repo=ev&tag=2").status, 201);
        QCOMPARE(call("DELETE", "/v1.41/images/ev:2").status, 200);
        QCOMPARE(call("DELETE", "/v1.41/images/ev:1").status, 200);
        const qint64 now = QDateTime::currentSecsSinceEpoch() + 1;
        const Reply r = call("GET", "/v1.41/events?since=0&until=" + QByteArray::number(now) + "&filters="
                                        + QUrl::toPercentEncoding(QStringLiteral("{\"type\":{\"image\":true}}")));
        QCOMPARE(r.status, 200);
        QStringList seen;
        for (const QByteArray &line : r.body.split('\n')) {
            const QJsonObject e = QJsonDocument::fromJson(line).object();
            if (e.isEmpty())
                continue;
            QCOMPARE(e.value(QStringLiteral("Type")).toString(), QStringLiteral("image"));
            seen << e.value(QStringLiteral("Action")).toString() + QLatin1Char(' ')
                        + e.value(QStringLiteral("Actor")).toObject().value(QStringLiteral("Attributes")).toObject().value(QStringLiteral("name")).toString();
        }
        QCOMPARE(seen, (QStringList{QStringLiteral("import ") + id, QStringLiteral("tag ev:1"), QStringLiteral("tag ev:2"),
                                    QStringLiteral("untag ev:2"), QStringLiteral("untag ev:1"), QStringLiteral("delete ") + id}));
    }
};

QTEST_GUILESS_MAIN(tst_ImageRoutes)
#include "tst_imageroutes.moc"
