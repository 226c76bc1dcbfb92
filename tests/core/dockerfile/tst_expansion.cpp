#include <dockerfile/buildargs.h>
#include <dockerfile/gotext.h>
#include <dockerfile/parser.h>
#include <dockerfile/shelllexer.h>
#include <dockerfile/stageevaluator.h>
#include <dockerfile/stagemodel.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Dockerfile;

namespace {

VariableLookup testEnv()
{
    return ShellLexer::lookupFromList({QStringLiteral("PWD=/home"), QStringLiteral("SHELL=bash"),
                                       QStringLiteral("NULL="), QStringLiteral("FILE=a.tar.gz")});
}

// Every created-by text of the last stage, with the given --build-arg values.
QStringList history(QStringView dockerfile, const QHash<QString, std::optional<QString>> &options = {},
                    QString *errorOut = nullptr)
{
    const SyntaxTree file = Parser::parse(dockerfile);
    if (file.hasErrors()) {
        if (errorOut)
            *errorOut = file.firstError()->toString();
        return {};
    }
    const StageModel model = StageModel::fromDockerfile(file);
    BuildArgs args(options);
    if (Status s = model.applyMetaArgs(file, args); !s) {
        if (errorOut)
            *errorOut = QString::fromStdString(s.error().message());
        return {};
    }
    StageEvaluator eval(file, args);
    QStringList out;
    for (const int i : model.stages().last().instructions) {
        const Result<EvaluatedInstruction> step = eval.evaluate(i);
        if (!step) {
            if (errorOut)
                *errorOut = QString::fromStdString(step.error().message());
            return out;
        }
        out.append(step->createdBy);
    }
    return out;
}

QString S(const char *s)
{
    return QString::fromUtf8(s);
}

QStringList L(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *s : list)
        out.append(QString::fromUtf8(s));
    return out;
}

} // namespace

