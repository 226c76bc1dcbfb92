#include <engine/digest.h>
#include <engine/sha256hasher.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Engine;

class tst_Digest : public QObject
{
    Q_OBJECT
private slots:
    void hashesKnownVectors_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("hex");
        QTest::newRow("empty") << QByteArray()
                               << QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        QTest::newRow("abc") << QByteArray("abc")
                             << QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
    void hashesKnownVectors()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, hex);
        QCOMPARE(Digest::ofData(input).hex(), hex);
        QCOMPARE(Digest::ofData(input).toString(), QStringLiteral("sha256:") + hex);
    }
    void streamingHashEqualsOneShot()
    {
        QByteArray data;
        for (int i = 0; i < 100000; ++i)
            data.append(char(i * 7));
        Sha256Hasher h;
        for (qsizetype off = 0; off < data.size(); off += 333)
            h.addData(QByteArrayView(data.constData() + off, qMin<qsizetype>(333, data.size() - off)));
        QCOMPARE(h.bytesHashed(), quint64(data.size()));
        QCOMPARE(h.finish(), Digest::ofData(data));
        h.reset();
        h.addData(QByteArrayView("abc"));
        QCOMPARE(h.finish(), Digest::ofData("abc"));
    }
    void parsesAndValidates_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("error");
        const QString hex(64, u'a');
        QTest::newRow("good") << (QStringLiteral("sha256:") + hex) << true << QString();
        QTest::newRow("no algorithm") << hex << false << QStringLiteral("invalid checksum digest format");
        QTest::newRow("short") << QStringLiteral("sha256:abc") << false << QStringLiteral("invalid checksum digest length");
        QTest::newRow("uppercase hex") << (QStringLiteral("sha256:") + QString(64, u'A')) << false
                                       << QStringLiteral("invalid checksum digest format");
        QTest::newRow("sha512") << (QStringLiteral("sha512:") + hex) << false
                                << QStringLiteral("unsupported digest algorithm");
        QTest::newRow("empty") << QString() << false << QStringLiteral("invalid checksum digest format");
    }
    void parsesAndValidates()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, error);
        const auto d = Digest::parse(text);
        QCOMPARE(bool(d), valid);
        if (valid)
            QCOMPARE(d->toString(), text);
        else
            QCOMPARE(QString::fromStdString(d.error().message()), error);
    }
    void lenientParseAcceptsBareHex()
    {
        const QString hex(64, u'b');
        const auto d = Digest::parseLenient(hex);
        QVERIFY(d);
        QCOMPARE(d->hex(), hex);
        QCOMPARE(d->shortHex(), QString(12, u'b'));
    }
};

QTEST_GUILESS_MAIN(tst_Digest)
#include "tst_digest.moc"
