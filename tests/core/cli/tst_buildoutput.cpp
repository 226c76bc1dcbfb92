#include <cli/buildcommand.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cstring>

using namespace Berth::Cli;

namespace {
QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(text).object();
}

QByteArray tarHeader(const QByteArray &name)
{
    QByteArray header(512, '\0');
    memcpy(header.data(), name.constData(), size_t(name.size()));
    memcpy(header.data() + 100, "0000644", 7);
    memcpy(header.data() + 124, "00000000011", 11);
    header[156] = '0';
    memcpy(header.data() + 257, "ustar\0" "00", 8);
    memset(header.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (char c : header)
        sum += static_cast<unsigned char>(c);
    const QByteArray checksum = QByteArray::number(sum, 8).rightJustified(6, '0');
    memcpy(header.data() + 148, checksum.constData(), 6);
    header[154] = '\0';
    return header;
}
} // namespace

class tst_BuildOutput : public QObject
{
    Q_OBJECT

private slots:
    void messagesPrintAsDockersDisplayOnANonTerminal_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QString>("printed");
        QTest::newRow("stream verbatim") << QByteArray(R"({"stream":"Step 1/6 : FROM bb:latest"})") << "Step 1/6 : FROM bb:latest";
        QTest::newRow("the step's newline") << QByteArray(R"({"stream":"\n"})") << "\n";
        QTest::newRow("escaped arrow") << QByteArray(R"({"stream":" ---\u003e 6997e35419fc\n"})") << " ---> 6997e35419fc\n";
        QTest::newRow("status with id") << QByteArray(R"({"status":"Pulling fs layer","id":"abc"})") << "abc: Pulling fs layer\n";
        QTest::newRow("status alone") << QByteArray(R"({"status":"Pulling from library/busybox"})") << "Pulling from library/busybox\n";
        QTest::newRow("progress bar skipped")
            << QByteArray(R"({"status":"Downloading","progressDetail":{"current":10,"total":100},"id":"abc"})") << "";
        QTest::newRow("empty progress shown")
            << QByteArray(R"({"status":"Download complete","progressDetail":{},"id":"abc"})") << "abc: Download complete\n";
        QTest::newRow("an empty message is a newline") << QByteArray("{}") << "\n";
    }

    void messagesPrintAsDockersDisplayOnANonTerminal()
    {
        QFETCH(QByteArray, message);
        QFETCH(QString, printed);
        QCOMPARE(BuildOutput::displayMessage(json(message.constData())), printed);
    }

    void theUploadLineIsTheClassicClisLastProgressLine()
    {
        QCOMPARE(BuildOutput::sendingContextLine(3072), QStringLiteral("Sending build context to Docker daemon  3.072kB\r\r\n"));
        QCOMPARE(BuildOutput::sendingContextLine(2048), QStringLiteral("Sending build context to Docker daemon  2.048kB\r\r\n"));
        QCOMPARE(BuildOutput::sendingContextLine(123456789), QStringLiteral("Sending build context to Docker daemon  123.5MB\r\r\n"));
        QCOMPARE(BuildOutput::sendingContextLine(512), QStringLiteral("Sending build context to Docker daemon     512B\r\r\n"));
    }

    void stdinIsAnArchiveWhenCompressedOrATarHeaderChecksOut()
    {
        QVERIFY(BuildOutput::isArchive(tarHeader("Dockerfile")));
        QVERIFY(BuildOutput::isArchive(QByteArray("\x1f\x8b\x08\x00rest", 8)));
        QVERIFY(BuildOutput::isArchive(QByteArray("\x28\xb5\x2f\xfd", 4)));
        QVERIFY(BuildOutput::isArchive(QByteArray("\xfd" "7zXZ\0", 6)));
        QVERIFY(!BuildOutput::isArchive("FROM busybox\nRUN echo hi\n"));
        QVERIFY(!BuildOutput::isArchive(QByteArray(512, '\0')));
        QByteArray broken = tarHeader("Dockerfile");
        broken[0] = 'X';
        QVERIFY(!BuildOutput::isArchive(broken));
        QByteArray dockerfile(600, ' ');
        dockerfile.prepend("FROM busybox\n");
        QVERIFY(!BuildOutput::isArchive(dockerfile));
    }
};

QTEST_GUILESS_MAIN(tst_BuildOutput)
#include "tst_buildoutput.moc"
