#include <cli/imagerows.h>

#include <QJsonObject>
#include <QTest>

using namespace Berth;
using namespace Berth::Cli;

class tst_ImageRows : public QObject
{
    Q_OBJECT
private slots:
    void sizesUseThreeSignificantDigits_data()
    {
        QTest::addColumn<double>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("0") << 0.0 << "0B";
        QTest::newRow("999") << 999.0 << "999B";
        QTest::newRow("busybox") << 2140160.0 << "2.14MB";
        QTest::newRow("1MB") << 1000000.0 << "1MB";
        QTest::newRow("1234") << 1234.0 << "1.23kB";
        QTest::newRow("123456") << 123456.0 << "123kB";
    }
    void sizesUseThreeSignificantDigits()
    {
        QFETCH(double, bytes);
        QFETCH(QString, text);
        QCOMPARE(ImageRows::size3(bytes), text);
    }

    void idsAndCreatedByAreShortenedAsDockerDoes()
    {
        QCOMPARE(ImageRows::truncateId(QStringLiteral("sha256:0123456789abcdef0123")), QStringLiteral("0123456789ab"));
        QCOMPARE(ImageRows::truncateId(QStringLiteral("<missing>")), QStringLiteral("<missing>"));
        QCOMPARE(ImageRows::ellipsis(QStringLiteral("short"), 45), QStringLiteral("short"));
        const QString cut = ImageRows::ellipsis(QString(50, QLatin1Char('a')), 45);
        QCOMPARE(cut.size(), 45);
        QVERIFY(cut.endsWith(QChar(0x2026)));
    }

    void rowsPerTagDigestAndDanglingImage()
    {
        Common::ImageSummary tagged;
        tagged.id = QStringLiteral("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        tagged.repoTags = {QStringLiteral("bb:latest"), QStringLiteral("bb:1"), QStringLiteral("localhost:5999/a/b:v2")};
        tagged.repoDigests = {QStringLiteral("bb@sha256:dd"), QStringLiteral("other@sha256:ee")};
        tagged.created = 1000;
        tagged.size = 2140160;
        Common::ImageSummary dangling;
        dangling.id = QStringLiteral("sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        dangling.repoTags = {QStringLiteral("<none>:<none>")};
        dangling.repoDigests = {QStringLiteral("<none>@<none>")};
        dangling.created = 1000;

        ImageRows::ListOptions options;
        options.nowSeconds = 1000 + 2 * 3600;
        const auto rows = ImageRows::images({tagged, dangling}, options);
        QStringList seen;
        for (const QJsonObject &r : rows)
            seen << r.value("Repository").toString() + QLatin1Char(' ') + r.value("Tag").toString() + QLatin1Char(' ')
                        + r.value("Digest").toString() + QLatin1Char(' ') + r.value("ID").toString();
        QCOMPARE(seen, (QStringList{"bb latest <none> aaaaaaaaaaaa", "bb 1 <none> aaaaaaaaaaaa",
                                    "localhost:5999/a/b v2 <none> aaaaaaaaaaaa", "other <none>  aaaaaaaaaaaa",
                                    "<none> <none> <none> bbbbbbbbbbbb"}));
        QCOMPARE(rows.first().value("CreatedSince").toString(), QStringLiteral("2 hours ago"));
        QCOMPARE(rows.first().value("Size").toString(), QStringLiteral("2.14MB"));
        QCOMPARE(rows.first().value("Containers").toString(), QStringLiteral("N/A"));

        options.digests = true;
        options.truncate = false;
        const auto withDigests = ImageRows::images({tagged}, options);
        QCOMPARE(withDigests.size(), 4);
        QCOMPARE(withDigests.at(0).value("Digest").toString(), QStringLiteral("sha256:dd"));
        QCOMPARE(withDigests.at(3).value("Digest").toString(), QStringLiteral("sha256:ee"));
        QCOMPARE(withDigests.at(0).value("ID").toString(), tagged.id);
    }

    void historyRowsHumanAndRaw()
    {
        Common::ImageHistoryItem item;
        item.id = QStringLiteral("<missing>");
        item.created = 1000;
        item.createdBy = QStringLiteral("/bin/sh -c #(nop)\tCMD [\"sh\"]");
        item.size = 2140160;
        ImageRows::HistoryOptions options;
        options.nowSeconds = 1000 + 59;
        QJsonObject row = ImageRows::history({item}, options).first();
        QCOMPARE(row.value("CreatedSince").toString(), QStringLiteral("59 seconds ago"));
        QCOMPARE(row.value("CreatedBy").toString(), QStringLiteral("/bin/sh -c #(nop) CMD [\"sh\"]"));
        QCOMPARE(row.value("Size").toString(), QStringLiteral("2.14MB"));
        options.human = false;
        row = ImageRows::history({item}, options).first();
        QCOMPARE(row.value("Size").toString(), QStringLiteral("2140160"));
        QCOMPARE(row.value("CreatedSince").toString(), ImageRows::rfc3339(1000));
    }
};

QTEST_GUILESS_MAIN(tst_ImageRows)
#include "tst_imagerows.moc"
