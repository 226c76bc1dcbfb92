#include "fakedaemon.h"

#include <client/buildapi.h>
#include <client/buildcontextpacker.h>
#include <client/engineclient.h>

#include <QBuffer>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>

using namespace Berth;
using Berth::Client::BuildJob;
using Berth::Client::BuildRequest;
using Berth::Client::BuildStep;
using Berth::Tests::FakeDaemon;

namespace {

QByteArray chunk(const QByteArray &c)
{
    return QByteArray::number(c.size(), 16) + "\r\n" + c + "\r\n";
}

QByteArray streamHead()
{
    return "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
}

QStringList tarNames(const QByteArray &tar)
{
    QStringList out;
    std::unique_ptr<struct archive, int (*)(struct archive *)> a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    if (archive_read_open_memory(a.get(), tar.constData(), size_t(tar.size())) != ARCHIVE_OK)
        return out;
    struct archive_entry *e = nullptr;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK)
        out << QString::fromUtf8(archive_entry_pathname(e));
    return out;
}

// The dockerd conversation of tests/data/api-captures/build (engine-api.md
// 7.16), with one Berth step event.
QList<QByteArray> successfulBuild()
{
    const QByteArray step = R"({"aux":{"berth.step":{"step":2,"total":2,"line":2,"instruction":"COPY hello.txt /hello.txt",)"
                            R"("cached":false,"image":"sha256:331d6f63a493aaaa","layer":"sha256:feed","layerSize":4096,"durationMs":12}}})";
    return {streamHead() + chunk(R"({"stream":"Step 1/2 : FROM bb:latest"})" "\r\n"),
            chunk(R"({"stream":"\n"})" "\r\n") + chunk(R"({"stream":" ---\u003e 6997e35419fc\n"})" "\r\n"),
            chunk(R"({"stream":"Step 2/2 : COPY hello.txt /hello.txt"})" "\r\n{\"stream\":\"\\n\"}\r\n"),
            chunk(R"({"stream":" ---\u003e 331d6f63a493\n"})" "\r\n" + step + "\r\n"),
            chunk(R"({"aux":{"ID":"sha256:3dfa000a77656797ebe71264e3f86c1bf3bddf51330f204de43a3d02ef11eebc"}})" "\r\n"),
            chunk("{\"stream\":\"Successfully built 3dfa000a7765\\n\"}\r\n{\"stream\":\"Successfully tagged x:v1\\n\"}\r\n")
                + "0\r\n\r\n"};
}

} // namespace

