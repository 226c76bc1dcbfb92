// ImageSaver and ImageLoader: save then load round trips (combined archive,
// OCI-only, docker-only, docker 20.10's legacy layout, gzip, nested
// multi-platform indexes) and hostile archives that must leave the store
// exactly as it was.

#include "tarbuilder.h"

#include <engine/fsutil.h>
#include <engine/imageimporter.h>
#include <engine/imageloader.h>
#include <engine/imagesaver.h>
#include <engine/imagestore.h>
#include <engine/layerexporter.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <support/treelisting.h>

#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace Berth;
using namespace Berth::Engine;
using Berth::TestSupport::treeListing;

namespace {

struct Member
{
    QByteArray path;
    QByteArray data;
    mode_t type = AE_IFREG;
    QByteArray link;
};

// The members of a tar (plain or gzip) as written.
QList<Member> readTar(const QByteArray &tar)
{
    QList<Member> out;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_open_memory(a, tar.constData(), size_t(tar.size()));
    struct archive_entry *e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        Member m;
        m.path = archive_entry_pathname(e);
        m.type = archive_entry_filetype(e);
        if (archive_entry_symlink(e))
            m.link = archive_entry_symlink(e);
        QByteArray buf(65536, Qt::Uninitialized);
        la_ssize_t n;
        while ((n = archive_read_data(a, buf.data(), size_t(buf.size()))) > 0)
            m.data.append(buf.constData(), n);
        out.append(m);
    }
    archive_read_free(a);
    return out;
}

QByteArray writeTar(const QList<Member> &members, TarBuilder::Compression c = TarBuilder::Compression::None)
{
    TarBuilder b;
    for (const Member &m : members) {
        if (m.type == AE_IFDIR)
            b.dir(m.path);
        else if (m.type == AE_IFLNK)
            b.symlink(m.path, m.link);
        else
            b.file(m.path, m.data);
    }
    return b.build(c);
}

QByteArray member(const QList<Member> &members, const QByteArray &path)
{
    for (const Member &m : members) {
        if (m.path == path)
            return m.data;
    }
    return {};
}

QByteArray json(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }
QByteArray json(const QJsonArray &a) { return QJsonDocument(a).toJson(QJsonDocument::Compact); }

QByteArray sha(const QByteArray &data) { return Digest::ofData(data).hex().toLatin1(); }

QByteArray configFor(const QList<QByteArray> &layerTars, const QString &cmd, const QString &arch = QStringLiteral("amd64"))
{
    QJsonArray diffIds;
    for (const QByteArray &t : layerTars)
        diffIds.append(Digest::ofData(t).toString());
    return json(QJsonObject{{QStringLiteral("architecture"), arch},
                            {QStringLiteral("os"), QStringLiteral("linux")},
                            {QStringLiteral("created"), QStringLiteral("2026-01-01T00:00:00Z")},
                            {QStringLiteral("config"), QJsonObject{{QStringLiteral("Cmd"), QJsonArray{cmd}}}},
                            {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("type"), QStringLiteral("layers")},
                                                                   {QStringLiteral("diff_ids"), diffIds}}}});
}


struct Snapshot
{
    QStringList images;
    QStringList refs;
    QStringList layers;
    QStringList blobs;
    QStringList tmp;
    friend bool operator==(const Snapshot &, const Snapshot &) = default;
    QString describe() const
    {
        return QStringLiteral("images %1\nrefs %2\nlayers %3\nblobs %4\ntmp %5")
            .arg(images.join(u','), refs.join(u','), layers.join(u','), blobs.join(u','), tmp.join(u','));
    }
};

