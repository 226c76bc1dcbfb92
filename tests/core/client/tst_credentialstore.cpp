// CredentialStore: where `berth login` keeps credentials and how they are
// read back (berth's file first, then docker's), the headers built from them
// (X-Registry-Auth for pull/push, X-Registry-Config for build), and the
// files' permissions.

#include <client/credentialstore.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using Berth::Client::CredentialStore;

namespace {

void writeJson(const QString &path, const QJsonObject &o)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(o).toJson());
}

QJsonObject decodeHeader(const QByteArray &header)
{
    return QJsonDocument::fromJson(QByteArray::fromBase64(header, QByteArray::Base64UrlEncoding)).object();
}

QString auth(const char *userColonPassword)
{
    return QString::fromLatin1(QByteArray(userColonPassword).toBase64());
}

} // namespace

class tst_CredentialStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString berthFile() const { return m_tmp.filePath(QStringLiteral("berth/config.json")); }
    QString dockerFile() const { return m_tmp.filePath(QStringLiteral("docker/config.json")); }

private slots:
    void init()
    {
        QFile::remove(berthFile());
        QFile::remove(dockerFile());
    }

    void serverKeysAreDockersConfigKeys()
    {
        const QString hub = QStringLiteral("https://index.docker.io/v1/");
        QCOMPARE(CredentialStore::serverKey(QStringLiteral("docker.io")), hub);
        QCOMPARE(CredentialStore::serverKey(QStringLiteral("index.docker.io")), hub);
        QCOMPARE(CredentialStore::serverKey(QStringLiteral("registry-1.docker.io")), hub);
        QCOMPARE(CredentialStore::serverKey(QString()), hub);
        QCOMPARE(CredentialStore::serverKey(hub), hub);
        QCOMPARE(CredentialStore::serverKey(QStringLiteral("http://LocalHost:5000/v2/")), QStringLiteral("localhost:5000"));
        QCOMPARE(CredentialStore::serverKey(QStringLiteral("127.0.0.1:5000/team/app")), QStringLiteral("127.0.0.1:5000"));
    }

    void storedCredentialsAreReadBackAndPrivate()
    {
        CredentialStore store(berthFile(), dockerFile());
        QVERIFY(!store.lookup(QStringLiteral("127.0.0.1:5000")));
        QCOMPARE(store.registryAuthHeader(QStringLiteral("127.0.0.1:5000")), QByteArray("e30="));
        QVERIFY(store.store(QStringLiteral("127.0.0.1:5000"), QStringLiteral("alice"), QStringLiteral("s3:cret")));
        QCOMPARE(QFileInfo(berthFile()).permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        const auto e = store.lookup(QStringLiteral("http://127.0.0.1:5000/v2/"));
        QVERIFY(e);
        QCOMPARE(e->username, QStringLiteral("alice"));
        QCOMPARE(e->password, QStringLiteral("s3:cret")); // only the first colon separates
        const QJsonObject header = decodeHeader(store.registryAuthHeader(QStringLiteral("127.0.0.1:5000")));
        QCOMPARE(header.value(QStringLiteral("username")).toString(), QStringLiteral("alice"));
        QCOMPARE(header.value(QStringLiteral("serveraddress")).toString(), QStringLiteral("127.0.0.1:5000"));

        auto erased = store.erase(QStringLiteral("127.0.0.1:5000"));
        QVERIFY(erased && *erased);
        QVERIFY(!store.lookup(QStringLiteral("127.0.0.1:5000")));
        erased = store.erase(QStringLiteral("127.0.0.1:5000"));
        QVERIFY(erased && !*erased);
    }

    void berthsFileWinsOverDockers()
    {
        writeJson(dockerFile(), QJsonObject{{QStringLiteral("auths"), QJsonObject{
            {QStringLiteral("localhost:5000"), QJsonObject{{QStringLiteral("auth"), auth("docker-user:dp")}}},
            {QStringLiteral("https://index.docker.io/v1/"), QJsonObject{{QStringLiteral("identitytoken"), QStringLiteral("tok")}}},
            {QStringLiteral("empty.example:1"), QJsonObject{}}}}});
        writeJson(berthFile(), QJsonObject{{QStringLiteral("auths"), QJsonObject{
            {QStringLiteral("http://localhost:5000/v2/"), QJsonObject{{QStringLiteral("auth"), auth("berth-user:bp")}}}}}});
        const CredentialStore store(berthFile(), dockerFile());
        QCOMPARE(store.lookup(QStringLiteral("localhost:5000"))->username, QStringLiteral("berth-user"));
        QCOMPARE(store.lookup(QStringLiteral("docker.io"))->identityToken, QStringLiteral("tok"));

        // X-Registry-Config: every server once, by its config key, berth's entry for localhost:5000
        const QJsonObject all = store.allAuthConfigs();
        QCOMPARE(all.keys(), (QStringList{QStringLiteral("https://index.docker.io/v1/"), QStringLiteral("localhost:5000")}));
        const QJsonObject local = all.value(QStringLiteral("localhost:5000")).toObject();
        QCOMPARE(local.value(QStringLiteral("username")).toString(), QStringLiteral("berth-user"));
        QCOMPARE(local.value(QStringLiteral("password")).toString(), QStringLiteral("bp"));
        QCOMPARE(local.value(QStringLiteral("serveraddress")).toString(), QStringLiteral("localhost:5000"));
        const QJsonObject hub = all.value(QStringLiteral("https://index.docker.io/v1/")).toObject();
        QCOMPARE(hub.value(QStringLiteral("identitytoken")).toString(), QStringLiteral("tok"));
        QVERIFY(!hub.contains(QStringLiteral("password")));
    }

    void noFilesMeanNoCredentials()
    {
        const CredentialStore store(berthFile(), dockerFile());
        QVERIFY(store.allAuthConfigs().isEmpty());
        QVERIFY(!store.lookup(QStringLiteral("docker.io")));
    }
};

QTEST_GUILESS_MAIN(tst_CredentialStore)
#include "tst_credentialstore.moc"
