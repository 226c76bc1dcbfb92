#include "tarbuilder.h"

#include <engine/fsutil.h>
#include <engine/imagestore.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using namespace Berth;
using namespace Berth::Engine;

namespace {

QString msg(const Error &e)
{
    return QString::fromStdString(e.message());
}

} // namespace

class tst_ImageStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_counter = 0;

    // An image made of the given layer tars, with one history entry per
    // layer plus an empty-layer entry on top.
    Digest makeImage(ImageStore &store, const QList<QByteArray> &layerTars, const QString &label = QString())
    {
        std::optional<Digest> chain;
        QJsonArray diffIds;
        QJsonArray history;
        for (const QByteArray &tar : layerTars) {
            const int fd = TarBuilder::toFd(tar, m_tmp.filePath(QStringLiteral("layer.tar")));
            auto layer = store.layers().applyTar(fd, chain);
            ::close(fd);
            if (!layer)
                qFatal("applyTar: %s", layer.error().toString().c_str());
            chain = layer->chainId;
            diffIds.append(layer->diffId.toString());
            history.append(QJsonObject{{QStringLiteral("created"), QStringLiteral("2024-01-01T00:00:00Z")},
                                       {QStringLiteral("created_by"), QStringLiteral("/bin/sh -c #(nop) ADD file")}});
        }
        history.append(QJsonObject{{QStringLiteral("created"), QStringLiteral("2024-01-02T00:00:00Z")},
                                   {QStringLiteral("created_by"), QStringLiteral("/bin/sh -c #(nop)  CMD [\"sh\"]")},
                                   {QStringLiteral("empty_layer"), true}});
        const QJsonObject config{
            {QStringLiteral("architecture"), QStringLiteral("amd64")},
            {QStringLiteral("os"), QStringLiteral("linux")},
            {QStringLiteral("created"), QStringLiteral("2024-01-02T00:00:%1Z").arg(++m_counter % 60, 2, 10, QChar(u'0'))},
            {QStringLiteral("config"), QJsonObject{{QStringLiteral("Cmd"), QJsonArray{QStringLiteral("sh")}},
                                                   {QStringLiteral("Env"), QJsonArray{QStringLiteral("PATH=/bin")}},
                                                   {QStringLiteral("Labels"), QJsonObject{{QStringLiteral("n"), label.isEmpty() ? QString::number(m_counter) : label}}}}},
            {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("type"), QStringLiteral("layers")}, {QStringLiteral("diff_ids"), diffIds}}},
            {QStringLiteral("history"), history}};
        auto id = store.createImage(QJsonDocument(config).toJson(QJsonDocument::Compact));
        if (!id)
            qFatal("createImage: %s", id.error().toString().c_str());
        return *id;
    }

    std::unique_ptr<ImageStore> openStore(const QString &name)
    {
        auto store = ImageStore::open(m_tmp.filePath(name));
        if (!store)
            qFatal("open: %s", store.error().toString().c_str());
        return std::move(*store);
    }

    static QByteArray layer(const QByteArray &name, int size)
    {
        return TarBuilder().dir("data").file("data/" + name, QByteArray(size, 'x')).build();
    }