Snapshot snapshot(ImageStore &store)
{
    Snapshot s;
    for (const Digest &id : store.imageIds()) {
        s.images.append(id.hex());
        for (const QString &t : store.repoTags(id))
            s.refs.append(t + u'=' + id.hex());
    }
    if (auto layers = store.layers().list()) {
        for (const LayerInfo &l : *layers)
            s.layers.append(l.chainId.hex());
    }
    if (auto blobs = store.content().list()) {
        for (const Digest &d : *blobs)
            s.blobs.append(d.hex());
    }
    s.tmp = QDir(store.content().tempDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    s.images.sort();
    s.refs.sort();
    return s;
}

Result<LoadReport> loadBytes(ImageStore &store, const QByteArray &archive, qsizetype piece = 7000)
{
    auto loader = ImageLoader::start(store);
    if (!loader)
        return std::unexpected(loader.error());
    for (qsizetype off = 0; off < archive.size(); off += piece) {
        if (auto st = (*loader)->write(QByteArrayView(archive.constData() + off, qMin(piece, archive.size() - off))); !st)
            return std::unexpected(st.error());
    }
    return (*loader)->finish();
}

Result<QByteArray> saveBytes(ImageStore &store, const QStringList &names)
{
    auto saver = ImageSaver::start(store, names);
    if (!saver)
        return std::unexpected(saver.error());
    QByteArray out;
    while (!(*saver)->atEnd()) {
        auto piece = (*saver)->read(50000);
        if (!piece)
            return std::unexpected(piece.error());
        out += *piece;
    }
    return out;
}

} // namespace

