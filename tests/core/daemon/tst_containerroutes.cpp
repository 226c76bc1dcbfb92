// The container routes of berthd on an in-process Daemon with a
// FakeRuntimeBackend (style.md C22): create validation and docker's
// messages, inspect and list shapes, the lifecycle (start/stop/kill/
// restart/wait/rm/rename), attach before start, --rm, restart policies,
// address release, and adoption after a restart of the helper.

#include "fakeruntimebackend.h"
#include "routetestdata.h"
#include "testclient.h"

#include <daemon/daemon.h>
#include <daemon/eventbus.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QtTest>

#include <csignal>

using namespace Berth;
using namespace Berth::Daemon;
using namespace BerthTest;

namespace {

QByteArray tarWithFile(const QByteArray &path, const QByteArray &data)
{
    QByteArray h(512, '\0');
    const auto put = [&h](int offset, const QByteArray &value) {
        for (qsizetype i = 0; i < value.size(); ++i)
            h[offset + i] = value.at(i);
    };
    const auto octal = [](qint64 v, int width) { return QByteArray::number(v, 8).rightJustified(width - 1, '0'); };
    put(0, path);
    put(100, octal(0644, 8));
    put(108, octal(0, 8));
    put(116, octal(0, 8));
    put(124, octal(data.size(), 12));
    put(136, octal(1700000000, 12));
    put(148, QByteArray(8, ' '));
    h[156] = '0';
    put(257, QByteArray("ustar\0", 6));
    put(263, "00");
    int sum = 0;
    for (char c : std::as_const(h))
        sum += uchar(c);
    put(148, QByteArray::number(sum, 8).rightJustified(6, '0') + QByteArray("\0 ", 2));
    QByteArray out = h + data;
    if (data.size() % 512)
        out += QByteArray(512 - data.size() % 512, '\0');
    return out + QByteArray(1024, '\0');
}

} // namespace

