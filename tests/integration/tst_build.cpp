// Integration: image builds (issue 5) through `berth build` and through the
// real docker CLI's classic builder (DOCKER_BUILDKIT=0) against one private
// berthd with the real berth-shim, and the same Dockerfiles built by a
// private dockerd (its own containerd, data root and socket, no bridge) for
// the image comparison. Needs root (style.md C24); skips with the reason
// otherwise. Every daemon started here is stopped by its PID in
// cleanupTestCase, even when a check fails; the cgroup dirs dockerd leaves
// behind ("docker" below each hierarchy) are removed when this test made them.

#include <support/commandrunner.h>
#include <support/enginefixture.h>
#include <support/privatedockerd.h>

#include <QtTest>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <memory>

#include <unistd.h>

using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::EngineFixture;
using Berth::TestSupport::PrivateDockerd;

namespace {

const QString kBerthd = QStringLiteral(BERTHD_PATH);
const QString kBerth = QStringLiteral(BERTH_PATH);
const QString kShim = QStringLiteral(BERTH_SHIM_PATH);
constexpr int kCommandTimeoutMs = 180 * 1000;

// docker 28's notice for the classic builder, printed to stderr first.
QString withoutDeprecationNotice(QString err)
{
    if (err.startsWith("DEPRECATED:")) {
        const qsizetype end = err.indexOf("\n\n");
        err = end < 0 ? QString() : err.mid(end + 2);
    }
    return err;
}

// Intermediate container IDs differ from run to run.
QString withoutContainerIds(QString text)
{
    static const QRegularExpression running(QStringLiteral("(Running in|Removing intermediate container) [0-9a-f]{12}"));
    return text.replace(running, QStringLiteral("\\1 <ctr>"));
}

// The steps of a classic build's output: "Step N/M : X" and the lines up to the next one.
QStringList stepsOf(const QString &out)
{
    QStringList steps;
    for (const QString &line : out.split(u'\n')) {
        if (line.startsWith("Step "))
            steps << line;
        else if (!steps.isEmpty())
            steps.last() += u'\n' + line;
    }
    return steps;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive *)>;

// name -> data of every regular file of a tar (in memory).
QMap<QString, QByteArray> tarFiles(const QByteArray &tar)
{
    QMap<QString, QByteArray> out;
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_all(a.get());
    if (archive_read_open_memory(a.get(), tar.constData(), size_t(tar.size())) != ARCHIVE_OK)
        return out;
    struct archive_entry *e = nullptr;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        QByteArray data;
        char buffer[65536];
        la_ssize_t n;
        while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0)
            data.append(buffer, n);
        out.insert(QString::fromUtf8(archive_entry_pathname(e)), data);
    }
    return out;
}

// One line per entry of a layer tar: path, type, permissions, and the size
// and content hash of regular files or the target of links. No owner or
// time: both builders write root and their own clock.
QStringList layerListing(const QByteArray &layer)
{
    QStringList out;
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_all(a.get());
    if (archive_read_open_memory(a.get(), layer.constData(), size_t(layer.size())) != ARCHIVE_OK)
        return {QStringLiteral("<unreadable layer>")};
    struct archive_entry *e = nullptr;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
        QString name = QString::fromUtf8(archive_entry_pathname(e));
        if (name.startsWith("./"))
            name = name.mid(2);
        if (name.endsWith(u'/'))
            name.chop(1);
        QString line = name + u' ' + QString::number(archive_entry_filetype(e), 8) + u' '
                       + QString::number(archive_entry_perm(e), 8);
        if (archive_entry_hardlink(e)) {
            line += " link " + QString::fromUtf8(archive_entry_hardlink(e));
        } else if (archive_entry_filetype(e) == AE_IFLNK) {
            line += " -> " + QString::fromUtf8(archive_entry_symlink(e));
        } else if (archive_entry_filetype(e) == AE_IFREG) {
            QCryptographicHash hash(QCryptographicHash::Sha256);
            char buffer[65536];
            la_ssize_t n;
            qint64 size = 0;
            while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0) {
                hash.addData(QByteArrayView(buffer, n));
                size += n;
            }
            line += u' ' + QString::number(size) + u' ' + QString::fromLatin1(hash.result().toHex().left(16));
        }
        out << line;
    }
    out.sort();
    return out;
}

} // namespace

class tst_Build : public QObject
{
    Q_OBJECT

