// The shim's parsers without privileges: shim.json validation, docker's -u
// resolution against /etc/passwd and /etc/group, the json-file log writer.
#include <runtime/logwriter.h>
#include <runtime/spec.h>
#include <runtime/user.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

using namespace Berth::Runtime;

namespace {

const std::string kId(64, 'a');

std::string specWith(const std::string &extra, const std::string &process = R"("args":["sh"])")
{
    return R"({"id":")" + kId + R"(","rootfs":{"layersDir":"/var/lib/berth/layers","lower":["l1/diff"]},"process":{)" +
           process + "}" + extra + "}";
}

const char kPasswd[] = "root:x:0:0:root:/root:/bin/sh\n"
                       "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                       "# a comment\n"
                       "broken line\n"
                       "app:x:1000:1000::/home/app:/bin/sh\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
const char kGroup[] = "root:x:0:\n"
                      "wheel:x:10:app,daemon\n"
                      "app:x:1000:\n"
                      "audio:x:29:app\n";

} // namespace

class TestShimSpec : public QObject
{
    Q_OBJECT

private slots:
    void minimalSpecGetsDefaults()
    {
        auto spec = parseContainerSpec(specWith(""));
        QVERIFY2(spec, spec ? "" : spec.error().toString().c_str());
        QCOMPARE(spec->process.cwd, std::string("/"));
        QCOMPARE(spec->process.noNewPrivileges, true);
        QCOMPARE(spec->process.seccomp, std::string("default"));
        QCOMPARE(spec->hostname, kId.substr(0, 12));
        QCOMPARE(spec->network.mode, std::string("none"));
        QCOMPARE(spec->rootfs.upper, std::string("upper"));
        QCOMPARE(spec->rootfs.volatileUpper, false);
        QCOMPARE(spec->log.maxFiles, 1);
        QCOMPARE(spec->stopSignal, 15);
    }

    void rootfsVolatileParses()
    {
        auto spec = parseContainerSpec(R"({"id":")" + kId + R"(","rootfs":{"layersDir":"/l","lower":["a"],"volatile":true},"process":{"args":["sh"]}})");
        QVERIFY2(spec, spec ? "" : spec.error().toString().c_str());
        QCOMPARE(spec->rootfs.volatileUpper, true);
    }

