#include <cli/argparser.h>
#include <cli/containeroptions.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Berth::Cli;

namespace {

EnvLookup fakeEnvironment()
{
    return [](const QString &name) -> std::optional<QString> {
        if (name == "FROM_HOST")
            return QString("yes");
        return std::nullopt;
    };
}

std::expected<CreateSpec, OptionError> build(const QStringList &argv, bool forRun = true,
                                             std::optional<std::pair<int, int>> console = std::nullopt)
{
    auto parsed = parseArguments(containerCreateOptions(forRun), argv, false);
    if (!parsed)
        return std::unexpected(OptionError{QString::fromStdString(parsed.error().message()), true});
    return buildCreateSpec(*parsed, forRun, fakeEnvironment(), console);
}

QString compact(const QJsonValue &v)
{
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    return v.toVariant().toString();
}

} // namespace

class tst_ContainerOptions : public QObject
{
    Q_OBJECT
private slots:
    void plainRunMatchesTheCapturedBody();
    void interactiveTtyRunAttachesStdin();
    void detachedRunAttachesNothing();
    void flagsFillConfigAndHostConfig();
    void environmentMergesFilesThenFlags();
    void volumesSplitIntoBindsAndAnonymous();
    void entrypointEmptyClearsIt();
    void badValuesGiveDockersErrors_data();
    void badValuesGiveDockersErrors();
    void ramSizesParseAsGoUnits_data();
    void ramSizesParseAsGoUnits();
    void nanoCpusAreExact_data();
    void nanoCpusAreExact();
    void volumeSpecs_data();
    void volumeSpecs();
};

void tst_ContainerOptions::plainRunMatchesTheCapturedBody()
{
    // api-captures/run: docker run --name berthprobe-r1 bb:latest sh -c '...'
    auto spec = build({"--name", "berthprobe-r1", "bb:latest", "sh", "-c", "echo hi; exit 3"});
    QVERIFY(spec.has_value());
    QCOMPARE(spec->name, QString("berthprobe-r1"));
    QCOMPARE(spec->image, QString("bb:latest"));
    const QJsonObject b = spec->body;
    QCOMPARE(b.value("AttachStdin").toBool(), false);
    QCOMPARE(b.value("AttachStdout").toBool(), true);
    QCOMPARE(b.value("AttachStderr").toBool(), true);
    QCOMPARE(b.value("Tty").toBool(), false);
    QCOMPARE(b.value("OpenStdin").toBool(), false);
    QCOMPARE(b.value("StdinOnce").toBool(), false);
    QVERIFY(b.value("Env").isNull());
    QCOMPARE(compact(b.value("Cmd")), QString(R"(["sh","-c","echo hi; exit 3"])"));
    QCOMPARE(b.value("Image").toString(), QString("bb:latest"));
    QVERIFY(b.value("Entrypoint").isNull());
    QCOMPARE(compact(b.value("Labels")), QString("{}"));
    const QJsonObject h = b.value("HostConfig").toObject();
    QVERIFY(h.value("Binds").isNull());
    QCOMPARE(h.value("NetworkMode").toString(), QString("default"));
    QCOMPARE(compact(h.value("RestartPolicy")), QString(R"({"MaximumRetryCount":0,"Name":"no"})"));
    QCOMPARE(compact(h.value("ConsoleSize")), QString("[0,0]"));
    QCOMPARE(h.value("MemorySwappiness").toInt(), -1);
    QCOMPARE(h.value("AutoRemove").toBool(), false);
    QVERIFY(b.value("NetworkingConfig").toObject().value("EndpointsConfig").toObject().contains("default"));
    QCOMPARE(spec->pull, CreateSpec::Pull::Missing);
}

void tst_ContainerOptions::interactiveTtyRunAttachesStdin()
{
    auto spec = build({"-it", "--rm", "busybox", "sh"}, true, std::pair{40, 100});
    QVERIFY(spec.has_value());
    const QJsonObject b = spec->body;
    QVERIFY(b.value("AttachStdin").toBool());
    QVERIFY(b.value("Tty").toBool());
    QVERIFY(b.value("OpenStdin").toBool());
    QVERIFY(b.value("StdinOnce").toBool());
    QCOMPARE(compact(b.value("HostConfig").toObject().value("ConsoleSize")), QString("[40,100]"));
    QVERIFY(b.value("HostConfig").toObject().value("AutoRemove").toBool());
    QVERIFY(spec->tty && spec->interactive && spec->autoRemove && spec->attachStdin);
}

void tst_ContainerOptions::detachedRunAttachesNothing()
{
    auto spec = build({"-d", "-i", "busybox"});
    QVERIFY(spec.has_value());
    QVERIFY(spec->detach);
    QCOMPARE(spec->body.value("AttachStdin").toBool(), false);
    QCOMPARE(spec->body.value("AttachStdout").toBool(), false);
    QCOMPARE(spec->body.value("AttachStderr").toBool(), false);
    QCOMPARE(spec->body.value("OpenStdin").toBool(), true);
    QCOMPARE(spec->body.value("StdinOnce").toBool(), false);
}

