// Which argvs the Qt-free `berth` runs itself and which it hands to
// berth-cli, and that the create body it sends for the former is the one
// berth-cli's buildCreateSpec() makes for the same argv (as JSON and byte
// for byte).

#include <runplan.h>

#include <cli/argparser.h>
#include <cli/containeroptions.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLibraryInfo>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace Berth::Cli;

namespace {

using Env = std::map<std::string, std::string>;

FastRun::EnvLookup lookupIn(const Env &env)
{
    return [env](std::string_view name) -> std::optional<std::string> {
        const auto it = env.find(std::string(name));
        if (it == env.end())
            return std::nullopt;
        return it->second;
    };
}

std::vector<std::string> toStd(const QStringList &list)
{
    std::vector<std::string> out;
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

const Env kEnv = {{"FROM_HOST", "yes"}, {"EMPTY", ""}, {"HOME", "/nonexistent-home"}};

} // namespace

Q_DECLARE_METATYPE(Env)

class tst_FastRunPlan : public QObject
{
    Q_OBJECT
private slots:
    void argvIsClassified_data();
    void argvIsClassified();
    void createBodyIsBerthClisBody_data();
    void createBodyIsBerthClisBody();
    void engineAddressIsResolvedAsEndpointDoes_data();
    void engineAddressIsResolvedAsEndpointDoes();
    void qtLoggingConfigurationForcesBerthCli();
    void utf8IsCheckedStrictly();
    void bytesQtWouldRecodeGoToBerthCli();
};

void tst_FastRunPlan::argvIsClassified_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<bool>("fast");

    QTest::newRow("run IMAGE CMD") << QStringList{"run", "busybox", "true"} << true;
    QTest::newRow("container run") << QStringList{"container", "run", "busybox"} << true;
    QTest::newRow("--rm") << QStringList{"run", "--rm", "busybox", "true"} << true;
    QTest::newRow("--rm=false") << QStringList{"run", "--rm=false", "busybox"} << true;
    QTest::newRow("--rm=maybe (berth-cli's usage error)") << QStringList{"run", "--rm=maybe", "busybox"} << false;
    QTest::newRow("--name=x") << QStringList{"run", "--name=x", "busybox"} << true;
    QTest::newRow("--name x") << QStringList{"run", "--name", "x", "busybox"} << true;
    QTest::newRow("name with %") << QStringList{"run", "--name", "a%41", "busybox"} << false;
    QTest::newRow("-e A") << QStringList{"run", "-e", "A", "busybox"} << true;
    QTest::newRow("-eA=1") << QStringList{"run", "-eA=1", "busybox"} << true;
    QTest::newRow("-e=A=1") << QStringList{"run", "-e=A=1", "busybox"} << true;
    QTest::newRow("--env=A=1 --env B") << QStringList{"run", "--env=A=1", "--env", "B", "busybox"} << true;
    QTest::newRow("-e =x (bad)") << QStringList{"run", "-e", "=x", "busybox"} << false;
    QTest::newRow("-de A=1") << QStringList{"run", "-de", "A=1", "busybox"} << true;
    QTest::newRow("-d=false") << QStringList{"run", "-d=false", "busybox"} << true;
    QTest::newRow("-d= (bad bool)") << QStringList{"run", "-d=", "busybox"} << false;
    QTest::newRow("-dw/tmp") << QStringList{"run", "-dw/tmp", "busybox"} << true;
    QTest::newRow("-u and -w") << QStringList{"run", "-u", "1000:1000", "-w", "/tmp", "busybox"} << true;
    QTest::newRow("--user= --workdir=") << QStringList{"run", "--user=", "--workdir=", "busybox"} << true;
    QTest::newRow("--entrypoint ''") << QStringList{"run", "--entrypoint", "", "busybox"} << true;
    QTest::newRow("--entrypoint=sh") << QStringList{"run", "--entrypoint=sh", "busybox", "-c", "true"} << true;
    QTest::newRow("--network none") << QStringList{"run", "--network", "none", "busybox"} << true;
    QTest::newRow("--net=host") << QStringList{"run", "--net=host", "busybox"} << true;
    QTest::newRow("--network=") << QStringList{"run", "--network=", "busybox"} << true;
    QTest::newRow("-- then image") << QStringList{"run", "--rm", "--", "busybox", "-x"} << true;
    QTest::newRow("options after the image are the command's") << QStringList{"run", "busybox", "-it", "--rm"} << true;
    QTest::newRow("-- before run") << QStringList{"--", "run", "busybox"} << true;
    QTest::newRow("-H unix://") << QStringList{"-H", "unix:///tmp/fr.sock", "run", "busybox"} << true;
    QTest::newRow("--host=unix://") << QStringList{"--host=unix:///tmp/fr.sock", "run", "busybox"} << true;
    QTest::newRow("-Hunix://") << QStringList{"-Hunix:///tmp/fr.sock", "run", "busybox"} << true;

