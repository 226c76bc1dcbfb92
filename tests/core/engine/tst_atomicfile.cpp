#include <engine/atomicfile.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace Berth;
using namespace Berth::Engine;

class tst_AtomicFile : public QObject
{
    Q_OBJECT
private slots:
    void writeReplacesTheWholeFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("refs.json"));
        QVERIFY(AtomicFile::write(path, "first version, quite long"));
        QVERIFY(AtomicFile::write(path, "second", 0600));
        QCOMPARE(*AtomicFile::read(path), QByteArray("second"));
        struct stat st;
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
    }
    void readRefusesOversizedFiles()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big"));
        QVERIFY(AtomicFile::write(path, QByteArray(100, 'x')));
        const auto r = AtomicFile::read(path, 10);
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::TooLarge);
    }
    void leftoversFromACrashAreRemoved()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("state"));
        QVERIFY(AtomicFile::write(path, "good"));
        QFile half(dir.filePath(QStringLiteral(".tmp-state-0123")));
        QVERIFY(half.open(QIODevice::WriteOnly));
        half.write("ha");
        half.close();
        QVERIFY(AtomicFile::removeLeftovers(dir.path()));
        QVERIFY(!half.exists());
        QCOMPARE(*AtomicFile::read(path), QByteArray("good"));
    }
    void writeIntoAMissingDirectoryFails()
    {
        QTemporaryDir dir;
        const auto st = AtomicFile::write(dir.filePath(QStringLiteral("no/such/file")), "x");
        QVERIFY(!st);
        QCOMPARE(st.error().sysErrno(), ENOENT);
    }
};

QTEST_GUILESS_MAIN(tst_AtomicFile)
#include "tst_atomicfile.moc"
