// ContainerStore's add and remove on disk: a new container's files and
// directory entries, a removal that takes the bundle out of containers/ at
// once and deletes its files in the background, and leftovers of removals a
// stop or crash cut short, deleted when the store opens again; run-state
// updates written by the flusher, never over a later synchronous write.
#include <engine/containerstore.h>
#include <engine/digest.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
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

    static QJsonObject recordOnDisk(const QString &bundle)
    {
        QFile f(bundle + QStringLiteral("/config.v2.json"));
        return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
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

    // A run-state update with Write::Later is written by the flusher, not by
    // the caller; the last one reaches the disk, a reopened store reads it,
    // and a rename (written at once) is never overwritten by an older pending
    // state.
    void runStateUpdatesReachTheDiskInTheBackgroundInOrder()
    {
        QTemporaryDir root;
        QVERIFY(root.isValid());
        const QString id = QString(QStringLiteral("ef")).repeated(32);
        QString bundle;
        {
            auto store = ContainerStore::open(root.path());
            QVERIFY(store);
            QVERIFY((*store)->add(record(id, QStringLiteral("stateful"))));
            bundle = (*store)->bundlePath(id);
            for (int code = 1; code <= 50; ++code) {
                auto updated = (*store)->update(id, [code](ContainerRecord &r) {
                    r.state.status = ContainerStatus::Exited;
                    r.state.exitCode = code;
                }, ContainerStore::Write::Later);
                QVERIFY(updated);
                QCOMPARE(updated->state.exitCode, code);
                QCOMPARE((*store)->get(id)->state.exitCode, code); // readers see it at once
            }
            QTRY_COMPARE(recordOnDisk(bundle).value(QStringLiteral("state")).toObject().value(QStringLiteral("exitCode")).toInt(), 50);

            // A state still pending when a rename is written: the rename wins, with the state.
            QVERIFY((*store)->update(id, [](ContainerRecord &r) { r.state.exitCode = 51; }, ContainerStore::Write::Later));
            QVERIFY((*store)->rename(id, QStringLiteral("renamed")));
            QThread::msleep(50);
            const QJsonObject onDisk = recordOnDisk(bundle);
            QCOMPARE(onDisk.value(QStringLiteral("name")).toString(), QStringLiteral("renamed"));
            QCOMPARE(onDisk.value(QStringLiteral("state")).toObject().value(QStringLiteral("exitCode")).toInt(), 51);

            // The last state before the store closes is on disk after it closed.
            QVERIFY((*store)->update(id, [](ContainerRecord &r) { r.state.exitCode = 52; }, ContainerStore::Write::Later));
        }
        QCOMPARE(recordOnDisk(bundle).value(QStringLiteral("state")).toObject().value(QStringLiteral("exitCode")).toInt(), 52);
        auto store = ContainerStore::open(root.path());
        QVERIFY(store);
        QCOMPARE((*store)->get(id)->state.exitCode, 52);
        QCOMPARE((*store)->get(id)->name, QStringLiteral("renamed"));

        // Removed right after a state update: nothing written back into containers/.
        QVERIFY((*store)->update(id, [](ContainerRecord &r) { r.state.exitCode = 53; }, ContainerStore::Write::Later));
        QVERIFY((*store)->remove(id));
        QThread::msleep(50);
        QVERIFY(!QFileInfo::exists(bundle));
        QCOMPARE(QDir(root.path() + QStringLiteral("/containers")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList());
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
