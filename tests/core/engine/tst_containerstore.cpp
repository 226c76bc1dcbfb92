// ContainerStore's add and remove on disk: a new container's files and
// directory entries, a removal that takes the bundle out of containers/ at
// once and deletes its files in the background, and leftovers of removals a
// stop or crash cut short, deleted when the store opens again.
#include <engine/containerstore.h>
#include <engine/digest.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Berth;
using namespace Berth::Engine;

class tst_ContainerStore : public QObject
{
    Q_OBJECT

private:
    static ContainerRecord record(const QString &id, const QString &name)
    {
        ContainerRecord r;
        r.id = id;
        r.name = name;
        r.created = QStringLiteral("2026-11-28T08:00:00.000000000Z");
        r.image = QStringLiteral("busybox");
        r.imageId = Digest::ofData("an image config");
        r.path = QStringLiteral("true");
        r.hostConfig = QJsonObject{{QStringLiteral("NetworkMode"), QStringLiteral("none")}};
        return r;
    }

    static bool waitEmpty(const QString &dir, int timeoutMs)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty())
                return true;
            QThread::msleep(10);
        }
        return false;
    }

private slots:
    void addWritesTheRecordAndRemoveTakesTheBundleAway()
    {
        QTemporaryDir root;
        QVERIFY(root.isValid());
        auto store = ContainerStore::open(root.path());
        QVERIFY(store);
        const QString id = QString(QStringLiteral("ab")).repeated(32);
        QVERIFY((*store)->add(record(id, QStringLiteral("first"))));
        const QString bundle = (*store)->bundlePath(id);
        QVERIFY(QFile::exists(bundle + QStringLiteral("/config.v2.json")));
        QVERIFY(QFile::exists(bundle + QStringLiteral("/hostconfig.json")));
        // No temp file is left next to them.
        QCOMPARE(QDir(bundle).entryList(QDir::Files | QDir::Hidden),
                 QStringList({QStringLiteral("config.v2.json"), QStringLiteral("hostconfig.json")}));

        // Files the runtime left in the bundle go with it.
        QVERIFY(QDir(bundle).mkpath(QStringLiteral("upper/etc")));
        QFile f(bundle + QStringLiteral("/upper/etc/hosts"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("127.0.0.1 localhost\n");
        f.close();

        QVERIFY((*store)->remove(id));
        QVERIFY(!QFileInfo::exists(bundle));
        QVERIFY(!(*store)->get(id));
        QCOMPARE((*store)->remove(id).error().code(), ErrorCode::NotFound);
        // The same name is free again at once.
        QVERIFY((*store)->add(record(QString(QStringLiteral("cd")).repeated(32), QStringLiteral("first"))));
        QVERIFY(waitEmpty(root.path() + QStringLiteral("/containers-removed"), 10000));
    }

    void aReopenedStoreForgetsRemovedContainersAndDeletesTheirLeftovers()
    {
        QTemporaryDir root;
        QVERIFY(root.isValid());
        const QString kept = QString(QStringLiteral("12")).repeated(32);
        const QString gone = QString(QStringLiteral("34")).repeated(32);
        {
            auto store = ContainerStore::open(root.path());
            QVERIFY(store);
            QVERIFY((*store)->add(record(kept, QStringLiteral("kept"))));
            QVERIFY((*store)->add(record(gone, QStringLiteral("gone"))));
            QVERIFY((*store)->remove(gone));
        }
        // What a crash between the rename and the deletion leaves behind.
        const QString leftover = root.path() + QStringLiteral("/containers-removed/") + gone + QStringLiteral("-1f");
        QVERIFY(QDir().mkpath(leftover + QStringLiteral("/upper/deep")));
        QFile f(leftover + QStringLiteral("/config.v2.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{}");
        f.close();

        auto store = ContainerStore::open(root.path());
        QVERIFY(store);
        QVERIFY((*store)->get(kept));
        QVERIFY(!(*store)->get(gone));
        QCOMPARE((*store)->count(), 1);
        QVERIFY(waitEmpty(root.path() + QStringLiteral("/containers-removed"), 10000));
    }
};

QTEST_GUILESS_MAIN(tst_ContainerStore)
#include "tst_containerstore.moc"
