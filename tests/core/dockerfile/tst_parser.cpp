#include "astdump.h"

#include <dockerfile/parser.h>

#include <QDir>
#include <QFile>
#include <QtTest>

using namespace Berth::Dockerfile;

namespace {

QString dataDir(const QString &sub)
{
    return QStringLiteral(BERTH_DOCKERFILE_TESTDATA) + u'/' + sub;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

// BERTH_UPDATE_GOLDEN=1 rewrites the reference files instead of comparing
// (tests/data/dockerfile/update-golden.sh).
bool updating()
{
    return qEnvironmentVariableIntValue("BERTH_UPDATE_GOLDEN") == 1;
}

void compareWithGolden(const QString &goldenPath, const QString &actual)
{
    if (updating()) {
        QFile f(goldenPath);
        QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(goldenPath));
        f.write(actual.toUtf8());
        return;
    }
    const QByteArray expected = readFile(goldenPath);
    QVERIFY2(!expected.isEmpty(), qPrintable(QStringLiteral("missing golden file %1 (run update-golden.sh)").arg(goldenPath)));
    const QStringList want = QString::fromUtf8(expected).split(u'\n');
    const QStringList got = actual.split(u'\n');
    for (qsizetype i = 0; i < std::min(want.size(), got.size()); ++i) {
        if (want[i] != got[i]) {
            QFAIL(qPrintable(QStringLiteral("%1 line %2 differs:\n  expected: %3\n  actual:   %4")
                                 .arg(goldenPath).arg(i + 1).arg(want[i], got[i])));
        }
    }
    QCOMPARE(got.size(), want.size());
}

const Instruction &only(const SyntaxTree &f, int index)
{
    return f.instructions.at(index);
}

Range R(int l1, int c1, int l2, int c2)
{
    return Range{{l1, c1}, {l2, c2}};
}

} // namespace