class tst_Expansion : public QObject
{
    Q_OBJECT
private slots:
    // BuildKit's shell lexer cases (frontend/dockerfile/shell envVarTest),
    // with PWD=/home, SHELL=bash, NULL= and FILE=a.tar.gz; "error" means it fails.
    void wordsExpandLikeDocker_data()
    {
        QTest::addColumn<QString>("word");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *w, const char *e) { QTest::newRow(w) << QString::fromUtf8(w) << QString::fromUtf8(e); };
        row("hello", "hello");
        row("he'll'o", "hello");
        row("he'llo", "error");
        row("he\\'llo", "he'llo");
        row("he\\\\'llo", "error");
        row("abc\\tdef", "abctdef");
        row("\"abc\\tdef\"", "abc\\tdef");
        row("\"abc\\\\tdef\"", "abc\\tdef");
        row("'abc\\tdef'", "abc\\tdef");
        row("hello\\", "hello");
        row("hello\\\\", "hello\\");
        row("\"hello", "error");
        row("\"hello\\\"", "error");
        row("\"hel'lo\"", "hel'lo");
        row("'hello", "error");
        row("'hello\\'", "hello\\");
        row("'hello\\there'", "hello\\there");
        row("\"''\"", "''");
        row("$.", "$.");
        row("he$1x", "hex");
        row("he$.x", "he$.x");
        row("he$pwd.", "he.");
        row("he$PWD", "he/home");
        row("he\\$PWD", "he$PWD");
        row("he\\\\$PWD", "he\\/home");
        row("\"he\\$PWD\"", "he$PWD");
        row("\"he\\\\$PWD\"", "he\\/home");
        row("\\${}", "${}");
        row("\\${}aaa", "${}aaa");
        row("he\\${}", "he${}");
        row("${}", "error");
        row("he${}xx", "error");
        row("he${hi}xx", "hexx");
        row("he${PWD}", "he/home");
        row("he${.}", "error");
        row("he${XXX:-000}xx", "he000xx");
        row("he${PWD:-000}xx", "he/homexx");
        row("he${XXX:-$PWD}xx", "he/homexx");
        row("he${XXX:-${PWD:-yyy}}xx", "he/homexx");
        row("he${XXX:-${YYY:-yyy}}xx", "heyyyxx");
        row("he${XXX:YYY}", "error");
        row("he${XXX?}", "error");
        row("he${XXX:?}", "error");
        row("he${PWD?}", "he/home");
        row("he${PWD:?}", "he/home");
        row("he${NULL?}", "he");
        row("he${NULL:?}", "error");
        row("he${XXX:+${PWD}}xx", "hexx");
        row("he${PWD:+${XXX}}xx", "hexx");
        row("he${PWD:+${SHELL}}xx", "hebashxx");
        row("he${XXX:+000}xx", "hexx");
        row("he${PWD:+000}xx", "he000xx");
        row("he${NULL:-dflt}", "hedflt");
        row("he${NULL-dflt}", "he");
        row("he${NULL:+alt}", "he");
        row("he${NULL+alt}", "healt");
        row("he${XXX-dflt}", "hedflt");
        row("he${XXX+alt}", "he");
        row("'he${XX}'", "he${XX}");
        row("\"he${PWD}\"", "he/home");
        row("\"he'$PWD'\"", "he'/home'");
        row("\"$PWD\"", "/home");
        row("'$PWD'", "$PWD");
        row("'\\$PWD'", "\\$PWD");
        row("'\"hello\"'", "\"hello\"");
        row("he${PWD", "error");
        row("he${PWD=000}xx", "error");
        row("he${PWD+${PWD}:}xx", "he/home:xx");
        row("he${XXX-$PWD:-$PWD}xx", "he/home:-/homexx");
        row("he${XXX:-$PWD-$PWD}xx", "he/home-/homexx");
        row("${FILE%.*}", "a.tar");
        row("${FILE%%.*}", "a");
        row("${FILE#*.}", "tar.gz");
        row("${FILE##*.}", "gz");
        row("${FILE/a/b}", "b.tar.gz");
        row("${FILE//a/b}", "b.tbr.gz");
        row("${FILE:#x}", "error");
    }
    void wordsExpandLikeDocker()
    {
        QFETCH(QString, word);
        QFETCH(QString, expected);
        const ShellLexer lexer;
        const Result<QString> got = lexer.processWord(word, testEnv());
        if (expected == u"error") {
            QVERIFY2(!got, got ? qPrintable(*got) : "");
            QVERIFY(got.error().message().starts_with("failed to process "));
        } else {
            QVERIFY2(got, got ? "" : got.error().message().c_str());
            QCOMPARE(*got, expected);
        }
    }

    void errorsUseDockersWording()
    {
        const ShellLexer lexer;
        QCOMPARE(QString::fromStdString(lexer.processWord(u"${a", testEnv()).error().message()),
                 QStringLiteral("failed to process \"${a\": syntax error: missing '}'"));
        QCOMPARE(QString::fromStdString(lexer.processWord(u"${XXX:?must be set}", testEnv()).error().message()),
                 QStringLiteral("failed to process \"${XXX:?must be set}\": XXX: must be set"));
        QCOMPARE(QString::fromStdString(lexer.processWord(u"${PWD=x}", testEnv()).error().message()),
                 QStringLiteral("failed to process \"${PWD=x}\": unsupported modifier (=) in substitution"));
    }

    void backtickIsTheEscapeCharacterWhenTheDirectiveSaysSo()
    {
        const ShellLexer lexer(u'`');
        QCOMPARE(*lexer.processWord(u"C:\\dir`$PWD", testEnv()), QStringLiteral("C:\\dir$PWD"));
        QCOMPARE(*lexer.processWord(u"\"a`\"b\"", testEnv()), QStringLiteral("a\"b"));
    }

    void wordSplittingForExpose()
    {
        const ShellLexer lexer;
        const VariableLookup env = ShellLexer::lookupFromList({QStringLiteral("PORTS=80 443/udp")});
        QCOMPARE(*lexer.processWords(u"$PORTS 8080", env),
                 (QStringList{QStringLiteral("80"), QStringLiteral("443/udp"), QStringLiteral("8080")}));
        QCOMPARE(*lexer.processWords(u"\"$PORTS\"", env), (QStringList{QStringLiteral("80 443/udp")}));
    }

    void deepNestingIsAnErrorNotAStackOverflow()
    {
        QString word;
        const int depth = 10000;
        for (int i = 0; i < depth; ++i)
            word += QStringLiteral("${a%1:-").arg(i);
        word += u'x';
        word += QString(depth, u'}');
        const ShellLexer lexer;
        const Result<QString> got = lexer.processWord(word, testEnv());
        QVERIFY(!got);
        QVERIFY(got.error().message().find("nested more than") != std::string::npos);

        QString ok;
        for (int i = 0; i < 200; ++i)
            ok += QStringLiteral("${a%1:-").arg(i);
        ok += u'x' + QString(200, u'}');
        QCOMPARE(*lexer.processWord(ok, testEnv()), QStringLiteral("x"));
    }

    void historyTextMatchesTheClassicBuilder_data()
    {
        QTest::addColumn<QString>("dockerfile");
        QTest::addColumn<QString>("buildArg");   // KEY=VALUE or empty
        QTest::addColumn<QStringList>("createdBy");
        QTest::newRow("run without args") << S("FROM busybox\nRUN echo hi\n") << S("") << L({"/bin/sh -c echo hi"});
        QTest::newRow("run exec form") << S("FROM busybox\nRUN [\"echo\", \"hi there\"]\n") << S("")
                                       << L({"echo hi there"});
        QTest::newRow("run with a declared arg")
            << S("FROM busybox\nARG A=b\nRUN echo $A\n") << S("")
            << L({"/bin/sh -c #(nop)  ARG A=b", "|1 A=b /bin/sh -c echo $A"});
        QTest::newRow("build-arg overrides the default")
            << S("FROM busybox\nARG A=b\nRUN echo $A\n") << S("A=c")
            << L({"/bin/sh -c #(nop)  ARG A=b", "|1 A=c /bin/sh -c echo $A"});
        QTest::newRow("arg without value and no build-arg")
            << S("FROM busybox\nARG A\nRUN true\n") << S("") << L({"/bin/sh -c #(nop)  ARG A", "/bin/sh -c true"});
        QTest::newRow("env wins over arg")
            << S("FROM busybox\nARG A=1\nENV A=2\nRUN true\n") << S("")
            << L({"/bin/sh -c #(nop)  ARG A=1", "/bin/sh -c #(nop)  ENV A=2", "/bin/sh -c true"});
        QTest::newRow("global arg needs a re-declaration")
            << S("ARG V=1\nFROM busybox\nENV X=${V}\nARG V\nENV Y=${V}\nRUN true\n") << S("")
            << L({"/bin/sh -c #(nop)  ENV X=", "/bin/sh -c #(nop)  ARG V", "/bin/sh -c #(nop)  ENV Y=1",
                           "|1 V=1 /bin/sh -c true"});
        QTest::newRow("undeclared proxy stays out of the history")
            << S("FROM busybox\nRUN true\n") << S("http_proxy=http://127.0.0.1:3128")
            << L({"|0 /bin/sh -c true"});
        QTest::newRow("cmd") << S("FROM busybox\nCMD [\"sh\"]\n") << S("") << L({"/bin/sh -c #(nop)  CMD [\"sh\"]"});
        QTest::newRow("cmd shell form")
            << S("FROM busybox\nCMD echo \"hi\"\n") << S("")
            << L({"/bin/sh -c #(nop)  CMD [\"/bin/sh\" \"-c\" \"echo \\\"hi\\\"\"]"});
        QTest::newRow("shell changes the nop prefix")
            << S("FROM busybox\nSHELL [\"/bin/bash\", \"-c\"]\nCMD x\n") << S("")
            << L({"/bin/bash -c #(nop)  SHELL [/bin/bash -c]",
                           "/bin/bash -c #(nop)  CMD [\"/bin/bash\" \"-c\" \"x\"]"});
        QTest::newRow("healthcheck")
            << S("FROM busybox\nHEALTHCHECK --interval=5m --timeout=3s CMD curl -f http://localhost/ || exit 1\n") << S("")
            << L({"/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/ || exit 1\"] "
                           "\"5m0s\" \"3s\" \"0s\" '\\x00'}"});
        QTest::newRow("workdir") << S("FROM busybox\nWORKDIR /app\nWORKDIR sub/../x\n") << S("")
                                 << L({"/bin/sh -c #(nop) WORKDIR /app", "/bin/sh -c #(nop) WORKDIR /app/x"});
        QTest::newRow("expose, volume, user, stopsignal")
            << S("FROM busybox\nENV P=443\nEXPOSE 80 $P/udp\nVOLUME /data\nUSER 1000:1000\nSTOPSIGNAL SIGQUIT\n") << S("")
            << L({"/bin/sh -c #(nop)  ENV P=443", "/bin/sh -c #(nop)  EXPOSE 443/udp 80",
                           "/bin/sh -c #(nop)  VOLUME [/data]", "/bin/sh -c #(nop)  USER 1000:1000",
                           "/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT"});
        QTest::newRow("env and label values lose their quotes")
            << S("FROM busybox\nENV A=\"x y\" B='$A'\nLABEL \"com.example.k\"=\"v w\"\n") << S("")
            << L({"/bin/sh -c #(nop)  ENV A=x y B=$A", "/bin/sh -c #(nop)  LABEL com.example.k=v w"});
        QTest::newRow("onbuild and maintainer")
            << S("FROM busybox\nONBUILD RUN echo $HOME\nMAINTAINER someone\n") << S("")
            << L({"/bin/sh -c #(nop)  ONBUILD RUN echo $HOME", "/bin/sh -c #(nop)  MAINTAINER someone"});
        // Recorded from Docker Engine 20.10.24 (DOCKER_BUILDKIT=0 docker build, docker history --no-trunc).
        QTest::newRow("dockerd 20.10 variables")
            << S("FROM busybox\nENV BASE=/opt EMPTY=\n"
                 "ENV A=${BASE}/a B=$BASE/b C=${UNSET:-default} D=${BASE:+set} E=${EMPTY:-empty-default}\n"
                 "ENV I=\\$BASE J='$BASE' K=\"$BASE\" L=${BASE}${BASE}\nARG VERSION=1.0\nARG DERIVED=v${VERSION}-${BASE}\n"
                 "ENV VERSION=2.0\nLABEL version=$VERSION derived=$DERIVED\nWORKDIR ${BASE}/work\nUSER ${UNSET:-65534}\n"
                 "EXPOSE ${PORT:-8080}\nVOLUME ${BASE}/data\nSTOPSIGNAL ${SIG:-SIGINT}\nRUN echo $BASE ${VERSION} $DERIVED\n"
                 "ENV LEGACY value  with \"quotes\" and $BASE\nENV M=\"a\\\"b\" N=a\\ b O=\"x\\\\y\"\nCMD echo $BASE\n")
            << S("")
            << L({"/bin/sh -c #(nop)  ENV BASE=/opt EMPTY=",
                  "/bin/sh -c #(nop)  ENV A=/opt/a B=/opt/b C=default D=set E=empty-default",
                  "/bin/sh -c #(nop)  ENV I=$BASE J=$BASE K=/opt L=/opt/opt",
                  "/bin/sh -c #(nop)  ARG VERSION=1.0",
                  "/bin/sh -c #(nop)  ARG DERIVED=v1.0-/opt",
                  "/bin/sh -c #(nop)  ENV VERSION=2.0",
                  "/bin/sh -c #(nop)  LABEL version=2.0 derived=v1.0-/opt",
                  "/bin/sh -c #(nop) WORKDIR /opt/work",
                  "/bin/sh -c #(nop)  USER 65534",
                  "/bin/sh -c #(nop)  EXPOSE 8080",
                  "/bin/sh -c #(nop)  VOLUME [/opt/data]",
                  "/bin/sh -c #(nop)  STOPSIGNAL SIGINT",
                  "|1 DERIVED=v1.0-/opt /bin/sh -c echo $BASE ${VERSION} $DERIVED",
                  "/bin/sh -c #(nop)  ENV LEGACY=value  with quotes and /opt",
                  "/bin/sh -c #(nop)  ENV M=a\"b N=a b O=x\\y",
                  "/bin/sh -c #(nop)  CMD [\"/bin/sh\" \"-c\" \"echo $BASE\"]"});
        QTest::newRow("dockerd 20.10 empty entrypoint and cmd")
            << S("FROM busybox\nENTRYPOINT\nCMD\nRUN [\"echo\", \"a b\"]\n") << S("")
            << L({"/bin/sh -c #(nop)  ENTRYPOINT []", "/bin/sh -c #(nop)  CMD [\"/bin/sh\" \"-c\"]", "echo a b"});
        QTest::newRow("dockerd 20.10 copy and healthcheck none")
            << S("FROM busybox\nHEALTHCHECK --interval=5s NONE\nENTRYPOINT echo hi\n") << S("")
            << L({"/bin/sh -c #(nop)  HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" '\\x00'}",
                  "/bin/sh -c #(nop)  ENTRYPOINT [\"/bin/sh\" \"-c\" \"echo hi\"]"});
        QTest::newRow("dockerd 20.10 workdir and continuations")
            << S("FROM busybox\nENV A \"quoted value\"\nENV B=1 \\\n    C=2\nLABEL a=b \\\n      c=\"d e\"\n"
                 "RUN echo one \\\n\\\n    two\nWORKDIR rel\nWORKDIR /abs/./x/../y/\n")
            << S("")
            << L({"/bin/sh -c #(nop)  ENV A=quoted value", "/bin/sh -c #(nop)  ENV B=1 C=2",
                  "/bin/sh -c #(nop)  LABEL a=b c=d e", "/bin/sh -c echo one     two", "/bin/sh -c #(nop) WORKDIR /rel",
                  "/bin/sh -c #(nop) WORKDIR /abs/./x/../y/"});
        QTest::newRow("entrypoint") << S("FROM busybox\nENTRYPOINT [\"/bin/app\", \"-v\"]\n") << S("")
                                    << L({"/bin/sh -c #(nop)  ENTRYPOINT [\"/bin/app\" \"-v\"]"});
    }
    void historyTextMatchesTheClassicBuilder()
    {
        QFETCH(QString, dockerfile);
        QFETCH(QString, buildArg);
        QFETCH(QStringList, createdBy);
        QHash<QString, std::optional<QString>> options;
        if (!buildArg.isEmpty())
            options.insert(buildArg.section(u'=', 0, 0), buildArg.section(u'=', 1));
        QString error;
        QCOMPARE(history(dockerfile, options, &error), createdBy);
        QCOMPARE(error, QString());
    }

    void copyHistoryNeedsTheContentHash()
    {
        const SyntaxTree file = Parser::parse(QStringView(u"FROM busybox\n"));
        const StageEvaluator eval(file, BuildArgs());
        QCOMPARE(eval.copyCreatedBy(InstructionKind::Copy, {}, QStringLiteral("file:abc"), QStringLiteral("/dst")),
                 QStringLiteral("/bin/sh -c #(nop) COPY file:abc in /dst "));
        QCOMPARE(eval.copyCreatedBy(InstructionKind::Add, QStringLiteral("1:2"), QStringLiteral("dir:def"), QStringLiteral("/")),
                 QStringLiteral("/bin/sh -c #(nop) ADD --chown=1:2dir:def in / "));
    }

    void onbuildTriggersOfTheBaseImageEvaluateInTheChild()
    {
        const SyntaxTree child = Parser::parse(QStringView(u"FROM base\nARG V=2\nRUN true\n"));
        StageEvaluator eval(child, BuildArgs(), ImageConfigState{{QStringLiteral("HOME=/root")}, {}, {}, {}, {}, false, {}, {}, {}, {}, {}, {}, {}});
        QVERIFY(eval.evaluate(1));
        const SyntaxTree trigger = Parser::parseFragment(u"COPY . $HOME/src-$V");
        QVERIFY(!trigger.hasErrors());
        const Result<EvaluatedInstruction> step = eval.evaluate(trigger.instructions.front());
        QVERIFY(step);
        QCOMPARE(step->arguments, (QStringList{QStringLiteral("."), QStringLiteral("/root/src-2")}));
        QCOMPARE(step->instruction, -1);
    }

    void expansionErrorsNameTheLine()
    {
        QString error;
        history(u"FROM busybox\nENV A=1\nWORKDIR ${A:?needs a value}/x\nUSER ${NOPE:?is required}\n", {}, &error);
        QCOMPARE(error, QStringLiteral("line 4: failed to process \"${NOPE:?is required}\": NOPE: is required"));
        history(u"FROM busybox\nENV U=https://example.invalid/x\nCOPY $U /x\n", {}, &error);
        QCOMPARE(error, QStringLiteral("line 3: source can't be a URL for COPY"));
        history(u"FROM busybox\nEXPOSE 80/ftp\n", {}, &error);
        QCOMPARE(error, QStringLiteral("line 2: invalid proto: ftp"));
    }

    void stagesByNameIndexAndTarget()
    {
        const SyntaxTree file = Parser::parse(QStringView(u"ARG IMG=alpine\nFROM ${IMG} AS Base\nRUN true\n"
                                                          u"FROM base AS build\nCOPY --from=0 /a /b\n"
                                                          u"FROM busybox\nCOPY --from=build /x /y\nFROM scratch\n"));
        QVERIFY(!file.hasErrors());
        const StageModel model = StageModel::fromDockerfile(file);
        QCOMPARE(model.stages().size(), 4);
        QCOMPARE(model.metaArgInstructions(), QList<int>{0});
        QCOMPARE(model.stages()[0].name, QStringLiteral("base"));
        QCOMPARE(model.stageIndex(u"BUILD"), 1);
        QCOMPARE(model.stageIndex(u"2"), 2);
        QCOMPARE(model.stageIndex(u"busybox"), -1);
        QCOMPARE(*model.targetIndex(u"build"), 1);
        QCOMPARE(*model.targetIndex(u""), 3);
        QCOMPARE(QString::fromStdString(model.targetIndex(u"nope").error().message()),
                 QStringLiteral("failed to reach build target nope in Dockerfile"));
        QCOMPARE(model.stageAtLine(file, 3), 0);
        QCOMPARE(model.stageAtLine(file, 1), -1);

        BuildArgs args({{QStringLiteral("IMG"), QStringLiteral("debian:12")}});
        QVERIFY(model.applyMetaArgs(file, args));
        const Result<ResolvedBase> base0 = model.resolveBase(file, 0, args);
        QCOMPARE(base0->name, QStringLiteral("debian:12"));
        QCOMPARE(base0->stage, -1);
        QCOMPARE(model.resolveBase(file, 1, args)->stage, 0);
        QVERIFY(model.resolveBase(file, 3, args)->scratch);
        QCOMPARE(model.dependencies(file, 2, args), (QList<int>{0, 1, 2}));
        QCOMPARE(model.dependencies(file, 3, args), QList<int>{3});
        QCOMPARE(args.unconsumedOptions(), QStringList());
        BuildArgs extra({{QStringLiteral("NOBODY"), QStringLiteral("1")}});
        QVERIFY(model.applyMetaArgs(file, extra));
        QCOMPARE(BuildArgs::unconsumedWarning(extra.unconsumedOptions()),
                 QStringLiteral("[Warning] One or more build-args [NOBODY] were not consumed"));
    }

    void goDurations_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("formatted");
        QTest::newRow("0") << S("0") << S("0s");
        QTest::newRow("seconds") << S("30s") << S("30s");
        QTest::newRow("fraction") << S("1.5s") << S("1.5s");
        QTest::newRow("minutes") << S("5m") << S("5m0s");
        QTest::newRow("mixed") << S("1h30m") << S("1h30m0s");
        QTest::newRow("millis") << S("500ms") << S("500ms");
        QTest::newRow("micros") << S("1500us") << S("1.5ms");
        QTest::newRow("nanos") << S("7ns") << S("7ns");
        QTest::newRow("minute and a half") << S("1m30s") << S("1m30s");
        QTest::newRow("missing unit") << S("5") << S("time: missing unit in duration \"5\"");
        QTest::newRow("unknown unit") << S("5d") << S("time: unknown unit \"d\" in duration \"5d\"");
        QTest::newRow("garbage") << S("x") << S("time: invalid duration \"x\"");
    }
    void goDurations()
    {
        QFETCH(QString, input);
        QFETCH(QString, formatted);
        const Result<qint64> d = GoText::parseDuration(input);
        QCOMPARE(d ? GoText::formatDuration(*d) : QString::fromStdString(d.error().message()), formatted);
    }

    void goQuoting()
    {
        QCOMPARE(GoText::quote(u"a\"b\\c\n\t\x01\u00e9"), QStringLiteral("\"a\\\"b\\\\c\\n\\t\\x01\u00e9\""));
        QCOMPARE(GoText::quoteRune(0), QStringLiteral("'\\x00'"));
        QCOMPARE(GoText::quoteRune(3), QStringLiteral("'\\x03'"));
        QCOMPARE(GoText::quoteRune(U'A'), QStringLiteral("'A'"));
        QCOMPARE(GoText::cleanPath(u"/a/./b/../../c/"), QStringLiteral("/c"));
        QCOMPARE(GoText::cleanPath(u"../a//b"), QStringLiteral("../a/b"));
        QCOMPARE(GoText::cleanPath(u"/.."), QStringLiteral("/"));
    }
};

QTEST_GUILESS_MAIN(tst_Expansion)
#include "tst_expansion.moc"
