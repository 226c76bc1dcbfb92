#pragma once

// A readable, stable text form of a parsed SyntaxTree and of what the
// builder would make of it, for the golden files in tests/data/dockerfile.

#include <dockerfile/ast.h>
#include <dockerfile/gotext.h>
#include <dockerfile/stageevaluator.h>
#include <dockerfile/stagemodel.h>

#include <QFile>
#include <QString>
#include <QStringList>

namespace Berth::Dockerfile::TestDump {

inline QString pos(const Position &p)
{
    return QStringLiteral("%1:%2").arg(p.line).arg(p.column);
}

inline QString range(const Range &r)
{
    return pos(r.start) + u'-' + pos(r.end);
}

inline QString q(const QString &s)
{
    return GoText::quote(s);
}

inline void dumpInstruction(QStringList &out, const Instruction &ins, const QString &indent)
{
    out << indent + QStringLiteral("%1 %2 lines %3-%4 range %5%6")
                        .arg(instructionName(ins.kind).isEmpty() ? QStringLiteral("UNKNOWN") : instructionName(ins.kind),
                             q(ins.keyword))
                        .arg(ins.startLine)
                        .arg(ins.endLine)
                        .arg(range(ins.range), ins.valid ? QString() : QStringLiteral(" INVALID"));
    out << indent + QStringLiteral("  keyword %1").arg(range(ins.keywordRange));
    out << indent + QStringLiteral("  original %1").arg(q(ins.original));
    out << indent + QStringLiteral("  rest %1 %2").arg(q(ins.rest), range(ins.restRange));
    for (const QString &c : ins.comments)
        out << indent + QStringLiteral("  comment %1").arg(q(c));
    for (const Flag &f : ins.flags) {
        out << indent + QStringLiteral("  flag %1%2 text=%3 %4 value %5")
                            .arg(f.name, f.hasValue ? u'=' + q(f.value) : QString(), q(f.text), range(f.range),
                                 range(f.valueRange));
    }
    if (ins.jsonForm)
        out << indent + QStringLiteral("  json");
    if (ins.legacyKeyValue)
        out << indent + QStringLiteral("  legacy-key-value");
    for (const Argument &a : ins.arguments)
        out << indent + QStringLiteral("  arg %1 %2").arg(q(a.value), range(a.range));
    for (const KeyValue &kv : ins.keyValues) {
        out << indent + QStringLiteral("  pair %1%2 key %3 value %4")
                            .arg(q(kv.key), kv.hasValue ? u'=' + q(kv.value) : QString(), range(kv.keyRange),
                                 range(kv.valueRange));
    }
    for (const Heredoc &h : ins.heredocs) {
        out << indent + QStringLiteral("  heredoc %1 expand=%2 chomp=%3 fd=%4 word %5 body %6")
                            .arg(q(h.name), h.expand ? QStringLiteral("yes") : QStringLiteral("no"),
                                 h.chomp ? QStringLiteral("yes") : QStringLiteral("no"))
                            .arg(h.fileDescriptor)
                            .arg(range(h.wordRange), range(h.bodyRange));
        out << indent + QStringLiteral("    content %1").arg(q(h.content));
        if (h.chomp)
            out << indent + QStringLiteral("    effective %1").arg(q(h.effectiveContent()));
    }
    if (ins.trigger) {
        out << indent + QStringLiteral("  trigger:");
        dumpInstruction(out, *ins.trigger, indent + QStringLiteral("    "));
    }
}

inline QString severityName(Severity s)
{
    switch (s) {
    case Severity::Error: return QStringLiteral("error");
    case Severity::Warning: return QStringLiteral("warning");
    case Severity::Info: return QStringLiteral("info");
    }
    return {};
}

inline QString dumpTree(const SyntaxTree &file)
{
    QStringList out;
    out << QStringLiteral("lines %1 escape %2").arg(file.lineCount).arg(q(QString(file.escape)));
    for (const Directive &d : file.directives)
        out << QStringLiteral("directive %1=%2 %3 value %4").arg(d.name, q(d.value), range(d.range), range(d.valueRange));
    for (qsizetype i = 0; i < file.instructions.size(); ++i) {
        out << QStringLiteral("#%1").arg(i);
        dumpInstruction(out, file.instructions[i], QStringLiteral("  "));
    }
    for (const Diagnostic &d : file.diagnostics) {
        out << QStringLiteral("%1 %2%3 %4")
                   .arg(severityName(d.severity), range(d.range), d.rule.isEmpty() ? QString() : u' ' + d.rule, q(d.message));
    }
    return out.join(u'\n') + u'\n';
}

// What dockerd's classic builder would record for each stage, with no
// --build-arg and an empty base image config.
inline QString dumpBuild(const SyntaxTree &file)
{
    QStringList out;
    if (file.hasErrors())
        return QStringLiteral("not buildable: %1\n").arg(file.firstError()->toString());
    const StageModel model = StageModel::fromDockerfile(file);
    BuildArgs args;
    if (Status s = model.applyMetaArgs(file, args); !s)
        return QStringLiteral("meta args: %1\n").arg(QString::fromStdString(s.error().message()));
    const QHash<QString, QString> meta = args.allMeta();
    QStringList metaKeys = meta.keys();
    metaKeys.sort();
    for (const QString &k : metaKeys)
        out << QStringLiteral("meta %1=%2").arg(k, q(meta.value(k)));
    for (const Stage &stage : model.stages()) {
        const Result<ResolvedBase> base = model.resolveBase(file, stage.index, args);
        QStringList deps;
        for (const int d : model.dependencies(file, stage.index, args))
            deps << QString::number(d);
        if (!base) {
            out << QStringLiteral("stage %1 %2 base error %3").arg(stage.index).arg(q(stage.name),
                                                                                   q(QString::fromStdString(base.error().message())));
            continue;
        }
        out << QStringLiteral("stage %1 %2 base %3 platform %4 from-stage %5 scratch %6 needs [%7]")
                   .arg(stage.index)
                   .arg(q(stage.name), q(base->name), q(base->platform))
                   .arg(base->stage)
                   .arg(base->scratch ? QStringLiteral("yes") : QStringLiteral("no"), deps.join(u' '));
        StageEvaluator eval(file, args);
        for (const int i : stage.instructions) {
            const Result<EvaluatedInstruction> step = eval.evaluate(i);
            if (!step) {
                out << QStringLiteral("  #%1 error %2").arg(i).arg(q(QString::fromStdString(step.error().message())));
                continue;
            }
            QString line = QStringLiteral("  #%1 %2 args %3").arg(i).arg(instructionName(step->kind), GoText::quoteList(step->arguments));
            if (!step->command.isEmpty())
                line += QStringLiteral(" command %1").arg(GoText::quoteList(step->command));
            if (!step->runEnvironment.isEmpty())
                line += QStringLiteral(" env %1").arg(GoText::quoteList(step->runEnvironment));
            for (const auto &[k, v] : step->pairs)
                line += QStringLiteral(" pair %1%2").arg(q(k), v ? u'=' + q(*v) : QString());
            for (auto it = step->flags.cbegin(); it != step->flags.cend(); ++it)
                line += QStringLiteral(" flag %1=%2").arg(it.key(), q(it.value()));
            out << line;
            if (!step->createdBy.isEmpty())
                out << QStringLiteral("    created-by %1").arg(q(step->createdBy));
        }
        const ImageConfigState &c = eval.config();
        out << QStringLiteral("  config env %1 cmd %2 entrypoint %3 workdir %4 user %5 shell %6")
                   .arg(GoText::quoteList(c.env), GoText::quoteList(c.cmd), GoText::quoteList(c.entrypoint),
                        q(c.workingDir), q(c.user), GoText::quoteList(c.shell));
        out << QStringLiteral("  config ports %1 volumes %2 stopsignal %3 onbuild %4")
                   .arg(GoText::quoteList(c.exposedPorts), GoText::quoteList(c.volumes), q(c.stopSignal),
                        GoText::quoteList(c.onBuild));
        QStringList labels;
        for (auto it = c.labels.cbegin(); it != c.labels.cend(); ++it)
            labels << it.key() + u'=' + it.value();
        out << QStringLiteral("  config labels %1 healthcheck %2")
                   .arg(GoText::quoteList(labels),
                        c.healthcheck ? StageEvaluator::healthcheckText(*c.healthcheck) : QStringLiteral("none"));
    }
    return out.join(u'\n') + u'\n';
}

} // namespace Berth::Dockerfile::TestDump
