#include <cli/envfile.h>

#include <QTemporaryDir>
#include <QTest>

using namespace Berth::Cli;

namespace {
EnvLookup fakeEnvironment()
{
    return [](const QString &name) -> std::optional<QString> {
        if (name == "HOME")
            return QString("/root");
        if (name == "EMPTY")
            return QString();
        return std::nullopt;
    };
}
} // namespace

class tst_EnvFile : public QObject
{
    Q_OBJECT
private slots:
    void linesParseAsDockersEnvFiles();
    void bareNamesComeFromTheEnvironment();
    void labelFilesKeepBareNames();
    void whitespaceInNamesIsRejected();
    void missingNamesAreRejected();
    void invalidUtf8IsRejected();
    void missingFileSaysSo();
    void envValuesResolveAsValidateEnv();
};

void tst_EnvFile::linesParseAsDockersEnvFiles()
{
    const QByteArray content = "\xEF\xBB\xBF" "A=1\n"
                               "# a comment\n"
                               "\n"
                               "   B=two words  \n"
                               "C=\"quoted\"\r\n"
                               "D==x=y\n"
                               "\tE=\n";
    auto lines = parseEnvFileContent(content, "f.env", fakeEnvironment());
    QVERIFY(lines.has_value());
    QCOMPARE(*lines, (QStringList{"A=1", "B=two words  ", "C=\"quoted\"", "D==x=y", "E="}));
}

void tst_EnvFile::bareNamesComeFromTheEnvironment()
{
    auto lines = parseEnvFileContent("HOME\nNOPE\nEMPTY\n", "f.env", fakeEnvironment());
    QVERIFY(lines.has_value());
    QCOMPARE(*lines, (QStringList{"HOME=/root", "EMPTY="}));
}

void tst_EnvFile::labelFilesKeepBareNames()
{
    auto lines = parseEnvFileContent("a=b\nflag\n", "labels", nullptr);
    QVERIFY(lines.has_value());
    QCOMPARE(*lines, (QStringList{"a=b", "flag"}));
}

void tst_EnvFile::whitespaceInNamesIsRejected()
{
    auto lines = parseEnvFileContent("MY VAR=1\n", "f.env", fakeEnvironment());
    QVERIFY(!lines);
    QCOMPARE(QString::fromStdString(lines.error().message()),
             QString("poorly formatted environment: variable 'MY VAR' contains whitespaces"));
}

void tst_EnvFile::missingNamesAreRejected()
{
    auto lines = parseEnvFileContent("=1\n", "f.env", fakeEnvironment());
    QVERIFY(!lines);
    QCOMPARE(QString::fromStdString(lines.error().message()), QString("poorly formatted environment: no variable name on line '=1'"));
}

void tst_EnvFile::invalidUtf8IsRejected()
{
    auto lines = parseEnvFileContent("A=1\nB=\xff\xfe\n", "f.env", fakeEnvironment());
    QVERIFY(!lines);
    QVERIFY(QString::fromStdString(lines.error().message()).startsWith("env file f.env contains invalid utf8 bytes at line 2"));
}

void tst_EnvFile::missingFileSaysSo()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("nonexistent.env");
    auto lines = readEnvFile(path, fakeEnvironment());
    QVERIFY(!lines);
    QCOMPARE(QString::fromStdString(lines.error().message()), QString("open %1: no such file or directory").arg(path));
}

void tst_EnvFile::envValuesResolveAsValidateEnv()
{
    QCOMPARE(*resolveEnvValue("A=B", fakeEnvironment()), QString("A=B"));
    QCOMPARE(*resolveEnvValue("HOME", fakeEnvironment()), QString("HOME=/root"));
    QCOMPARE(*resolveEnvValue("UNSET", fakeEnvironment()), QString("UNSET"));
    QVERIFY(!resolveEnvValue("=x", fakeEnvironment()));
}

QTEST_GUILESS_MAIN(tst_EnvFile)
#include "tst_envfile.moc"
