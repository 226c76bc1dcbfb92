// Integration: the image commands through `berth` and through the real
// docker CLI against one private berthd, outputs and exit codes compared.
// Needs root (style.md C24); skips with the reason otherwise. The berthd
// started here is stopped by its PID in cleanup, even when a check fails.

#include <support/commandrunner.h>
#include <support/privatehelper.h>

#include <QtTest>

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <memory>

#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::PrivateHelper;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kSourceDir = QStringLiteral(BERTH_SOURCE_DIR);
constexpr int kCommandTimeoutMs = 60 * 1000;

// Image IDs differ between the two runs where each side imports its own.
QString normalized(QString text)
{
    static const QRegularExpression hex(QStringLiteral("[0-9a-f]{64}"));
    text.replace(hex, QStringLiteral("<HEX>"));
    return text;
}

// docker lists an image's repositories from a Go map, in no fixed order:
// compare list output line by line, sorted (the header stays first).
QString sortedRows(const QString &text)
{
    QStringList lines = text.split(QLatin1Char('\n'));
    if (lines.size() > 2)
        std::sort(lines.begin() + 1, lines.end());
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class tst_ImageCommands : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_socket;
    QString m_docker;
    QString m_tar;
    // The isolated environment with DOCKER_HOST and BERTH_HOST on the helper,
    // in the temporary directory, 60 s per command.
    CommandRunner m_runner;
    // Declared after m_tmp: stopped by PID (in cleanup and on destruction) before it goes.
    std::unique_ptr<PrivateHelper> m_daemon;

    CommandResult berth(const QStringList &args, const QByteArray &input = {}) { return m_runner.run(kBerth, args, input); }
    CommandResult docker(const QStringList &args, const QByteArray &input = {}) { return m_runner.run(m_docker, args, input); }

    // The docker CLI's output with its "docker" names turned into berth's.
    static QString asBerth(QString text)
    {
        text.replace(QLatin1String("docker "), QLatin1String("berth "));
        return text;
    }

    QString store()
    {
        // No CREATED column: "Less than a second ago" turns into "1 second ago".
        const CommandResult r = berth({QStringLiteral("images"), QStringLiteral("-a"), QStringLiteral("--no-trunc"),
                                       QStringLiteral("--format"),
                                       QStringLiteral("{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}")});
        return r.out;
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd is the privileged helper (run the suite as root; CI does)");
        m_docker = QStandardPaths::findExecutable(QStringLiteral("docker"));
        QVERIFY2(!m_docker.isEmpty(), "no docker CLI on PATH (/usr/local/bin/docker on these machines)");
        m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/berth-img-XXXXXX"));
        QVERIFY(m_tmp->isValid());
        m_socket = m_tmp->filePath(QStringLiteral("berth.sock"));
        QVERIFY(QDir().mkpath(m_tmp->filePath(QStringLiteral("docker-config"))));
        QProcessEnvironment env = CommandRunner::isolatedEnvironment(m_tmp->filePath(QStringLiteral("docker-config")));
        env.insert(QStringLiteral("TZ"), QStringLiteral("UTC"));
        env.insert(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + m_socket);
        env.insert(QStringLiteral("BERTH_HOST"), QStringLiteral("unix://") + m_socket);
        m_runner = CommandRunner(env, kCommandTimeoutMs);
        m_runner.setWorkingDirectory(m_tmp->path());

        // berthd itself runs in the test's own environment.
        m_daemon = std::make_unique<PrivateHelper>(kBerthd, m_tmp->filePath(QStringLiteral("root")), m_socket);
        QVERIFY2(m_daemon->launch(), qPrintable(m_daemon->errorString()));
        QVERIFY2(m_daemon->waitUntilAnswering(), qPrintable(m_daemon->log()));

        // The default image, made by the installer's script.
        m_tar = m_tmp->filePath(QStringLiteral("busybox.tar"));
        const CommandResult made = CommandRunner(QProcessEnvironment::systemEnvironment(), 120000)
                                       .run(QStringLiteral("bash"), {kSourceDir + QStringLiteral("/installer/make-default-image.sh"), m_tar});
        QVERIFY2(!made.timedOut, qPrintable(made.describe()));
        QVERIFY2(made.exitCode == 0, qPrintable(made.describe()));

        const CommandResult imported = berth({QStringLiteral("import"), QStringLiteral("-c"), QStringLiteral("CMD [\"sh\"]"),
                                              m_tar, QStringLiteral("busybox:latest")});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.describe()));
        QVERIFY2(QRegularExpression(QStringLiteral("^sha256:[0-9a-f]{64}\n$")).match(imported.out).hasMatch(),
                 qPrintable(imported.describe()));
        const CommandResult second = docker({QStringLiteral("import"), QStringLiteral("-c"), QStringLiteral("ENV A=b"),
                                             QStringLiteral("-m"), QStringLiteral("by docker"), m_tar, QStringLiteral("dbox:1")});
        QVERIFY2(second.exitCode == 0 && second.out.startsWith(QLatin1String("sha256:")), qPrintable(second.describe()));
    }

    void cleanupTestCase()
    {
        m_daemon.reset(); // stops it by PID
    }

    void readOnlyCommandsPrintWhatDockerPrints_data()
    {
        QTest::addColumn<QStringList>("args");
        const auto row = [](const char *name, const QStringList &args) { QTest::newRow(name) << args; };
        row("images", {"images"});
        row("image ls -a", {"image", "ls", "-a"});
        row("images -q", {"images", "-q"});
        row("images --no-trunc", {"images", "--no-trunc"});
        row("images --digests", {"images", "--digests"});
        row("images REPO", {"images", "busybox"});
        row("images REPO:TAG", {"images", "dbox:1"});
        row("filter dangling", {"images", "--filter", "dangling=true"});
        row("filter reference", {"images", "--filter", "reference=dbox"});
        row("filter label", {"images", "--filter", "label=nothing"});
        row("format fields", {"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.CreatedSince}}"});
        row("format table", {"images", "--format", "table {{.Repository}}\\t{{.ID}}\\t{{.Size}}"});
        row("format json", {"images", "--format", "{{json .}}"});
        row("image inspect", {"image", "inspect", "busybox"});
        row("image inspect two", {"image", "inspect", "busybox", "dbox:1"});
        row("inspect", {"inspect", "dbox:1"});
        row("inspect -f", {"inspect", "-f", "{{.Config.Cmd}} {{.Config.Env}} {{.Os}} {{.RootFS.Type}} {{.Comment}}", "busybox", "dbox:1"});
        row("inspect --format json", {"image", "inspect", "--format", "{{json .RepoTags}}", "busybox"});
        row("history", {"history", "busybox"});
        row("image history --no-trunc", {"image", "history", "--no-trunc", "dbox:1"});
        row("history -q", {"history", "-q", "busybox"});
        row("history -H=false", {"history", "-H=false", "busybox"});
        row("history --format", {"history", "--format", "{{.ID}} {{.Size}} {{.CreatedBy}}", "busybox"});
        row("inspect unknown", {"inspect", "nosuch"});
        row("image inspect unknown", {"image", "inspect", "nosuch"});
        row("history unknown", {"history", "nosuch:1"});
        row("rmi unknown", {"rmi", "nosuch:tag"});
        row("tag unknown", {"tag", "nosuch", "x:1"});
        row("tag bad target", {"tag", "busybox", "UPPER"});
        row("import bad reference", {"import", "/nonexistent.tar", "x"});
    }

    void readOnlyCommandsPrintWhatDockerPrints()
    {
        QFETCH(QStringList, args);
        const QString before = store();
        const bool list = args.first() == QLatin1String("images") || args.mid(0, 2) == QStringList{"image", "ls"};
        const auto comparable = [list](const CommandResult &r) { return list ? sortedRows(r.out) : r.out; };
        // CREATED is relative ("Less than a second ago", "3 seconds ago"): when
        // a second ticks over between the two commands, ask both again.
        CommandResult b = berth(args);
        CommandResult d = docker(args);
        for (int attempt = 0; attempt < 5 && comparable(b) != comparable(d); ++attempt) {
            b = berth(args);
            d = docker(args);
        }
        QVERIFY2(b.exitCode == d.exitCode, qPrintable(QStringLiteral("berth: %1\ndocker: %2").arg(b.describe(), d.describe())));
        if (list)
            QCOMPARE(sortedRows(b.out), sortedRows(d.out));
        else
            QCOMPARE(b.out, d.out);
        QCOMPARE(b.err, asBerth(d.err));
        QCOMPARE(store(), before);
    }

    void badInputFailsClearlyAndLeavesTheStoreAlone_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("error");
        QTest::newRow("uppercase repository") << QStringList{"import", "TAR", "UPPER"}
                                              << "invalid reference format: repository name (library/UPPER) must be lowercase\n";
        QTest::newRow("bad change") << QStringList{"import", "-c", "FROBNICATE x", "TAR", "bad:1"} << QString();
        QTest::newRow("missing file") << QStringList{"import", "/nonexistent.tar"} << QString();
        QTest::newRow("rmi unknown among good") << QStringList{"rmi", "nosuch:1"}
                                                << "Error response from daemon: No such image: nosuch:1\n";
    }

    void badInputFailsClearlyAndLeavesTheStoreAlone()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, error);
        args.replaceInStrings(QStringLiteral("TAR"), m_tar);
        const QString before = store();
        const CommandResult b = berth(args);
        QCOMPARE(store(), before);
        const CommandResult d = docker(args);
        QCOMPARE(store(), before);
        QVERIFY2(b.exitCode == 1, qPrintable(b.describe()));
        QVERIFY2(!b.err.trimmed().isEmpty(), qPrintable(b.describe()));
        QVERIFY2(b.exitCode == d.exitCode, qPrintable(d.describe()));
        if (!error.isEmpty())
            QCOMPARE(b.err, error);
        QCOMPARE(normalized(b.err), normalized(asBerth(d.err)));
        QCOMPARE(b.out, d.out);
    }

    void tagAndRmiMatchDockerStepByStep()
    {
        // berth works on b-names, docker on d-names; outputs must match after the swap.
        for (const QString &who : {QStringLiteral("b"), QStringLiteral("d")}) {
            auto cli = [&](const QStringList &args) { return who == QLatin1String("b") ? berth(args) : docker(args); };
            QVERIFY(cli({"tag", "busybox", who + "x:1"}).exitCode == 0);
            QVERIFY(cli({"tag", "busybox", "localhost:5999/" + who + "/y:v2"}).exitCode == 0);
            QVERIFY(cli({"image", "tag", "busybox:latest", who + "x"}).exitCode == 0);
        }
        const CommandResult lb = berth({"images", "--format", "{{.Repository}}:{{.Tag}}"});
        QVERIFY2(lb.out.contains(QLatin1String("bx:1\n")) && lb.out.contains(QLatin1String("localhost:5999/b/y:v2\n")),
                 qPrintable(lb.describe()));

        const CommandResult b = berth({"rmi", "bx:1", "nosuch", "localhost:5999/b/y:v2", "bx"});
        const CommandResult d = docker({"rmi", "dx:1", "nosuch", "localhost:5999/d/y:v2", "dx"});
        QCOMPARE(b.exitCode, 1);
        QCOMPARE(d.exitCode, 1);
        QCOMPARE(b.out, QStringLiteral("Untagged: bx:1\nUntagged: localhost:5999/b/y:v2\nUntagged: bx:latest\n"));
        QCOMPARE(QString(b.out).replace(QLatin1String("bx"), QLatin1String("dx")).replace(QLatin1String("/b/"), QLatin1String("/d/")), d.out);
        QCOMPARE(b.err, d.err);
    }

    void importFromStdinAndPruneMatchDocker()
    {
        QFile tar(m_tar);
        QVERIFY(tar.open(QIODevice::ReadOnly));
        const QByteArray bytes = tar.readAll();
        const QString before = store();

        // A cancelled prompt does nothing, as docker's.
        const CommandResult nb = berth({"image", "prune"}, "n\n");
        const CommandResult nd = docker({"image", "prune"}, "n\n");
        QCOMPARE(nb.out, nd.out);
        QCOMPARE(nb.exitCode, nd.exitCode);
        QCOMPARE(store(), before);

        for (const QString &who : {QStringLiteral("b"), QStringLiteral("d")}) {
            auto cli = [&](const QStringList &args, const QByteArray &in = {}) {
                return who == QLatin1String("b") ? berth(args, in) : docker(args, in);
            };
            const CommandResult dangling = cli({"import", "-m", who, "-"}, bytes);
            QVERIFY2(dangling.exitCode == 0, qPrintable(dangling.describe()));
            const CommandResult named = cli({"import", "-", who + "stdin:1"}, bytes);
            QVERIFY2(named.exitCode == 0, qPrintable(named.describe()));
        }
        const CommandResult pb = berth({"image", "prune", "-f"});
        QVERIFY2(pb.exitCode == 0, qPrintable(pb.describe()));
        QVERIFY2(QRegularExpression(QStringLiteral("^Deleted Images:\n(deleted: sha256:[0-9a-f]{64}\n){2}\nTotal reclaimed space: [0-9.]+[kMG]?B\n$"))
                     .match(pb.out).hasMatch(),
                 qPrintable(pb.describe()));
        const CommandResult pd = docker({"image", "prune", "-f"});
        QCOMPARE(pd.out, QStringLiteral("Total reclaimed space: 0B\n"));

        // Yes at the prompt, with -a: everything not used by a container goes.
        QVERIFY(berth({"tag", "busybox", "keep:1"}).exitCode == 0);
        const CommandResult ab = berth({"image", "prune", "-a"}, "y\n");
        QVERIFY2(ab.exitCode == 0 && ab.out.startsWith(QLatin1String(
                     "WARNING! This will remove all images without at least one container associated to them.\n"
                     "Are you sure you want to continue? [y/N] Deleted Images:\nuntagged: ")),
                 qPrintable(ab.describe()));
        QCOMPARE(berth({"images", "-a", "-q"}).out, QString());
        QCOMPARE(docker({"images", "-a", "-q"}).out, QString());
    }

    void saveAndLoadRoundTrip()
    {
        QVERIFY(berth({"import", "-c", "CMD [\"sh\"]", m_tar, "saved:1"}).exitCode == 0);
        const QString archive = m_tmp->filePath(QStringLiteral("saved.tar"));
        const CommandResult s = berth({"save", "-o", archive, "saved:1"});
        QVERIFY2(s.exitCode == 0 && QFileInfo(archive).size() > 0, qPrintable(s.describe()));
        const CommandResult ds = docker({"save", "-o", archive + QStringLiteral(".d"), "saved:1"});
        QCOMPARE(ds.exitCode, 0);
        QVERIFY(berth({"rmi", "saved:1"}).exitCode == 0);
        const CommandResult lb = berth({"load", "-i", archive});
        QVERIFY2(lb.exitCode == 0, qPrintable(lb.describe()));
        QVERIFY(berth({"rmi", "saved:1"}).exitCode == 0);
        const CommandResult ld = docker({"load", "-i", archive});
        QCOMPARE(lb.out, ld.out);
        QCOMPARE(lb.out, QStringLiteral("Loaded image: saved:1\n"));
        QFile in(archive);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const CommandResult stdinLoad = berth({"load", "-q"}, in.readAll());
        QCOMPARE(stdinLoad.out, ld.out);
    }
};

QTEST_GUILESS_MAIN(tst_ImageCommands)
#include "tst_imagecommands.moc"
