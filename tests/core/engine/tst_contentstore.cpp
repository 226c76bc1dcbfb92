#include <engine/contentstore.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace Berth;
using namespace Berth::Engine;

class tst_ContentStore : public QObject
{
    Q_OBJECT
private:
    static QStringList tempEntries(const ContentStore &store)
    {
        return QDir(store.tempDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    }

private slots:
    void putThenReadReturnsTheSameBytes()
    {
        QTemporaryDir root;
        ContentStore store(root.path());
        QVERIFY(store.initialize());
        const QByteArray data("hello blob");
        const auto d = store.put(data);
        QVERIFY(d);
        QCOMPARE(*d, Digest::ofData(data));
        QVERIFY(store.exists(*d));
        QCOMPARE(*store.size(*d), qint64(data.size()));
        QCOMPARE(*store.read(*d), data);
        QVERIFY(QFile::exists(root.path() + QStringLiteral("/blobs/sha256/") + d->hex()));
        QVERIFY(tempEntries(store).isEmpty());
        const auto listed = store.list();
        QVERIFY(listed);
        QCOMPARE(listed->size(), 1);
        QVERIFY(store.remove(*d));
        QVERIFY(!store.exists(*d));
        QVERIFY(store.remove(*d)); // removing twice is fine
    }

    void streamingWriterVerifiesTheExpectedDigest_data()
    {
        QTest::addColumn<bool>("rightDigest");
        QTest::newRow("matching digest is stored") << true;
        QTest::newRow("mismatching digest is refused") << false;
    }
    void streamingWriterVerifiesTheExpectedDigest()
    {
        QFETCH(bool, rightDigest);
        QTemporaryDir root;
        ContentStore store(root.path());
        QVERIFY(store.initialize());
        QByteArray data;
        for (int i = 0; i < 300000; ++i)
            data.append(char('a' + i % 26));
        const Digest expected = rightDigest ? Digest::ofData(data) : Digest::ofData("something else");
        auto writer = store.createWriter(expected);
        QVERIFY(writer);
        for (qsizetype off = 0; off < data.size(); off += 4096)
            QVERIFY((*writer)->write(QByteArrayView(data.constData() + off, qMin<qsizetype>(4096, data.size() - off))));
        QCOMPARE((*writer)->bytesWritten(), quint64(data.size()));
        const auto committed = (*writer)->commit();
        QCOMPARE(bool(committed), rightDigest);
        if (!rightDigest) {
            QVERIFY(QString::fromStdString(committed.error().message()).startsWith(QStringLiteral("digest mismatch")));
            QVERIFY(!store.exists(Digest::ofData(data)));
        }
        QVERIFY(tempEntries(store).isEmpty());
    }

    void sizeLimitsAreEnforced()
    {
        QTemporaryDir root;
        ContentStore store(root.path());
        QVERIFY(store.initialize());
        auto capped = store.createWriter(std::nullopt, -1, 10);
        QVERIFY(capped);
        QVERIFY((*capped)->write("12345"));
        const auto over = (*capped)->write("123456");
        QVERIFY(!over);
        QCOMPARE(over.error().code(), ErrorCode::TooLarge);
        auto exact = store.createWriter(std::nullopt, 5);
        QVERIFY(exact);
        QVERIFY((*exact)->write("1234"));
        QVERIFY(!(*exact)->commit());
        QVERIFY(tempEntries(store).isEmpty());
    }

    void abandonedWriterLeavesNothing()
    {
        QTemporaryDir root;
        ContentStore store(root.path());
        QVERIFY(store.initialize());
        {
            auto writer = store.createWriter();
            QVERIFY(writer);
            QVERIFY((*writer)->write("partial"));
            QCOMPARE(tempEntries(store).size(), 1);
        }
        QVERIFY(tempEntries(store).isEmpty());
        QVERIFY(store.list()->isEmpty());
    }

    void initializeRemovesCrashLeftovers()
    {
        QTemporaryDir root;
        ContentStore store(root.path());
        QVERIFY(store.initialize());
        const auto kept = store.put("kept");
        QVERIFY(kept);
        // a writer "killed" mid-blob: the temp file stays behind
        QFile stale(store.tempDir() + QStringLiteral("/.tmp-blob-deadbeef"));
        QVERIFY(stale.open(QIODevice::WriteOnly));
        stale.write("half a blob");
        stale.close();
        QVERIFY(QDir().mkpath(store.tempDir() + QStringLiteral("/.tmp-layer-x/diff/a")));
        ContentStore reopened(root.path());
        QVERIFY(reopened.initialize());
        QVERIFY(tempEntries(reopened).isEmpty());
        QCOMPARE(*reopened.read(*kept), QByteArray("kept"));
    }

    void missingBlobIsNotFound()
    {
        QTemporaryDir root;
        ContentStore store(root.path());
        QVERIFY(store.initialize());
        const auto r = store.read(Digest::ofData("nope"));
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::NotFound);
        QVERIFY(!store.size(Digest::ofData("nope")));
    }
};

QTEST_GUILESS_MAIN(tst_ContentStore)
#include "tst_contentstore.moc"
