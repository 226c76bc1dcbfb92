#include "stagemodel.h"

#include "shelllexer.h"

#include <QSet>

#include <algorithm>

namespace Berth::Dockerfile {

namespace {

Error atLine(const Instruction &ins, const Error &e)
{
    Error out(e.code(), QStringLiteral("line %1: ").arg(ins.startLine).toStdString() + e.message());
    return out;
}

} // namespace

StageModel StageModel::fromDockerfile(const SyntaxTree &file)
{
    StageModel model;
    for (qsizetype i = 0; i < file.instructions.size(); ++i) {
        const Instruction &ins = file.instructions[i];
        if (ins.kind == InstructionKind::From) {
            Stage stage;
            stage.index = int(model.m_stages.size());
            stage.fromInstruction = int(i);
            if (!ins.arguments.isEmpty())
                stage.baseName = ins.arguments.front().value;
            if (ins.arguments.size() == 3)
                stage.name = ins.arguments[2].value.toLower();
            if (const Flag *platform = ins.flag(u"platform"))
                stage.platform = platform->value;
            model.m_stages.append(stage);
            continue;
        }
        if (model.m_stages.isEmpty()) {
            if (ins.kind == InstructionKind::Arg)
                model.m_metaArgs.append(int(i));
            continue;
        }
        model.m_stages.last().instructions.append(int(i));
    }
    return model;
}

int StageModel::stageIndex(QStringView nameOrIndex) const
{
    const QString lower = nameOrIndex.toString().toLower();
    for (const Stage &s : m_stages) {
        if (!s.name.isEmpty() && s.name == lower)
            return s.index;
    }
    bool ok = false;
    const int index = nameOrIndex.toInt(&ok);
    if (ok && index >= 0 && index < m_stages.size())
        return index;
    return -1;
}

int StageModel::stageAtLine(const SyntaxTree &file, int line) const
{
    const int index = file.instructionIndexAtLine(line);
    if (index < 0)
        return -1;
    int found = -1;
    for (const Stage &s : m_stages) {
        if (s.fromInstruction <= index)
            found = s.index;
    }
    return found;
}

Result<int> StageModel::targetIndex(QStringView target) const
{
    if (m_stages.isEmpty())
        return fail(ErrorCode::InvalidArgument, "no build stage in current context");
    if (target.isEmpty())
        return int(m_stages.size() - 1);
    const QString lower = target.toString().toLower();
    for (const Stage &s : m_stages) {
        if (s.name == lower)
            return s.index;
    }
    return fail(ErrorCode::InvalidArgument,
                QStringLiteral("failed to reach build target %1 in Dockerfile").arg(target).toStdString());
}

Status StageModel::applyMetaArgs(const SyntaxTree &file, BuildArgs &args) const
{
    ShellLexer lexer(file.escape);
    for (const int i : m_metaArgs) {
        const Instruction &ins = file.instructions[i];
        // processMetaArg: every word expands with the values known so far.
        const VariableLookup lookup = ShellLexer::lookupFromHash(args.allAllowed());
        QList<std::pair<QString, std::optional<QString>>> pairs;
        for (const KeyValue &kv : ins.keyValues) {
            Result<QString> key = lexer.processWord(kv.key, lookup);
            if (!key)
                return std::unexpected(atLine(ins, key.error()));
            std::optional<QString> value;
            if (kv.hasValue) {
                Result<QString> v = lexer.processWord(kv.value, lookup);
                if (!v)
                    return std::unexpected(atLine(ins, v.error()));
                value = *v;
            }
            pairs.append({*key, value});
        }
        for (const auto &[key, value] : pairs) {
            args.addArg(key, value);
            args.addMetaArg(key, value);
        }
    }
    return {};
}

Result<ResolvedBase> StageModel::resolveBase(const SyntaxTree &file, int stage, const BuildArgs &args) const
{
    if (stage < 0 || stage >= m_stages.size())
        return fail(ErrorCode::InvalidArgument, QStringLiteral("no build stage %1").arg(stage).toStdString());
    const Stage &s = m_stages[stage];
    const Instruction &from = file.instructions[s.fromInstruction];
    ShellLexer lexer(file.escape);
    const VariableLookup lookup = ShellLexer::lookupFromHash(args.allMeta());
    ResolvedBase base;
    Result<QString> name = lexer.processWord(s.baseName, lookup);
    if (!name)
        return std::unexpected(atLine(from, name.error()));
    if (name->isEmpty()) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("line %1: base name (%2) should not be blank").arg(from.startLine).arg(s.baseName).toStdString());
    }
    base.name = *name;
    if (!s.platform.isEmpty()) {
        Result<QString> platform = lexer.processWord(s.platform, lookup);
        if (!platform)
            return std::unexpected(atLine(from, platform.error()));
        base.platform = *platform;
    }
    const QString lower = base.name.toLower();
    for (int i = 0; i < stage; ++i) {
        if (!m_stages[i].name.isEmpty() && m_stages[i].name == lower)
            base.stage = i;
    }
    base.scratch = base.stage < 0 && base.name == u"scratch";
    return base;
}

QList<int> StageModel::dependencies(const SyntaxTree &file, int stage, const BuildArgs &args) const
{
    QSet<int> seen;
    QList<int> pending{stage};
    while (!pending.isEmpty()) {
        const int s = pending.takeLast();
        if (s < 0 || s >= m_stages.size() || seen.contains(s))
            continue;
        seen.insert(s);
        const Result<ResolvedBase> base = resolveBase(file, s, args);
        if (base && base->stage >= 0)
            pending.append(base->stage);
        for (const int i : m_stages[s].instructions) {
            const Instruction &ins = file.instructions[i];
            if (ins.kind != InstructionKind::Copy)
                continue;
            if (const Flag *from = ins.flag(u"from")) {
                const int ref = stageIndex(from->value);
                if (ref >= 0 && ref < s)
                    pending.append(ref);
            }
        }
    }
    QList<int> out(seen.cbegin(), seen.cend());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace Berth::Dockerfile