    QTest::newRow("no image") << QStringList{"run"} << false;
    QTest::newRow("container run, no image") << QStringList{"container", "run"} << false;
    QTest::newRow("unknown flag") << QStringList{"run", "--foo", "busybox"} << false;
    QTest::newRow("-it") << QStringList{"run", "-it", "busybox", "sh"} << false;
    QTest::newRow("-i") << QStringList{"run", "-i", "busybox"} << false;
    QTest::newRow("-t") << QStringList{"run", "-t", "busybox"} << false;
    QTest::newRow("-a stdout") << QStringList{"run", "-a", "stdout", "busybox"} << false;
    QTest::newRow("-p") << QStringList{"run", "-p", "8080:80", "busybox"} << false;
    QTest::newRow("-v") << QStringList{"run", "-v", "/a:/b", "busybox"} << false;
    QTest::newRow("-h is --hostname") << QStringList{"run", "-h", "x", "busybox"} << false;
    QTest::newRow("--help") << QStringList{"run", "--help"} << false;
    QTest::newRow("--sig-proxy=false") << QStringList{"run", "--sig-proxy=false", "busybox"} << false;
    QTest::newRow("--pull never") << QStringList{"run", "--pull", "never", "busybox"} << false;
    QTest::newRow("-e bundled with -i") << QStringList{"run", "-ie", "A=1", "busybox"} << false;
    QTest::newRow("--entrypoint without value") << QStringList{"run", "--entrypoint"} << false;
    QTest::newRow("-e without value") << QStringList{"run", "busybox", "-e"} << true; // the command's
    QTest::newRow("-H tcp://") << QStringList{"-H", "tcp://127.0.0.1:2375", "run", "busybox"} << false;
    QTest::newRow("-H without scheme") << QStringList{"-H", "/tmp/fr.sock", "run", "busybox"} << false;
    QTest::newRow("-H twice") << QStringList{"-H", "unix:///a.sock", "-H", "unix:///b.sock", "run", "busybox"} << false;
    QTest::newRow("-D") << QStringList{"-D", "run", "busybox"} << false;
    QTest::newRow("-v") << QStringList{"-v"} << false;
    QTest::newRow("ps") << QStringList{"ps"} << false;
    QTest::newRow("create") << QStringList{"create", "busybox"} << false;
    QTest::newRow("nothing") << QStringList{} << false;
    QTest::newRow("help run") << QStringList{"help", "run"} << false;
    QTest::newRow("-qmljsdebugger in the command") << QStringList{"run", "busybox", "-qmljsdebugger=port:1"} << false;
}

void tst_FastRunPlan::argvIsClassified()
{
    QFETCH(QStringList, argv);
    QFETCH(bool, fast);
    const auto plan = FastRun::planRun(toStd(argv), lookupIn(kEnv));
    QVERIFY2(plan.has_value() == fast, plan ? "took the fast path" : plan.error().c_str());
}

void tst_FastRunPlan::createBodyIsBerthClisBody_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::newRow("plain") << QStringList{"run", "busybox"};
    QTest::newRow("command") << QStringList{"run", "busybox", "sh", "-c", "exit 3"};
    QTest::newRow("--rm --network none") << QStringList{"run", "--rm", "--network", "none", "busybox", "true"};
    QTest::newRow("-d --name") << QStringList{"container", "run", "-d", "--name", "web_1.a-b", "busybox", "sleep", "9"};
    QTest::newRow("env in every form") << QStringList{"run", "-e", "FROM_HOST", "-e", "UNSET", "-eA=1", "-e=B=2", "--env",
                                                      "C=", "--env=EMPTY", "busybox"};
    QTest::newRow("user, workdir, entrypoint") << QStringList{"run", "-u", "1000:1000", "-w", "/tmp", "--entrypoint", "/bin/sh",
                                                              "busybox", "-c", "id"};
    QTest::newRow("empty entrypoint") << QStringList{"run", "--entrypoint=", "busybox"};
    QTest::newRow("--net and --network") << QStringList{"run", "--net", "none", "--network", "host", "busybox"};
    QTest::newRow("--network=") << QStringList{"run", "--network=", "busybox"};
    QTest::newRow("--rm=false -d=true") << QStringList{"run", "--rm=false", "-d=true", "busybox"};
    QTest::newRow("last value wins") << QStringList{"run", "--name", "a", "--name", "b", "-w", "/x", "-w", "/y", "busybox"};
    QTest::newRow("-- and odd strings") << QStringList{"run", "-e", "Q=\"quoted\"\\back\ttab\x01", "--", "busybox", "echo",
                                                       "--rm", QString::fromUtf8("\xed\x95\x9c\xea\xb8\x80")};
}

