#include <engine/volumestore.h>

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Berth;
using namespace Berth::Engine;

class tst_VolumeStore : public QObject
{
    Q_OBJECT

private slots:
    void createMakesDataDirAndRecord();
    void createOfAnExistingNameReturnsIt();
    void unnamedCreateMakesAnAnonymous64HexVolume();
    void badNamesAreRefusedWithDockersSentence_data();
    void badNamesAreRefusedWithDockersSentence();
    void otherDriversAreNotFound();
    void driverOptionsAreRefused();
    void getOfAMissingVolumeIsNotFound();
    void volumesSurviveReopen();
    void removeOfAVolumeInUseIsAConflictEvenWithForce();
    void removeDeletesTheDirectory();
    void forceRemoveOfAMissingVolumeSucceeds();
    void pruneKeepsVolumesInUseAndHonoursSelect();
    void openRemovesCrashLeftovers();
    void inspectJsonHasDockersFields();
};

void tst_VolumeStore::createMakesDataDirAndRecord()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("data1");
    o.labels.insert(QStringLiteral("a"), QStringLiteral("b"));
    auto v = (*store)->create(o);
    QVERIFY2(v, v ? "" : v.error().toString().c_str());
    QCOMPARE(v->name, QStringLiteral("data1"));
    QCOMPARE(v->driver, QStringLiteral("local"));
    QCOMPARE(v->mountpoint, QString(tmp.path() + u"/volumes/data1/_data"));
    QVERIFY(QFileInfo(v->mountpoint).isDir());
    QVERIFY(QFileInfo::exists(tmp.path() + u"/volumes/data1/volume.json"));
    QVERIFY(!v->anonymous);
    QCOMPARE(v->labels.value(QStringLiteral("a")), QStringLiteral("b"));
    QVERIFY(qAbs(v->createdAt.secsTo(QDateTime::currentDateTimeUtc())) < 60);
}

void tst_VolumeStore::createOfAnExistingNameReturnsIt()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("same");
    auto first = (*store)->create(o);
    QVERIFY(first);
    QFile marker(first->mountpoint + u"/keep");
    QVERIFY(marker.open(QIODevice::WriteOnly));
    marker.close();
    o.labels.insert(QStringLiteral("x"), QStringLiteral("y"));
    auto second = (*store)->create(o);
    QVERIFY(second);
    QCOMPARE(second->createdAt, first->createdAt);
    QVERIFY(second->labels.isEmpty());
    QVERIFY(QFileInfo::exists(first->mountpoint + u"/keep"));
    QCOMPARE((*store)->list().size(), 1);
}

void tst_VolumeStore::unnamedCreateMakesAnAnonymous64HexVolume()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    auto v = (*store)->create({});
    QVERIFY(v);
    QCOMPARE(v->name.size(), 64);
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(v->name).hasMatch());
    QVERIFY(v->anonymous);
    QVERIFY(v->toJson().value(QStringLiteral("Labels")).isNull());
}

void tst_VolumeStore::badNamesAreRefusedWithDockersSentence_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("slash") << QStringLiteral("a/b");
    QTest::newRow("dotdot") << QStringLiteral("..");
    QTest::newRow("leading dot") << QStringLiteral(".hidden");
    QTest::newRow("one char") << QStringLiteral("a");
    QTest::newRow("space") << QStringLiteral("a b");
    QTest::newRow("temp prefix") << QStringLiteral(".tmp-x");
}

void tst_VolumeStore::badNamesAreRefusedWithDockersSentence()
{
    QFETCH(QString, name);
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = name;
    auto v = (*store)->create(o);
    QVERIFY(!v);
    QCOMPARE(v.error().code(), ErrorCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(v.error().message()),
             QStringLiteral("create %1: \"%1\" includes invalid characters for a local volume name, only "
                            "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
                            "use absolute path")
                 .arg(name));
    QCOMPARE(QDir(tmp.path() + u"/volumes").entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size(),
             0);
}

void tst_VolumeStore::otherDriversAreNotFound()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("v1");
    o.driver = QStringLiteral("nfsplug");
    auto v = (*store)->create(o);
    QVERIFY(!v);
    QCOMPARE(v.error().code(), ErrorCode::NotFound);
    QVERIFY(QString::fromStdString(v.error().message()).contains(u"plugin \"nfsplug\" not found"));
}

void tst_VolumeStore::driverOptionsAreRefused()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("v1");
    o.options.insert(QStringLiteral("bogus"), QStringLiteral("1"));
    auto v = (*store)->create(o);
    QVERIFY(!v);
    QCOMPARE(v.error().code(), ErrorCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(v.error().message()), QStringLiteral("create v1: invalid option key: \"bogus\""));
    o.options.clear();
    o.options.insert(QStringLiteral("type"), QStringLiteral("tmpfs"));
    v = (*store)->create(o);
    QVERIFY(!v);
    QCOMPARE(v.error().code(), ErrorCode::NotImplemented);
    QVERIFY(!(*store)->contains(QStringLiteral("v1")));
}

void tst_VolumeStore::getOfAMissingVolumeIsNotFound()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    auto v = (*store)->get(QStringLiteral("nosuch"));
    QVERIFY(!v);
    QCOMPARE(v.error().code(), ErrorCode::NotFound);
    QCOMPARE(QString::fromStdString(v.error().message()), QStringLiteral("get nosuch: no such volume"));
}

