#include <engine/buildcache.h>
#include <engine/buildcommit.h>
#include <engine/imagestore.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

using namespace Berth;
using namespace Berth::Engine;

namespace {

QString msg(const Error &e)
{
    return QString::fromStdString(e.toString());
}

BuildHistoryEntry entry(const QString &createdBy, bool empty)
{
    BuildHistoryEntry h;
    h.created = QStringLiteral("2026-01-01T00:00:00Z");
    h.createdBy = createdBy;
    h.emptyLayer = empty;
    return h;
}

} // namespace

// BuildCache (step keys, persistence, validation) and BuildCommit (layer
// from a directory, image config and parent chain).
class tst_BuildCache : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

private slots:
    void keysCoverParentInstructionAndInputs()
    {
        const Digest p1 = Digest::ofData("one");
        const Digest p2 = Digest::ofData("two");
        const Digest k = BuildCache::key(p1, QStringLiteral("COPY a /b"), QStringLiteral("file:1"));
        QCOMPARE(BuildCache::key(p1, QStringLiteral("COPY a /b"), QStringLiteral("file:1")), k);
        QVERIFY(BuildCache::key(p2, QStringLiteral("COPY a /b"), QStringLiteral("file:1")) != k);
        QVERIFY(BuildCache::key(std::nullopt, QStringLiteral("COPY a /b"), QStringLiteral("file:1")) != k);
        QVERIFY(BuildCache::key(p1, QStringLiteral("COPY a /c"), QStringLiteral("file:1")) != k);
        QVERIFY(BuildCache::key(p1, QStringLiteral("COPY a /b"), QStringLiteral("file:2")) != k);
        // no ambiguity between the instruction and the input
        QVERIFY(BuildCache::key(p1, QStringLiteral("COPY a /bf"), QStringLiteral("ile:1")) != k);
    }

    void commitChainHitsAndPersists()
    {
        const QString root = m_tmp.filePath(QStringLiteral("root"));
        auto store = ImageStore::open(root);
        QVERIFY2(store, store ? "" : qPrintable(msg(store.error())));

        // step 1: a layer from a directory, on scratch
        const QString dir = m_tmp.filePath(QStringLiteral("layer1"));
        QDir().mkpath(dir + QStringLiteral("/app"));
        QFile f(dir + QStringLiteral("/app/hello"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("hello\n");
        f.close();
        auto layer = BuildCommit::commitDirectory(**store, dir, std::nullopt);
        QVERIFY2(layer, layer ? "" : qPrintable(msg(layer.error())));
        QVERIFY(QFile::exists((*store)->layers().diffPath(layer->chainId) + QStringLiteral("/app/hello")));

        const QJsonObject cfg1{{QStringLiteral("Env"), QJsonArray{QStringLiteral("PATH=/bin")}}};
        auto img1 = BuildCommit::createImage(**store, std::nullopt, cfg1,
                                             entry(QStringLiteral("/bin/sh -c #(nop) COPY dir:abc in / "), false),
                                             layer->diffId);
        QVERIFY2(img1, img1 ? "" : qPrintable(msg(img1.error())));

        // step 2: metadata only, child of step 1
        QJsonObject cfg2 = cfg1;
        cfg2.insert(QStringLiteral("Cmd"), QJsonArray{QStringLiteral("sh")});
        auto img2 = BuildCommit::createImage(**store, *img1, cfg2,
                                             entry(QStringLiteral("/bin/sh -c #(nop)  CMD [\"sh\"]"), true), std::nullopt);
        QVERIFY2(img2, img2 ? "" : qPrintable(msg(img2.error())));
        auto rec2 = (*store)->image(*img2);
        QVERIFY(rec2);
        QCOMPARE(rec2->parent, std::optional<Digest>(*img1));
        QCOMPARE(rec2->diffIds.size(), 1);
        const QJsonArray hist = rec2->config.value(QStringLiteral("history")).toArray();
        QCOMPARE(hist.size(), 2);
        QVERIFY(hist.at(1).toObject().value(QStringLiteral("empty_layer")).toBool());
        QVERIFY(!hist.at(0).toObject().contains(QStringLiteral("empty_layer")));
        QCOMPARE(rec2->config.value(QStringLiteral("config")).toObject(), cfg2);
        auto history = (*store)->history(img2->toString());
        QVERIFY(history);
        QCOMPARE(history->size(), 2);

        // cache: record, hit, miss on another parent, persisted across reopen
        auto cache = BuildCache::open(root);
        QVERIFY(cache);
        const Digest k1 = BuildCache::key(std::nullopt, QStringLiteral("COPY . /"), QStringLiteral("dir:abc"));
        const Digest k2 = BuildCache::key(*img1, QStringLiteral("CMD [\"sh\"]"), QString());
        QVERIFY(!cache->lookup(k1, std::nullopt, **store));
        QVERIFY(cache->record(k1, std::nullopt, *img1));
        QVERIFY(cache->record(k2, *img1, *img2));
        QCOMPARE(cache->lookup(k1, std::nullopt, **store), std::optional<Digest>(*img1));
        QCOMPARE(cache->lookup(k2, *img1, **store), std::optional<Digest>(*img2));
        QVERIFY(!cache->lookup(k2, *img2, **store)); // a different parent never hits

        store->reset();
        auto store2 = ImageStore::open(root);
        QVERIFY(store2);
        auto cache2 = BuildCache::open(root);
        QVERIFY(cache2);
        QCOMPARE(cache2->lookup(k2, *img1, **store2), std::optional<Digest>(*img2));

        // removing the image invalidates the entry; sweep forgets it
        auto removed = (*store2)->remove(img2->toString(), true);
        QVERIFY2(removed, removed ? "" : qPrintable(msg(removed.error())));
        QVERIFY(!cache2->lookup(k2, *img1, **store2));
        QVERIFY(cache2->sweep(**store2));
        QVERIFY(!QFile::exists(cache2->directory() + u'/' + k2.hex() + QStringLiteral(".json")));
    }

    void corruptEntryIsAMiss()
    {
        const QString root = m_tmp.filePath(QStringLiteral("root2"));
        auto store = ImageStore::open(root);
        QVERIFY(store);
        auto cache = BuildCache::open(root);
        QVERIFY(cache);
        const Digest k = BuildCache::key(std::nullopt, QStringLiteral("X"), QString());
        QFile f(cache->directory() + u'/' + k.hex() + QStringLiteral(".json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{not json");
        f.close();
        QVERIFY(!cache->lookup(k, std::nullopt, **store));
    }
};

QTEST_GUILESS_MAIN(tst_BuildCache)
#include "tst_buildcache.moc"
