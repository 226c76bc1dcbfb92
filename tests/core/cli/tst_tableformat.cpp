#include <cli/jsonmessages.h>
#include <cli/jsonoutput.h>
#include <cli/tableformat.h>

#include <QJsonObject>
#include <QTest>

using namespace Berth::Cli;

class tst_TableFormat : public QObject
{
    Q_OBJECT
private slots:
    void rendersEachFormatKind_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("expected");
        QTest::newRow("default table") << QString() << "A            B\nx            1\nlonger-row   22\n";
        QTest::newRow("table keyword") << "table" << "A            B\nx            1\nlonger-row   22\n";
        QTest::newRow("custom table with \\t") << "table {{.B}}\\t{{.A}}" << "B         A\n1         x\n22        longer-row\n";
        QTest::newRow("bare template") << "{{.A}}:{{.B}}" << "x:1\nlonger-row:22\n";
        QTest::newRow("json") << "json" << "{\"A\":\"x\",\"B\":\"1\"}\n{\"A\":\"longer-row\",\"B\":\"22\"}\n";
        QTest::newRow("json template") << "{{json .}}" << "{\"A\":\"x\",\"B\":\"1\"}\n{\"A\":\"longer-row\",\"B\":\"22\"}\n";
    }
    void rendersEachFormatKind()
    {
        QFETCH(QString, format);
        QFETCH(QString, expected);
        auto f = TableFormat::parse(format, QStringLiteral("table {{.A}}\t{{.B}}"));
        QVERIFY(f.has_value());
        const QList<QJsonObject> rows = {QJsonObject{{"A", "x"}, {"B", "1"}}, QJsonObject{{"A", "longer-row"}, {"B", "22"}}};
        auto text = f->render(rows, QJsonObject{{"A", "A"}, {"B", "B"}});
        QVERIFY(text.has_value());
        QCOMPARE(*text, expected);
    }

    void tableWithoutRowsStillPrintsTheHeader()
    {
        auto f = TableFormat::parse(QString(), QStringLiteral("table {{.A}}\t{{.B}}"));
        QCOMPARE(*f->render({}, QJsonObject{{"A", "REPOSITORY"}, {"B", "TAG"}}), QStringLiteral("REPOSITORY   TAG\n"));
    }

    void badTemplateIsATemplateParsingError()
    {
        auto f = TableFormat::parse(QStringLiteral("{{.A"), QString());
        QVERIFY(!f.has_value());
        QVERIFY(QString::fromStdString(f.error().message()).startsWith(QLatin1String("template parsing error: ")));
    }

    void indentJsonKeepsOrderAndNumbersAsGoDoes()
    {
        const QByteArray raw = "[{\"Id\":\"sha256:x\",\"Z\":1.50,\"A\":[],\"B\":{},\"C\":[\"a b\",{\"k\":\"v\\\"}\"}],\"N\":null}]";
        const QByteArray expected = "[\n"
                                    "    {\n"
                                    "        \"Id\": \"sha256:x\",\n"
                                    "        \"Z\": 1.50,\n"
                                    "        \"A\": [],\n"
                                    "        \"B\": {},\n"
                                    "        \"C\": [\n"
                                    "            \"a b\",\n"
                                    "            {\n"
                                    "                \"k\": \"v\\\"}\"\n"
                                    "            }\n"
                                    "        ],\n"
                                    "        \"N\": null\n"
                                    "    }\n"
                                    "]";
        QCOMPARE(indentJson(raw), expected);
    }

    void goJsonEscapesHtmlCharacters()
    {
        QCOMPARE(goJson(QJsonObject{{"Tag", "<none>"}, {"X", "a&b"}}),
                 QStringLiteral("{\"Tag\":\"\\u003cnone\\u003e\",\"X\":\"a\\u0026b\"}"));
    }

    void jsonMessagesPrintStatusAndStreamAndStopAtErrors()
    {
        const QByteArray stream = "{\"status\":\"sha256:abc\"}" "\r\n"
                                  "{\"stream\":\"Loaded image: x:1\\n\"}"
                                  "{\"status\":\"Downloading\",\"id\":\"ab12\",\"progressDetail\":{\"current\":1,\"total\":2}}"
                                  "{\"status\":\"Done\",\"id\":\"ab12\",\"progressDetail\":{}}"
                                  "{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\"}"
                                  "{\"status\":\"never\"}";
        const JsonMessagesOutput out = displayJsonMessages(stream);
        QCOMPARE(out.text, QStringLiteral("sha256:abc\nLoaded image: x:1\nab12: Done\n"));
        QCOMPARE(out.error, std::optional<QString>(QStringLiteral("boom")));
    }
};

QTEST_GUILESS_MAIN(tst_TableFormat)
#include "tst_tableformat.moc"
