#include <common/reference.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Common;

class tst_Reference : public QObject
{
    Q_OBJECT
private slots:
    void normalisesLikeDocker_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("full");      // with default tag
        QTest::addColumn<QString>("familiar");  // with default tag
        QTest::addColumn<QString>("familiarName");
        const QString dig = QStringLiteral("sha256:") + QString(64, u'c');
        QTest::newRow("official") << "busybox" << "docker.io/library/busybox:latest" << "busybox:latest" << "busybox";
        QTest::newRow("official tag") << "busybox:1.36" << "docker.io/library/busybox:1.36" << "busybox:1.36" << "busybox";
        QTest::newRow("user repo") << "u/x:1" << "docker.io/u/x:1" << "u/x:1" << "u/x";
        QTest::newRow("hub qualified") << "docker.io/library/x" << "docker.io/library/x:latest" << "x:latest" << "x";
        QTest::newRow("legacy index") << "index.docker.io/u/x" << "docker.io/u/x:latest" << "u/x:latest" << "u/x";
        QTest::newRow("registry with port") << "localhost:5000/a/b:t" << "localhost:5000/a/b:t" << "localhost:5000/a/b:t" << "localhost:5000/a/b";
        QTest::newRow("localhost") << "localhost/x" << "localhost/x:latest" << "localhost/x:latest" << "localhost/x";
        QTest::newRow("dotted registry") << "quay.io/org/img:v2" << "quay.io/org/img:v2" << "quay.io/org/img:v2" << "quay.io/org/img";
        QTest::newRow("digest") << (QStringLiteral("busybox@") + dig) << (QStringLiteral("docker.io/library/busybox@") + dig)
                                << (QStringLiteral("busybox@") + dig) << "busybox";
        QTest::newRow("tag and digest") << (QStringLiteral("a/b:t@") + dig) << (QStringLiteral("docker.io/a/b:t@") + dig)
                                        << (QStringLiteral("a/b:t@") + dig) << "a/b";
        QTest::newRow("separators") << "a_b__c.d-e---f" << "docker.io/library/a_b__c.d-e---f:latest" << "a_b__c.d-e---f:latest" << "a_b__c.d-e---f";
        QTest::newRow("localhost tag is a tag") << "localhost:5000" << "docker.io/library/localhost:5000" << "localhost:5000" << "localhost";
        QTest::newRow("uppercase tag ok") << "x:V1_A" << "docker.io/library/x:V1_A" << "x:V1_A" << "x";
        QTest::newRow("ipv6 registry") << "[::1]:5000/a:t" << "[::1]:5000/a:t" << "[::1]:5000/a:t" << "[::1]:5000/a";
        QTest::newRow("uppercase domain ok") << "Registry.Example.com/x" << "Registry.Example.com/x:latest" << "Registry.Example.com/x:latest" << "Registry.Example.com/x";
    }
    void normalisesLikeDocker()
    {
        QFETCH(QString, input);
        QFETCH(QString, full);
        QFETCH(QString, familiar);
        QFETCH(QString, familiarName);
        const auto ref = Reference::parseNormalizedWithDefaultTag(input);
        QVERIFY2(ref, ref ? "" : ref.error().toString().c_str());
        QCOMPARE(ref->toString(), full);
        QCOMPARE(ref->familiarString(), familiar);
        QCOMPARE(ref->familiarName(), familiarName);
        // normalising the normal form again changes nothing
        const auto again = Reference::parseNormalized(ref->toString());
        QVERIFY(again);
        QCOMPARE(again->toString(), full);
    }
    void rejectsInvalidReferences_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("message");
        const QString bad = QStringLiteral("invalid reference format");
        const QString upper = QStringLiteral("invalid reference format: repository name must be lowercase");
        QTest::newRow("empty") << "" << bad;
        QTest::newRow("uppercase") << "Busybox" << upper;
        QTest::newRow("uppercase user repo") << "u/Xy:1" << upper;
        QTest::newRow("uppercase path after registry") << "localhost:5000/A/b" << upper;
        QTest::newRow("trailing colon") << "busybox:" << bad;
        QTest::newRow("leading separator") << "-busybox" << bad;
        QTest::newRow("double slash") << "a//b" << bad;
        QTest::newRow("trailing slash") << "a/b/" << bad;
        QTest::newRow("tag too long") << (QStringLiteral("a:") + QString(129, u't')) << bad;
        QTest::newRow("tag starting with dot") << "a:.x" << bad;
        QTest::newRow("space") << "a b" << bad;
        QTest::newRow("bad digest") << "a@sha256:zz" << bad;
        QTest::newRow("short digest") << (QStringLiteral("a@sha256:") + QString(40, u'a')) << "invalid checksum digest length";
        QTest::newRow("hex id as name") << QString(64, u'a')
                                        << (QStringLiteral("invalid repository name (") + QString(64, u'a')
                                            + QStringLiteral("), cannot specify 64-byte hexadecimal strings"));
        QTest::newRow("name too long") << QString(256, u'a') << "repository name must not be more than 255 characters";
        QTest::newRow("uppercase only the grammar finds") << "Foo_x/bar" << upper;
        QTest::newRow("sha512 digest") << (QStringLiteral("a@sha512:") + QString(128, u'a')) << "unsupported digest algorithm";
        QTest::newRow("trailing newline") << "busybox\n" << bad;
        QTest::newRow("ipv6 without brackets") << "::1/a" << bad;
    }
    void rejectsInvalidReferences()
    {
        QFETCH(QString, input);
        QFETCH(QString, message);
        const auto ref = Reference::parseNormalized(input);
        QVERIFY(!ref);
        QCOMPARE(ref.error().code(), ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(ref.error().message()), message);
    }
    // What the docker CLI (28.2.2) prints after "is not a valid repository/tag: "
    // for `docker tag busybox <input>`; berth must print the same.
    void rejectsAsTheDockerCliDoes_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("message");
        const QString bad = QStringLiteral("invalid reference format");
        QTest::newRow("uppercase") << "UPPER" << "invalid reference format: repository name (library/UPPER) must be lowercase";
        QTest::newRow("uppercase user repo") << "u/Xy:1" << "invalid reference format: repository name (u/Xy) must be lowercase";
        QTest::newRow("uppercase algorithm") << (QStringLiteral("x@SHA256:") + QString(64, u'a'))
                                             << "invalid reference format: repository name (library/x@SHA256) must be lowercase";
        QTest::newRow("uppercase only the grammar finds") << "Foo_x/bar:1" << "repository name must be lowercase";
        QTest::newRow("empty") << "" << bad;
        QTest::newRow("bad tag") << "x:-1" << bad;
        QTest::newRow("trailing newline") << "busybox\n" << bad;
        QTest::newRow("short digest") << (QStringLiteral("a@sha256:") + QString(40, u'a')) << "invalid checksum digest length";
        QTest::newRow("unknown algorithm") << (QStringLiteral("x@md5:") + QString(32, u'a')) << "unsupported digest algorithm";
        QTest::newRow("hex id as name") << QString(64, u'a')
                                        << (QStringLiteral("invalid repository name (") + QString(64, u'a')
                                            + QStringLiteral("), cannot specify 64-byte hexadecimal strings"));
        QTest::newRow("name too long") << QString(256, u'a') << "repository name must not be more than 255 characters";
    }
    void rejectsAsTheDockerCliDoes()
    {
        QFETCH(QString, input);
        QFETCH(QString, message);
        const auto ref = Reference::parseNormalized(input, Reference::Dialect::DockerCli);
        QVERIFY(!ref);
        QCOMPARE(ref.error().code(), ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(ref.error().message()), message);
    }
    void acceptsWhatTheDockerCliAccepts_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("digest");
        const QString sha512 = QStringLiteral("sha512:") + QString(128, u'a');
        QTest::newRow("short") << "busybox" << "docker.io/library/busybox" << "" << "";
        QTest::newRow("tagged") << "x:1" << "docker.io/library/x" << "1" << "";
        QTest::newRow("user") << "u/x:v" << "docker.io/u/x" << "v" << "";
        QTest::newRow("registry") << "localhost:5999/a/b:v2" << "localhost:5999/a/b" << "v2" << "";
        QTest::newRow("sha512 digest") << (QStringLiteral("x@") + sha512) << "docker.io/library/x" << "" << sha512;
    }
    void acceptsWhatTheDockerCliAccepts()
    {
        QFETCH(QString, input);
        QFETCH(QString, name);
        QFETCH(QString, tag);
        QFETCH(QString, digest);
        const auto ref = Reference::parseNormalized(input, Reference::Dialect::DockerCli);
        QVERIFY2(ref, ref ? "" : ref.error().toString().c_str());
        QCOMPARE(ref->name(), name);
        QCOMPARE(ref->tag(), tag);
        QCOMPARE(ref->digest(), digest);
    }
    void parsesIdsAsAnyReference_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<int>("dialect");
        QTest::addColumn<QString>("digest"); // empty: not an ID
        const QString hex(64, u'b');
        const QString sha512 = QStringLiteral("sha512:") + QString(128, u'b');
        const int berthd = int(Reference::Dialect::Berthd);
        const int cli = int(Reference::Dialect::DockerCli);
        QTest::newRow("bare hex") << hex << cli << (QStringLiteral("sha256:") + hex);
        QTest::newRow("sha256") << (QStringLiteral("sha256:") + hex) << berthd << (QStringLiteral("sha256:") + hex);
        QTest::newRow("sha512 for the cli") << sha512 << cli << sha512;
        QTest::newRow("short hex is a name") << QString(12, u'b') << cli << QString();
    }
    void parsesIdsAsAnyReference()
    {
        QFETCH(QString, input);
        QFETCH(int, dialect);
        QFETCH(QString, digest);
        const auto ref = Reference::parseAny(input, Reference::Dialect(dialect));
        QVERIFY(ref);
        QCOMPARE(ref->isId(), !digest.isEmpty());
        if (!digest.isEmpty())
            QCOMPARE(ref->digest(), digest);
        else
            QCOMPARE(ref->familiarName(), input);
    }
    void readsSha512AsANameWithATagInTheBerthdDialect()
    {
        const auto ref = Reference::parseAny(QString(QStringLiteral("sha512:") + QString(128, u'b')));
        QVERIFY(ref);
        QVERIFY(!ref->isId());
        QCOMPARE(ref->familiarString(), QStringLiteral("sha512:") + QString(128, u'b'));
    }
    void keepsDigestOnlyReferencesUntagged()
    {
        const QString dig = QStringLiteral("sha256:") + QString(64, u'd');
        const auto ref = Reference::parseNormalizedWithDefaultTag(QString(QStringLiteral("x@") + dig));
        QVERIFY(ref);
        QVERIFY(!ref->hasTag());
        QCOMPARE(ref->digest(), dig);
        QCOMPARE(ref->withoutTagOrDigest().familiarString(), QStringLiteral("x"));
    }
};

QTEST_GUILESS_MAIN(tst_Reference)
#include "tst_reference.moc"
