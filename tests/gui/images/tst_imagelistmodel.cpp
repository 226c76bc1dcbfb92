#include <common/displayformat.h>
#include <images/imagelistmodel.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Berth::Gui;
using Berth::Common::ImageSummary;

namespace {

ImageSummary image(const QString &hex, const QStringList &tags, qint64 size = 1000, qint64 created = 1700000000)
{
    ImageSummary s;
    s.id = QStringLiteral("sha256:") + hex.repeated(64 / hex.size());
    s.repoTags = tags.isEmpty() ? QStringList{QStringLiteral("<none>:<none>")} : tags;
    s.repoDigests = {QStringLiteral("<none>@<none>")};
    s.size = size;
    s.created = created;
    return s;
}

} // namespace

class tst_ImageListModel : public QObject
{
    Q_OBJECT

private slots:
    void oneRowPerTagAndOneForAnUntaggedImage()
    {
        ImageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setImages({image(QStringLiteral("a"), {QStringLiteral("busybox:latest"), QStringLiteral("localhost:5000/me/box:v1")}),
                         image(QStringLiteral("b"), {})});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, ImageListModel::RepositoryColumn).data().toString(), QStringLiteral("busybox"));
        QCOMPARE(model.index(0, ImageListModel::TagColumn).data().toString(), QStringLiteral("latest"));
        QCOMPARE(model.index(1, ImageListModel::RepositoryColumn).data().toString(), QStringLiteral("localhost:5000/me/box"));
        QCOMPARE(model.index(1, ImageListModel::TagColumn).data().toString(), QStringLiteral("v1"));
        QCOMPARE(model.index(0, ImageListModel::IdColumn).data().toString(), QStringLiteral("aaaaaaaaaaaa"));
        QCOMPARE(model.index(2, ImageListModel::RepositoryColumn).data().toString(), QStringLiteral("<none>"));
        QCOMPARE(model.index(2, 0).data(ImageListModel::ReferenceRole).toString(), QStringLiteral("bbbbbbbbbbbb"));
        QCOMPARE(model.index(1, 0).data(ImageListModel::ReferenceRole).toString(), QStringLiteral("localhost:5000/me/box:v1"));
        QCOMPARE(model.rowOf(QStringLiteral("busybox:latest")), 0);
        QCOMPARE(model.rowOf(QStringLiteral("nothing:here")), -1);
    }

    void aRefreshAppliesOnlyTheDifference()
    {
        ImageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setImages({image(QStringLiteral("a"), {QStringLiteral("a:1")}), image(QStringLiteral("b"), {QStringLiteral("b:1")}),
                         image(QStringLiteral("c"), {QStringLiteral("c:1")})});
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        // b untagged and re-tagged elsewhere, c grew, d new.
        model.setImages({image(QStringLiteral("a"), {QStringLiteral("a:1")}), image(QStringLiteral("c"), {QStringLiteral("c:1")}, 2000),
                         image(QStringLiteral("d"), {QStringLiteral("d:1")})});
        QCOMPARE(reset.size(), 0);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(removed.at(0).at(1).toInt(), 1);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rowOf(QStringLiteral("c:1")), 1);
        QCOMPARE(model.index(1, ImageListModel::SizeColumn).data(ImageListModel::SortRole).toLongLong(), 2000);

        // The same list again changes nothing.
        model.setImages({image(QStringLiteral("a"), {QStringLiteral("a:1")}), image(QStringLiteral("c"), {QStringLiteral("c:1")}, 2000),
                         image(QStringLiteral("d"), {QStringLiteral("d:1")})});
        QCOMPARE(removed.size(), 1);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(inserted.size(), 1);

        model.setImages({});
        QCOMPARE(model.rowCount(), 0);
    }

    void inUseComesFromTheContainers()
    {
        ImageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const ImageSummary a = image(QStringLiteral("a"), {QStringLiteral("a:1")});
        model.setImages({a, image(QStringLiteral("b"), {QStringLiteral("b:1")})});
        QCOMPARE(model.index(0, ImageListModel::InUseColumn).data().toString(), QString());
        QCOMPARE(model.inUse(a.id), -1);
        model.setContainerUse(QHash<QString, int>{{a.id, 2}});
        QCOMPARE(model.inUse(a.id), 2);
        QCOMPARE(model.index(0, 0).data(ImageListModel::InUseRole).toInt(), 2);
        QCOMPARE(model.index(0, ImageListModel::InUseColumn).data().toString(), QStringLiteral("In use (2)"));
        QCOMPARE(model.index(1, ImageListModel::InUseColumn).data().toString(), QStringLiteral("Unused"));
    }

    void sizesAndTimesReadAsDockerPrintsThem_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("bytes") << qint64(999) << "999B";
        QTest::newRow("kB") << qint64(812345) << "812kB";
        QTest::newRow("MB") << qint64(4261234) << "4.26MB";
        QTest::newRow("GB") << qint64(1200000000) << "1.2GB";
        QTest::newRow("zero") << qint64(0) << "0B";
    }

    void sizesAndTimesReadAsDockerPrintsThem()
    {
        QFETCH(qint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(formatSize(bytes), text);
        QCOMPARE(formatRelativeTime(1000, 1000 + 3 * 86400), QStringLiteral("3 days ago"));
        QCOMPARE(formatRelativeTime(1000, 1030), QStringLiteral("30 seconds ago"));
        QCOMPARE(formatRelativeTime(1000, 1001), QStringLiteral("1 second ago"));
        QCOMPARE(formatRelativeTime(1000, 1000 + 90), QStringLiteral("About a minute ago"));
        QCOMPARE(formatRelativeTime(1000, 1000 + 3700), QStringLiteral("About an hour ago"));
        QCOMPARE(formatRelativeTime(1000, 1000 + 5 * 3600), QStringLiteral("5 hours ago"));
        QCOMPARE(formatRelativeTime(1000, 1000 + 20 * 86400), QStringLiteral("2 weeks ago"));
    }
};

QTEST_MAIN(tst_ImageListModel)
#include "tst_imagelistmodel.moc"
