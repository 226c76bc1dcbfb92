#include <cli/gotemplate.h>
#include <cli/tabwriter.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Berth;
using namespace Berth::Cli;

class tst_GoTemplate : public QObject
{
    Q_OBJECT
private slots:
    void rendersTheSubsetDockerUsersNeed_data();
    void rendersTheSubsetDockerUsersNeed();
    void reportsParseErrors_data();
    void reportsParseErrors();
    void tabwriterAlignsColumnBlocks();
};

void tst_GoTemplate::rendersTheSubsetDockerUsersNeed_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("expected");
    QTest::newRow("nested field") << "{{.Server.Version}}" << "20.10.24";
    QTest::newRow("Go field name finds the JSON key") << "{{.Server.APIVersion}}" << "1.41";
    QTest::newRow("json of all") << "{{json .Client}}" << R"({"Version":"0.1.0"})";
    QTest::newRow("json keyword alone") << "json" << R"({"Client":{"Version":"0.1.0"},"Server":{"ApiVersion":"1.41","Labels":["a","b"],"NCPU":2,"Ok":true,"Version":"20.10.24"}})";
    QTest::newRow("text around actions") << "v={{.Client.Version}}, cpus={{.Server.NCPU}}" << "v=0.1.0, cpus=2";
    QTest::newRow("pipeline") << "{{.Server.Version | upper}}" << "20.10.24";
    QTest::newRow("function with args") << "{{join .Server.Labels \",\"}}" << "a,b";
    QTest::newRow("index") << "{{index .Server \"NCPU\"}}" << "2";
    QTest::newRow("len") << "{{len .Server.Labels}}" << "2";
    QTest::newRow("bool and list as %v") << "{{.Server.Ok}} {{.Server.Labels}}" << "true [a b]";
    QTest::newRow("map as %v") << "{{.Client}}" << "map[Version:0.1.0]";
    QTest::newRow("missing key") << "{{.Server.Nope}}" << "<no value>";
    QTest::newRow("trim markers") << "a  {{- .Client.Version -}}  b" << "a0.1.0b";
    QTest::newRow("string literal") << "{{\"x\" | upper}}" << "X";
}

void tst_GoTemplate::rendersTheSubsetDockerUsersNeed()
{
    QFETCH(QString, format);
    QFETCH(QString, expected);
    const QJsonObject data = QJsonDocument::fromJson(
        R"({"Client":{"Version":"0.1.0"},"Server":{"Version":"20.10.24","ApiVersion":"1.41","NCPU":2,"Labels":["a","b"],"Ok":true}})").object();
    const auto t = GoTemplate::parse(format);
    QVERIFY2(t.has_value(), t ? "" : t.error().message().c_str());
    const auto out = t->execute(data);
    QVERIFY2(out.has_value(), out ? "" : out.error().message().c_str());
    QCOMPARE(*out, expected);
}

void tst_GoTemplate::reportsParseErrors_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("message");
    QTest::newRow("unclosed") << "{{.A" << "template: unclosed action";
    QTest::newRow("unknown function") << "{{foo .A}}" << "template: function \"foo\" not defined";
    QTest::newRow("range not yet") << "{{range .A}}{{end}}" << "template: 'range' actions are not supported yet";
}

void tst_GoTemplate::reportsParseErrors()
{
    QFETCH(QString, format);
    QFETCH(QString, message);
    const auto t = GoTemplate::parse(format);
    QVERIFY(!t);
    QCOMPARE(QString::fromStdString(t.error().message()), message);
}

void tst_GoTemplate::tabwriterAlignsColumnBlocks()
{
    // As docker version: minwidth 20, padding 1; lines without tabs end a block.
    const QString in = QStringLiteral("Client:\n Version:\t1\n API version:\t1.41\nServer:\n  A very long label here:\tx\n  B:\ty\n");
    QCOMPARE(alignColumns(in, 20, 1),
             QStringLiteral("Client:\n Version:           1\n API version:       1.41\nServer:\n"
                            "  A very long label here: x\n  B:                      y\n"));
}

QTEST_GUILESS_MAIN(tst_GoTemplate)
#include "tst_gotemplate.moc"