class tst_Parser : public QObject
{
    Q_OBJECT
private slots:
    void validCorpusMatchesGoldenFiles_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(dataDir(QStringLiteral("valid")));
        const QStringList files = dir.entryList({QStringLiteral("*.Dockerfile")}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 9);
        for (const QString &f : files)
            QTest::newRow(qPrintable(f)) << dir.filePath(f);
    }
    void validCorpusMatchesGoldenFiles()
    {
        QFETCH(QString, path);
        const QByteArray bytes = readFile(path);
        QVERIFY(!bytes.isEmpty());
        const SyntaxTree file = Parser::parse(bytes);
        QVERIFY2(!file.hasErrors(), qPrintable(file.hasErrors() ? file.firstError()->toString() : QString()));
        // The editor parses decoded text: it must see the same tree.
        const SyntaxTree fromText = Parser::parse(QString::fromUtf8(bytes));
        QCOMPARE(TestDump::dumpTree(fromText), TestDump::dumpTree(file));
        compareWithGolden(path.chopped(int(qstrlen(".Dockerfile"))) + QStringLiteral(".golden"),
                          TestDump::dumpTree(file) + QStringLiteral("----\n") + TestDump::dumpBuild(file));
    }

    void brokenCorpusReportsTheExpectedLine_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(dataDir(QStringLiteral("invalid")));
        const QStringList files = dir.entryList({QStringLiteral("*.Dockerfile")}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 20);
        for (const QString &f : files)
            QTest::newRow(qPrintable(f)) << dir.filePath(f);
    }
    void brokenCorpusReportsTheExpectedLine()
    {
        QFETCH(QString, path);
        const QString base = path.chopped(int(qstrlen(".Dockerfile")));
        const SyntaxTree file = Parser::parse(readFile(path));
        QVERIFY(file.hasErrors());
        // The .error files are written by hand; only the .golden files are generated.
        const QString expected = QString::fromUtf8(readFile(base + QStringLiteral(".error"))).trimmed();
        QVERIFY2(!expected.isEmpty(), qPrintable(base + QStringLiteral(".error is missing")));
        QCOMPARE(file.firstError()->toString(), expected);
        compareWithGolden(base + QStringLiteral(".golden"), TestDump::dumpTree(file));
    }

    void argumentsCarryLinesAndColumns()
    {
        const SyntaxTree f = Parser::parse(QStringView(u"FROM --platform=linux/arm64 alpine:3 AS build\n"
                                                       u"COPY --from=build \\\n"
                                                       u"     /src /dst\n"
                                                       u"ENV A=1 B=\"x y\"\n"));
        QVERIFY(!f.hasErrors());
        const Instruction &from = only(f, 0);
        QCOMPARE(from.keywordRange, R(1, 1, 1, 5));
        QCOMPARE(from.flags.size(), 1);
        QCOMPARE(from.flags[0].range, R(1, 6, 1, 28));
        QCOMPARE(from.flags[0].valueRange, R(1, 17, 1, 28));
        QCOMPARE(from.arguments[0].value, QStringLiteral("alpine:3"));
        QCOMPARE(from.arguments[0].range, R(1, 29, 1, 37));
        QCOMPARE(from.arguments[2].range, R(1, 41, 1, 46));
        const Instruction &copy = only(f, 1);
        QCOMPARE(copy.startLine, 2);
        QCOMPARE(copy.endLine, 3);
        QCOMPARE(copy.arguments[0].value, QStringLiteral("/src"));
        QCOMPARE(copy.arguments[0].range, R(3, 6, 3, 10));
        QCOMPARE(copy.arguments[1].range, R(3, 11, 3, 15));
        QCOMPARE(copy.range, R(2, 1, 3, 15));
        const Instruction &env = only(f, 2);
        QCOMPARE(env.keyValues.size(), 2);
        QCOMPARE(env.keyValues[1].key, QStringLiteral("B"));
        QCOMPARE(env.keyValues[1].value, QStringLiteral("\"x y\""));
        QCOMPARE(env.keyValues[1].keyRange, R(4, 9, 4, 10));
        QCOMPARE(env.keyValues[1].valueRange, R(4, 11, 4, 16));
        QCOMPARE(f.instructionIndexAtLine(3), 1);
        QCOMPARE(f.instructionIndexAtLine(5), -1);
    }

    void malformedJsonFallsBackToShellFormWithAWarning()
    {
        const SyntaxTree f = Parser::parse(QStringView(u"FROM busybox\nCMD [\"echo\", 'x']\n"));
        QVERIFY(!f.hasErrors());
        QVERIFY(!only(f, 1).jsonForm);
        QCOMPARE(only(f, 1).arguments.size(), 1);
        QCOMPARE(only(f, 1).arguments[0].value, QStringLiteral("[\"echo\", 'x']"));
        bool warned = false;
        for (const Diagnostic &d : f.diagnostics)
            warned = warned || (d.rule == u"InvalidJSONForm" && d.range.start.line == 2);
        QVERIFY(warned);
    }

    void nulBytesAreALineNumberedError()
    {
        const QByteArray text("FROM busybox\nRUN echo a\0b\nCMD x\n", 32);
        const SyntaxTree f = Parser::parse(text);
        QVERIFY(f.hasErrors());
        QCOMPARE(f.firstError()->range.start, (Position{2, 11}));
        QVERIFY(f.firstError()->toString().startsWith(u"line 2: "));
        QCOMPARE(f.instructions.size(), 3); // the rest of the file is still there for the editor
    }

    void crlfAndByteOrderMarkAreHandled()
    {
        const SyntaxTree f = Parser::parse(QByteArrayView("\xEF\xBB\xBF# escape=`\r\nFROM busybox\r\nRUN a `\r\n b\r\n"));
        QVERIFY(!f.hasErrors());
        QCOMPARE(f.escape, QChar(u'`'));
        QCOMPARE(only(f, 0).keywordRange, R(2, 1, 2, 5));
        QCOMPARE(only(f, 1).rest, QStringLiteral("a  b"));
    }

    void aTenMebibyteLineParses()
    {
        QByteArray text("FROM busybox\nRUN echo ");
        text.append(QByteArray(10 * 1024 * 1024, 'x'));
        text.append("\nCMD [\"done\"]\n");
        const SyntaxTree f = Parser::parse(text);
        QVERIFY(!f.hasErrors());
        QCOMPARE(f.instructions.size(), 3);
        QCOMPARE(only(f, 1).rest.size(), 10 * 1024 * 1024 + 5);
        QCOMPARE(only(f, 2).startLine, 3);
    }

    void aLongDirectiveLineIsLinear()
    {
        QByteArray text("# syntax=a");
        text.append(QByteArray(10 * 1024 * 1024, ' '));
        text.append("b   \nFROM busybox\n");
        const SyntaxTree f = Parser::parse(text);
        QVERIFY(!f.hasErrors());
        QCOMPARE(f.directives.size(), 1);
        QCOMPARE(f.directives[0].value.size(), 10 * 1024 * 1024 + 2);
    }

    void aTenMebibyteContinuedInstructionParses()
    {
        QByteArray text("FROM busybox\nRUN true");
        for (int i = 0; i < 100000; ++i)
            text.append(" \\\n && echo 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567");
        text.append("\n");
        const SyntaxTree f = Parser::parse(text);
        QVERIFY(!f.hasErrors());
        QCOMPARE(only(f, 1).endLine, 100002);
        QCOMPARE(only(f, 1).range.end.line, 100002);
    }

    void unterminatedHeredocAtTheEndOfTheFile()
    {
        const SyntaxTree f = Parser::parse(QStringView(u"FROM busybox\nCOPY <<EOF /x\nline\n"));
        QVERIFY(f.hasErrors());
        QCOMPARE(f.firstError()->range.start.line, 2);
        QCOMPARE(only(f, 1).heredocs.size(), 1);
        QCOMPARE(only(f, 1).heredocs[0].content, QStringLiteral("line\n"));
    }

    void emptyInputIsAnErrorNotACrash()
    {
        for (const QByteArray &input : {QByteArray(), QByteArray("\n\n"), QByteArray("\xEF\xBB\xBF"), QByteArray("\\"),
                                         QByteArray("\\\n\\\n"), QByteArray("# escape=`\n`")}) {
            const SyntaxTree f = Parser::parse(input);
            QVERIFY2(f.hasErrors(), input.constData());
            QCOMPARE(f.firstError()->message, QStringLiteral("file with no instructions"));
        }
    }

    void garbageNeverCrashes()
    {
        // A cheap stand-in for the fuzzer: every prefix of a file full of
        // the parser's special characters.
        const QByteArray corpus("# escape=`\n#syntax=x\nFROM a AS b\nRUN <<-E\"O\"F 2<<X [\"\\u00\n\tEOF\nX\n"
                                "ENV a=\"b \\\n c\" d='e\nLABEL \"x\nONBUILD ONBUILD\nHEALTHCHECK --retries=x CMD\n"
                                "COPY --from= <<A\nCMD [\"a\",]\n\xff\xfe\x00\x01${a:-${b}\n");
        for (qsizetype len = 0; len <= corpus.size(); ++len) {
            const SyntaxTree f = Parser::parse(QByteArrayView(corpus).first(len));
            for (const Diagnostic &d : f.diagnostics)
                QVERIFY(d.range.start.line >= 1 && d.range.start.line <= std::max(1, f.lineCount));
        }
    }

    void commentsAboveAnInstructionAreKept()
    {
        const SyntaxTree f = Parser::parse(QStringView(u"# first\n# second\nFROM busybox\n#\n# third\nRUN x\n"));
        QCOMPARE(only(f, 0).comments, (QStringList{QStringLiteral("first"), QStringLiteral("second")}));
        QCOMPARE(only(f, 1).comments, (QStringList{QStringLiteral("third")}));
        // "# first" is not a known directive: directives stop there.
        QVERIFY(f.directives.isEmpty());
    }

    void directivesStopAtTheFirstOtherLine()
    {
        const SyntaxTree f = Parser::parse(QStringView(u"# syntax=a\n\n# escape=`\nFROM busybox\n"));
        QCOMPARE(f.directives.size(), 1);
        QCOMPARE(f.escape, QChar(u'\\'));
        QCOMPARE(f.directives[0].valueRange, R(1, 10, 1, 11));
    }

    void errorsDoNotHideLaterInstructions()
    {
        const SyntaxTree f = Parser::parse(QStringView(u"FROM busybox\nCOPY a\nWORKDIR\nFROBNICATE\nRUN ok\n"));
        const QList<Diagnostic> errors = f.errors();
        QCOMPARE(errors.size(), 3);
        QCOMPARE(errors[0].range.start.line, 2);
        QCOMPARE(errors[1].range.start.line, 3);
        QCOMPARE(errors[2].range.start.line, 4);
        QVERIFY(only(f, 4).valid);
    }
};

QTEST_GUILESS_MAIN(tst_Parser)
#include "tst_parser.moc"