void tst_FastRunPlan::createBodyIsBerthClisBody()
{
    QFETCH(QStringList, argv);
    const auto plan = FastRun::planRun(toStd(argv), lookupIn(kEnv));
    QVERIFY2(plan.has_value(), plan ? "" : plan.error().c_str());

    // berth-cli: the run command's arguments through its parser and builder.
    const qsizetype at = argv.indexOf("run");
    auto parsed = parseArguments(containerCreateOptions(true), argv.mid(at + 1), false);
    QVERIFY(parsed.has_value());
    const EnvLookup qtLookup = [](const QString &name) -> std::optional<QString> {
        const auto it = kEnv.find(name.toStdString());
        if (it == kEnv.end())
            return std::nullopt;
        return QString::fromStdString(it->second);
    };
    auto spec = buildCreateSpec(*parsed, true, qtLookup);
    QVERIFY(spec.has_value());

    const std::string body = plan->createBody();
    QJsonParseError pe;
    const QJsonDocument fast = QJsonDocument::fromJson(QByteArray::fromStdString(body), &pe);
    QCOMPARE(pe.error, QJsonParseError::NoError);
    QCOMPARE(fast.object(), spec->body);
    // Byte for byte too, so Content-Length is the same.
    QCOMPARE(QByteArray::fromStdString(body), QJsonDocument(spec->body).toJson(QJsonDocument::Compact));

    QCOMPARE(QString::fromStdString(plan->name), spec->name);
    QCOMPARE(QString::fromStdString(plan->image), spec->image);
    QCOMPARE(plan->autoRemove, spec->autoRemove);
    QCOMPARE(plan->detach, spec->detach);
}

void tst_FastRunPlan::engineAddressIsResolvedAsEndpointDoes_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<QString>("berthHost");
    QTest::addColumn<QString>("socket"); // empty: berth-cli's job

    QTest::newRow("default") << QStringList{"run", "busybox"} << QString() << "/run/berth/berth.sock";
    QTest::newRow("BERTH_HOST") << QStringList{"run", "busybox"} << "unix:///tmp/a/b.sock" << "/tmp/a/b.sock";
    QTest::newRow("empty BERTH_HOST is unset") << QStringList{"run", "busybox"} << "" << "/run/berth/berth.sock";
    QTest::newRow("-H beats BERTH_HOST") << QStringList{"-H", "unix:///tmp/h.sock", "run", "busybox"} << "unix:///tmp/e.sock"
                                         << "/tmp/h.sock";
    QTest::newRow("-H beats a bad BERTH_HOST") << QStringList{"-H", "unix:///tmp/h.sock", "run", "busybox"} << "tcp://x:1"
                                               << "/tmp/h.sock";
    QTest::newRow("BERTH_HOST tcp://") << QStringList{"run", "busybox"} << "tcp://127.0.0.1:2375" << QString();
    QTest::newRow("BERTH_HOST bare path") << QStringList{"run", "busybox"} << "/tmp/a.sock" << QString();
    QTest::newRow("BERTH_HOST with spaces") << QStringList{"run", "busybox"} << " unix:///tmp/a.sock" << QString();
    QTest::newRow("unclean path") << QStringList{"-H", "unix:///tmp/../a.sock", "run", "busybox"} << QString() << QString();
    QTest::newRow("trailing slash") << QStringList{"-H", "unix:///tmp/a/", "run", "busybox"} << QString() << QString();
    QTest::newRow("relative path") << QStringList{"-H", "unix://a.sock", "run", "busybox"} << QString() << QString();
    QTest::newRow("no path") << QStringList{"-H", "unix://", "run", "busybox"} << QString() << QString();
    QTest::newRow("too long for sockaddr_un") << QStringList{"-H", "unix:///" + QString(120, 'x'), "run", "busybox"} << QString()
                                              << QString();
}

