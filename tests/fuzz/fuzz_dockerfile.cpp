// Fuzz target for the Dockerfile module: the parser on raw bytes, then
// everything a build does with its result (stage model, global ARGs, base
// resolution, per-instruction evaluation), the word lexer on each line and
// the .dockerignore reader and matcher on the same bytes. Any crash, hang,
// sanitizer report or broken invariant is a finding.

#include <dockerfile/dockerignore.h>
#include <dockerfile/parser.h>
#include <dockerfile/shelllexer.h>
#include <dockerfile/stageevaluator.h>
#include <dockerfile/stagemodel.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace Berth;
using namespace Berth::Dockerfile;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

void checkRange(const Range &r, int lines)
{
    check(r.start.line >= 0 && r.end.line >= r.start.line, "range lines ordered");
    check(r.start.line <= std::max(lines, 1) && r.end.line <= std::max(lines, 1), "range inside the file");
    check(r.start.line == 0 || r.start.column >= 1, "columns count from 1");
}

void checkInstruction(const Instruction &ins, int lines)
{
    checkRange(ins.range, lines);
    checkRange(ins.keywordRange, lines);
    check(ins.startLine >= 1 && ins.endLine >= ins.startLine, "instruction lines");
    for (const Argument &a : ins.arguments)
        checkRange(a.range, lines);
    for (const Flag &f : ins.flags)
        checkRange(f.range, lines);
    for (const KeyValue &kv : ins.keyValues)
        checkRange(kv.range, lines);
    for (const Heredoc &h : ins.heredocs)
        checkRange(h.bodyRange, lines);
    if (ins.trigger)
        checkInstruction(*ins.trigger, lines);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const SyntaxTree tree = Parser::parse(bytes);
    for (const Instruction &ins : tree.instructions)
        checkInstruction(ins, tree.lineCount);
    for (const Diagnostic &d : tree.diagnostics) {
        checkRange(d.range, tree.lineCount);
        check(!d.message.isEmpty(), "diagnostics say something");
    }
    check(tree.instructions.isEmpty() == false || tree.hasErrors(), "an empty file is an error");

    if (!tree.hasErrors()) {
        const StageModel model = StageModel::fromDockerfile(tree);
        BuildArgs args({{QStringLiteral("A"), QStringLiteral("1")}, {QStringLiteral("http_proxy"), QString()}});
        if (model.applyMetaArgs(tree, args)) {
            for (const Stage &stage : model.stages()) {
                (void)model.resolveBase(tree, stage.index, args);
                (void)model.dependencies(tree, stage.index, args);
                StageEvaluator eval(tree, args);
                for (const int i : stage.instructions)
                    (void)eval.evaluate(i);
            }
            (void)model.targetIndex(u"a");
        }
    }

    const SyntaxTree fragment = Parser::parseFragment(QString::fromUtf8(bytes));
    for (const Instruction &ins : fragment.instructions)
        checkInstruction(ins, fragment.lineCount);

    const ShellLexer lexer(tree.escape);
    const VariableLookup env = ShellLexer::lookupFromList({QStringLiteral("A=1"), QStringLiteral("B=")});
    const QString text = QString::fromUtf8(bytes);
    for (const QStringView line : QStringView(text).split(u'\n')) {
        (void)lexer.processWord(line, env);
        (void)lexer.processWords(line, env);
    }

    if (const Result<DockerIgnore> ignore = DockerIgnore::parse(bytes)) {
        DockerIgnore::MatchInfo info;
        for (const char16_t *path : {u"a", u"a/b", u"docs/README.md", u".git/config", u"x/y/z.go"}) {
            (void)ignore->isExcluded(path);
            (void)ignore->isExcluded(path, info, &info);
            (void)ignore->mayContainReincluded(path);
        }
    }
    return 0;
}
