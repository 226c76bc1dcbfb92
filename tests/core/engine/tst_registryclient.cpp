// Registry client unit tests: X-Registry-Auth decoding, the endpoint policy
// (loopback and insecure registries, certs.d), platform parsing, docker's
// progress shape, and the client against a scripted fake registry on
// loopback for security-checklist.md 4.E: Authorization dropped on a
// cross-host redirect, token realms that are not https (or loopback http)
// refused, a manifest above 4 MiB refused, a blob longer than declared
// refused with nothing stored, an upload Location on another host refused.

#include <engine/contentstore.h>
#include <engine/registry/authconfig.h>
#include <engine/registry/imagepuller.h>
#include <engine/registry/progressformat.h>
#include <engine/registry/registryclient.h>
#include <engine/registry/registryconfig.h>

#include <QtTest>

#include <QDir>
#include <QEventLoop>
#include <QMutex>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

using namespace Berth;
using namespace Berth::Engine;

namespace {

struct FakeRequest
{
    QByteArray method;
    QByteArray target;
    QMap<QByteArray, QByteArray> headers; // lowercased names
};

// A scripted HTTP/1.1 server on 127.0.0.1, on a thread of its own (the
// client under test blocks the test's thread in its own event loop).
class FakeServer
{
public:
    using Handler = std::function<QByteArray(const FakeRequest &)>;
    explicit FakeServer(Handler handler) : m_handler(std::move(handler))
    {
        std::atomic<bool> ready{false};
        m_thread.reset(QThread::create([this, &ready] {
            QTcpServer server;
            server.listen(QHostAddress::LocalHost, 0);
            m_port = server.serverPort();
            QObject::connect(&server, &QTcpServer::newConnection, &server, [this, &server] {
                while (QTcpSocket *s = server.nextPendingConnection())
                    serve(s);
            });
            ready = true;
            QEventLoop loop;
            loop.exec();
        }));
        m_thread->start();
        while (!ready)
            QThread::msleep(2);
    }
    ~FakeServer()
    {
        m_thread->quit();
        m_thread->wait();
    }
    quint16 port() const { return m_port; }
    QList<FakeRequest> requests() const
    {
        QMutexLocker lock(&m_mutex);
        return m_requests;
    }

private:
    void serve(QTcpSocket *socket)
    {
        auto buffer = std::make_shared<QByteArray>();
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            *buffer += socket->readAll();
            for (;;) {
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                FakeRequest r;
                const QList<QByteArray> lines = buffer->left(end).split('\n');
                const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
                r.method = first.value(0);
                r.target = first.value(1);
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const qsizetype colon = lines[i].indexOf(':');
                    if (colon > 0)
                        r.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
                }
                const qint64 length = r.headers.value("content-length", "0").toLongLong();
                if (buffer->size() < end + 4 + length)
                    return;
                buffer->remove(0, end + 4 + length);
                {
                    QMutexLocker lock(&m_mutex);
                    m_requests.append(r);
                }
                socket->write(m_handler(r));
                socket->flush();
            }
        });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

    Handler m_handler;
    std::unique_ptr<QThread> m_thread;
    std::atomic<quint16> m_port{0};
    mutable QMutex m_mutex;
    QList<FakeRequest> m_requests;
};

QByteArray reply(int status, const QByteArray &body = {}, const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    return out + "\r\n" + body;
}

RegistryConfig fastConfig()
{
    RegistryConfig c;
    c.certsDirs = {};
    c.maxDownloadAttempts = 2;
    c.transferTimeoutMs = 5000;
    return c;
}

} // namespace