void tst_FastRunPlan::engineAddressIsResolvedAsEndpointDoes()
{
    QFETCH(QStringList, argv);
    QFETCH(QString, berthHost);
    QFETCH(QString, socket);
    Env env = kEnv;
    if (!berthHost.isNull())
        env["BERTH_HOST"] = berthHost.toStdString();
    const auto plan = FastRun::planRun(toStd(argv), lookupIn(env));
    if (socket.isEmpty()) {
        QVERIFY2(!plan, "took the fast path");
        return;
    }
    QVERIFY2(plan.has_value(), plan ? "" : plan.error().c_str());
    QCOMPARE(QString::fromStdString(plan->socketPath), socket);
    QCOMPARE(QString::fromStdString(plan->url()), "unix://" + socket);
}

void tst_FastRunPlan::qtLoggingConfigurationForcesBerthCli()
{
    // The data directory is the one Qt reads its qtlogging.ini from.
    QCOMPARE(QString::fromStdString(FastRun::qtDataDirectory()), QLibraryInfo::path(QLibraryInfo::DataPath));
    const bool systemIni = QFile::exists(QLibraryInfo::path(QLibraryInfo::DataPath) + "/qtlogging.ini");
    QCOMPARE(FastRun::qtLoggingConfigured(lookupIn({{"HOME", "/nonexistent-home"}, {"XDG_CONFIG_DIRS", "/nonexistent-xdg"}})),
             systemIni);
    QVERIFY(FastRun::qtLoggingConfigured(lookupIn({{"QT_LOGGING_RULES", "berth.*.debug=true"}})));
    QVERIFY(FastRun::qtLoggingConfigured(lookupIn({{"QT_LOGGING_CONF", "/x.ini"}})));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath("QtProject"));
    QFile ini(dir.filePath("QtProject/qtlogging.ini"));
    QVERIFY(ini.open(QIODevice::WriteOnly));
    ini.close();
    QVERIFY(FastRun::qtLoggingConfigured(lookupIn({{"XDG_CONFIG_HOME", dir.path().toStdString()}})));
    QVERIFY(FastRun::qtLoggingConfigured(
        lookupIn({{"HOME", "/nonexistent-home"}, {"XDG_CONFIG_DIRS", "/nonexistent-xdg:" + dir.path().toStdString()}})));
}

void tst_FastRunPlan::utf8IsCheckedStrictly()
{
    QVERIFY(FastRun::isValidUtf8("plain"));
    QVERIFY(FastRun::isValidUtf8("\xed\x95\x9c\xea\xb8\x80"));  // 한글
    QVERIFY(FastRun::isValidUtf8("\xf0\x9f\x90\xb3"));          // U+1F433
    QVERIFY(!FastRun::isValidUtf8("\xc0\xaf"));                  // overlong '/'
    QVERIFY(!FastRun::isValidUtf8("\xed\xa0\x80"));              // a surrogate
    QVERIFY(!FastRun::isValidUtf8("\xf4\x90\x80\x80"));          // past U+10FFFF
    QVERIFY(!FastRun::isValidUtf8("\xe2\x82"));                  // cut short
    QVERIFY(!FastRun::isValidUtf8("caf\xe9"));
}

void tst_FastRunPlan::bytesQtWouldRecodeGoToBerthCli()
{
    // Latin-1 bytes: QCoreApplication::arguments() holds U+FFFD there.
    QVERIFY(!FastRun::planRun({"run", "busybox", "echo", "caf\xe9"}, lookupIn(kEnv)));
    QVERIFY(!FastRun::planRun({"run", "-e", "\xef\xbb\xbf" "A=1", "busybox"}, lookupIn(kEnv)));
    // A bare -e NAME whose value in the environment is not UTF-8.
    QVERIFY(!FastRun::planRun({"run", "-e", "LATIN", "busybox"}, lookupIn({{"LATIN", "caf\xe9"}})));
    QVERIFY(FastRun::planRun({"run", "-e", "LATIN", "busybox"}, lookupIn({{"LATIN", "caf\xc3\xa9"}})));
}

QTEST_GUILESS_MAIN(tst_FastRunPlan)
#include "tst_fastrunplan.moc"