void tst_VolumeStore::volumesSurviveReopen()
{
    QTemporaryDir tmp;
    QDateTime created;
    {
        auto store = VolumeStore::open(tmp.path() + u"/volumes");
        QVERIFY(store);
        VolumeCreateOptions o;
        o.name = QStringLiteral("persist");
        o.labels.insert(QStringLiteral("k"), QStringLiteral("v"));
        auto v = (*store)->create(o);
        QVERIFY(v);
        created = v->createdAt;
        QVERIFY((*store)->create({}));
    }
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    QCOMPARE((*store)->list().size(), 2);
    auto v = (*store)->get(QStringLiteral("persist"));
    QVERIFY(v);
    QCOMPARE(v->labels.value(QStringLiteral("k")), QStringLiteral("v"));
    QCOMPARE(v->createdAt.toMSecsSinceEpoch(), created.toMSecsSinceEpoch());
    QVERIFY(!v->anonymous);
}

void tst_VolumeStore::removeOfAVolumeInUseIsAConflictEvenWithForce()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("busy");
    QVERIFY((*store)->create(o));
    const QString id = QString(64, u'a');
    auto usage = [&](const QString &name) { return name == u"busy" ? QStringList{id} : QStringList{}; };
    for (bool force : {false, true}) {
        auto st = (*store)->remove(QStringLiteral("busy"), force, usage);
        QVERIFY(!st);
        QCOMPARE(st.error().code(), ErrorCode::Conflict);
        QCOMPARE(QString::fromStdString(st.error().message()),
                 QStringLiteral("remove busy: volume is in use - [%1]").arg(id));
    }
    QVERIFY((*store)->contains(QStringLiteral("busy")));
}

void tst_VolumeStore::removeDeletesTheDirectory()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("gone");
    auto v = (*store)->create(o);
    QVERIFY(v);
    QVERIFY(QDir().mkpath(v->mountpoint + u"/sub/dir"));
    QVERIFY((*store)->remove(QStringLiteral("gone"), false));
    QVERIFY(!QFileInfo::exists(tmp.path() + u"/volumes/gone"));
    QCOMPARE(QDir(tmp.path() + u"/volumes").entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size(),
             0);
    auto again = (*store)->remove(QStringLiteral("gone"), false);
    QVERIFY(!again);
    QCOMPARE(again.error().code(), ErrorCode::NotFound);
}

void tst_VolumeStore::forceRemoveOfAMissingVolumeSucceeds()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    QVERIFY((*store)->remove(QStringLiteral("nosuch"), true));
}

void tst_VolumeStore::pruneKeepsVolumesInUseAndHonoursSelect()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    for (const char *n : {"used", "free1", "keepme"}) {
        VolumeCreateOptions o;
        o.name = QString::fromLatin1(n);
        if (o.name == u"keepme")
            o.labels.insert(QStringLiteral("keep"), QString());
        QVERIFY((*store)->create(o));
    }
    auto anon = (*store)->create({});
    QVERIFY(anon);
    QFile f((*store)->dataPath(QStringLiteral("free1")) + u"/blob");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(1000, 'x'));
    f.close();
    auto usage = [](const QString &name) { return name == u"used" ? QStringList{QStringLiteral("c1")} : QStringList{}; };
    auto select = [](const VolumeRecord &r) { return !r.labels.contains(QStringLiteral("keep")); };
    auto report = (*store)->prune(usage, select);
    QVERIFY(report);
    QStringList deleted = report->deleted;
    deleted.sort();
    QStringList expected{QStringLiteral("free1"), anon->name};
    expected.sort();
    QCOMPARE(deleted, expected);
    QCOMPARE(report->spaceReclaimed, quint64(1000));
    QVERIFY((*store)->contains(QStringLiteral("used")));
    QVERIFY((*store)->contains(QStringLiteral("keepme")));
}

void tst_VolumeStore::openRemovesCrashLeftovers()
{
    QTemporaryDir tmp;
    const QString dir = tmp.path() + u"/volumes";
    QVERIFY(QDir().mkpath(dir + u"/.tmp-half/_data"));
    QVERIFY(QDir().mkpath(dir + u"/norecord/_data"));
    auto store = VolumeStore::open(dir);
    QVERIFY(store);
    QVERIFY(!QFileInfo::exists(dir + u"/.tmp-half"));
    QCOMPARE((*store)->list().size(), 0);
}

void tst_VolumeStore::inspectJsonHasDockersFields()
{
    QTemporaryDir tmp;
    auto store = VolumeStore::open(tmp.path() + u"/volumes");
    QVERIFY(store);
    VolumeCreateOptions o;
    o.name = QStringLiteral("shown");
    auto v = (*store)->create(o);
    QVERIFY(v);
    const QJsonObject j = v->toJson();
    QCOMPARE(j.value(QStringLiteral("Name")).toString(), QStringLiteral("shown"));
    QCOMPARE(j.value(QStringLiteral("Driver")).toString(), QStringLiteral("local"));
    QCOMPARE(j.value(QStringLiteral("Scope")).toString(), QStringLiteral("local"));
    QCOMPARE(j.value(QStringLiteral("Mountpoint")).toString(), v->mountpoint);
    QVERIFY(j.value(QStringLiteral("Labels")).isObject());
    QVERIFY(j.value(QStringLiteral("Options")).isObject());
    QVERIFY(QDateTime::fromString(j.value(QStringLiteral("CreatedAt")).toString(), Qt::ISODate).isValid());
}

QTEST_GUILESS_MAIN(tst_VolumeStore)
#include "tst_volumestore.moc"
