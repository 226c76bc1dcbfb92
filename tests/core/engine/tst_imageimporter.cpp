#include "tarbuilder.h"

#include <engine/fsutil.h>
#include <engine/imageimporter.h>
#include <engine/imagestore.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace Berth;
using namespace Berth::Engine;

class tst_ImageImporter : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    static Result<Digest> importInChunks(ImageStore &store, const QByteArray &tar, const ImageImporter::Options &options)
    {
        auto importer = ImageImporter::start(store, options);
        if (!importer)
            return std::unexpected(importer.error());
        for (qsizetype off = 0; off < tar.size(); off += 1000) {
            if (auto st = (*importer)->write(QByteArrayView(tar.constData() + off, qMin<qsizetype>(1000, tar.size() - off))); !st)
                return std::unexpected(st.error());
        }
        return (*importer)->finish();
    }

private slots:
    void cleanupTestCase() { QVERIFY(Internal::removeTree(m_tmp.path())); }

    void changeLinesBecomeConfig_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("json");
        QTest::newRow("CMD exec form") << "CMD [\"cat\", \"/hello.txt\"]" << "Cmd" << "[\"cat\",\"/hello.txt\"]";
        QTest::newRow("CMD shell form") << "CMD echo hi" << "Cmd" << "[\"/bin/sh\",\"-c\",\"echo hi\"]";
        QTest::newRow("ENTRYPOINT exec form") << "ENTRYPOINT [\"/bin/busybox\"]" << "Entrypoint" << "[\"/bin/busybox\"]";
        QTest::newRow("ENTRYPOINT shell form") << "entrypoint top -b" << "Entrypoint" << "[\"/bin/sh\",\"-c\",\"top -b\"]";
        QTest::newRow("ENV pairs") << "ENV A=1 B=\"two words\"" << "Env" << "[\"A=1\",\"B=two words\"]";
        QTest::newRow("ENV legacy") << "ENV PATH /usr/bin:/bin" << "Env" << "[\"PATH=/usr/bin:/bin\"]";
        QTest::newRow("WORKDIR") << "WORKDIR /srv" << "WorkingDir" << "\"/srv\"";
        QTest::newRow("EXPOSE") << "EXPOSE 80 53/udp" << "ExposedPorts" << "{\"53/udp\":{},\"80/tcp\":{}}";
        QTest::newRow("USER") << "USER nobody:nogroup" << "User" << "\"nobody:nogroup\"";
        QTest::newRow("LABEL") << "LABEL a=b \"c\"=\"d e\"" << "Labels" << "{\"a\":\"b\",\"c\":\"d e\"}";
        QTest::newRow("VOLUME json") << "VOLUME [\"/data\"]" << "Volumes" << "{\"/data\":{}}";
        QTest::newRow("VOLUME list") << "VOLUME /a /b" << "Volumes" << "{\"/a\":{},\"/b\":{}}";
        QTest::newRow("STOPSIGNAL") << "STOPSIGNAL SIGINT" << "StopSignal" << "\"SIGINT\"";
    }
    void changeLinesBecomeConfig()
    {
        QFETCH(QString, line);
        QFETCH(QString, key);
        QFETCH(QString, json);
        const auto config = ImageImporter::applyChanges(QJsonObject(), {line});
        QVERIFY2(config, config ? "" : config.error().toString().c_str());
        const QJsonValue v = config->value(key);
        const QByteArray got = v.isString() ? ("\"" + v.toString().toUtf8() + "\"")
                                            : (v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                                           : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
        QCOMPARE(QString::fromUtf8(got), json);
    }

    void unsupportedChangesAreNamed_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("RUN") << "RUN echo hi" << "RUN is not a valid change command";
        QTest::newRow("COPY") << "copy a b" << "COPY is not a valid change command";
        QTest::newRow("bad port") << "EXPOSE 99999" << "invalid port in EXPOSE: 99999";
    }
    void unsupportedChangesAreNamed()
    {
        QFETCH(QString, line);
        QFETCH(QString, message);
        auto store = ImageStore::open(m_tmp.filePath(QStringLiteral("bad-change")));
        QVERIFY(store);
        ImageImporter::Options options;
        options.changes = {line};
        const auto r = ImageImporter::start(**store, options);
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(r.error().message()), message);
    }

    void importedTarBecomesATaggedImage()
    {
        auto store = ImageStore::open(m_tmp.filePath(QStringLiteral("import")));
        QVERIFY(store);
        const QByteArray tar = TarBuilder().dir("etc").file("etc/hello.txt", "hello\n").build(TarBuilder::Compression::Gzip);
        ImageImporter::Options options;
        options.repository = QStringLiteral("hello");
        options.tag = QStringLiteral("v1");
        options.changes = {QStringLiteral("CMD [\"cat\", \"/etc/hello.txt\"]"), QStringLiteral("ENV A=1"), QStringLiteral("WORKDIR /etc")};
        options.message = QStringLiteral("first import");
        const auto id = importInChunks(**store, tar, options);
        QVERIFY2(id, id ? "" : id.error().toString().c_str());
        QCOMPARE(*(*store)->resolve(QStringLiteral("hello:v1")), *id);
        const auto o = (*store)->inspect(QStringLiteral("hello:v1"));
        QVERIFY(o);
        const QJsonObject config = o->value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("Cmd")).toArray().at(1).toString(), QStringLiteral("/etc/hello.txt"));
        QCOMPARE(config.value(QStringLiteral("WorkingDir")).toString(), QStringLiteral("/etc"));
        QCOMPARE(o->value(QStringLiteral("Comment")).toString(), QStringLiteral("first import"));
        QCOMPARE(o->value(QStringLiteral("Os")).toString(), QStringLiteral("linux"));
        QCOMPARE(o->value(QStringLiteral("RootFS")).toObject().value(QStringLiteral("Layers")).toArray().size(), 1);
        QCOMPARE(o->value(QStringLiteral("Size")).toInteger(), qint64(6));
        const auto h = (*store)->history(id->toString());
        QVERIFY(h);
        QCOMPARE(h->size(), 1);
        QCOMPARE(h->first().comment, QStringLiteral("Imported from -"));
        QCOMPARE(h->first().size, qint64(6));
        QCOMPARE(h->first().tags, QStringList{QStringLiteral("hello:v1")});
    }

    void aBrokenStreamLeavesTheStoreAsItWas()
    {
        auto store = ImageStore::open(m_tmp.filePath(QStringLiteral("broken")));
        QVERIFY(store);
        const QByteArray evil = TarBuilder().file("ok", "x").file("../../escape", "evil").build();
        ImageImporter::Options options;
        options.repository = QStringLiteral("evil");
        const auto r = importInChunks(**store, evil, options);
        QVERIFY(!r);
        QVERIFY(QString::fromStdString(r.error().toString()).contains(QStringLiteral("\"../../escape\"")));
        QVERIFY((*store)->list().isEmpty());
        QVERIFY((*store)->content().list()->isEmpty());
        QVERIFY((*store)->layers().list()->isEmpty());
        QVERIFY(!(*store)->resolve(QStringLiteral("evil")));
        QVERIFY(QDir((*store)->content().tempDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
    }

    void busyboxRootfsImportsAndRuns()
    {
        const QString busybox = QStringLiteral("/bin/busybox");
        if (!QFile::exists(busybox))
            QSKIP("/bin/busybox (Debian's busybox-static) is not installed");
        QFile bin(busybox);
        QVERIFY(bin.open(QIODevice::ReadOnly));
        const QByteArray binary = bin.readAll();
        TarBuilder b;
        b.dir("bin").dir("etc").dir("tmp", 01777).dir("root", 0700);
        TarBuilder::Entry bb;
        bb.path = "bin/busybox";
        bb.data = binary;
        bb.perm = 0755;
        b.add(bb);
        for (const char *applet : {"sh", "ls", "cat", "echo", "true"})
            b.symlink(QByteArray("bin/") + applet, "busybox");
        b.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        ImageImporter::Options options;
        options.repository = QStringLiteral("busybox");
        options.changes = {QStringLiteral("CMD [\"sh\"]")};
        auto store = ImageStore::open(m_tmp.filePath(QStringLiteral("busybox")));
        QVERIFY(store);
        const auto id = importInChunks(**store, b.build(TarBuilder::Compression::Gzip), options);
        QVERIFY2(id, id ? "" : id.error().toString().c_str());
        const auto rec = (*store)->image(*id);
        QVERIFY(rec);
        const QString diff = (*store)->layers().diffPath(rec->chainIds.first());
        QFile extracted(diff + QStringLiteral("/bin/busybox"));
        QVERIFY(extracted.open(QIODevice::ReadOnly));
        QCOMPARE(extracted.readAll(), binary);
        QVERIFY(QFileInfo(diff + QStringLiteral("/bin/busybox")).isExecutable());
        QCOMPARE(QFileInfo(diff + QStringLiteral("/tmp")).permissions() & QFileDevice::WriteOther, QFileDevice::WriteOther);
        QCOMPARE(QFile::symLinkTarget(diff + QStringLiteral("/bin/sh")), diff + QStringLiteral("/bin/busybox"));
        // the extracted binary works
        QProcess p;
        p.start(diff + QStringLiteral("/bin/busybox"), {QStringLiteral("echo"), QStringLiteral("berth")});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.readAllStandardOutput(), QByteArray("berth\n"));
        QCOMPARE((*store)->list().first().repoTags, QStringList{QStringLiteral("busybox:latest")});
        QCOMPARE((*store)->list().first().size, qint64(binary.size() + 30));
    }
};

QTEST_GUILESS_MAIN(tst_ImageImporter)
#include "tst_imageimporter.moc"
