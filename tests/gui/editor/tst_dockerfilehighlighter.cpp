#include <editor/dockerfilehighlighter.h>
#include <editor/syntaxhighlighting.h>

#include <QApplication>
#include <QPalette>
#include <QSyntaxHighlighter>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>

using Berth::Gui::DockerfileHighlighter;
using Berth::Gui::SyntaxHighlighting;

namespace {

const char *const dockerfile = "# syntax=docker/dockerfile:1\n"   // 0
                               "FROM debian:bookworm AS build\n"  // 1
                               "ARG VERSION=1.0\n"                // 2
                               "RUN apt-get update && \\\n"       // 3
                               "    echo \"v$VERSION\" > /v\n"    // 4
                               "  # a comment inside RUN\n"       // 5
                               "ENV PATH=${PATH}:/opt\n"          // 6
                               "run echo 'lower case'\n";         // 7

// The format at a position of a block after highlighting (the highlighter
// stores its formats in the block's layout).
QTextCharFormat formatAt(const QTextDocument &document, int blockNumber, int column)
{
    const QTextBlock block = document.findBlockByNumber(blockNumber);
    const QList<QTextLayout::FormatRange> ranges = block.layout()->formats();
    for (const QTextLayout::FormatRange &range : ranges) {
        if (column >= range.start && column < range.start + range.length)
            return range.format;
    }
    return {};
}

bool sameColours(const QTextCharFormat &a, const QTextCharFormat &b)
{
    return a.foreground() == b.foreground() && a.fontWeight() == b.fontWeight() && a.fontItalic() == b.fontItalic();
}

} // namespace

class tst_DockerfileHighlighter : public QObject
{
    Q_OBJECT

private slots:
    void instructionsGetTheInstructionFormat_data()
    {
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::newRow("FROM") << 1 << 0;
        QTest::newRow("AS") << 1 << 21;
        QTest::newRow("ARG") << 2 << 0;
        QTest::newRow("RUN") << 3 << 2;
        QTest::newRow("ENV") << 6 << 0;
        QTest::newRow("lower-case run") << 7 << 0;
    }

    void instructionsGetTheInstructionFormat()
    {
        QFETCH(int, line);
        QFETCH(int, column);
        QTextDocument document;
        document.documentLayout(); // highlighters follow contentsChange, sent only with a layout
        auto *highlighter = new DockerfileHighlighter(&document);
        document.setPlainText(QString::fromUtf8(dockerfile));
        QVERIFY(sameColours(formatAt(document, line, column),
                            highlighter->format(DockerfileHighlighter::Kind::Instruction)));
    }

    void commentsGetTheCommentFormat_data()
    {
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::newRow("directive") << 0 << 0;
        QTest::newRow("directive end") << 0 << 20;
        QTest::newRow("inside RUN continuation") << 5 << 4;
    }

    void commentsGetTheCommentFormat()
    {
        QFETCH(int, line);
        QFETCH(int, column);
        QTextDocument document;
        document.documentLayout(); // highlighters follow contentsChange, sent only with a layout
        auto *highlighter = new DockerfileHighlighter(&document);
        document.setPlainText(QString::fromUtf8(dockerfile));
        QVERIFY(sameColours(formatAt(document, line, column),
                            highlighter->format(DockerfileHighlighter::Kind::Comment)));
    }

    void continuationLinesAreNotInstructions()
    {
        QTextDocument document;
        document.documentLayout(); // highlighters follow contentsChange, sent only with a layout
        auto *highlighter = new DockerfileHighlighter(&document);
        document.setPlainText(QStringLiteral("RUN true && \\\n    RUN-not-an-instruction\n"));
        QVERIFY(!sameColours(formatAt(document, 1, 4),
                             highlighter->format(DockerfileHighlighter::Kind::Instruction)));
    }

    void stringsAndVariables()
    {
        QTextDocument document;
        document.documentLayout(); // highlighters follow contentsChange, sent only with a layout
        auto *highlighter = new DockerfileHighlighter(&document);
        document.setPlainText(QString::fromUtf8(dockerfile));
        // echo "v$VERSION" > /v : the quote is a string, $VERSION a variable.
        const int quote = QStringLiteral("    echo ").size();
        QVERIFY(sameColours(formatAt(document, 4, quote), highlighter->format(DockerfileHighlighter::Kind::String)));
        QVERIFY(sameColours(formatAt(document, 4, quote + 2),
                            highlighter->format(DockerfileHighlighter::Kind::Variable)));
        // ${PATH}
        QVERIFY(sameColours(formatAt(document, 6, 9), highlighter->format(DockerfileHighlighter::Kind::Variable)));
        // 'lower case'
        QVERIFY(sameColours(formatAt(document, 7, 10), highlighter->format(DockerfileHighlighter::Kind::String)));
        // plain argument text stays unformatted
        QVERIFY(!formatAt(document, 1, 6).foreground().style());
    }

    void darkPaletteGetsOtherColours()
    {
        QTextDocument document;
        document.documentLayout(); // highlighters follow contentsChange, sent only with a layout
        auto *highlighter = new DockerfileHighlighter(&document);
        QPalette light;
        light.setColor(QPalette::Base, Qt::white);
        highlighter->setPalette(light);
        const QColor lightColour = highlighter->format(DockerfileHighlighter::Kind::Instruction).foreground().color();
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
        highlighter->setPalette(dark);
        QVERIFY(highlighter->format(DockerfileHighlighter::Kind::Instruction).foreground().color() != lightColour);
    }

    // Whichever backend the build chose (KSyntaxHighlighting or built-in):
    // instructions and comments are coloured, and differently.
    void appHighlighterColoursInstructionsAndComments()
    {
        SyntaxHighlighting highlighting;
        QTextDocument document;
        document.documentLayout(); // highlighters follow contentsChange, sent only with a layout
        QSyntaxHighlighter *highlighter = highlighting.attach(&document, QApplication::palette());
        QVERIFY(highlighter);
        QCOMPARE(highlighter->document(), &document);
        document.setPlainText(QString::fromUtf8(dockerfile));
        const QTextCharFormat from = formatAt(document, 1, 0);
        const QTextCharFormat run = formatAt(document, 3, 0);
        const QTextCharFormat comment = formatAt(document, 0, 2);
        QVERIFY(from.foreground().style() != Qt::NoBrush || from.fontWeight() > QFont::Normal);
        QVERIFY(sameColours(from, run));
        QVERIFY(comment.foreground().style() != Qt::NoBrush || comment.fontItalic());
        QVERIFY(!sameColours(from, comment));
        QVERIFY(!highlighting.backendName().isEmpty());
        if (SyntaxHighlighting::usesKSyntaxHighlighting())
            QVERIFY(highlighting.backendName().startsWith(QLatin1String("KSyntaxHighlighting")));
    }
};

QTEST_MAIN(tst_DockerfileHighlighter)

#include "tst_dockerfilehighlighter.moc"