void tst_ContainerOptions::flagsFillConfigAndHostConfig()
{
    auto spec = build({"-w", "/srv", "-u", "1000:1000", "--hostname", "h1", "-p", "8080:80", "-P", "--network", "none",
                       "--init", "--restart", "on-failure:3", "-m", "512m", "--cpus", "1.5", "--pids-limit", "64",
                       "--read-only", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "--privileged", "--stop-timeout", "5",
                       "--stop-signal", "SIGUSR1", "-l", "a=b", "--label", "flag", "--log-opt", "max-size=10m",
                       "--log-opt", "max-file=3", "--pull", "never", "busybox"});
    QVERIFY2(spec.has_value(), spec ? "" : qPrintable(spec.error().message));
    const QJsonObject b = spec->body;
    const QJsonObject h = b.value("HostConfig").toObject();
    QCOMPARE(b.value("WorkingDir").toString(), QString("/srv"));
    QCOMPARE(b.value("User").toString(), QString("1000:1000"));
    QCOMPARE(b.value("Hostname").toString(), QString("h1"));
    QCOMPARE(compact(b.value("ExposedPorts")), QString(R"({"80/tcp":{}})"));
    QCOMPARE(compact(h.value("PortBindings")), QString(R"({"80/tcp":[{"HostIp":"","HostPort":"8080"}]})"));
    QVERIFY(h.value("PublishAllPorts").toBool());
    QCOMPARE(h.value("NetworkMode").toString(), QString("none"));
    QVERIFY(b.value("NetworkingConfig").toObject().value("EndpointsConfig").toObject().contains("none"));
    QVERIFY(h.value("Init").toBool());
    QCOMPARE(compact(h.value("RestartPolicy")), QString(R"({"MaximumRetryCount":3,"Name":"on-failure"})"));
    QCOMPARE(h.value("Memory").toInteger(), 512LL * 1024 * 1024);
    QCOMPARE(h.value("NanoCpus").toInteger(), 1500000000LL);
    QCOMPARE(h.value("PidsLimit").toInteger(), 64LL);
    QVERIFY(h.value("ReadonlyRootfs").toBool());
    QCOMPARE(compact(h.value("CapAdd")), QString(R"(["NET_ADMIN"])"));
    QCOMPARE(compact(h.value("CapDrop")), QString(R"(["ALL"])"));
    QVERIFY(h.value("Privileged").toBool());
    QCOMPARE(b.value("StopTimeout").toInt(), 5);
    QCOMPARE(b.value("StopSignal").toString(), QString("SIGUSR1"));
    QCOMPARE(compact(b.value("Labels")), QString(R"({"a":"b","flag":""})"));
    QCOMPARE(compact(h.value("LogConfig").toObject().value("Config")), QString(R"({"max-file":"3","max-size":"10m"})"));
    QCOMPARE(spec->pull, CreateSpec::Pull::Never);
}

void tst_ContainerOptions::environmentMergesFilesThenFlags()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("a.env"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("# comment\nA=1\nFROM_HOST\nNOT_SET\n");
    f.close();
    auto spec = build({"--env-file", f.fileName(), "-e", "B=2", "-e", "FROM_HOST", "-e", "UNSET", "busybox"});
    QVERIFY(spec.has_value());
    QCOMPARE(compact(spec->body.value("Env")), QString(R"(["A=1","FROM_HOST=yes","B=2","FROM_HOST=yes","UNSET"])"));
    auto missing = build({"--env-file", dir.filePath("nope"), "busybox"});
    QVERIFY(!missing);
    QVERIFY(!missing.error().usage);
    QCOMPARE(missing.error().message, QString("open %1: no such file or directory").arg(dir.filePath("nope")));
}

void tst_ContainerOptions::volumesSplitIntoBindsAndAnonymous()
{
    auto spec = build({"-v", "/host:/data:ro", "-v", "named:/srv", "-v", "/anon", "busybox"});
    QVERIFY(spec.has_value());
    const QJsonObject h = spec->body.value("HostConfig").toObject();
    QCOMPARE(compact(h.value("Binds")), QString(R"(["/host:/data:ro","named:/srv"])"));
    QCOMPARE(compact(spec->body.value("Volumes")), QString(R"({"/anon":{}})"));
    auto bad = build({"-v", ":/x", "busybox"});
    QVERIFY(!bad);
    QCOMPARE(bad.error().message, QString("invalid spec: :/x: empty section between colons"));
}

void tst_ContainerOptions::entrypointEmptyClearsIt()
{
    auto spec = build({"--entrypoint", "", "busybox"});
    QVERIFY(spec.has_value());
    QCOMPARE(compact(spec->body.value("Entrypoint")), QString(R"([""])"));
}