    EngineFixture m_engine{kBerthd, kBerth}; // berthd; the CLIs get 180 s per command
    std::unique_ptr<PrivateDockerd> m_dockerd; // the peer the images are compared with
    QString m_dockerError;                     // why the private dockerd is not there

    QString path(const QString &name) const { return m_engine.path(name); }
    CommandResult berth(const QStringList &args, const QByteArray &input = {}, const QString &dir = {})
    {
        CommandRunner r = m_engine.runner();
        if (!dir.isEmpty())
            r.setWorkingDirectory(dir);
        return r.run(kBerth, args, input);
    }
    CommandResult docker(const QStringList &args, const QByteArray &input = {}, const QString &dir = {})
    {
        CommandRunner r = m_engine.runner().with("DOCKER_BUILDKIT", "0");
        if (!dir.isEmpty())
            r.setWorkingDirectory(dir);
        return r.run(m_engine.dockerProgram(), args, input);
    }
    CommandResult dockerd(const QStringList &args, const QString &dir = {})
    {
        CommandRunner r = m_engine.runner().with("DOCKER_BUILDKIT", "0").with("DOCKER_HOST", m_dockerd->host());
        if (!dir.isEmpty())
            r.setWorkingDirectory(dir);
        return r.run(m_engine.dockerProgram(), args);
    }

    // berthd's image list: what a failed build must leave as it was.
    QString store()
    {
        return berth({"images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"}).out;
    }

    // A context directory in the temp dir with these files.
    QString context(const QString &name, const QMap<QString, QByteArray> &files)
    {
        const QString dir = path("ctx-" + name);
        QDir(dir).removeRecursively();
        for (auto it = files.cbegin(); it != files.cend(); ++it)
            writeFile(dir + u'/' + it.key(), it.value());
        return dir;
    }

    // docker save of one image: config JSON and the layer tars, bottom first.
    struct Saved
    {
        QJsonObject config;
        QList<QByteArray> layers;
    };
    Saved saved(bool fromDockerd, const QString &image)
    {
        const QString file = path((fromDockerd ? "dockerd-" : "berthd-") + QString(image).replace(u':', u'_') + ".tar");
        const CommandResult r = fromDockerd ? dockerd({"save", "-o", file, image}) : docker({"save", "-o", file, image});
        if (r.exitCode != 0) {
            qWarning().noquote() << r.describe();
            return {};
        }
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        const QMap<QString, QByteArray> files = tarFiles(f.readAll());
        const QJsonObject manifest = QJsonDocument::fromJson(files.value("manifest.json")).array().first().toObject();
        Saved s;
        s.config = QJsonDocument::fromJson(files.value(manifest.value("Config").toString())).object();
        for (const QJsonValue &layer : manifest.value("Layers").toArray())
            s.layers << files.value(layer.toString());
        return s;
    }