    void badSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("field");
        QTest::newRow("not json") << QStringLiteral("{") << QStringLiteral("not valid JSON");
        QTest::newRow("short id") << QString::fromStdString(R"({"id":"abc"})") << QStringLiteral("\"id\"");
        QTest::newRow("lower escapes") << QString::fromStdString(R"({"id":")" + kId + R"(","rootfs":{"layersDir":"/l","lower":["../x"]},"process":{"args":["sh"]}})")
                                       << QStringLiteral("rootfs.lower");
        QTest::newRow("lower with comma") << QString::fromStdString(R"({"id":")" + kId + R"(","rootfs":{"layersDir":"/l","lower":["a,b"]},"process":{"args":["sh"]}})")
                                          << QStringLiteral("rootfs.lower");
        QTest::newRow("no args") << QString::fromStdString(specWith("", R"("args":[])")) << QStringLiteral("process.args");
        QTest::newRow("relative cwd") << QString::fromStdString(specWith("", R"("args":["sh"],"cwd":"tmp")")) << QStringLiteral("process.cwd");
        QTest::newRow("env without =") << QString::fromStdString(specWith("", R"("args":["sh"],"env":["PATH"])")) << QStringLiteral("process.env");
        QTest::newRow("seccomp") << QString::fromStdString(specWith("", R"("args":["sh"],"seccomp":"custom")")) << QStringLiteral("process.seccomp");
        QTest::newRow("rlimit") << QString::fromStdString(specWith("", R"("args":["sh"],"rlimits":[{"type":"RLIMIT_BOGUS","soft":1,"hard":1}])"))
                                << QStringLiteral("process.rlimits");
        QTest::newRow("mount relative") << QString::fromStdString(specWith(R"(,"mounts":[{"source":"rel","destination":"/d"}])"))
                                        << QStringLiteral("mounts[].source");
        QTest::newRow("mount type") << QString::fromStdString(specWith(R"(,"mounts":[{"type":"overlay","destination":"/d"}])"))
                                    << QStringLiteral("unknown mount type");
        QTest::newRow("mount in /proc") << QString::fromStdString(specWith(R"(,"mounts":[{"source":"/x","destination":"/a/../proc/sys"}])"))
                                        << QStringLiteral("inside /proc");
        QTest::newRow("mount over / by ..") << QString::fromStdString(specWith(R"(,"mounts":[{"source":"/x","destination":"/a/.."}])"))
                                            << QStringLiteral("cannot mount over /");
        QTest::newRow("propagation") << QString::fromStdString(specWith(R"(,"mounts":[{"source":"/x","destination":"/d","propagation":"bogus"}])"))
                                     << QStringLiteral("mounts[].propagation");
        QTest::newRow("tmpfs option") << QString::fromStdString(specWith(R"(,"mounts":[{"type":"tmpfs","destination":"/t","options":["source=/dev/sda"]}])"))
                                      << QStringLiteral("not a tmpfs option");
        QTest::newRow("tmpfs value") << QString::fromStdString(specWith(R"(,"mounts":[{"type":"tmpfs","destination":"/t","options":["size=1m,uid=0"]}])"))
                                     << QStringLiteral("bad value");
        QTest::newRow("network mode") << QString::fromStdString(specWith(R"(,"network":{"mode":"macvlan"})")) << QStringLiteral("network.mode");
        QTest::newRow("memory too small") << QString::fromStdString(specWith(R"(,"cgroup":{"memory":1024})")) << QStringLiteral("Minimum memory limit");
        QTest::newRow("cgroup parent escapes") << QString::fromStdString(specWith(R"(,"cgroup":{"parent":"../x"})")) << QStringLiteral("cgroup.parent");
        QTest::newRow("log files") << QString::fromStdString(specWith(R"(,"log":{"maxFiles":0})")) << QStringLiteral("log.maxFiles");
        QTest::newRow("wrong type") << QString::fromStdString(specWith(R"(,"init":"yes")")) << QStringLiteral("\"init\"");
        QTest::newRow("volatile type") << QString::fromStdString(R"({"id":")" + kId + R"(","rootfs":{"layersDir":"/l","lower":["a"],"volatile":1},"process":{"args":["sh"]}})")
                                       << QStringLiteral("rootfs.volatile");
        QTest::newRow("hostname") << QString::fromStdString(specWith(R"(,"hostname":"a b")")) << QStringLiteral("hostname");
    }

    void mountsParse()
    {
        auto spec = parseContainerSpec(specWith(
            R"(,"mounts":[{"source":"/v/_data","destination":"/data/./x/../y","copyUp":true},)"
            R"({"source":"/h","destination":"/b","readonly":true,"propagation":"rslave"},)"
            R"({"type":"tmpfs","destination":"/t","options":["size=64k","mode=1770"],"noexec":true,"nodev":true}])"));
        QVERIFY2(spec, spec ? "" : spec.error().toString().c_str());
        QCOMPARE(spec->mounts.size(), size_t(3));
        QCOMPARE(spec->mounts[0].destination, std::string("/data/y"));
        QVERIFY(spec->mounts[0].copyUp);
        QVERIFY(spec->mounts[0].type == MountSpec::Type::Bind);
        QCOMPARE(spec->mounts[1].propagation, std::string("rslave"));
        QVERIFY(spec->mounts[1].readonly && !spec->mounts[1].copyUp);
        QVERIFY(spec->mounts[2].type == MountSpec::Type::Tmpfs);
        QCOMPARE(spec->mounts[2].options, (std::vector<std::string>{"size=64k", "mode=1770"}));
        QVERIFY(spec->mounts[2].noexec && spec->mounts[2].nodev && !spec->mounts[2].nosuid);
    }

    void badSpecs()
    {
        QFETCH(QString, text);
        QFETCH(QString, field);
        auto spec = parseContainerSpec(text.toStdString());
        QVERIFY(!spec);
        const QString message = QString::fromStdString(spec.error().toString());
        QVERIFY2(message.contains(field), qPrintable(message));
    }

    void resolveUsers_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<uint>("uid");
        QTest::addColumn<uint>("gid");
        QTest::addColumn<QString>("home");
        QTest::addColumn<QList<uint>>("groups");
        QTest::newRow("default root") << QString() << 0u << 0u << QStringLiteral("/root") << QList<uint>{};
        QTest::newRow("by name") << QStringLiteral("app") << 1000u << 1000u << QStringLiteral("/home/app") << QList<uint>{10, 29};
        QTest::newRow("by uid") << QStringLiteral("1000") << 1000u << 1000u << QStringLiteral("/home/app") << QList<uint>{10, 29};
        QTest::newRow("unknown uid") << QStringLiteral("4321") << 4321u << 0u << QStringLiteral("/") << QList<uint>{};
        QTest::newRow("name:group") << QStringLiteral("app:wheel") << 1000u << 10u << QStringLiteral("/home/app") << QList<uint>{10, 29};
        QTest::newRow("uid:gid") << QStringLiteral("7:8") << 7u << 8u << QStringLiteral("/") << QList<uint>{};
    }

    void resolveUsers()
    {
        QFETCH(QString, spec);
        QFETCH(uint, uid);
        QFETCH(uint, gid);
        QFETCH(QString, home);
        QFETCH(QList<uint>, groups);
        const std::string passwd = kPasswd, group = kGroup;
        auto user = resolveUser(spec.toStdString(), &passwd, &group);
        QVERIFY2(user, user ? "" : user.error().toString().c_str());
        QCOMPARE(user->uid, uid);
        QCOMPARE(user->gid, gid);
        QCOMPARE(QString::fromStdString(user->home), home);
        QList<uint> got;
        for (gid_t g : user->supplementaryGroups)
            got << g;
        QCOMPARE(got, groups);
    }

    void unknownNamesFail()
    {
        const std::string passwd = kPasswd, group = kGroup;
        auto user = resolveUser("ghost", &passwd, &group);
        QVERIFY(!user);
        QVERIFY(user.error().toString().find("unable to find user ghost") != std::string::npos);
        auto grp = resolveUser("app:ghosts", &passwd, &group);
        QVERIFY(!grp);
        QVERIFY(grp.error().toString().find("unable to find group ghosts") != std::string::npos);
        auto noFile = resolveUser("app", nullptr, nullptr);
        QVERIFY(!noFile);
        QVERIFY(resolveUser("0", nullptr, nullptr));
    }

    void logWriterSplitsAndRotates()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const int dirFd = ::open(QFile::encodeName(dir.path()).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        QVERIFY(dirFd >= 0);
        {
            LogWriter log;
            QVERIFY(log.open(dirFd, "container.log", 400, 2));
            log.write("stdout", "par");
            log.write("stdout", "tial\nsecond\n");
            log.write("stderr", "no newline");
            log.flush();
            for (int i = 0; i < 10; ++i)
                log.write("stdout", "line of some length " + std::to_string(i) + "\n");
        }
        ::close(dirFd);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("container.log.1"))));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("container.log.2"))));
        QFile current(dir.filePath(QStringLiteral("container.log")));
        QVERIFY(current.open(QIODevice::ReadOnly));
        QVERIFY(current.size() <= 400);
        const QList<QByteArray> lines = current.readAll().trimmed().split('\n');
        const QJsonObject last = QJsonDocument::fromJson(lines.last()).object();
        QCOMPARE(last.value(QStringLiteral("log")).toString(), QStringLiteral("line of some length 9\n"));
        QCOMPARE(last.value(QStringLiteral("stream")).toString(), QStringLiteral("stdout"));
    }
};

QTEST_GUILESS_MAIN(TestShimSpec)
#include "tst_shimspec.moc"