class tst_ImageArchive : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_stores = 0;
    QByteArray m_base;  // layer tars
    QByteArray m_app;
    QByteArray m_tools; // gzip-compressed in the store

    std::unique_ptr<ImageStore> freshStore()
    {
        auto store = ImageStore::open(m_tmp.filePath(QStringLiteral("store%1").arg(++m_stores)));
        if (!store)
            qFatal("open store: %s", store.error().toString().c_str());
        return std::move(*store);
    }

    // Applies the layers (kept as blobs, as import and load do) and creates the image.
    static Digest addImage(ImageStore &store, const QList<QByteArray> &blobs, const QByteArray &config, const QString &tag)
    {
        std::optional<Digest> parent;
        for (const QByteArray &blob : blobs) {
            auto digest = store.content().put(blob);
            if (!digest)
                qFatal("put: %s", digest.error().toString().c_str());
            auto fd = store.content().open(*digest);
            auto layer = store.layers().applyTar(fd->get(), parent, std::nullopt, *digest);
            if (!layer)
                qFatal("apply: %s", layer.error().toString().c_str());
            parent = layer->chainId;
        }
        auto id = store.createImage(config);
        if (!id)
            qFatal("create: %s", id.error().toString().c_str());
        if (!tag.isEmpty()) {
            const qsizetype colon = tag.lastIndexOf(u':');
            if (auto st = store.tag(id->toString(), tag.left(colon), tag.mid(colon + 1)); !st)
                qFatal("tag: %s", st.error().toString().c_str());
        }
        return *id;
    }

    // Image "a:1" = base + app, image "b:latest" = base + tools (gzip blob).
    QPair<Digest, Digest> populate(ImageStore &store)
    {
        const QByteArray tools = TarBuilder().dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\necho tool\n", 0755).build();
        const Digest a = addImage(store, {m_base, m_app}, configFor({m_base, m_app}, QStringLiteral("app")), QStringLiteral("a:1"));
        const Digest b = addImage(store, {m_base, m_tools}, configFor({m_base, tools}, QStringLiteral("tool")), QStringLiteral("b:latest"));
        return {a, b};
    }

    static QStringList treeOf(ImageStore &store, const Digest &id)
    {
        QStringList out;
        auto rec = store.image(id);
        if (!rec)
            return {QStringLiteral("missing")};
        for (const Digest &chain : rec->chainIds)
            out += treeListing(store.layers().diffPath(chain));
        return out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_base = TarBuilder()
                     .dir("bin").file("bin/busybox", QByteArray(100000, 'x'), 0755).symlink("bin/sh", "busybox")
                     .dir("etc").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                     .dir("tmp", 01777)
                     .build();
        m_app = TarBuilder().dir("srv").file("srv/app.txt", "hello\n", 0600).file("etc/.wh.passwd", "").build();
        m_tools = TarBuilder().dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\necho tool\n", 0755)
                      .build(TarBuilder::Compression::Gzip);
    }
    void cleanupTestCase() { QVERIFY(Internal::removeTree(m_tmp.path())); }

    void saveWritesBothFormatsWithSharedLayersOnce()
    {
        auto store = freshStore();
        const auto [a, b] = populate(*store);
        auto tar = saveBytes(*store, {QStringLiteral("a:1"), QStringLiteral("b")});
        QVERIFY2(tar, tar ? "" : tar.error().toString().c_str());
        const QList<Member> members = readTar(*tar);
        QStringList paths;
        for (const Member &m : members)
            paths.append(QString::fromUtf8(m.path));
        const QStringList expected{QStringLiteral("oci-layout"), QStringLiteral("index.json"), QStringLiteral("manifest.json"),
                                   QStringLiteral("repositories"), QString(a.hex() + QStringLiteral(".json")),
                                   QString(QStringLiteral("blobs/sha256/") + a.hex()), QString(QStringLiteral("blobs/sha256/") + b.hex())};
        for (const QString &p : expected)
            QVERIFY2(paths.contains(p), qPrintable(p + QStringLiteral(" missing from ") + paths.join(u' ')));
        // the base layer, shared by both images, is written once, uncompressed, named by its diff-id
        QCOMPARE(paths.count(QStringLiteral("blobs/sha256/") + QString::fromLatin1(sha(m_base))), 1);
        QCOMPARE(member(members, "blobs/sha256/" + sha(m_base)), m_base);

        const QJsonArray manifest = QJsonDocument::fromJson(member(members, "manifest.json")).array();
        QCOMPARE(manifest.size(), 2);
        QCOMPARE(manifest.at(0)[QStringLiteral("Config")].toString(), a.hex() + QStringLiteral(".json"));
        QCOMPARE(manifest.at(0)[QStringLiteral("RepoTags")].toArray(), QJsonArray{QStringLiteral("a:1")});
        QCOMPARE(manifest.at(1)[QStringLiteral("RepoTags")].toArray(), QJsonArray{QStringLiteral("b:latest")});
        QCOMPARE(manifest.at(0)[QStringLiteral("Layers")].toArray().first().toString(),
                 QStringLiteral("blobs/sha256/") + QString::fromLatin1(sha(m_base)));

        const QJsonObject index = QJsonDocument::fromJson(member(members, "index.json")).object();
        const QJsonArray manifests = index[QStringLiteral("manifests")].toArray();
        QCOMPARE(manifests.size(), 2);
        const QJsonObject ann = manifests.at(0)[QStringLiteral("annotations")].toObject();
        QCOMPARE(ann[QStringLiteral("io.containerd.image.name")].toString(), QStringLiteral("docker.io/library/a:1"));
        QCOMPARE(ann[QStringLiteral("org.opencontainers.image.ref.name")].toString(), QStringLiteral("1"));
        // every blob is what its name says
        for (const Member &m : members) {
            if (m.path.startsWith("blobs/sha256/") && m.type == AE_IFREG)
                QCOMPARE(sha(m.data), m.path.mid(13));
        }
        QCOMPARE(QJsonDocument::fromJson(member(members, "repositories")).object()[QStringLiteral("a")].toObject()[QStringLiteral("1")].toString(), a.hex());
    }

    void roundTripIntoAFreshStoreKeepsIdsTagsAndFiles()
    {
        auto source = freshStore();
        const auto [a, b] = populate(*source);
        auto tar = saveBytes(*source, {QStringLiteral("a:1"), QStringLiteral("b:latest")});
        QVERIFY(tar);

        auto target = freshStore();
        auto report = loadBytes(*target, *tar);
        QVERIFY2(report, report ? "" : report.error().toString().c_str());
        QCOMPARE(report->messages, (QStringList{QStringLiteral("Loaded image: a:1"), QStringLiteral("Loaded image: b:latest")}));
        QCOMPARE(target->resolve(QStringLiteral("a:1")).value_or(Digest()), a);
        QCOMPARE(target->resolve(QStringLiteral("b")).value_or(Digest()), b);
        QCOMPARE(treeOf(*target, a), treeOf(*source, a));
        QCOMPARE(treeOf(*target, b), treeOf(*source, b));
        QCOMPARE(target->layers().list()->size(), 3); // the base layer is shared
        QVERIFY(QDir(target->content().tempDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());

        // loading it again changes nothing
        const Snapshot before = snapshot(*target);
        QVERIFY(loadBytes(*target, *tar));
        QCOMPARE(snapshot(*target), before);

        // and what was loaded saves to the same bytes
        auto again = saveBytes(*target, {QStringLiteral("a:1"), QStringLiteral("b:latest")});
        QVERIFY(again);
        QCOMPARE(*again, *tar);
    }

    void saveByIdIsUntaggedAndLoadsAsId()
    {
        auto source = freshStore();
        const auto ids = populate(*source);
        auto tar = saveBytes(*source, {ids.first.hex().left(12)});
        QVERIFY(tar);
        const QJsonArray manifest = QJsonDocument::fromJson(member(readTar(*tar), "manifest.json")).array();
        QVERIFY(manifest.at(0)[QStringLiteral("RepoTags")].isNull());
        auto target = freshStore();
        auto report = loadBytes(*target, *tar);
        QVERIFY(report);
        QCOMPARE(report->messages, QStringList{QStringLiteral("Loaded image ID: ") + ids.first.toString()});
        QVERIFY(target->repoTags(ids.first).isEmpty());
    }

    void unknownNamesFailBeforeAnyByte()
    {
        auto store = freshStore();
        populate(*store);
        auto saver = ImageSaver::start(*store, {QStringLiteral("a:1"), QStringLiteral("nosuch:tag")});
        QVERIFY(!saver);
        QCOMPARE(saver.error().code(), ErrorCode::NotFound);
        QVERIFY(QString::fromStdString(saver.error().toString()).contains(QStringLiteral("No such image: nosuch:tag")));
    }

    void ociOnlyAndDockerOnlyArchivesLoad_data()
    {
        QTest::addColumn<QStringList>("drop");
        QTest::newRow("OCI layout only") << QStringList{QStringLiteral("manifest.json"), QStringLiteral("repositories"), QStringLiteral("*.json-legacy")};
        QTest::newRow("docker-archive only") << QStringList{QStringLiteral("index.json"), QStringLiteral("oci-layout")};
    }
    void ociOnlyAndDockerOnlyArchivesLoad()
    {
        QFETCH(QStringList, drop);
        auto source = freshStore();
        const auto [a, b] = populate(*source);
        auto tar = saveBytes(*source, {QStringLiteral("a:1"), QStringLiteral("b:latest")});
        QVERIFY(tar);
        QList<Member> members;
        for (const Member &m : readTar(*tar)) {
            const QString p = QString::fromUtf8(m.path);
            if (drop.contains(p) || (drop.contains(QStringLiteral("*.json-legacy")) && !p.contains(u'/') && p.endsWith(QStringLiteral(".json")) && p != QLatin1String("index.json")))
                continue;
            members.append(m);
        }
        auto target = freshStore();
        auto report = loadBytes(*target, writeTar(members));
        QVERIFY2(report, report ? "" : report.error().toString().c_str());
        QCOMPARE(target->resolve(QStringLiteral("a:1")).value_or(Digest()), a);
        QCOMPARE(target->resolve(QStringLiteral("b:latest")).value_or(Digest()), b);
        QCOMPARE(treeOf(*target, b), treeOf(*source, b));
    }

    void docker2010LegacyLayoutWithSymlinkedLayerAndGzipLoads()
    {
        // <v1id>/layer.tar per layer, a symlink for a repeated layer, <hex>.json config
        const QByteArray config1 = configFor({m_base, m_app}, QStringLiteral("one"));
        const QByteArray config2 = configFor({m_base}, QStringLiteral("two"));
        const QByteArray id1 = sha(config1);
        const QByteArray id2 = sha(config2);
        QList<Member> m;
        m.append({"aaaa", {}, AE_IFDIR, {}});
        m.append({"aaaa/VERSION", "1.0", AE_IFREG, {}});
        m.append({"aaaa/json", "{}", AE_IFREG, {}});
        m.append({"aaaa/layer.tar", m_base, AE_IFREG, {}});
        m.append({"bbbb", {}, AE_IFDIR, {}});
        m.append({"bbbb/layer.tar", m_app, AE_IFREG, {}});
        m.append({"cccc", {}, AE_IFDIR, {}});
        m.append({"cccc/layer.tar", {}, AE_IFLNK, "../aaaa/layer.tar"});
        m.append({id1 + ".json", config1, AE_IFREG, {}});
        m.append({id2 + ".json", config2, AE_IFREG, {}});
        const QJsonArray manifest{
            QJsonObject{{QStringLiteral("Config"), QString::fromLatin1(QByteArray(id1 + ".json"))},
                        {QStringLiteral("RepoTags"), QJsonArray{QStringLiteral("legacy:one"), QStringLiteral("localhost:5000/x/legacy:v1")}},
                        {QStringLiteral("Layers"), QJsonArray{QStringLiteral("aaaa/layer.tar"), QStringLiteral("./bbbb/layer.tar")}}},
            QJsonObject{{QStringLiteral("Config"), QString::fromLatin1(QByteArray(id2 + ".json"))},
                        {QStringLiteral("RepoTags"), QJsonArray{QStringLiteral("legacy:two")}},
                        {QStringLiteral("Layers"), QJsonArray{QStringLiteral("cccc/layer.tar")}}}};
        m.append({"manifest.json", json(manifest), AE_IFREG, {}});
        auto store = freshStore();
        auto report = loadBytes(*store, writeTar(m, TarBuilder::Compression::Gzip), 1000);
        QVERIFY2(report, report ? "" : report.error().toString().c_str());
        QCOMPARE(report->messages, (QStringList{QStringLiteral("Loaded image: legacy:one"),
                                                QStringLiteral("Loaded image: localhost:5000/x/legacy:v1"),
                                                QStringLiteral("Loaded image: legacy:two")}));
        QCOMPARE(store->resolve(QStringLiteral("legacy:two")).value_or(Digest()).hex().toLatin1(), id2);
        QCOMPARE(store->layers().list()->size(), 2);
        QFile app(store->layers().diffPath(store->image(Digest::fromHex(QString::fromLatin1(id1)))->chainIds.last()) + QStringLiteral("/srv/app.txt"));
        QVERIFY(app.open(QIODevice::ReadOnly));
        QCOMPARE(app.readAll(), QByteArray("hello\n"));
    }

    void nestedMultiPlatformIndexGivesThisMachinesImage()
    {
        const QByteArray armLayer = TarBuilder().file("arch", "arm64\n").build();
        const QByteArray ourLayer = TarBuilder().file("arch", "ours\n").build(TarBuilder::Compression::Gzip);
        const QByteArray ourDiff = TarBuilder().file("arch", "ours\n").build();
        const QByteArray armConfig = configFor({armLayer}, QStringLiteral("arm"), QStringLiteral("arm64"));
        const QByteArray ourConfig = configFor({ourDiff}, QStringLiteral("ours"), ImageImporter::goArchitecture());
        auto desc = [](const QString &type, const QByteArray &blob, const QJsonObject &extra = {}) {
            QJsonObject d{{QStringLiteral("mediaType"), type}, {QStringLiteral("digest"), Digest::ofData(blob).toString()},
                          {QStringLiteral("size"), blob.size()}};
            for (auto it = extra.begin(); it != extra.end(); ++it)
                d.insert(it.key(), it.value());
            return d;
        };
        auto manifestOf = [&](const QByteArray &config, const QByteArray &layer, const QString &layerType) {
            return json(QJsonObject{{QStringLiteral("schemaVersion"), 2},
                                    {QStringLiteral("mediaType"), QStringLiteral("application/vnd.oci.image.manifest.v1+json")},
                                    {QStringLiteral("config"), desc(QStringLiteral("application/vnd.oci.image.config.v1+json"), config)},
                                    {QStringLiteral("layers"), QJsonArray{desc(layerType, layer)}}});
        };
        const QByteArray armManifest = manifestOf(armConfig, armLayer, QStringLiteral("application/vnd.oci.image.layer.v1.tar"));
        const QByteArray ourManifest = manifestOf(ourConfig, ourLayer, QStringLiteral("application/vnd.oci.image.layer.v1.tar+gzip"));
        const QString manifestType = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
        const QByteArray nested = json(QJsonObject{
            {QStringLiteral("schemaVersion"), 2},
            {QStringLiteral("manifests"), QJsonArray{
                desc(manifestType, armManifest, {{QStringLiteral("platform"), QJsonObject{{QStringLiteral("os"), QStringLiteral("linux")}, {QStringLiteral("architecture"), QStringLiteral("arm64")}}}}),
                desc(manifestType, ourManifest, {{QStringLiteral("platform"), QJsonObject{{QStringLiteral("os"), QStringLiteral("linux")}, {QStringLiteral("architecture"), ImageImporter::goArchitecture()}}}})}}});
        const QByteArray index = json(QJsonObject{
            {QStringLiteral("schemaVersion"), 2},
            {QStringLiteral("manifests"), QJsonArray{desc(QStringLiteral("application/vnd.oci.image.index.v1+json"), nested,
                {{QStringLiteral("annotations"), QJsonObject{{QStringLiteral("org.opencontainers.image.ref.name"), QStringLiteral("example.com/multi:2")}}}})}}});
        QList<Member> m;
        m.append({"oci-layout", R"({"imageLayoutVersion":"1.0.0"})", AE_IFREG, {}});
        m.append({"index.json", index, AE_IFREG, {}});
        // only the arm blobs the loader must never need are absent
        for (const QByteArray &blob : {nested, ourManifest, ourConfig, ourLayer, armManifest})
            m.append({"blobs/sha256/" + sha(blob), blob, AE_IFREG, {}});
        auto store = freshStore();
        auto report = loadBytes(*store, writeTar(m));
        QVERIFY2(report, report ? "" : report.error().toString().c_str());
        QCOMPARE(report->messages, QStringList{QStringLiteral("Loaded image: example.com/multi:2")});
        QCOMPARE(store->resolve(QStringLiteral("example.com/multi:2")).value_or(Digest()), Digest::ofData(ourConfig));
    }

    void hostileArchivesAreRefusedAndLeaveTheStoreUnchanged_data()
    {
        QTest::addColumn<QByteArray>("archive");
        QTest::addColumn<QString>("message");

        const QByteArray evilLayer = TarBuilder().file("ok", "fine").file("../../escape", "boom").build();
        const QByteArray good = TarBuilder().file("good", "yes").build();
        auto docker = [](const QList<QByteArray> &layers, const QList<QByteArray> &diffSources, const QJsonArray &layerPaths = {}) {
            const QByteArray config = configFor(diffSources, QStringLiteral("x"));
            QList<Member> m;
            QJsonArray paths = layerPaths;
            for (qsizetype i = 0; i < layers.size(); ++i) {
                m.append({"l" + QByteArray::number(i) + "/layer.tar", layers[i], AE_IFREG, {}});
                if (layerPaths.isEmpty())
                    paths.append(QStringLiteral("l%1/layer.tar").arg(i));
            }
            m.append({"config.json", config, AE_IFREG, {}});
            m.append({"manifest.json", json(QJsonArray{QJsonObject{{QStringLiteral("Config"), QStringLiteral("config.json")},
                                                                   {QStringLiteral("RepoTags"), QJsonArray{QStringLiteral("evil:1")}},
                                                                   {QStringLiteral("Layers"), paths}}}), AE_IFREG, {}});
            return m;
        };

        QTest::newRow("entry climbing out") << writeTar({{"../evil", "x", AE_IFREG, {}}}) << "path points outside the archive";
        QTest::newRow("absolute entry") << writeTar({{"/etc/evil", "x", AE_IFREG, {}}}) << "path points outside the archive";
        QTest::newRow("symlink out of the archive") << writeTar({{"l", {}, AE_IFLNK, "../../etc/passwd"}}) << "symlink to \"../../etc/passwd\" points outside";
        QTest::newRow("manifest layer path outside")
            << writeTar(docker({good}, {good}, QJsonArray{QStringLiteral("../../etc/shadow")})) << "points outside the archive";
        QTest::newRow("manifest layer missing")
            << writeTar(docker({good}, {good}, QJsonArray{QStringLiteral("nosuch/layer.tar")})) << "\"nosuch/layer.tar\" is not in the archive";
        QTest::newRow("diff-id mismatch, after a good layer")
            << writeTar(docker({good, good}, {good, evilLayer})) << "layer diff-id mismatch";
        QTest::newRow("layer escaping its root, after a good layer")
            << writeTar(docker({good, evilLayer}, {good, evilLayer})) << "../../escape";
        QTest::newRow("diff_ids and layers disagree") << writeTar(docker({good}, {good, good})) << "lists 2 diff_ids but there are 1 layers";
        QTest::newRow("oversized manifest.json")
            << writeTar({{"manifest.json", "[" + QByteArray(5 * 1024 * 1024, ' ') + "]", AE_IFREG, {}}}) << "manifest.json is larger than 4194304 bytes";
        QTest::newRow("not a tar") << QByteArray(4096, 'z') << "not a tar file";
        QTest::newRow("truncated") << writeTar(docker({good}, {good})).left(1536) << "load";
        QTest::newRow("no manifest") << writeTar({{"hello", "x", AE_IFREG, {}}}) << "neither manifest.json";
        QTest::newRow("invalid RepoTag") << [&] {
            QList<Member> m = docker({good}, {good});
            m.last().data.replace("evil:1", "Evil::");
            return writeTar(m);
        }() << "invalid RepoTag";

        // OCI cases
        const QByteArray config = configFor({good}, QStringLiteral("x"));
        auto oci = [&](const QByteArray &layerBlob, const QString &layerType, bool includeLayer, const QByteArray &layerName = {}) {
            auto d = [](const QString &t, const QByteArray &b) {
                return QJsonObject{{QStringLiteral("mediaType"), t}, {QStringLiteral("digest"), Digest::ofData(b).toString()},
                                   {QStringLiteral("size"), b.size()}};
            };
            const QByteArray manifest = json(QJsonObject{{QStringLiteral("schemaVersion"), 2},
                                                         {QStringLiteral("config"), d(QStringLiteral("application/vnd.oci.image.config.v1+json"), config)},
                                                         {QStringLiteral("layers"), QJsonArray{d(layerType, layerBlob)}}});
            const QByteArray index = json(QJsonObject{{QStringLiteral("schemaVersion"), 2},
                                                      {QStringLiteral("manifests"), QJsonArray{d(QStringLiteral("application/vnd.oci.image.manifest.v1+json"), manifest)}}});
            QList<Member> m{{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})", AE_IFREG, {}},
                            {"index.json", index, AE_IFREG, {}},
                            {"blobs/sha256/" + sha(manifest), manifest, AE_IFREG, {}},
                            {"blobs/sha256/" + sha(config), config, AE_IFREG, {}}};
            if (includeLayer)
                m.append({"blobs/sha256/" + (layerName.isEmpty() ? sha(layerBlob) : layerName), layerBlob, AE_IFREG, {}});
            return writeTar(m);
        };
        const QString tarType = QStringLiteral("application/vnd.oci.image.layer.v1.tar");
        QTest::newRow("OCI control") << oci(good, tarType, true) << QString(); // loads
        QTest::newRow("OCI missing layer blob") << oci(good, tarType, false) << "is not in the archive";
        QTest::newRow("OCI blob digest mismatch") << oci(good, tarType, true, sha("other")) << "content does not match its digest";
        QTest::newRow("OCI declared gzip, holds plain tar")
            << oci(good, QStringLiteral("application/vnd.oci.image.layer.v1.tar+gzip"), true) << "declared gzip but holds uncompressed data";
        QTest::newRow("OCI artifact layer type") << oci(good, QStringLiteral("application/x-evil"), true) << "unsupported layer media type";
    }

    void hostileArchivesAreRefusedAndLeaveTheStoreUnchanged()
    {
        QFETCH(QByteArray, archive);
        QFETCH(QString, message);
        auto store = freshStore();
        populate(*store);
        const Snapshot before = snapshot(*store);
        auto report = loadBytes(*store, archive, 3000);
        if (message.isEmpty()) {
            QVERIFY2(report, report ? "" : report.error().toString().c_str());
            return;
        }
        QVERIFY2(!report, "the archive was accepted");
        const QString error = QString::fromStdString(report.error().toString());
        QVERIFY2(error.contains(message), qPrintable(error));
        QCOMPARE(snapshot(*store), before);
        QVERIFY2(snapshot(*store) == before, qPrintable(snapshot(*store).describe() + QStringLiteral("\n---\n") + before.describe()));
    }

    void abandonedLoadLeavesNothing()
    {
        auto source = freshStore();
        populate(*source);
        auto tar = saveBytes(*source, {QStringLiteral("a:1")});
        QVERIFY(tar);
        auto store = freshStore();
        const Snapshot before = snapshot(*store);
        {
            auto loader = ImageLoader::start(*store);
            QVERIFY(loader);
            QVERIFY((*loader)->write(QByteArrayView(tar->constData(), tar->size() / 2)));
        } // client went away
        QCOMPARE(snapshot(*store), before);
    }
};

QTEST_GUILESS_MAIN(tst_ImageArchive)
#include "tst_imagearchive.moc"