    // How `image` built by berthd differs from the one built by dockerd: the
    // config keys named, the layer count and each layer's file list. Every
    // difference at once, so that one run shows them all.
    QStringList imageDifferences(const QString &image, const QStringList &keys)
    {
        const Saved ours = saved(false, image);
        const Saved theirs = saved(true, image);
        if (ours.config.isEmpty() || theirs.config.isEmpty())
            return {QStringLiteral("%1 could not be saved from %2").arg(image, ours.config.isEmpty() ? "berthd" : "dockerd")};
        const QJsonObject oc = ours.config.value("config").toObject();
        const QJsonObject tc = theirs.config.value("config").toObject();
        QStringList differences;
        for (const QString &key : keys) {
            // dockerd writes null where Berth leaves an empty list out: the same to every reader.
            const auto value = [&key](const QJsonObject &c) {
                const QJsonValue v = c.value(key);
                return (v.isArray() && v.toArray().isEmpty()) || v.isUndefined() ? QJsonValue() : v;
            };
            if (value(oc) != value(tc)) {
                differences << QStringLiteral("%1: berth %2, dockerd %3").arg(key,
                    QString::fromUtf8(QJsonDocument(QJsonObject{{"v", value(oc)}}).toJson(QJsonDocument::Compact)),
                    QString::fromUtf8(QJsonDocument(QJsonObject{{"v", value(tc)}}).toJson(QJsonDocument::Compact)));
            }
        }
        if (ours.layers.size() != theirs.layers.size())
            differences << QStringLiteral("layers: berth %1, dockerd %2").arg(ours.layers.size()).arg(theirs.layers.size());
        for (qsizetype i = 0; i < qMin(ours.layers.size(), theirs.layers.size()); ++i) {
            const QStringList o = layerListing(ours.layers[i]);
            const QStringList t = layerListing(theirs.layers[i]);
            if (o != t)
                differences << QStringLiteral("layer %1 differs\nberth:\n  %2\ndockerd:\n  %3").arg(i).arg(o.join("\n  "), t.join("\n  "));
        }
        return differences;
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: berthd, berth-shim and dockerd are privileged (run the suite as root; CI does)");
        QVERIFY2(QFileInfo::exists(kShim), "berth-shim is not built");
        EngineFixture::Options options;
        options.tempPrefix = "berth-build";
        options.commandTimeoutMs = kCommandTimeoutMs;
        const QString failed = m_engine.setUp(options);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));

        m_dockerd = std::make_unique<PrivateDockerd>(path("dockerd"), "berth-build");
        m_dockerError = m_dockerd->start(m_engine.environment());
        if (m_dockerError.isEmpty()) {
            const CommandResult same = dockerd({"import", "-c", "CMD [\"sh\"]", path("busybox.tar"), "busybox:latest"});
            if (same.exitCode != 0)
                m_dockerError = "import into dockerd: " + same.describe();
        }
    }

    void cleanupTestCase()
    {
        if (m_dockerd) {
            const QStringList left = m_dockerd->stop();
            QVERIFY2(left.isEmpty(), qPrintable("the private dockerd left behind: " + left.join(u' ')));
        }
        m_engine.tearDown();
    }

    void cacheIsUsedUntilTheFirstChangedCopy()
    {
        const QString dir = context("cache", {{"Dockerfile", "FROM busybox\nWORKDIR /app\nCOPY a.txt /app/a.txt\n"
                                                             "COPY b.txt /app/b.txt\nRUN cat a.txt b.txt > both.txt\n"
                                                             "ENV X=1\nCMD [\"cat\", \"/app/both.txt\"]\n"},
                                              {"a.txt", "alpha\n"},
                                              {"b.txt", "beta\n"}});
        const CommandResult first = berth({"build", "-t", "cachetest", "."}, {}, dir);
        QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        QCOMPARE(stepsOf(first.out).size(), 7);
        QVERIFY2(!first.out.contains("Using cache"), qPrintable(first.describe()));
        const CommandResult ran = docker({"run", "--rm", "cachetest"});
        QCOMPARE(ran.out, QStringLiteral("alpha\nbeta\n"));

        // Nothing changed: every step after FROM comes from the cache, same image.
        const CommandResult again = berth({"build", "-t", "cachetest", "."}, {}, dir);
        QVERIFY2(again.exitCode == 0, qPrintable(again.describe()));
        const QStringList steps = stepsOf(again.out);
        QCOMPARE(steps.size(), 7);
        for (int i = 1; i < steps.size(); ++i)
            QVERIFY2(steps[i].contains(" ---> Using cache"), qPrintable(steps[i]));
        QCOMPARE(again.out.count("Using cache"), 6);
        const QString firstId = first.out.section("Successfully built ", 1).left(12);
        QCOMPARE(again.out.section("Successfully built ", 1).left(12), firstId);

        // b.txt changed: WORKDIR and the first COPY cached, the rest rebuilt.
        QVERIFY(writeFile(dir + "/b.txt", "gamma\n"));
        const CommandResult changed = berth({"build", "-t", "cachetest", "."}, {}, dir);
        QVERIFY2(changed.exitCode == 0, qPrintable(changed.describe()));
        const QStringList after = stepsOf(changed.out);
        QCOMPARE(after.size(), 7);
        QVERIFY2(after[1].contains("Using cache") && after[2].contains("Using cache"), qPrintable(changed.out));
        for (int i = 3; i < after.size(); ++i)
            QVERIFY2(!after[i].contains("Using cache"), qPrintable(after[i]));
        QCOMPARE(docker({"run", "--rm", "cachetest"}).out, QStringLiteral("alpha\ngamma\n"));

        // --no-cache: every step runs again.
        const CommandResult fresh = berth({"build", "--no-cache", "-t", "cachetest", "."}, {}, dir);
        QVERIFY2(fresh.exitCode == 0, qPrintable(fresh.describe()));
        QVERIFY2(!fresh.out.contains("Using cache"), qPrintable(fresh.out));
        QCOMPARE(stepsOf(fresh.out).size(), 7);
    }

    void theDockerCliBuildsAgainstBerthdAndTheImageRuns()
    {
        const QString dir = context("dockercli", {{"Dockerfile", "FROM busybox\nCOPY msg /msg\nRUN echo built-by-run >> /msg\n"
                                                                  "CMD [\"cat\", \"/msg\"]\n"},
                                                  {"msg", "hello from the context\n"}});
        const CommandResult built = docker({"build", "-t", "fromdocker", "."}, {}, dir);
        QVERIFY2(built.exitCode == 0, qPrintable(built.describe()));
        QVERIFY2(built.out.startsWith("Sending build context to Docker daemon "), qPrintable(built.describe()));
        QVERIFY2(built.out.contains("Successfully tagged fromdocker:latest\n"), qPrintable(built.describe()));
        const CommandResult ran = docker({"run", "--rm", "fromdocker"});
        QVERIFY2(ran.exitCode == 0, qPrintable(ran.describe()));
        QCOMPARE(ran.out, QStringLiteral("hello from the context\nbuilt-by-run\n"));
    }

    void berthPrintsWhatTheDockerCliPrints()
    {
        const QString dir = context("same", {{"Dockerfile", "FROM busybox\nLABEL k=v\nCOPY f /f\nRUN echo run-output\n"
                                                             "ENV A=b\nCMD [\"cat\", \"/f\"]\n"},
                                             {"f", "content\n"},
                                             {"sub/g", "more\n"}});
        // Warm the cache so that both runs below print the same IDs.
        const CommandResult warm = berth({"build", "-t", "same", "."}, {}, dir);
        QVERIFY2(warm.exitCode == 0, qPrintable(warm.describe()));
        const CommandResult b = berth({"build", "-t", "same", "."}, {}, dir);
        const CommandResult d = docker({"build", "-t", "same", "."}, {}, dir);
        QCOMPARE(b.exitCode, d.exitCode);
        QCOMPARE(b.out, d.out);
        QCOMPARE(b.err, withoutDeprecationNotice(d.err));

        const CommandResult bq = berth({"build", "-q", "-t", "same", "."}, {}, dir);
        const CommandResult dq = docker({"build", "-q", "-t", "same", "."}, {}, dir);
        QCOMPARE(bq.exitCode, 0);
        QCOMPARE(bq.out, dq.out);
        QVERIFY(QRegularExpression("^sha256:[0-9a-f]{64}\n$").match(bq.out).hasMatch());

        // The Dockerfile on stdin as the whole context.
        const QByteArray dockerfile = "FROM busybox\nENV FROM_STDIN=1\n";
        const CommandResult warmStdin = berth({"build", "-t", "stdin", "-"}, dockerfile, dir);
        QVERIFY2(warmStdin.exitCode == 0, qPrintable(warmStdin.describe()));
        const CommandResult bs = berth({"build", "-t", "stdin", "-"}, dockerfile, dir);
        const CommandResult ds = docker({"build", "-t", "stdin", "-"}, dockerfile, dir);
        QVERIFY2(bs.exitCode == 0, qPrintable(bs.describe()));
        QCOMPARE(bs.out, ds.out);
        QVERIFY(bs.out.startsWith("Sending build context to Docker daemon  2.048kB\r\r\n"));

        // A failed RUN: same output, same message, same exit code (the RUN's).
        const QString failing = context("failing", {{"Dockerfile", "FROM busybox\nRUN echo failing && exit 3\n"}});
        const CommandResult bf = berth({"build", "-t", "failing", "."}, {}, failing);
        const CommandResult df = docker({"build", "-t", "failing", "."}, {}, failing);
        QCOMPARE(bf.exitCode, 3);
        QCOMPARE(df.exitCode, 3);
        QCOMPARE(withoutContainerIds(bf.out), withoutContainerIds(df.out));
        QCOMPARE(bf.err, withoutDeprecationNotice(df.err));
        QCOMPARE(bf.err, QStringLiteral("The command '/bin/sh -c echo failing && exit 3' returned a non-zero code: 3\n"));

        // Client-side context errors.
        for (const QStringList &args : {QStringList{"build", "nosuchdir"}, QStringList{"build", "-f", "nosuch.Dockerfile", "."}}) {
            const CommandResult be = berth(args, {}, dir);
            const CommandResult de = docker(args, {}, dir);
            QCOMPARE(be.exitCode, de.exitCode);
            QCOMPARE(be.err, withoutDeprecationNotice(de.err));
        }
    }

    void theDockerCliSendsADockerfileFromStdin()
    {
        // -f - with a directory context: the CLI adds the Dockerfile under a
        // random name and a .dockerignore naming it (none in this context).
        const QString dir = context("stdinfile", {{"f", "content\n"}});
        const QByteArray other = "FROM busybox\nCOPY f /from-stdin-dockerfile\n";
        const CommandResult bf1 = berth({"build", "-f", "-", "-t", "stdinfile", "."}, other, dir);
        QVERIFY2(bf1.exitCode == 0, qPrintable(bf1.describe()));
        QCOMPARE(docker({"run", "--rm", "stdinfile", "cat", "/from-stdin-dockerfile"}).out, QStringLiteral("content\n"));
        const CommandResult df1 = docker({"build", "-f", "-", "-t", "stdinfile", "."}, other, dir);
        QVERIFY2(df1.exitCode == 0, qPrintable(df1.describe()));
        QCOMPARE(bf1.out.section("Successfully built ", 1), df1.out.section("Successfully built ", 1));
    }

    void badInputFailsClearlyAndLeavesTheStoreAsItWas_data()
    {
        QTest::addColumn<QByteArray>("dockerfile");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("unknown instruction") << QByteArray("FROM busybox\nFORM x\n")
                                             << QStringLiteral("unknown instruction: FORM") << 1;
        QTest::newRow("missing COPY source") << QByteArray("FROM busybox\nCOPY nothere /x\n")
                                             << QStringLiteral("nothere") << 1;
        QTest::newRow("failing RUN") << QByteArray("FROM busybox\nRUN exit 7\n")
                                     << QStringLiteral("The command '/bin/sh -c exit 7' returned a non-zero code: 7") << 7;
    }

    void badInputFailsClearlyAndLeavesTheStoreAsItWas()
    {
        QFETCH(QByteArray, dockerfile);
        QFETCH(QString, message);
        QFETCH(int, exitCode);
        const QString dir = context("bad", {{"Dockerfile", dockerfile}, {"present", "x"}});
        const QString before = store();
        const CommandResult r = berth({"build", "-t", "bad:1", "."}, {}, dir);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.describe()));
        QCOMPARE(store(), before);
        QVERIFY(!store().contains("bad:1"));
        // The failed step's container is gone (dockerd 20.10 leaves it; Berth does not).
        QCOMPARE(docker({"ps", "-aq"}).out, QString());
    }

    void aMalformedContextTarIsRefused()
    {
        // A tar header announcing 4096 bytes of Dockerfile, then the end of input.
        QByteArray header(512, '\0');
        const QByteArray name = "Dockerfile";
        memcpy(header.data(), name.constData(), size_t(name.size()));
        memcpy(header.data() + 100, "0000644", 7);
        memcpy(header.data() + 108, "0000000", 7);
        memcpy(header.data() + 116, "0000000", 7);
        memcpy(header.data() + 124, "00000010000", 11);
        memcpy(header.data() + 136, "14000000000", 11);
        header[156] = '0';
        memcpy(header.data() + 257, "ustar\0" "00", 8);
        memset(header.data() + 148, ' ', 8);
        unsigned sum = 0;
        for (char c : header)
            sum += static_cast<unsigned char>(c);
        const QByteArray checksum = QByteArray::number(sum, 8).rightJustified(6, '0');
        memcpy(header.data() + 148, checksum.constData(), 6);
        header[154] = '\0';
        const QByteArray tar = header + "FROM busybox\n";
        const QString before = store();
        const CommandResult r = berth({"build", "-t", "malformed", "-"}, tar);
        QVERIFY2(r.exitCode != 0, qPrintable(r.describe()));
        QVERIFY2(!r.err.trimmed().isEmpty(), qPrintable(r.describe()));
        QCOMPARE(store(), before);
        const CommandResult d = docker({"build", "-t", "malformed", "-"}, tar);
        QVERIFY2(d.exitCode != 0, qPrintable(d.describe()));
        QCOMPARE(store(), before);
    }

    void multiStageCopiesFromAStageAndStopsAtTheTarget()
    {
        const QString dir = context("multi", {{"Dockerfile", "FROM busybox AS builder\nRUN echo built > /out.txt\n"
                                                             "FROM busybox AS tester\nRUN echo tested > /t.txt\n"
                                                             "FROM busybox\nCOPY --from=builder /out.txt /final.txt\n"
                                                             "CMD [\"cat\", \"/final.txt\"]\n"}});
        const CommandResult all = berth({"build", "-t", "multi", "."}, {}, dir);
        QVERIFY2(all.exitCode == 0, qPrintable(all.describe()));
        QCOMPARE(docker({"run", "--rm", "multi"}).out, QStringLiteral("built\n"));

        const CommandResult target = berth({"build", "--target", "tester", "-t", "multi-tester", "."}, {}, dir);
        QVERIFY2(target.exitCode == 0, qPrintable(target.describe()));
        QVERIFY2(!target.out.contains("COPY --from=builder"), qPrintable(target.out));
        QCOMPARE(docker({"run", "--rm", "multi-tester", "cat", "/t.txt"}).out, QStringLiteral("tested\n"));
        QVERIFY(docker({"run", "--rm", "multi-tester", "cat", "/final.txt"}).exitCode != 0);

        const CommandResult unknown = berth({"build", "--target", "nosuchstage", "."}, {}, dir);
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains("nosuchstage"), qPrintable(unknown.describe()));
    }

    // --network: RUN steps on the bridge by default, or none or host.
    void runStepsUseTheNetworkAskedFor()
    {
        const QString dir = context("network", {{"Dockerfile", "FROM busybox\nRUN ls /sys/class/net > /nets\nCMD [\"cat\", \"/nets\"]\n"}});
        const CommandResult bridged = berth({"build", "--no-cache", "-t", "nettest:bridge", "."}, {}, dir);
        QVERIFY2(bridged.exitCode == 0, qPrintable(bridged.describe()));
        QCOMPARE(docker({"run", "--rm", "--network", "none", "nettest:bridge"}).out, QStringLiteral("eth0\nlo\n"));
        const CommandResult isolated = docker({"build", "--no-cache", "--network", "none", "-t", "nettest:none", "."}, {}, dir);
        QVERIFY2(isolated.exitCode == 0, qPrintable(isolated.describe()));
        QCOMPARE(docker({"run", "--rm", "--network", "none", "nettest:none"}).out, QStringLiteral("lo\n"));

        const QString before = store();
        const CommandResult unknown = berth({"build", "--network", "nosuchnet", "-t", "nettest:bad", "."}, {}, dir);
        QVERIFY2(unknown.exitCode != 0 && unknown.err.contains("network nosuchnet not found"), qPrintable(unknown.describe()));
        QCOMPARE(store(), before);
        QVERIFY(berth({"rmi", "nettest:bridge", "nettest:none"}).exitCode == 0);
    }

    // A RUN step can take minutes: meanwhile berthd answers image requests and
    // runs other containers (the engine thread is not held by the build).
    void theEngineKeepsServingWhileARunStepRuns()
    {
        const QString dir = context("serving", {{"Dockerfile", "FROM busybox\nRUN sleep 30\n"}});
        const QString before = store();
        QProcess build;
        build.setProcessEnvironment(m_engine.environment());
        build.setWorkingDirectory(dir);
        CommandRunner::killWithParent(build);
        build.start(kBerth, {"build", "-t", "servingtest", "."});
        QVERIFY(build.waitForStarted());
        QString step;
        QTRY_VERIFY_WITH_TIMEOUT(!(step = docker({"ps", "-q"}).out.trimmed()).isEmpty(), 60000);

        const CommandResult images = berth({"images", "--format", "{{.Repository}}"});
        QVERIFY2(images.exitCode == 0 && images.out.contains("busybox"), qPrintable(images.describe()));
        const CommandResult inspect = docker({"image", "inspect", "--format", "{{.Id}}", "busybox"});
        QVERIFY2(inspect.exitCode == 0, qPrintable(inspect.describe()));
        const CommandResult ran = berth({"run", "--rm", "--network", "none", "busybox", "echo", "alongside"});
        QVERIFY2(ran.exitCode == 0, qPrintable(ran.describe()));
        QCOMPARE(ran.out, QStringLiteral("alongside\n"));
        // All of that was answered while the same step still ran.
        const CommandResult ps = docker({"ps", "-q"});
        QVERIFY2(ps.out.contains(step), qPrintable("the RUN step ended before the engine answered: " + ps.describe()));
        QCOMPARE(build.state(), QProcess::Running);

        // The client goes away: the build is cancelled, its container removed, nothing tagged.
        build.kill();
        QVERIFY(build.waitForFinished(10000));
        QTRY_VERIFY_WITH_TIMEOUT(docker({"ps", "-aq"}).out.trimmed().isEmpty(), 30000);
        QCOMPARE(store(), before);
    }

    void onbuildTriggersRunInTheChildAsInDockerd()
    {
        if (!m_dockerError.isEmpty())
            QFAIL(qPrintable("private dockerd: " + m_dockerError));
        const QString base = context("onbase", {{"Dockerfile", "FROM busybox\nENV A=1\nONBUILD COPY a.txt /from-trigger/\n"
                                                             "ONBUILD RUN echo \"ran with $A\" > /ran.txt\nONBUILD ENV T=$A\nCMD [\"sh\"]\n"}});
        CommandResult b = berth({"build", "-t", "onbase:1", "."}, {}, base);
        QVERIFY2(b.exitCode == 0, qPrintable(b.describe()));
        CommandResult d = dockerd({"build", "--network", "none", "-t", "onbase:1", "."}, base);
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));
        QStringList differences = imageDifferences("onbase:1", {"Env", "Cmd", "OnBuild"});
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));

        const QString child = context("onchild", {{"Dockerfile", "FROM onbase:1\nRUN cat /from-trigger/a.txt /ran.txt > /both.txt\n"},
                                                  {"a.txt", "from the child's context\n"}});
        b = berth({"build", "-t", "onchild:1", "."}, {}, child);
        QVERIFY2(b.exitCode == 0, qPrintable(b.describe()));
        d = dockerd({"build", "--network", "none", "-t", "onchild:1", "."}, child);
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));
        // Both print the triggers between FROM's step line and its image, and count them as no step.
        for (const CommandResult *r : {&b, &d}) {
            QVERIFY2(r->out.contains("Step 1/2 : FROM onbase:1\n# Executing 3 build triggers\n"), qPrintable(r->describe()));
            QVERIFY2(r->out.contains("Step 2/2 : RUN cat"), qPrintable(r->describe()));
        }
        differences = imageDifferences("onchild:1", {"Env", "Cmd", "OnBuild"});
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));
        const CommandResult run = docker({"run", "--rm", "--network", "none", "onchild:1", "cat", "/both.txt"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QCOMPARE(run.out, QStringLiteral("from the child's context\nran with 1\n"));
    }

    void theSameDockerfileGivesTheSameImageAsDockerd()
    {
        if (!m_dockerError.isEmpty())
            QFAIL(qPrintable("private dockerd: " + m_dockerError));
        const QString dir = context("compare", {{"Dockerfile", "FROM busybox\nWORKDIR /app\nCOPY tree/ /app/\n"
                                                               "RUN mkdir -p /data && echo made > /data/made.txt && ln -s made.txt /data/link\n"
                                                               "ENV MODE=prod PATH=/app/bin:$PATH\nEXPOSE 8080/tcp 53/udp\n"
                                                               "LABEL org.example.name=demo version=1\nUSER nobody\n"
                                                               "ENTRYPOINT [\"/bin/sh\", \"-c\"]\nCMD [\"cat /app/a.txt\"]\n"},
                                                {"tree/a.txt", "a\n"},
                                                {"tree/bin/tool", "#!/bin/sh\necho tool\n"},
                                                {"tree/deep/er/c.txt", "c\n"}});
        QFile::setPermissions(dir + "/tree/bin/tool", QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
                                                          | QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther);
        const CommandResult b = berth({"build", "-t", "compare:1", "."}, {}, dir);
        QVERIFY2(b.exitCode == 0, qPrintable(b.describe()));
        const CommandResult d = dockerd({"build", "--network", "none", "-t", "compare:1", "."}, dir);
        QVERIFY2(d.exitCode == 0, qPrintable(d.describe()));

        const QStringList differences = imageDifferences("compare:1", {"Env", "Cmd", "Entrypoint", "WorkingDir", "ExposedPorts", "User", "Labels"});
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(tst_Build)
#include "tst_build.moc"