class tst_BuildJob : public QObject
{
    Q_OBJECT

private slots:
    void theRequestCarriesTheDockerClientsQueryAndHeaders()
    {
        BuildRequest r;
        r.tags = {QStringLiteral("a:1"), QStringLiteral("b")};
        r.dockerfile = QStringLiteral("sub/Dockerfile");
        r.buildArgs.insert(QStringLiteral("V"), QStringLiteral("1"));
        r.buildArgs.insert(QStringLiteral("NOVALUE"), std::nullopt);
        r.labels.insert(QStringLiteral("k"), QStringLiteral("v"));
        r.target = QStringLiteral("final");
        r.noCache = true;
        r.pull = true;
        r.remove = false;
        r.forceRemove = true;
        const Client::Request http = r.toRequest();
        QCOMPARE(http.method, QByteArray("POST"));
        QCOMPARE(http.path, QStringLiteral("/build"));
        QCOMPARE(http.contentType, QByteArray("application/x-tar"));
        QCOMPARE(http.query.allQueryItemValues(QStringLiteral("t")), (QStringList{QStringLiteral("a:1"), QStringLiteral("b")}));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("nocache")), QStringLiteral("1"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("rm")), QStringLiteral("0"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("forcerm")), QStringLiteral("1"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("pull")), QStringLiteral("1"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("dockerfile")), QStringLiteral("sub/Dockerfile"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("target")), QStringLiteral("final"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("buildargs"), QUrl::FullyDecoded),
                 QStringLiteral(R"({"NOVALUE":null,"V":"1"})"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("labels"), QUrl::FullyDecoded), QStringLiteral(R"({"k":"v"})"));
        QCOMPARE(http.query.queryItemValue(QStringLiteral("version")), QStringLiteral("1"));
        QVERIFY(!http.query.hasQueryItem(QStringLiteral("q")));
        // The empty auth map, as the docker CLI sends it without credentials.
        QCOMPARE(http.headers.value("X-Registry-Config"), QByteArray("e30="));

        BuildRequest defaults;
        const Client::Request plain = defaults.toRequest();
        QVERIFY(!plain.query.hasQueryItem(QStringLiteral("rm")));
        QVERIFY(!plain.query.hasQueryItem(QStringLiteral("dockerfile")));
    }

    void aBuildStreamsTheContextAndReportsStepsLinesAndTheImage()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        daemon.on("POST", "/v1.41/build", FakeDaemon::Reply{successfulBuild(), 5});
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));

        QTemporaryDir dir;
        QFile f(dir.path() + QStringLiteral("/hello.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("hi-there\n");
        f.close();
        Client::BuildContextPacker::Spec spec;
        spec.directory = dir.path();
        auto packer = Client::BuildContextPacker::open(std::move(spec));
        QVERIFY(packer);

        BuildRequest request;
        request.tags = {QStringLiteral("x:v1")};
        std::unique_ptr<BuildJob> job(BuildJob::start(&client, packer->get(), request));
        QSignalSpy sent(job.get(), &BuildJob::contextSent);
        QSignalSpy started(job.get(), &BuildJob::stepStarted);
        QSignalSpy finishedSteps(job.get(), &BuildJob::stepFinished);
        QSignalSpy built(job.get(), &BuildJob::imageBuilt);
        QSignalSpy done(job.get(), &BuildJob::finished);
        QStringList lines;
        QString text;
        connect(job.get(), &BuildJob::lines, this, [&lines](const QStringList &batch) { lines += batch; });
        connect(job.get(), &BuildJob::output, this, [&text](const QString &t) { text += t; });
        QVERIFY(done.wait(5000));

        const Status result = done.at(0).at(0).value<Status>();
        QVERIFY2(result, result ? "" : result.error().toString().c_str());
        QCOMPARE(job->exitCode(), 0);
        QCOMPARE(sent.size(), 1);
        QCOMPARE(sent.at(0).at(0).toLongLong(), qint64(4 * 512));
        QCOMPARE(job->contextBytes(), qint64(4 * 512));
        QCOMPARE(daemon.requests().last().method, QByteArray("POST"));
        QCOMPARE(daemon.requests().last().headers.value("Transfer-Encoding"), QByteArray("chunked"));
        QCOMPARE(tarNames(daemon.requests().last().body), QStringList{QStringLiteral("hello.txt")});

        QCOMPARE(started.size(), 2);
        QCOMPARE(started.at(1).at(0).toInt(), 2);
        QCOMPARE(started.at(1).at(1).toInt(), 2);
        QCOMPARE(started.at(1).at(2).toString(), QStringLiteral("COPY hello.txt /hello.txt"));
        QCOMPARE(finishedSteps.size(), 1);
        const BuildStep step = finishedSteps.at(0).at(0).value<BuildStep>();
        QCOMPARE(step.index, 2);
        QCOMPARE(step.line, 2);
        QCOMPARE(step.layerDigest, QStringLiteral("sha256:feed"));
        QCOMPARE(step.layerSize, 4096);
        QCOMPARE(step.durationMs, 12);
        QVERIFY(!step.cached);
        QCOMPARE(built.size(), 1);
        QCOMPARE(job->imageId(), QStringLiteral("sha256:3dfa000a77656797ebe71264e3f86c1bf3bddf51330f204de43a3d02ef11eebc"));
        QCOMPARE(lines, (QStringList{QStringLiteral("Step 1/2 : FROM bb:latest"), QStringLiteral(" ---> 6997e35419fc"),
                                     QStringLiteral("Step 2/2 : COPY hello.txt /hello.txt"), QStringLiteral(" ---> 331d6f63a493"),
                                     QStringLiteral("Successfully built 3dfa000a7765"), QStringLiteral("Successfully tagged x:v1")}));
        QVERIFY(text.startsWith(QStringLiteral("Step 1/2 : FROM bb:latest\n ---> 6997e35419fc\n")));
    }

    void aFailedStepEndsWithTheEnginesMessageAndExitCode()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        const QByteArray error = R"({"errorDetail":{"code":2,"message":"The command '/bin/sh -c exit 2' returned a non-zero code: 2"},)"
                                 R"("error":"The command '/bin/sh -c exit 2' returned a non-zero code: 2"})";
        daemon.on("POST", "/v1.41/build",
                  FakeDaemon::Reply{{streamHead() + chunk(R"({"stream":"Step 1/1 : RUN exit 2"})") + chunk(error + "\r\n")
                                     + chunk(R"({"stream":"never shown\n"})") + "0\r\n\r\n"}});
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        QBuffer context;
        context.setData(QByteArray(1024, '\0'));
        QVERIFY(context.open(QIODevice::ReadOnly));
        std::unique_ptr<BuildJob> job(BuildJob::start(&client, &context, BuildRequest()));
        QSignalSpy done(job.get(), &BuildJob::finished);
        QVERIFY(done.wait(5000));
        const Status result = done.at(0).at(0).value<Status>();
        QVERIFY(!result);
        QVERIFY(job->failedInStream());
        QCOMPARE(job->exitCode(), 2);
        QCOMPARE(QString::fromStdString(result.error().message()),
                 QStringLiteral("The command '/bin/sh -c exit 2' returned a non-zero code: 2"));
        QVERIFY(!job->streamText().contains(QStringLiteral("never shown")));
    }

    void aRefusedRequestIsAnEngineErrorNotAStreamFailure()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        daemon.on("POST", "/v1.41/build",
                  FakeDaemon::httpReply(400, R"({"message":"dockerfile parse error line 1: unknown instruction: FORM"})"));
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        QBuffer context;
        context.setData(QByteArray(1024, '\0'));
        QVERIFY(context.open(QIODevice::ReadOnly));
        std::unique_ptr<BuildJob> job(BuildJob::start(&client, &context, BuildRequest()));
        QSignalSpy done(job.get(), &BuildJob::finished);
        QVERIFY(done.wait(5000));
        const Status result = done.at(0).at(0).value<Status>();
        QVERIFY(!result);
        QVERIFY(!job->failedInStream());
        QCOMPARE(job->exitCode(), 1);
        QCOMPARE(result.error().code(), ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(result.error().message()),
                 QStringLiteral("dockerfile parse error line 1: unknown instruction: FORM"));
    }

    void quietModeTakesTheImageIdFromTheOnlyStreamLine()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        const QByteArray id = "sha256:8be4f12f2de871eba75d9f51b9bb1be272283a0e1d871eae4df65c816ce88663";
        daemon.on("POST", "/v1.41/build",
                  FakeDaemon::Reply{{streamHead() + chunk("{\"stream\":\"" + id + "\\n\"}\r\n") + "0\r\n\r\n"}});
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        QBuffer context;
        context.setData(QByteArray(1024, '\0'));
        QVERIFY(context.open(QIODevice::ReadOnly));
        BuildRequest request;
        request.quiet = true;
        std::unique_ptr<BuildJob> job(BuildJob::start(&client, &context, request));
        QSignalSpy done(job.get(), &BuildJob::finished);
        QVERIFY(done.wait(5000));
        QVERIFY(done.at(0).at(0).value<Status>());
        QCOMPARE(job->imageId(), QString::fromLatin1(id));
        QCOMPARE(daemon.requests().last().target.contains("q=1"), true);
    }

    void cancellingClosesTheConnectionAndReportsEcanceled()
    {
        FakeDaemon daemon;
        QVERIFY(daemon.start());
        daemon.on("HEAD", "/_ping", FakeDaemon::pingReply());
        // The engine sends the first step and then works on for a long time.
        daemon.on("POST", "/v1.41/build",
                  FakeDaemon::Reply{{streamHead() + chunk(R"({"stream":"Step 1/2 : FROM busybox"})"), chunk("{}")}, 60000});
        Client::EngineClient client(*Client::Endpoint::parse(daemon.url()));
        QBuffer context;
        context.setData(QByteArray(1024, '\0'));
        QVERIFY(context.open(QIODevice::ReadOnly));
        std::unique_ptr<BuildJob> job(BuildJob::start(&client, &context, BuildRequest()));
        QSignalSpy started(job.get(), &BuildJob::stepStarted);
        QSignalSpy done(job.get(), &BuildJob::finished);
        QVERIFY(started.wait(5000));
        job->cancel();
        QCOMPARE(done.size(), 1);
        const Status result = done.at(0).at(0).value<Status>();
        QVERIFY(!result);
        QCOMPARE(result.error().sysErrno(), ECANCELED);
        QTRY_COMPARE(daemon.connectionCount() >= 1, true);
    }
};

QTEST_GUILESS_MAIN(tst_BuildJob)
#include "tst_buildjob.moc"