void tst_ContainerOptions::badValuesGiveDockersErrors_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<QString>("message");
    QTest::addColumn<bool>("usage");
    // Observed with docker 28.2.2.
    QTest::newRow("memory suffix") << QStringList{"--memory", "12x", "b"}
                                   << "invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'" << true;
    QTest::newRow("cpus") << QStringList{"--cpus", "abc", "b"}
                          << "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational number" << true;
    QTest::newRow("pids") << QStringList{"--pids-limit", "x", "b"}
                          << "invalid argument \"x\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax" << true;
    QTest::newRow("stop timeout") << QStringList{"--stop-timeout", "z", "b"}
                                  << "invalid argument \"z\" for \"--stop-timeout\" flag: strconv.ParseInt: parsing \"z\": invalid syntax" << true;
    QTest::newRow("restart count") << QStringList{"--restart", "on-failure:x", "b"}
                                   << "invalid restart policy format: maximum retry count must be an integer" << false;
    QTest::newRow("pull") << QStringList{"--pull", "sometimes", "b"}
                          << "invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or \"never\"" << false;
    QTest::newRow("port") << QStringList{"-p", "99999:80", "b"} << "invalid hostPort: 99999" << false;
    QTest::newRow("rm with restart") << QStringList{"--rm", "--restart", "always", "b"}
                                     << "conflicting options: cannot specify both --restart and --rm" << false;
}

void tst_ContainerOptions::badValuesGiveDockersErrors()
{
    QFETCH(QStringList, argv);
    QFETCH(QString, message);
    QFETCH(bool, usage);
    auto spec = build(argv);
    QVERIFY(!spec);
    QCOMPARE(spec.error().message, message);
    QCOMPARE(spec.error().usage, usage);
}

void tst_ContainerOptions::ramSizesParseAsGoUnits_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("bytes");
    QTest::newRow("bytes") << "42" << qint64(42);
    QTest::newRow("b") << "42b" << qint64(42);
    QTest::newRow("k") << "1k" << qint64(1024);
    QTest::newRow("KiB") << "2KiB" << qint64(2048);
    QTest::newRow("MB is binary") << "1MB" << qint64(1048576);
    QTest::newRow("fraction") << "1.5g" << qint64(1610612736);
    QTest::newRow("space") << "3 m" << qint64(3145728);
}

void tst_ContainerOptions::ramSizesParseAsGoUnits()
{
    QFETCH(QString, text);
    QFETCH(qint64, bytes);
    auto r = parseRamSize(text);
    QVERIFY(r.has_value());
    QCOMPARE(*r, bytes);
    QVERIFY(!parseRamSize("m"));
    QVERIFY(!parseRamSize("1kx"));
    QVERIFY(!parseRamSize("-1"));
}

void tst_ContainerOptions::nanoCpusAreExact_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("nano");
    QTest::newRow("one") << "1" << qint64(1000000000);
    QTest::newRow("half") << "0.5" << qint64(500000000);
    QTest::newRow("leading dot") << ".25" << qint64(250000000);
    QTest::newRow("fraction") << "3/2" << qint64(1500000000);
    QTest::newRow("nine digits") << "0.000000001" << qint64(1);
}

void tst_ContainerOptions::nanoCpusAreExact()
{
    QFETCH(QString, text);
    QFETCH(qint64, nano);
    auto r = parseNanoCpus(text);
    QVERIFY(r.has_value());
    QCOMPARE(*r, nano);
    auto precise = parseNanoCpus("0.0000000001");
    QVERIFY(!precise);
    QCOMPARE(QString::fromStdString(precise.error().message()), QString("value is too precise"));
}

void tst_ContainerOptions::volumeSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("bind");
    QTest::newRow("anonymous") << "/data" << "" << "/data" << "" << false;
    QTest::newRow("bind") << "/h:/c" << "/h" << "/c" << "" << true;
    QTest::newRow("bind ro") << "/h:/c:ro" << "/h" << "/c" << "ro" << true;
    QTest::newRow("relative bind") << "./h:/c" << "./h" << "/c" << "" << true;
    QTest::newRow("named") << "vol:/c:rw" << "vol" << "/c" << "rw" << false;
}

void tst_ContainerOptions::volumeSpecs()
{
    QFETCH(QString, spec);
    QFETCH(QString, source);
    QFETCH(QString, target);
    QFETCH(QString, mode);
    QFETCH(bool, bind);
    auto v = parseVolumeSpec(spec);
    QVERIFY(v.has_value());
    QCOMPARE(v->source, source);
    QCOMPARE(v->target, target);
    QCOMPARE(v->mode, mode);
    QCOMPARE(v->bind, bind);
    QCOMPARE(QString::fromStdString(parseVolumeSpec("a:b:c:d").error().message()), QString("invalid spec: a:b:c:d: too many colons"));
}

QTEST_GUILESS_MAIN(tst_ContainerOptions)
#include "tst_containeroptions.moc"