class tst_ContainerRoutes : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Berth::Daemon::Daemon> m_daemon;
    FakeRuntimeBackend *m_fake = nullptr;

    QString root() const { return m_dir.path() + QStringLiteral("/root"); }
    QString socketPath() const { return m_dir.path() + QStringLiteral("/berth.sock"); }

    void startDaemon(const std::function<void(FakeRuntimeBackend &)> &prepare = {})
    {
        DaemonConfig config;
        config.root = root();
        config.socketPath = socketPath();
        config.group.clear();
        config.bridge = QStringLiteral("bt-routes0");
        config.bridgeSubnet = QStringLiteral("10.123.0.0/24");
        m_daemon = std::make_unique<Berth::Daemon::Daemon>(config);
        auto fake = std::make_unique<FakeRuntimeBackend>(root() + QStringLiteral("/containers"));
        m_fake = fake.get();
        if (prepare)
            prepare(*m_fake);
        m_daemon->setRuntimeBackend(std::move(fake));
        auto started = m_daemon->start(false);
        QVERIFY2(started.has_value(), started ? "" : started.error().toString().c_str());
    }
    void stopDaemon()
    {
        if (!m_daemon)
            return;
        QSignalSpy stopped(m_daemon.get(), &Berth::Daemon::Daemon::stopped);
        m_daemon->shutdown();
        if (stopped.isEmpty())
            stopped.wait(3000);
        m_daemon.reset();
        m_fake = nullptr;
    }

    Reply call(const QByteArray &method, const QByteArray &target, const QByteArray &body = {})
    {
        TestClient client(socketPath());
        if (!client.isConnected())
            return {};
        QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: x\r\n";
        if (!body.isEmpty())
            req += "Content-Type: application/json\r\n";
        if (!body.isEmpty() || method == "POST")
            req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        client.send(req + "\r\n" + body);
        if (!client.waitForReplies(1, 20000))
            return {};
        return client.reply(0);
    }
    QJsonObject object(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }
    QJsonArray array(const Reply &r) { return QJsonDocument::fromJson(r.body).array(); }
    QString message(const Reply &r) { return object(r).value(QStringLiteral("message")).toString(); }

    QString importImage(const QString &repo, const QString &changes)
    {
        QByteArray query = "fromSrc=-&repo=" + enc(repo) + "&tag=latest";
        for (const QString &change : changes.split(u'\n', Qt::SkipEmptyParts))
            query += "&changes=" + enc(change);
        const QByteArray tar = tarWithFile("etc/marker", "x");
        TestClient client(socketPath());
        client.send("POST /v1.41/images/create?" + query + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + QByteArray::number(tar.size()) + "\r\n\r\n" + tar);
        if (!client.waitForReplies(1, 20000))
            return {};
        return QJsonDocument::fromJson(client.reply(0).body.trimmed()).object().value(QStringLiteral("status")).toString();
    }

    QByteArray createBody(const QJsonObject &extra = {}, const QJsonObject &hostConfig = {})
    {
        QJsonObject body{{QStringLiteral("Image"), QStringLiteral("bb")},
                         {QStringLiteral("Cmd"), QJsonArray{QStringLiteral("sleep"), QStringLiteral("100")}}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            body.insert(it.key(), it.value());
        QJsonObject host{{QStringLiteral("NetworkMode"), QStringLiteral("default")}};
        for (auto it = hostConfig.begin(); it != hostConfig.end(); ++it)
            host.insert(it.key(), it.value());
        body.insert(QStringLiteral("HostConfig"), host);
        return QJsonDocument(body).toJson(QJsonDocument::Compact);
    }

    QString create(const QByteArray &name = {}, const QJsonObject &extra = {}, const QJsonObject &hostConfig = {})
    {
        const Reply r = call("POST", "/v1.41/containers/create" + (name.isEmpty() ? QByteArray() : "?name=" + name),
                             createBody(extra, hostConfig));
        if (r.status != 201) {
            qWarning() << "create:" << r.status << r.body;
            return {};
        }
        return object(r).value(QStringLiteral("Id")).toString();
    }

    QJsonObject inspect(const QString &ref)
    {
        return object(call("GET", "/v1.41/containers/" + ref.toUtf8() + "/json"));
    }
    QString state(const QString &ref)
    {
        return inspect(ref).value(QStringLiteral("State")).toObject().value(QStringLiteral("Status")).toString();
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QDir(root()).removeRecursively();
        startDaemon();
        QVERIFY(!importImage(QStringLiteral("bb"), QStringLiteral("CMD [\"sh\"]\nENV FROM_IMAGE=1")).isEmpty());
        QVERIFY(!importImage(QStringLiteral("nocmd"), QString()).isEmpty());
    }
    void cleanup()
    {
        stopDaemon();
    }

    void createOfAMissingImageIs404WithTheTaggedName()
    {
        const Reply r = call("POST", "/v1.41/containers/create", R"({"Image":"nosuch","Cmd":["true"]})");
        QCOMPARE(r.status, 404);
        QCOMPARE(message(r), QStringLiteral("No such image: nosuch:latest"));
        QCOMPARE(array(call("GET", "/v1.41/containers/json?all=1")).size(), 0);
    }

    void createRejectsBadInputWithDockersMessages_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("text");
        QTest::newRow("no command") << QByteArray() << QByteArray(R"({"Image":"nocmd"})") << 400
                                    << QStringLiteral("No command specified");
        QTest::newRow("bad name") << QByteArray("?name=-x") << QByteArray(R"({"Image":"bb"})") << 400
                                  << QStringLiteral("Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        QTest::newRow("restart policy") << QByteArray()
                                        << QByteArray(R"({"Image":"bb","HostConfig":{"RestartPolicy":{"Name":"sometimes"}}})")
                                        << 400
                                        << QStringLiteral("invalid restart policy: unknown policy 'sometimes'; use one of "
                                                          "'no', 'always', 'on-failure', or 'unless-stopped'");
        QTest::newRow("rm with restart") << QByteArray()
                                         << QByteArray(R"({"Image":"bb","HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}})")
                                         << 400 << QStringLiteral("can't create 'AutoRemove' container with restart policy");
        QTest::newRow("memory") << QByteArray() << QByteArray(R"({"Image":"bb","HostConfig":{"Memory":1024}})") << 400
                                << QStringLiteral("Minimum memory limit allowed is 6MB");
        QTest::newRow("swap without memory") << QByteArray()
                                             << QByteArray(R"({"Image":"bb","HostConfig":{"MemorySwap":100000000}})") << 400
                                             << QStringLiteral("You should always set the Memory limit when using Memoryswap limit, see usage");
        QTest::newRow("capability") << QByteArray() << QByteArray(R"({"Image":"bb","HostConfig":{"CapAdd":["FLY"]}})") << 400
                                    << QStringLiteral("invalid CapAdd: unknown capability: \"CAP_FLY\"");
        QTest::newRow("bind destination") << QByteArray() << QByteArray(R"({"Image":"bb","HostConfig":{"Binds":["/tmp:data"]}})")
                                          << 400
                                          << QStringLiteral("invalid volume specification: '/tmp:data': invalid mount config for "
                                                            "type \"bind\": invalid mount path: 'data' mount path must be absolute");
        QTest::newRow("network") << QByteArray() << QByteArray(R"({"Image":"bb","HostConfig":{"NetworkMode":"nonet"}})") << 404
                                 << QStringLiteral("network nonet not found");
        QTest::newRow("port") << QByteArray()
                              << QByteArray(R"({"Image":"bb","HostConfig":{"PortBindings":{"http/tcp":[{"HostPort":"80"}]}}})")
                              << 400 << QStringLiteral("invalid port specification: \"http/tcp\"");
        QTest::newRow("stop signal") << QByteArray() << QByteArray(R"({"Image":"bb","StopSignal":"SIGNOPE"})") << 400
                                     << QStringLiteral("Invalid signal: SIGNOPE");
    }
    void createRejectsBadInputWithDockersMessages()
    {
        QFETCH(QByteArray, query);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, text);
        const Reply r = call("POST", "/v1.41/containers/create" + query, body);
        QCOMPARE(r.status, status);
        QCOMPARE(message(r), text);
        QCOMPARE(array(call("GET", "/v1.41/containers/json?all=1")).size(), 0);
        QCOMPARE(QDir(root() + QStringLiteral("/containers")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size(), 0);
    }

    void aNameInUseIsAConflictWithDockersSentence()
    {
        const QString id = create("web");
        QVERIFY(!id.isEmpty());
        const Reply r = call("POST", "/v1.41/containers/create?name=web", createBody());
        QCOMPARE(r.status, 409);
        QCOMPARE(message(r), QStringLiteral("Conflict. The container name \"/web\" is already in use by container \"%1\". "
                                            "You have to remove (or rename) that container to be able to reuse that name.")
                                 .arg(id));
    }

    void inspectShowsWhatTheCliReads()
    {
        const QString id = create("insp", QJsonObject{{QStringLiteral("Env"), QJsonArray{QStringLiteral("A=b")}},
                                                      {QStringLiteral("Labels"), QJsonObject{{QStringLiteral("k"), QStringLiteral("v")}}}});
        QVERIFY(!id.isEmpty());
        QCOMPARE(id.size(), 64);
        const QJsonObject o = inspect(QStringLiteral("insp"));
        QCOMPARE(o.value(QStringLiteral("Id")).toString(), id);
        QCOMPARE(o.value(QStringLiteral("Name")).toString(), QStringLiteral("/insp"));
        QCOMPARE(o.value(QStringLiteral("Path")).toString(), QStringLiteral("sleep"));
        QCOMPARE(o.value(QStringLiteral("Args")).toArray(), QJsonArray{QStringLiteral("100")});
        const QJsonObject st = o.value(QStringLiteral("State")).toObject();
        QCOMPARE(st.value(QStringLiteral("Status")).toString(), QStringLiteral("created"));
        QCOMPARE(st.value(QStringLiteral("Running")).toBool(), false);
        QCOMPARE(st.value(QStringLiteral("StartedAt")).toString(), QStringLiteral("0001-01-01T00:00:00Z"));
        const QJsonObject config = o.value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("Hostname")).toString(), id.left(12));
        QCOMPARE(config.value(QStringLiteral("Image")).toString(), QStringLiteral("bb"));
        const QJsonArray env = config.value(QStringLiteral("Env")).toArray();
        QVERIFY(env.contains(QStringLiteral("A=b")));
        QVERIFY(env.contains(QStringLiteral("FROM_IMAGE=1")));
        QCOMPARE(config.value(QStringLiteral("Labels")).toObject().value(QStringLiteral("k")).toString(), QStringLiteral("v"));
        const QJsonObject host = o.value(QStringLiteral("HostConfig")).toObject();
        QCOMPARE(host.value(QStringLiteral("NetworkMode")).toString(), QStringLiteral("bridge"));
        QCOMPARE(host.value(QStringLiteral("RestartPolicy")).toObject().value(QStringLiteral("Name")).toString(), QStringLiteral("no"));
        QCOMPARE(host.value(QStringLiteral("LogConfig")).toObject().value(QStringLiteral("Type")).toString(), QStringLiteral("json-file"));
        QVERIFY(o.value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("Ports")).isObject());
        QVERIFY(o.value(QStringLiteral("Image")).toString().startsWith(QLatin1String("sha256:")));
        QVERIFY(o.value(QStringLiteral("LogPath")).toString().endsWith(id + QStringLiteral("/container.log")));
        // Prefix and name resolution; unknown is docker's 404.
        QCOMPARE(inspect(id.left(5)).value(QStringLiteral("Id")).toString(), id);
        const Reply missing = call("GET", "/v1.41/containers/nosuch/json");
        QCOMPARE(missing.status, 404);
        QCOMPARE(message(missing), QStringLiteral("No such container: nosuch"));
    }

    void startStopAndTheNotModifiedAnswers()
    {
        const QString id = create("life");
        QCOMPARE(call("POST", "/v1.41/containers/life/start").status, 204);
        QCOMPARE(state(id), QStringLiteral("running"));
        QCOMPARE(call("POST", "/v1.41/containers/life/start").status, 304);
        const QJsonObject o = inspect(id);
        QVERIFY(o.value(QStringLiteral("State")).toObject().value(QStringLiteral("Pid")).toInteger() > 0);
        const QJsonObject net = o.value(QStringLiteral("NetworkSettings")).toObject();
        QCOMPARE(net.value(QStringLiteral("IPAddress")).toString(), QStringLiteral("10.123.0.2"));
        QCOMPARE(net.value(QStringLiteral("Gateway")).toString(), QStringLiteral("10.123.0.1"));
        QCOMPARE(net.value(QStringLiteral("MacAddress")).toString(), QStringLiteral("02:42:0a:7b:00:02"));
        // The spec the runtime got.
        const QJsonObject spec = m_fake->lastSpec(id);
        QCOMPARE(spec.value(QStringLiteral("network")).toObject().value(QStringLiteral("bridge")).toString(), QStringLiteral("bt-routes0"));
        QCOMPARE(spec.value(QStringLiteral("process")).toObject().value(QStringLiteral("args")).toArray(),
                 (QJsonArray{QStringLiteral("sleep"), QStringLiteral("100")}));
        QVERIFY(spec.value(QStringLiteral("process")).toObject().value(QStringLiteral("capabilities")).toArray().contains(QStringLiteral("CAP_CHOWN")));
        const QJsonArray list = array(call("GET", "/v1.41/containers/json"));
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.at(0).toObject().value(QStringLiteral("Names")).toArray(), QJsonArray{QStringLiteral("/life")});
        QVERIFY(list.at(0).toObject().value(QStringLiteral("Status")).toString().startsWith(QLatin1String("Up ")));

        QCOMPARE(call("POST", "/v1.41/containers/life/stop?t=1").status, 204);
        QCOMPARE(m_fake->signalsSent(id), QList<int>{SIGTERM});
        const QJsonObject stopped = inspect(id);
        QCOMPARE(stopped.value(QStringLiteral("State")).toObject().value(QStringLiteral("Status")).toString(), QStringLiteral("exited"));
        QCOMPARE(stopped.value(QStringLiteral("State")).toObject().value(QStringLiteral("ExitCode")).toInt(), 143);
        QCOMPARE(stopped.value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("IPAddress")).toString(), QString());
        QCOMPARE(call("POST", "/v1.41/containers/life/stop").status, 304);
        QCOMPARE(array(call("GET", "/v1.41/containers/json")).size(), 0);
        QVERIFY(array(call("GET", "/v1.41/containers/json?all=1")).at(0).toObject().value(QStringLiteral("Status")).toString()
                    .startsWith(QLatin1String("Exited (143) ")));
    }

    void stopEscalatesToSigkillAfterTheTimeout()
    {
        m_fake->ignoredSignals.insert(SIGTERM);
        const QString id = create("stubborn");
        QCOMPARE(call("POST", "/v1.41/containers/stubborn/start").status, 204);
        QCOMPARE(call("POST", "/v1.41/containers/stubborn/stop?t=1").status, 204);
        QCOMPARE(m_fake->signalsSent(id), (QList<int>{SIGTERM, SIGKILL}));
        QCOMPARE(inspect(id).value(QStringLiteral("State")).toObject().value(QStringLiteral("ExitCode")).toInt(), 137);
    }

    void killOfAStoppedContainerIsDockersConflict()
    {
        const QString id = create("kk");
        const Reply r = call("POST", "/v1.41/containers/kk/kill");
        QCOMPARE(r.status, 409);
        QCOMPARE(message(r), QStringLiteral("Cannot kill container: kk: Container %1 is not running").arg(id));
        QCOMPARE(call("POST", "/v1.41/containers/kk/start").status, 204);
        QCOMPARE(call("POST", "/v1.41/containers/kk/kill?signal=HUP").status, 204);
        QCOMPARE(m_fake->signalsSent(id), QList<int>{SIGHUP});
        QTRY_COMPARE(state(id), QStringLiteral("exited"));
        QCOMPARE(call("POST", "/v1.41/containers/kk/kill?signal=NOPE").status, 400);
    }

    void waitSendsHeadersAtOnceAndTheCodeAtExit()
    {
        const QString id = create("ww");
        TestClient waiter(socketPath());
        waiter.send("POST /v1.41/containers/ww/wait?condition=next-exit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        QVERIFY(waiter.waitForHead(0));
        QCOMPARE(waiter.reply(0).status, 200);
        QVERIFY(!waiter.reply(0).complete);
        QCOMPARE(call("POST", "/v1.41/containers/ww/start").status, 204);
        m_fake->exitProcess(id, 3);
        QVERIFY(waiter.waitForReplies(1));
        const QJsonObject body = QJsonDocument::fromJson(waiter.reply(0).body.trimmed()).object();
        QCOMPARE(body.value(QStringLiteral("StatusCode")).toInt(), 3);
        QVERIFY(body.value(QStringLiteral("Error")).isNull());
        // not-running on a stopped container answers at once.
        const Reply now = call("POST", "/v1.41/containers/ww/wait");
        QCOMPARE(QJsonDocument::fromJson(now.body.trimmed()).object().value(QStringLiteral("StatusCode")).toInt(), 3);
    }

    void removeRefusesARunningContainerUnlessForced()
    {
        const QString id = create("rr");
        QCOMPARE(call("POST", "/v1.41/containers/rr/start").status, 204);
        const Reply refused = call("DELETE", "/v1.41/containers/rr");
        QCOMPARE(refused.status, 409);
        QCOMPARE(message(refused), QStringLiteral("cannot remove container \"/rr\": container is running: stop the "
                                                  "container before removing or force remove"));
        QVERIFY(!id.isEmpty());
        QCOMPARE(call("DELETE", "/v1.41/containers/rr?force=1").status, 204);
        QCOMPARE(call("GET", "/v1.41/containers/rr/json").status, 404);
        QVERIFY(!QDir(root() + QStringLiteral("/containers/") + id).exists());
        QVERIFY(m_fake->cleanupCount(id) >= 1);
        QCOMPARE(call("DELETE", "/v1.41/containers/rr").status, 404);
    }

    // Names that are no hex prefix: a reference is resolved by name, then by
    // ID prefix, so "a1" found a container whose ID began with a1 (a CI flake).
    void renameChecksNamesAndPublishesTheOldOne()
    {
        const QString a = create("old");
        create("taken");
        QCOMPARE(call("POST", "/v1.41/containers/old/rename?name=taken").status, 409);
        QCOMPARE(call("POST", "/v1.41/containers/old/rename?name=-bad").status, 400);
        QCOMPARE(call("POST", "/v1.41/containers/old/rename?name=renamed").status, 204);
        QCOMPARE(inspect(QStringLiteral("renamed")).value(QStringLiteral("Id")).toString(), a);
        QCOMPARE(call("GET", "/v1.41/containers/old/json").status, 404);
    }

    void anAmbiguousPrefixIsRejected()
    {
        QStringList ids;
        for (int i = 0; i < 40; ++i)
            ids.append(create("amb" + QByteArray::number(i)));
        // Two of 40 random ids share a first hex digit for sure.
        QString prefix;
        for (const QString &a : ids) {
            for (const QString &b : ids) {
                if (a != b && a.at(0) == b.at(0))
                    prefix = a.left(1);
            }
        }
        QVERIFY(!prefix.isEmpty());
        const Reply r = call("GET", "/v1.41/containers/" + prefix.toUtf8() + "/json");
        QCOMPARE(r.status, 400);
        QCOMPARE(message(r), QStringLiteral("multiple IDs found with provided prefix: ") + prefix);
    }

    void attachBeforeStartGetsTheOutputAndEndsAtExit()
    {
        const QString id = create("att");
        TestClient attach(socketPath());
        attach.send("POST /v1.41/containers/att/attach?stream=1&stdout=1&stderr=1&stdin=1 HTTP/1.1\r\nHost: x\r\n"
                    "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
        QVERIFY(attach.waitForHead(0));
        QCOMPARE(attach.reply(0).status, 101);
        QCOMPARE(m_fake->attachCount(id), 0);
        QCOMPARE(call("POST", "/v1.41/containers/att/start").status, 204);
        QCOMPARE(m_fake->attachCount(id), 1);
        m_fake->writeOutput(id, QByteArray("\x01\0\0\0\0\0\0\x03hi\n", 11));
        QVERIFY(attach.waitForRaw("hi\n"));
        m_fake->exitProcess(id, 0);
        QVERIFY(attach.waitForClosed());
    }

    void autoRemoveRemovesAfterExitAndAnswersRemovedWaiters()
    {
        const QString id = create("gone", {}, QJsonObject{{QStringLiteral("AutoRemove"), true}});
        TestClient waiter(socketPath());
        waiter.send("POST /v1.41/containers/gone/wait?condition=removed HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        QVERIFY(waiter.waitForHead(0));
        QCOMPARE(call("POST", "/v1.41/containers/gone/start").status, 204);
        m_fake->exitProcess(id, 7);
        QVERIFY(waiter.waitForReplies(1));
        QCOMPARE(QJsonDocument::fromJson(waiter.reply(0).body.trimmed()).object().value(QStringLiteral("StatusCode")).toInt(), 7);
        QCOMPARE(call("GET", "/v1.41/containers/gone/json").status, 404);
        QVERIFY(!QDir(root() + QStringLiteral("/containers/") + id).exists());
    }

    void aFailedStartReportsDockersTextAndRemovesARmContainer()
    {
        const QString id = create("broken", QJsonObject{{QStringLiteral("Cmd"), QJsonArray{QStringLiteral("nosuchcommand")}}},
                                  QJsonObject{{QStringLiteral("AutoRemove"), true}});
        TestClient waiter(socketPath());
        waiter.send("POST /v1.41/containers/broken/wait?condition=removed HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        QVERIFY(waiter.waitForHead(0));
        const Reply r = call("POST", "/v1.41/containers/broken/start");
        QCOMPARE(r.status, 400);
        QVERIFY2(message(r).contains(QLatin1String("executable file not found")), r.body.constData());
        QVERIFY(waiter.waitForReplies(1));
        QCOMPARE(QJsonDocument::fromJson(waiter.reply(0).body.trimmed()).object().value(QStringLiteral("StatusCode")).toInt(), 127);
        QTRY_COMPARE(call("GET", "/v1.41/containers/broken/json").status, 404);

        const QString kept = create("bad2", QJsonObject{{QStringLiteral("Cmd"), QJsonArray{QStringLiteral("nosuchcommand")}}});
        QCOMPARE(call("POST", "/v1.41/containers/bad2/start").status, 400);
        const QJsonObject st = inspect(kept).value(QStringLiteral("State")).toObject();
        QCOMPARE(st.value(QStringLiteral("Status")).toString(), QStringLiteral("created"));
        QCOMPARE(st.value(QStringLiteral("ExitCode")).toInt(), 127);
        QVERIFY(st.value(QStringLiteral("Error")).toString().contains(QLatin1String("executable file not found")));
    }

    void onFailureRestartsUpToTheLimit()
    {
        const QString id = create("flaky", {}, QJsonObject{{QStringLiteral("RestartPolicy"),
                                                            QJsonObject{{QStringLiteral("Name"), QStringLiteral("on-failure")},
                                                                        {QStringLiteral("MaximumRetryCount"), 2}}}});
        QCOMPARE(call("POST", "/v1.41/containers/flaky/start").status, 204);
        m_fake->exitProcess(id, 1);
        QTRY_COMPARE(m_fake->status(id), QStringLiteral("running"));
        QCOMPARE(m_fake->createCount(id), 2);
        m_fake->exitProcess(id, 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->createCount(id), 3, 5000);
        QTRY_COMPARE(m_fake->status(id), QStringLiteral("running"));
        m_fake->exitProcess(id, 1);
        QTRY_COMPARE(state(id), QStringLiteral("exited"));
        QTest::qWait(600);
        QCOMPARE(m_fake->createCount(id), 3);
        QCOMPARE(inspect(id).value(QStringLiteral("RestartCount")).toInt(), 2);
    }

    void alwaysRestartsButNotAfterAStop()
    {
        const QString id = create("always", {}, QJsonObject{{QStringLiteral("RestartPolicy"),
                                                             QJsonObject{{QStringLiteral("Name"), QStringLiteral("always")}}}});
        QCOMPARE(call("POST", "/v1.41/containers/always/start").status, 204);
        m_fake->exitProcess(id, 0);
        QTRY_COMPARE(m_fake->createCount(id), 2);
        QTRY_COMPARE(state(id), QStringLiteral("running"));
        QCOMPARE(call("POST", "/v1.41/containers/always/stop?t=1").status, 204);
        QTest::qWait(500);
        QCOMPARE(state(id), QStringLiteral("exited"));
        QCOMPARE(m_fake->createCount(id), 2);
    }

    void addressesAreReleasedAndReused()
    {
        const QString a = create("n1");
        const QString b = create("n2");
        QCOMPARE(call("POST", "/v1.41/containers/n1/start").status, 204);
        QCOMPARE(call("POST", "/v1.41/containers/n2/start").status, 204);
        QCOMPARE(inspect(b).value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("IPAddress")).toString(),
                 QStringLiteral("10.123.0.3"));
        QCOMPARE(call("POST", "/v1.41/containers/n1/kill").status, 204);
        QTRY_COMPARE(state(a), QStringLiteral("exited"));
        const QString c = create("n3");
        QCOMPARE(call("POST", "/v1.41/containers/n3/start").status, 204);
        QCOMPARE(inspect(c).value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("IPAddress")).toString(),
                 QStringLiteral("10.123.0.2"));
    }

    void publishedPortsShowInInspectAndList()
    {
        const QString id = create("web", QJsonObject{{QStringLiteral("ExposedPorts"), QJsonObject{{QStringLiteral("80/tcp"), QJsonObject()}}}},
                                  QJsonObject{{QStringLiteral("PortBindings"),
                                               QJsonObject{{QStringLiteral("80/tcp"),
                                                            QJsonArray{QJsonObject{{QStringLiteral("HostIp"), QStringLiteral("127.0.0.1")},
                                                                                   {QStringLiteral("HostPort"), QStringLiteral("18080")}}}}}}});
        QCOMPARE(call("POST", "/v1.41/containers/web/start").status, 204);
        const QJsonObject ports = inspect(id).value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("Ports")).toObject();
        const QJsonObject binding = ports.value(QStringLiteral("80/tcp")).toArray().at(0).toObject();
        QCOMPARE(binding.value(QStringLiteral("HostIp")).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(binding.value(QStringLiteral("HostPort")).toString(), QStringLiteral("18080"));
        const QJsonObject item = array(call("GET", "/v1.41/containers/json")).at(0).toObject();
        const QJsonObject port = item.value(QStringLiteral("Ports")).toArray().at(0).toObject();
        QCOMPARE(port.value(QStringLiteral("PublicPort")).toInt(), 18080);
        QCOMPARE(port.value(QStringLiteral("PrivatePort")).toInt(), 80);
    }

    void aHostPortRangeIsAcceptedAndABadOneRefused()
    {
        auto binding = [](const QString &hostPort) {
            return QJsonObject{{QStringLiteral("PortBindings"),
                                QJsonObject{{QStringLiteral("80/tcp"),
                                             QJsonArray{QJsonObject{{QStringLiteral("HostIp"), QStringLiteral("127.0.0.1")},
                                                                    {QStringLiteral("HostPort"), hostPort}}}}}}};
        };
        QVERIFY(!create("range", {}, binding(QStringLiteral("18000-18010"))).isEmpty());
        for (const QString &bad : {QStringLiteral("18010-18000"), QStringLiteral("0-5"), QStringLiteral("1-2-3"),
                                  QStringLiteral("x-9"), QStringLiteral("70000")}) {
            const Reply r = call("POST", "/v1.41/containers/create?name=refused", createBody({}, binding(bad)));
            QCOMPARE(r.status, 400);
            QCOMPARE(message(r), QStringLiteral("invalid port specification: \"%1\"").arg(bad));
        }
        QCOMPARE(call("GET", "/v1.41/containers/refused/json").status, 404);
    }

    void listFiltersAndLimit()
    {
        const QString a = create("fa", QJsonObject{{QStringLiteral("Labels"), QJsonObject{{QStringLiteral("team"), QStringLiteral("x")}}}});
        const QString b = create("fb");
        QCOMPARE(call("POST", "/v1.41/containers/fb/start").status, 204);
        const auto ids = [&](const QByteArray &query) {
            QStringList out;
            for (const QJsonValue &v : array(call("GET", "/v1.41/containers/json?" + query)))
                out.append(v.toObject().value(QStringLiteral("Id")).toString());
            return out;
        };
        QCOMPARE(ids("all=1"), (QStringList{b, a}));
        QCOMPARE(ids("limit=1"), QStringList{b});
        QCOMPARE(ids("all=1&filters=" + enc(QStringLiteral("{\"label\":{\"team=x\":true}}"))), QStringList{a});
        QCOMPARE(ids("all=1&filters=" + enc(QStringLiteral("{\"status\":{\"running\":true}}"))), QStringList{b});
        QCOMPARE(ids("all=1&filters=" + enc(QStringLiteral("{\"name\":{\"fa\":true}}"))), QStringList{a});
        QCOMPARE(ids("all=1&filters=" + enc(QStringLiteral("{\"id\":{\"%1\":true}}").arg(a.left(8)))), QStringList{a});
        QCOMPARE(ids("all=1&filters=" + enc(QStringLiteral("{\"ancestor\":{\"bb\":true}}"))), (QStringList{b, a}));
        QCOMPARE(ids("filters=" + enc(QStringLiteral("{\"before\":{\"fb\":true}}"))), QStringList{a});
        QCOMPARE(call("GET", "/v1.41/containers/json?filters=" + enc(QStringLiteral("{\"status\":{\"sleepy\":true}}"))).status, 400);
        QCOMPARE(call("GET", "/v1.41/containers/json?filters=" + enc(QStringLiteral("{\"nope\":{\"x\":true}}"))).status, 400);
    }

    void pruneRemovesStoppedContainersOnly()
    {
        const QString a = create("p1");
        const QString b = create("p2");
        QCOMPARE(call("POST", "/v1.41/containers/p2/start").status, 204);
        // What the container wrote: 1000 bytes in its writable layer.
        QFile written(root() + QStringLiteral("/containers/") + a + QStringLiteral("/upper/data"));
        QVERIFY(written.open(QIODevice::WriteOnly));
        written.write(QByteArray(1000, 'x'));
        written.close();
        const QJsonObject sized = object(call("GET", "/v1.41/containers/p1/json?size=1"));
        QCOMPARE(sized.value(QStringLiteral("SizeRw")).toInteger(), 1000);
        QVERIFY(sized.value(QStringLiteral("SizeRootFs")).toInteger() > 1000);
        const QJsonArray listed = array(call("GET", "/v1.41/containers/json?all=1&size=1"));
        QCOMPARE(listed.size(), 2);
        const Reply r = call("POST", "/v1.41/containers/prune");
        QCOMPARE(r.status, 200);
        QCOMPARE(object(r).value(QStringLiteral("ContainersDeleted")).toArray(), QJsonArray{a});
        QCOMPARE(object(r).value(QStringLiteral("SpaceReclaimed")).toInteger(), 1000);
        QCOMPARE(call("GET", "/v1.41/containers/p1/json").status, 404);
        QCOMPARE(state(b), QStringLiteral("running"));
    }

    void imagesOfContainersAreNotRemovedWithoutForce()
    {
        const QString id = create("user");
        const Reply r = call("DELETE", "/v1.41/images/bb");
        QCOMPARE(r.status, 409);
        QVERIFY2(message(r).startsWith(QStringLiteral("conflict: unable to remove repository reference \"bb\" (must force) - container %1 is using its referenced image ").arg(id.left(12))),
                 r.body.constData());
        const QString imageId = inspect(id).value(QStringLiteral("Image")).toString();
        const Reply byId = call("DELETE", "/v1.41/images/" + imageId.toUtf8());
        QCOMPARE(byId.status, 409);
        QVERIFY2(message(byId).contains(QLatin1String("image is being used by stopped container ") + id.left(12)), byId.body.constData());
        QCOMPARE(call("DELETE", "/v1.41/containers/user").status, 204);
        QCOMPARE(call("DELETE", "/v1.41/images/bb").status, 200);
    }

    void infoCountsContainers()
    {
        create("i1");
        create("i2");
        QCOMPARE(call("POST", "/v1.41/containers/i2/start").status, 204);
        const QJsonObject info = object(call("GET", "/v1.41/info"));
        QCOMPARE(info.value(QStringLiteral("Containers")).toInt(), 2);
        QCOMPARE(info.value(QStringLiteral("ContainersRunning")).toInt(), 1);
        QCOMPARE(info.value(QStringLiteral("ContainersStopped")).toInt(), 1);
    }

    void eventsFollowTheLifecycle()
    {
        auto subscription = m_daemon->events().subscribe(EventFilter());
        QList<Common::Event> seen;
        connect(subscription.get(), &EventSubscription::eventPublished, this,
                [&seen](const Common::Event &e) { seen.append(e); });
        const QString id = create("ev");
        QCOMPARE(call("POST", "/v1.41/containers/ev/start").status, 204);
        QCOMPARE(call("POST", "/v1.41/containers/ev/stop?t=5").status, 204);
        QCOMPARE(call("DELETE", "/v1.41/containers/ev").status, 204);
        QStringList actions;
        for (const Common::Event &e : std::as_const(seen)) {
            if (e.type == QLatin1String("container")) {
                actions.append(e.action);
                QCOMPARE(e.actorId, id);
                QCOMPARE(e.attributes.value(QStringLiteral("name")), QStringLiteral("ev"));
            }
        }
        QCOMPARE(actions, (QStringList{QStringLiteral("create"), QStringLiteral("start"), QStringLiteral("kill"),
                                       QStringLiteral("die"), QStringLiteral("stop"), QStringLiteral("destroy")}));
        for (const Common::Event &e : std::as_const(seen)) {
            if (e.action == QLatin1String("die"))
                QCOMPARE(e.attributes.value(QStringLiteral("exitCode")), QStringLiteral("143"));
            if (e.action == QLatin1String("kill"))
                QCOMPARE(e.attributes.value(QStringLiteral("signal")), QStringLiteral("15"));
        }
    }

    void aRestartedHelperAdoptsLiveShimsAndRecordsExitsOnce()
    {
        const QString alive = create("alive");
        const QString dead = create("dead");
        QCOMPARE(call("POST", "/v1.41/containers/alive/start").status, 204);
        QCOMPARE(call("POST", "/v1.41/containers/dead/start").status, 204);
        const qint64 pid = inspect(alive).value(QStringLiteral("State")).toObject().value(QStringLiteral("Pid")).toInteger();
        stopDaemon();
        startDaemon([&](FakeRuntimeBackend &fake) {
            RuntimeState s;
            s.status = QStringLiteral("running");
            s.pid = pid;
            fake.aliveShims.insert(alive, s);
            RuntimeExit e;
            e.exitCode = 9;
            fake.deadShims.insert(dead, e);
        });
        QTRY_COMPARE(state(dead), QStringLiteral("exited"));
        QCOMPARE(inspect(dead).value(QStringLiteral("State")).toObject().value(QStringLiteral("ExitCode")).toInt(), 9);
        QCOMPARE(state(alive), QStringLiteral("running"));
        QCOMPARE(inspect(alive).value(QStringLiteral("State")).toObject().value(QStringLiteral("Pid")).toInteger(), pid);
        // The live one keeps its address; the dead one's is free again.
        QCOMPARE(inspect(alive).value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("IPAddress")).toString(),
                 QStringLiteral("10.123.0.2"));
        QCOMPARE(call("POST", "/v1.41/containers/alive/stop?t=1").status, 204);
        QCOMPARE(state(alive), QStringLiteral("exited"));
        // A third start: the exit of "dead" is not recorded twice.
        stopDaemon();
        startDaemon();
        QTest::qWait(100);
        QCOMPARE(inspect(dead).value(QStringLiteral("State")).toObject().value(QStringLiteral("ExitCode")).toInt(), 9);
    }
};

QTEST_GUILESS_MAIN(tst_ContainerRoutes)
#include "tst_containerroutes.moc"