private slots:
    void cleanupTestCase() { QVERIFY(Internal::removeTree(m_tmp.path())); }

    void lookupsFollowDockerRules()
    {
        auto store = openStore(QStringLiteral("lookups"));
        const Digest a = makeImage(*store, {layer("a", 10)});
        QVERIFY(store->tag(a.toString(), QStringLiteral("busybox"), QString()));
        QVERIFY(store->tag(a.toString(), QStringLiteral("localhost:5000/x/y"), QStringLiteral("v2")));
        struct Case { QString input; bool ok; ErrorCode code; QString message; };
        const QList<Case> cases = {
            {a.toString(), true, {}, {}},
            {a.hex(), true, {}, {}},
            {a.hex().left(12), true, {}, {}},
            {QStringLiteral("sha256:") + a.hex().left(8), true, {}, {}},
            {QStringLiteral("busybox"), true, {}, {}},
            {QStringLiteral("busybox:latest"), true, {}, {}},
            {QStringLiteral("docker.io/library/busybox:latest"), true, {}, {}},
            {QStringLiteral("localhost:5000/x/y:v2"), true, {}, {}},
            {QStringLiteral("busybox:nope"), false, ErrorCode::NotFound, QStringLiteral("No such image: busybox:nope")},
            {QStringLiteral("nosuch"), false, ErrorCode::NotFound, QStringLiteral("No such image: nosuch:latest")},
            {QStringLiteral("Upper"), false, ErrorCode::InvalidArgument, QStringLiteral("invalid reference format: repository name must be lowercase")},
            {QStringLiteral("a b"), false, ErrorCode::InvalidArgument, QStringLiteral("invalid reference format")},
            {QString(), false, ErrorCode::InvalidArgument, QStringLiteral("invalid reference format")},
        };
        for (const Case &c : cases) {
            const auto r = store->resolve(c.input);
            QVERIFY2(bool(r) == c.ok, qPrintable(c.input));
            if (c.ok) {
                QCOMPARE(*r, a);
            } else {
                QCOMPARE(r.error().code(), c.code);
                QCOMPARE(msg(r.error()), c.message);
            }
        }
    }

    void ambiguousPrefixIsRefused()
    {
        auto store = openStore(QStringLiteral("ambiguous"));
        QHash<QChar, Digest> byFirst;
        QString shared;
        for (int i = 0; i < 17 && shared.isEmpty(); ++i) {
            const Digest d = makeImage(*store, {});
            if (byFirst.contains(d.hex().front()))
                shared = d.hex().left(1);
            byFirst.insert(d.hex().front(), d);
        }
        QVERIFY(!shared.isEmpty());
        const auto r = store->resolve(shared);
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::InvalidArgument);
        QCOMPARE(msg(r.error()), QStringLiteral("multiple IDs found with provided prefix: ") + shared);
    }

    void listReportsSizesAndFilters()
    {
        auto store = openStore(QStringLiteral("list"));
        const Digest tagged = makeImage(*store, {layer("a", 100), layer("b", 50)});
        const Digest dangling = makeImage(*store, {layer("c", 7)});
        QVERIFY(store->tag(tagged.toString(), QStringLiteral("app"), QStringLiteral("1")));
        QVERIFY(store->tag(tagged.toString(), QStringLiteral("u/other"), QString()));
        const auto all = store->list();
        QCOMPARE(all.size(), 2);
        for (const auto &s : all) {
            if (s.id == tagged.toString()) {
                QCOMPARE(s.size, qint64(150));
                QCOMPARE(s.repoTags, (QStringList{QStringLiteral("app:1"), QStringLiteral("u/other:latest")}));
            } else {
                QCOMPARE(s.id, dangling.toString());
                QCOMPARE(s.size, qint64(7));
                QCOMPARE(s.repoTags, QStringList{QStringLiteral("<none>:<none>")});
            }
        }
        ImageListOptions onlyDangling;
        onlyDangling.dangling = true;
        QCOMPARE(store->list(onlyDangling).size(), 1);
        QCOMPARE(store->list(onlyDangling).first().id, dangling.toString());
        ImageListOptions byRef;
        byRef.referencePatterns = {QStringLiteral("ap*")};
        const auto filtered = store->list(byRef);
        QCOMPARE(filtered.size(), 1);
        QCOMPARE(filtered.first().repoTags, QStringList{QStringLiteral("app:1")});
        QCOMPARE(filtered.first().toJson().value(QStringLiteral("VirtualSize")).toInteger(), qint64(150));
    }

    void inspectAndHistoryHaveDockersShape()
    {
        auto store = openStore(QStringLiteral("inspect"));
        const Digest id = makeImage(*store, {layer("a", 100), layer("b", 50)});
        QVERIFY(store->tag(id.toString(), QStringLiteral("app"), QStringLiteral("1")));
        const auto o = store->inspect(QStringLiteral("app:1"));
        QVERIFY(o);
        for (const char *key : {"Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Container", "ContainerConfig",
                                "DockerVersion", "Author", "Config", "Architecture", "Os", "Size", "VirtualSize", "GraphDriver",
                                "RootFS", "Metadata"})
            QVERIFY2(o->contains(QLatin1String(key)), key);
        QCOMPARE(o->value(QStringLiteral("Id")).toString(), id.toString());
        QCOMPARE(o->value(QStringLiteral("Size")).toInteger(), qint64(150));
        QCOMPARE(o->value(QStringLiteral("RootFS")).toObject().value(QStringLiteral("Layers")).toArray().size(), 2);
        const QJsonObject config = o->value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("Env")).toArray().first().toString(), QStringLiteral("PATH=/bin"));
        QVERIFY(config.value(QStringLiteral("Entrypoint")).isNull());
        QCOMPARE(config.value(QStringLiteral("WorkingDir")).toString(), QString());
        QCOMPARE(o->value(QStringLiteral("GraphDriver")).toObject().value(QStringLiteral("Name")).toString(), QStringLiteral("overlay2"));
        QVERIFY(o->value(QStringLiteral("GraphDriver")).toObject().value(QStringLiteral("Data")).toObject()
                    .value(QStringLiteral("LowerDir")).toString().endsWith(QStringLiteral("/diff")));

        const auto h = store->history(QStringLiteral("app:1"));
        QVERIFY(h);
        QCOMPARE(h->size(), 3);
        QCOMPARE(h->at(0).id, id.toString());
        QCOMPARE(h->at(0).size, qint64(0)); // empty layer
        QCOMPARE(h->at(0).tags, QStringList{QStringLiteral("app:1")});
        QCOMPARE(h->at(1).size, qint64(50));
        QCOMPARE(h->at(1).id, QStringLiteral("<missing>"));
        QCOMPARE(h->at(2).size, qint64(100));
        QVERIFY(h->at(2).toJson().value(QStringLiteral("Tags")).isNull());
        QVERIFY(!store->inspect(QStringLiteral("nope")));
    }

    void rmiUntagsBeforeItDeletes()
    {
        auto store = openStore(QStringLiteral("rmi"));
        const Digest id = makeImage(*store, {layer("a", 10)});
        QVERIFY(store->tag(id.toString(), QStringLiteral("a"), QString()));
        QVERIFY(store->tag(id.toString(), QStringLiteral("b"), QStringLiteral("2")));
        // by ID while referenced from two repositories: refused unless forced
        auto refused = store->remove(id.hex().left(12), false);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code(), ErrorCode::Conflict);
        QCOMPARE(msg(refused.error()), QStringLiteral("conflict: unable to delete %1 (must be forced) - image is referenced in multiple repositories").arg(id.shortHex()));
        // by name: only the tag goes
        auto untagged = store->remove(QStringLiteral("a"), false);
        QVERIFY(untagged);
        QCOMPARE(untagged->size(), 1);
        QCOMPARE(untagged->first().untagged, QStringLiteral("a:latest"));
        QVERIFY(store->resolve(id.toString()));
        // last name: untag, then delete the image and its layer
        auto deleted = store->remove(QStringLiteral("b:2"), false);
        QVERIFY(deleted);
        QCOMPARE(deleted->size(), 3);
        QCOMPARE(deleted->at(0).untagged, QStringLiteral("b:2"));
        QCOMPARE(deleted->at(1).deleted, id.toString());
        QVERIFY(!store->resolve(id.toString()));
        QVERIFY(store->layers().list()->isEmpty());
        QVERIFY(!store->content().exists(id));
        auto missing = store->remove(QStringLiteral("nosuch:tag"), false);
        QVERIFY(!missing);
        QCOMPARE(missing.error().code(), ErrorCode::NotFound);
        QCOMPARE(msg(missing.error()), QStringLiteral("No such image: nosuch:tag"));
    }

    void rmiRespectsContainersUsingTheImage()
    {
        auto store = openStore(QStringLiteral("rmi-used"));
        const Digest id = makeImage(*store, {layer("a", 10)});
        QVERIFY(store->tag(id.toString(), QStringLiteral("app"), QString()));
        const QString cid = QString(64, u'c');
        bool running = false;
        const ImageUsageCallback usage = [&](const Digest &img) -> std::optional<ImageUsage> {
            if (img == id)
                return ImageUsage{cid, running};
            return std::nullopt;
        };
        auto byName = store->remove(QStringLiteral("app"), false, true, usage);
        QVERIFY(!byName);
        QCOMPARE(msg(byName.error()), QStringLiteral("conflict: unable to remove repository reference \"app\" (must force) - container %1 is using its referenced image %2")
                                          .arg(cid.left(12), id.shortHex()));
        QVERIFY(store->tag(id.toString(), QStringLiteral("app"), QString()));
        auto byId = store->remove(id.toString(), false, true, usage);
        QVERIFY(!byId);
        QCOMPARE(msg(byId.error()), QStringLiteral("conflict: unable to delete %1 (must be forced) - image is being used by stopped container %2")
                                        .arg(id.shortHex(), cid.left(12)));
        running = true;
        auto forcedRunning = store->remove(id.toString(), true, true, usage);
        QVERIFY(!forcedRunning);
        QVERIFY(msg(forcedRunning.error()).contains(QStringLiteral("(cannot be forced) - image is being used by running container")));
        running = false;
        auto forced = store->remove(id.toString(), true, true, usage);
        QVERIFY2(forced, forced ? "" : forced.error().toString().c_str());
        QVERIFY(!store->resolve(id.toString()));
    }

    void sharedLayersAreStoredOnceAndKeptWhileUsed()
    {
        auto store = openStore(QStringLiteral("shared"));
        const QByteArray base = layer("base", 1000);
        const Digest one = makeImage(*store, {base, layer("one", 10)});
        const Digest two = makeImage(*store, {base, layer("two", 20)});
        QCOMPARE(store->layers().list()->size(), 3);
        QVERIFY(store->remove(one.toString(), false));
        QCOMPARE(store->layers().list()->size(), 2);
        QVERIFY(store->resolve(two.toString()));
        QVERIFY(store->remove(two.toString(), false));
        QVERIFY(store->layers().list()->isEmpty());
    }

    void pruneReportsWhatItReclaimed()
    {
        auto store = openStore(QStringLiteral("prune"));
        const Digest kept = makeImage(*store, {layer("k", 100)});
        const Digest dangling = makeImage(*store, {layer("d", 30)});
        const Digest used = makeImage(*store, {layer("u", 40)});
        QVERIFY(store->tag(kept.toString(), QStringLiteral("kept"), QString()));
        const ImageUsageCallback usage = [&](const Digest &img) -> std::optional<ImageUsage> {
            if (img == used)
                return ImageUsage{QString(64, u'e'), false};
            return std::nullopt;
        };
        auto report = store->prune(true, usage);
        QVERIFY(report);
        QCOMPARE(report->spaceReclaimed, qint64(30));
        QCOMPARE(report->imagesDeleted.first().deleted, dangling.toString());
        QVERIFY(store->resolve(kept.toString()));
        QVERIFY(store->resolve(used.toString()));
        auto all = store->prune(false, usage);
        QVERIFY(all);
        QCOMPARE(all->spaceReclaimed, qint64(100));
        QCOMPARE(all->imagesDeleted.first().untagged, QStringLiteral("kept:latest"));
        QVERIFY(!store->resolve(kept.toString()));
        QVERIFY(store->resolve(used.toString()));
        auto nothing = store->prune(true, usage);
        QVERIFY(nothing);
        QVERIFY(nothing->toJson().value(QStringLiteral("ImagesDeleted")).isNull());
    }

    void aCrashLeavesNothingHalfVisible()
    {
        const QString root = m_tmp.filePath(QStringLiteral("crash"));
        Digest good;
        {
            auto store = openStore(QStringLiteral("crash"));
            good = makeImage(*store, {layer("g", 5)});
            QVERIFY(store->tag(good.toString(), QStringLiteral("good"), QString()));
        }
        // what a kill -9 at various points leaves behind
        auto touch = [](const QString &path, const QByteArray &data) {
            QDir().mkpath(QFileInfo(path).path());
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(data);
        };
        touch(root + QStringLiteral("/tmp/.tmp-blob-0001"), "half a blob");
        touch(root + QStringLiteral("/layers/.tmp-layer-0002/diff/etc/passwd"), "half a layer");
        const QString orphanHex = QString(64, u'e');
        touch(root + QStringLiteral("/layers/") + orphanHex + QStringLiteral("/diff/x"), "layer without metadata");
        touch(root + QStringLiteral("/images/.tmp-") + QString(64, u'1') + QStringLiteral(".json-3"), "{");
        const QString missingBlob = QString(64, u'f');
        touch(root + QStringLiteral("/images/") + missingBlob + QStringLiteral(".json"), "{}");
        touch(root + QStringLiteral("/.tmp-refs.json-4"), "{\"refs\":");
        // a refs file that also names an image whose record never got written
        touch(root + QStringLiteral("/refs.json"),
              QStringLiteral("{\"refs\":{\"docker.io/library/good:latest\":\"%1\",\"docker.io/library/ghost:latest\":\"sha256:%2\"}}")
                  .arg(good.toString(), missingBlob).toUtf8());
        // a complete layer no image points to (import killed before the record)
        {
            LayerStore layers(root);
            const int fd = TarBuilder::toFd(layer("orphan", 3), m_tmp.filePath(QStringLiteral("orphan.tar")));
            QVERIFY(layers.applyTar(fd, std::nullopt));
            ::close(fd);
        }
        auto store = openStore(QStringLiteral("crash"));
        QVERIFY(QDir(root + QStringLiteral("/tmp")).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
        const QStringList layerDirs = QDir(root + QStringLiteral("/layers")).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        QCOMPARE(layerDirs.size(), 1);
        QCOMPARE(QDir(root + QStringLiteral("/images")).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{good.hex() + QStringLiteral(".json")});
        QVERIFY(!QFile::exists(root + QStringLiteral("/.tmp-refs.json-4")));
        QCOMPARE(*store->resolve(QStringLiteral("good")), good);
        QVERIFY(!store->resolve(QStringLiteral("ghost")));
        QCOMPARE(store->list().size(), 1);
        QVERIFY(!QString::fromUtf8(readAll(root + QStringLiteral("/refs.json"))).contains(QStringLiteral("ghost")));
    }

private:
    static QByteArray readAll(const QString &path)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }
};

QTEST_GUILESS_MAIN(tst_ImageStore)
#include "tst_imagestore.moc"