class tst_RegistryClient : public QObject
{
    Q_OBJECT

private slots:
    void registryAuthHeaderDecodesLikeDocker_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("username");
        QTest::addColumn<QString>("password");
        QTest::addColumn<bool>("ok");
        const QByteArray json = R"({"username":"berthuser","password":"p?>/~","serveraddress":"localhost:5999"})";
        QTest::newRow("url alphabet, padded") << json.toBase64(QByteArray::Base64UrlEncoding) << "berthuser" << "p?>/~" << true;
        QTest::newRow("url alphabet, unpadded") << json.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) << "berthuser" << "p?>/~" << true;
        QTest::newRow("standard alphabet") << json.toBase64() << "berthuser" << "p?>/~" << true;
        QTest::newRow("empty object") << QByteArray("e30=") << "" << "" << true;
        QTest::newRow("no header") << QByteArray() << "" << "" << true;
        QTest::newRow("auth field") << QByteArray(R"({"auth":"dTpw"})").toBase64() << "u" << "p" << true;
        QTest::newRow("not base64 json") << QByteArray("!!!") << "" << "" << false;
    }
    void registryAuthHeaderDecodesLikeDocker()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, username);
        QFETCH(QString, password);
        QFETCH(bool, ok);
        auto auth = AuthConfig::fromRegistryAuthHeader(header);
        QCOMPARE(bool(auth), ok);
        if (!ok) {
            QCOMPARE(auth.error().code(), ErrorCode::InvalidArgument);
            return;
        }
        QCOMPARE(auth->effectiveUsername(), username);
        QCOMPARE(auth->effectivePassword(), password);
        auto again = AuthConfig::fromRegistryAuthHeader(auth->toRegistryAuthHeader());
        QVERIFY(again);
        QCOMPARE(again->effectivePassword(), password);
    }

    void endpointPolicyFollowsDocker()
    {
        QTemporaryDir certs;
        QDir().mkpath(certs.filePath(QStringLiteral("reg.example:5000")));
        RegistryConfig c;
        c.certsDirs = {certs.path()};
        c.insecureRegistries = {QStringLiteral("10.9.0.0/16"), QStringLiteral("plain.example:5000")};
        QVERIFY(c.endpointFor(QStringLiteral("127.0.0.1:5000")).allowHttp);
        QVERIFY(!c.endpointFor(QStringLiteral("127.0.0.1:5000")).skipVerify); // loopback: https still verified
        QVERIFY(c.endpointFor(QStringLiteral("localhost:5000")).allowHttp);
        QVERIFY(c.endpointFor(QStringLiteral("[::1]:5000")).allowHttp);
        QVERIFY(!c.endpointFor(QStringLiteral("reg.example:5000")).allowHttp);
        QVERIFY(!c.endpointFor(QStringLiteral("10.10.0.1:5000")).allowHttp);
        QVERIFY(c.endpointFor(QStringLiteral("10.9.3.4:5000")).skipVerify);
        QVERIFY(c.endpointFor(QStringLiteral("plain.example:5000")).allowHttp);
        QCOMPARE(RegistryConfig::apiHost(QStringLiteral("docker.io")), QStringLiteral("registry-1.docker.io"));
    }

    void platformsParseAndNormalise()
    {
        QCOMPARE(Platform::parse(QStringLiteral("linux/amd64"))->toString(), QStringLiteral("linux/amd64"));
        QCOMPARE(Platform::parse(QStringLiteral("linux/x86_64"))->toString(), QStringLiteral("linux/amd64"));
        QCOMPARE(Platform::parse(QStringLiteral("linux/aarch64"))->toString(), QStringLiteral("linux/arm64/v8"));
        QCOMPARE(Platform::parse(QStringLiteral("linux/arm/v7"))->toString(), QStringLiteral("linux/arm/v7"));
        QVERIFY(!Platform::parse(QStringLiteral("linux//")));
        QVERIFY(!Platform::parse(QStringLiteral("a/b/c/d")));
    }

    void progressMessagesHaveDockersShape()
    {
        const QJsonObject o = Progress::bar(QStringLiteral("Downloading"), QStringLiteral("d28e48c2a8bb"), 32768, 300279);
        QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("Downloading"));
        QCOMPARE(o.value(QStringLiteral("progressDetail")).toObject().value(QStringLiteral("current")).toInteger(), 32768);
        QCOMPARE(o.value(QStringLiteral("progressDetail")).toObject().value(QStringLiteral("total")).toInteger(), 300279);
        QVERIFY(o.value(QStringLiteral("progress")).toString().endsWith(QStringLiteral("32.77kB/300.3kB")));
        QVERIFY(o.value(QStringLiteral("progress")).toString().startsWith(QStringLiteral("[=====>")));
        QCOMPARE(Progress::detail(QStringLiteral("Pull complete"), QStringLiteral("x")).value(QStringLiteral("progressDetail")).toObject(), QJsonObject());
    }

    void crossHostRedirectDropsAuthorization()
    {
        // the blob host: "localhost", not "127.0.0.1"
        FakeServer storage([](const FakeRequest &) { return reply(200, "blob-bytes"); });
        const QByteArray location = "http://localhost:" + QByteArray::number(storage.port()) + "/storage/blob";
        FakeServer registry([&](const FakeRequest &r) {
            if (!r.headers.contains("authorization"))
                return reply(401, "{}", {{"WWW-Authenticate", "Basic realm=\"test\""}});
            if (r.target.startsWith("/v2/repo/blobs/"))
                return reply(307, {}, {{"Location", location}});
            return reply(200, "{}");
        });
        AuthConfig auth;
        auth.username = QStringLiteral("u");
        auth.password = QStringLiteral("secret");
        RegistryClient client(fastConfig(), QStringLiteral("127.0.0.1:%1").arg(registry.port()), auth);
        auto blob = client.fetchBlob(QStringLiteral("repo"), Digest::ofData("blob-bytes"), 1024);
        QVERIFY2(blob, blob ? "" : blob.error().toString().c_str());
        QCOMPARE(blob->body, QByteArray("blob-bytes"));
        QCOMPARE(storage.requests().size(), 1);
        QVERIFY(!storage.requests().first().headers.contains("authorization"));
        bool sentToRegistry = false;
        for (const FakeRequest &r : registry.requests())
            sentToRegistry = sentToRegistry || r.headers.value("authorization") == "Basic " + QByteArray("u:secret").toBase64();
        QVERIFY(sentToRegistry);
    }

    void tokenRealmMustBeHttpsOrLoopback_data()
    {
        QTest::addColumn<QByteArray>("realm");
        QTest::newRow("http on another host") << QByteArray("http://192.0.2.1/token");
        QTest::newRow("file") << QByteArray("file:///etc/shadow");
        QTest::newRow("ftp") << QByteArray("ftp://127.0.0.1/token");
    }
    void tokenRealmMustBeHttpsOrLoopback()
    {
        QFETCH(QByteArray, realm);
        FakeServer registry([&](const FakeRequest &) {
            return reply(401, "{}", {{"WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"s\""}});
        });
        AuthConfig auth;
        auth.username = QStringLiteral("u");
        auth.password = QStringLiteral("secret");
        RegistryClient client(fastConfig(), QStringLiteral("127.0.0.1:%1").arg(registry.port()), auth);
        auto manifest = client.fetchManifest(QStringLiteral("repo"), QStringLiteral("v1"), 1024);
        QVERIFY(!manifest);
        QVERIFY2(manifest.error().code() == ErrorCode::PermissionDenied || manifest.error().code() == ErrorCode::Protocol,
                 manifest.error().toString().c_str());
    }

    void manifestAboveTheCapIsRefused()
    {
        const QByteArray huge(5 * 1024 * 1024, ' ');
        FakeServer registry([&](const FakeRequest &r) {
            if (r.target == "/v2/")
                return reply(200, "{}");
            return reply(200, huge, {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}});
        });
        RegistryClient client(fastConfig(), QStringLiteral("127.0.0.1:%1").arg(registry.port()), {});
        auto manifest = client.fetchManifest(QStringLiteral("repo"), QStringLiteral("v1"), 4 * 1024 * 1024);
        QVERIFY(!manifest);
        QCOMPARE(manifest.error().code(), ErrorCode::TooLarge);
    }

    void blobLongerThanDeclaredStoresNothing()
    {
        const QByteArray data = "0123456789abcdefghij";
        FakeServer registry([&](const FakeRequest &r) {
            if (r.target == "/v2/")
                return reply(200, "{}");
            return reply(200, data);
        });
        QTemporaryDir root;
        ContentStore content(root.path());
        QVERIFY(content.initialize());
        RegistryClient client(fastConfig(), QStringLiteral("127.0.0.1:%1").arg(registry.port()), {});
        BlobFetch f;
        f.digest = Digest::ofData(data.left(10));
        f.size = 10;
        auto st = client.fetchBlobs(QStringLiteral("repo"), {f}, content, 2);
        QVERIFY(!st);
        QCOMPARE(st.error().code(), ErrorCode::TooLarge);
        QVERIFY(!content.exists(f.digest));
        QCOMPARE(QDir(content.tempDir()).entryList(QDir::Files).size(), 0);
    }

    void corruptBlobIsAVerificationError()
    {
        FakeServer registry([&](const FakeRequest &r) {
            if (r.target == "/v2/")
                return reply(200, "{}");
            return reply(200, "not what was promised");
        });
        QTemporaryDir root;
        ContentStore content(root.path());
        QVERIFY(content.initialize());
        RegistryClient client(fastConfig(), QStringLiteral("127.0.0.1:%1").arg(registry.port()), {});
        BlobFetch f;
        f.digest = Digest::ofData("the real bytes of a layer");
        f.size = QByteArray("not what was promised").size();
        auto st = client.fetchBlobs(QStringLiteral("repo"), {f}, content, 1);
        QVERIFY(!st);
        QVERIFY2(QString::fromStdString(st.error().toString()).contains(QStringLiteral("verification failed for digest ") + f.digest.toString()),
                 st.error().toString().c_str());
        QVERIFY(!content.exists(f.digest));
    }

    void uploadLocationOnAnotherHostIsRefused()
    {
        FakeServer registry([&](const FakeRequest &r) {
            if (r.target == "/v2/")
                return reply(200, "{}");
            return reply(202, {}, {{"Location", "http://localhost:1/elsewhere/upload"}});
        });
        RegistryClient client(fastConfig(), QStringLiteral("127.0.0.1:%1").arg(registry.port()), {});
        auto started = client.startUpload(QStringLiteral("repo"));
        QVERIFY(!started);
        QVERIFY2(QString::fromStdString(started.error().message()).contains(QStringLiteral("is not on registry")),
                 started.error().toString().c_str());
    }
};

QTEST_GUILESS_MAIN(tst_RegistryClient)
#include "tst_registryclient.moc"
