#include "stageevaluator.h"

#include "gotext.h"
#include "shelllexer.h"

#include <QRegularExpression>

#include <algorithm>

namespace Berth::Dockerfile {

namespace {

Error lineError(const Instruction &ins, const QString &message)
{
    return Error(ErrorCode::InvalidArgument, QStringLiteral("line %1: %2").arg(ins.startLine).arg(message).toStdString());
}

Error lineError(const Instruction &ins, const Error &e)
{
    return Error(e.code(), QStringLiteral("line %1: ").arg(ins.startLine).toStdString() + e.message());
}

void setEnv(QStringList &env, const QString &key, const QString &value)
{
    const QString entry = key + u'=' + value;
    for (QString &e : env) {
        if (e.section(u'=', 0, 0) == key) {
            e = entry;
            return;
        }
    }
    env.append(entry);
}

void insertSorted(QStringList &list, const QString &value)
{
    if (!list.contains(value)) {
        list.append(value);
        std::sort(list.begin(), list.end());
    }
}

bool parsePort(QStringView s, int &out)
{
    bool ok = false;
    const int v = s.toInt(&ok);
    if (!ok || v < 0 || v > 65535 || s.startsWith(u'+') || s.startsWith(u'-'))
        return false;
    out = v;
    return true;
}

// nat.ParsePortSpecs for the container side of EXPOSE: port[-port][/proto].
Result<QStringList> exposedPorts(const QString &spec)
{
    QString proto = QStringLiteral("tcp");
    QString ports = spec;
    const qsizetype slash = spec.indexOf(u'/');
    if (slash >= 0) {
        proto = spec.mid(slash + 1).toLower();
        ports = spec.left(slash);
        if (proto != u"tcp" && proto != u"udp" && proto != u"sctp")
            return fail(ErrorCode::InvalidArgument, QStringLiteral("invalid proto: %1").arg(spec.mid(slash + 1)).toStdString());
    }
    const qsizetype colon = ports.lastIndexOf(u':');
    if (colon >= 0)
        ports = ports.mid(colon + 1);
    int start = 0, end = 0;
    const qsizetype dash = ports.indexOf(u'-', 1);
    const bool ok = dash > 0 ? parsePort(QStringView(ports).left(dash), start) && parsePort(QStringView(ports).mid(dash + 1), end)
                             : parsePort(ports, start);
    if (dash <= 0)
        end = start;
    if (!ok || ports.isEmpty() || end < start)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("invalid containerPort: %1").arg(ports).toStdString());
    QStringList out;
    for (int p = start; p <= end; ++p)
        out.append(QString::number(p) + u'/' + proto);
    return out;
}

} // namespace

QStringList ImageConfigState::effectiveShell() const
{
    if (!shell.isEmpty())
        return shell;
    return {QStringLiteral("/bin/sh"), QStringLiteral("-c")};
}

StageEvaluator::StageEvaluator(const SyntaxTree &file, BuildArgs args, ImageConfigState base)
    : m_file(file), m_args(std::move(args)), m_config(std::move(base)), m_escape(file.escape)
{
    m_args.resetAllowed();
}

QStringList StageEvaluator::expansionEnvironment() const
{
    return m_config.env + m_args.filterAllowed(m_config.env);
}

Result<QString> StageEvaluator::expand(const Instruction &ins, const QString &word) const
{
    const ShellLexer lexer(m_escape);
    Result<QString> out = lexer.processWord(word, ShellLexer::lookupFromList(expansionEnvironment()));
    if (!out)
        return std::unexpected(lineError(ins, out.error()));
    return out;
}

QString StageEvaluator::nopCreatedBy(const QString &comment) const
{
    return (m_config.effectiveShell() + QStringList{QStringLiteral("#(nop) "), comment}).join(u' ');
}

QString StageEvaluator::copyCreatedBy(InstructionKind kind, const QString &chown, const QString &sourceHash,
                                      const QString &destination) const
{
    const QString chownComment = chown.isEmpty() ? QString() : QStringLiteral("--chown=") + chown;
    const QString comment = QStringLiteral("%1 %2%3 in %4 ").arg(instructionName(kind), chownComment, sourceHash, destination);
    return (m_config.effectiveShell() + QStringList{QStringLiteral("#(nop) ") + comment}).join(u' ');
}

StageEvaluator::SourceKind StageEvaluator::sourceKind(const Instruction &ins, const QString &source)
{
    if (source.startsWith(u"<<") || (source.contains(u"<<") && source.front().isDigit())) {
        for (const Heredoc &h : ins.heredocs) {
            if (source.endsWith(h.name))
                return SourceKind::Heredoc;
        }
    }
    if (source.startsWith(u"http://") || source.startsWith(u"https://"))
        return SourceKind::Url;
    return SourceKind::Local;
}

QString StageEvaluator::healthcheckText(const HealthConfig &h)
{
    // Docker Engine 20.10's HealthConfig (API 1.41) has no StartInterval,
    // so its history text has three durations.
    return QStringLiteral("&{%1 %2 %3 %4 %5}")
        .arg(GoText::quoteList(h.test), GoText::quote(GoText::formatDuration(h.interval)),
             GoText::quote(GoText::formatDuration(h.timeout)), GoText::quote(GoText::formatDuration(h.startPeriod)),
             GoText::quoteRune(char32_t(h.retries)));
}

Result<EvaluatedInstruction> StageEvaluator::evaluate(int index)
{
    if (index < 0 || index >= m_file.instructions.size())
        return fail(ErrorCode::InvalidArgument, QStringLiteral("no instruction %1").arg(index).toStdString());
    const Instruction &ins = m_file.instructions[index];
    if (!ins.valid) {
        for (const Diagnostic &d : m_file.diagnostics) {
            if (d.severity == Severity::Error && d.range.start.line >= ins.startLine && d.range.start.line <= ins.endLine)
                return std::unexpected(lineError(ins, d.message));
        }
    }
    return evaluateInstruction(ins, index);
}

Result<EvaluatedInstruction> StageEvaluator::evaluate(const Instruction &instruction)
{
    return evaluateInstruction(instruction, -1);
}

Result<EvaluatedInstruction> StageEvaluator::evaluateInstruction(const Instruction &ins, int index)
{
    if (!ins.valid)
        return std::unexpected(lineError(ins, QStringLiteral("%1 is not valid").arg(ins.keyword)));
    EvaluatedInstruction step;
    step.instruction = index;
    step.kind = ins.kind;

    const auto expandPairs = [&](bool optionalValues) -> Status {
        for (const KeyValue &kv : ins.keyValues) {
            Result<QString> key = expand(ins, kv.key);
            if (!key)
                return std::unexpected(key.error());
            std::optional<QString> value;
            if (kv.hasValue || !optionalValues) {
                Result<QString> v = expand(ins, kv.value);
                if (!v)
                    return std::unexpected(v.error());
                value = *v;
            }
            step.pairs.append({*key, value});
        }
        return {};
    };
    const auto commandLine = [&]() -> QStringList {
        if (ins.jsonForm)
            return ins.argumentValues();
        QStringList cmd = m_config.effectiveShell();
        if (!ins.arguments.isEmpty())
            cmd.append(ins.rest);
        return cmd;
    };

    switch (ins.kind) {
    case InstructionKind::Unknown:
        return std::unexpected(lineError(ins, QStringLiteral("unknown instruction: %1").arg(ins.keyword)));
    case InstructionKind::From:
        return step;
    case InstructionKind::Env: {
        if (Status s = expandPairs(false); !s)
            return std::unexpected(s.error());
        QStringList parts{QStringLiteral("ENV")};
        for (const auto &[key, value] : step.pairs) {
            setEnv(m_config.env, key, *value);
            parts.append(key + u'=' + *value);
        }
        step.createdBy = nopCreatedBy(parts.join(u' '));
        return step;
    }
    case InstructionKind::Label: {
        if (Status s = expandPairs(false); !s)
            return std::unexpected(s.error());
        QString comment = QStringLiteral("LABEL");
        for (const auto &[key, value] : step.pairs) {
            m_config.labels.insert(key, *value);
            comment += u' ' + key + u'=' + *value;
        }
        step.createdBy = nopCreatedBy(comment);
        return step;
    }
    case InstructionKind::Arg: {
        if (Status s = expandPairs(true); !s)
            return std::unexpected(s.error());
        QStringList parts;
        for (const auto &[key, value] : step.pairs) {
            parts.append(value ? key + u'=' + *value : key);
            m_args.addArg(key, value);
        }
        step.createdBy = nopCreatedBy(QStringLiteral("ARG ") + parts.join(u' '));
        return step;
    }
    case InstructionKind::Maintainer:
        step.arguments = ins.argumentValues();
        step.createdBy = nopCreatedBy(QStringLiteral("MAINTAINER ") + ins.arguments.front().value);
        return step;
    case InstructionKind::Run: {
        for (const Flag &f : ins.flags)
            step.flags.insert(f.name, f.value);
        step.command = commandLine();
        if (!ins.jsonForm && !ins.heredocs.isEmpty()) {
            // BuildKit's rule: RUN <<EOF alone runs the body as the script
            // (a body starting with #! is its own interpreter); otherwise
            // the heredocs are appended so the shell reads them itself.
            static const QRegularExpression single(QStringLiteral("^\\d*<<-?[\"']?([^<\"']*)[\"']?$"));
            const QRegularExpressionMatch m = single.match(ins.rest);
            if (ins.heredocs.size() == 1 && m.hasMatch() && m.captured(1) == ins.heredocs.front().name) {
                const QString body = ins.heredocs.front().effectiveContent();
                step.heredocScript = body.startsWith(u"#!");
                step.command = m_config.effectiveShell() + QStringList{body};
            } else {
                QString full = ins.rest;
                for (const Heredoc &h : ins.heredocs)
                    full += u'\n' + h.effectiveContent() + h.name;
                step.command = m_config.effectiveShell() + QStringList{full};
            }
        }
        step.runEnvironment = m_args.filterAllowed(m_config.env);
        QStringList saved = step.command;
        if (!step.runEnvironment.isEmpty()) {
            QStringList shown;
            for (const QString &e : std::as_const(step.runEnvironment)) {
                if (m_args.isReferencedOrNotBuiltin(e.section(u'=', 0, 0)))
                    shown.append(e);
            }
            saved = QStringList{QStringLiteral("|%1").arg(shown.size())} + shown + step.command;
        }
        step.createdBy = saved.join(u' ');
        step.emptyLayer = false;
        return step;
    }
    case InstructionKind::Cmd:
        step.command = commandLine();
        m_config.cmd = step.command;
        m_config.cmdSet = true;
        step.createdBy = nopCreatedBy(QStringLiteral("CMD ") + GoText::quoteList(step.command));
        return step;
    case InstructionKind::Entrypoint:
        // A shell-form ENTRYPOINT with nothing after it clears the entrypoint.
        step.command = !ins.jsonForm && ins.arguments.isEmpty() ? QStringList() : commandLine();
        m_config.entrypoint = step.command;
        if (!m_config.cmdSet)
            m_config.cmd.clear();
        step.createdBy = nopCreatedBy(QStringLiteral("ENTRYPOINT ") + GoText::quoteList(step.command));
        return step;
    case InstructionKind::Copy:
    case InstructionKind::Add: {
        for (const Flag &f : ins.flags) {
            if (f.name == u"chown" || f.name == u"chmod" || f.name == u"checksum") {
                Result<QString> v = expand(ins, f.value);
                if (!v)
                    return std::unexpected(v.error());
                step.flags.insert(f.name, *v);
            } else {
                step.flags.insert(f.name, f.value);
            }
        }
        for (qsizetype i = 0; i < ins.arguments.size(); ++i) {
            const QString &word = ins.arguments[i].value;
            const bool isSource = i + 1 < ins.arguments.size();
            if (isSource && sourceKind(ins, word) == SourceKind::Heredoc) {
                step.arguments.append(word);
                continue;
            }
            Result<QString> v = expand(ins, word);
            if (!v)
                return std::unexpected(v.error());
            if (isSource && ins.kind == InstructionKind::Copy && sourceKind(ins, *v) == SourceKind::Url)
                return std::unexpected(lineError(ins, QStringLiteral("source can't be a URL for COPY")));
            step.arguments.append(*v);
        }
        step.emptyLayer = false;
        return step;
    }
    case InstructionKind::Expose: {
        const ShellLexer lexer(m_escape);
        const VariableLookup lookup = ShellLexer::lookupFromList(expansionEnvironment());
        for (const Argument &a : ins.arguments) {
            Result<QStringList> words = lexer.processWords(a.value, lookup);
            if (!words)
                return std::unexpected(lineError(ins, words.error()));
            step.arguments += *words;
        }
        for (const QString &p : std::as_const(step.arguments)) {
            Result<QStringList> ports = exposedPorts(p);
            if (!ports)
                return std::unexpected(lineError(ins, ports.error()));
            for (const QString &port : *ports)
                insertSorted(m_config.exposedPorts, port);
        }
        QStringList sorted = step.arguments;
        std::sort(sorted.begin(), sorted.end());
        step.createdBy = nopCreatedBy(QStringLiteral("EXPOSE ") + sorted.join(u' '));
        return step;
    }
    case InstructionKind::Workdir: {
        Result<QString> path = expand(ins, ins.arguments.front().value);
        if (!path)
            return std::unexpected(path.error());
        if (path->isEmpty())
            return std::unexpected(lineError(ins, QStringLiteral("cannot normalize nothing")));
        m_config.workingDir = path->startsWith(u'/')
                                  ? *path
                                  : GoText::cleanPath(QString(QStringLiteral("/") + m_config.workingDir + u'/' + *path));
        step.arguments = {m_config.workingDir};
        step.createdBy = (m_config.effectiveShell() + QStringList{QStringLiteral("#(nop) WORKDIR ") + m_config.workingDir})
                             .join(u' ');
        step.emptyLayer = false;
        return step;
    }
    case InstructionKind::User: {
        Result<QString> user = expand(ins, ins.arguments.front().value);
        if (!user)
            return std::unexpected(user.error());
        m_config.user = *user;
        step.arguments = {*user};
        step.createdBy = nopCreatedBy(QStringLiteral("USER ") + *user);
        return step;
    }
    case InstructionKind::Volume: {
        for (const Argument &a : ins.arguments) {
            Result<QString> v = expand(ins, a.value);
            if (!v)
                return std::unexpected(v.error());
            if (v->trimmed().isEmpty())
                return std::unexpected(lineError(ins, QStringLiteral("VOLUME specified can not be an empty string")));
            step.arguments.append(*v);
            insertSorted(m_config.volumes, *v);
        }
        step.createdBy = nopCreatedBy(QStringLiteral("VOLUME ") + GoText::plainList(step.arguments));
        return step;
    }
    case InstructionKind::StopSignal: {
        Result<QString> sig = expand(ins, ins.arguments.front().value);
        if (!sig)
            return std::unexpected(sig.error());
        m_config.stopSignal = *sig;
        step.arguments = {*sig};
        step.createdBy = nopCreatedBy(QStringLiteral("STOPSIGNAL ") + *sig);
        return step;
    }
    case InstructionKind::Healthcheck: {
        HealthConfig h;
        const QString type = ins.arguments.front().value.toUpper();
        if (type == u"NONE") {
            h.test = {QStringLiteral("NONE")};
        } else {
            h.test = {ins.jsonForm ? QStringLiteral("CMD") : QStringLiteral("CMD-SHELL")};
            if (ins.jsonForm) {
                for (qsizetype i = 1; i < ins.arguments.size(); ++i)
                    h.test.append(ins.arguments[i].value);
            } else {
                h.test.append(ins.arguments[1].value);
            }
            for (const Flag &f : ins.flags) {
                if (f.name == u"retries") {
                    h.retries = f.value.toInt();
                    continue;
                }
                const Result<qint64> d = GoText::parseDuration(f.value);
                if (!d)
                    return std::unexpected(lineError(ins, d.error()));
                if (f.name == u"interval")
                    h.interval = *d;
                else if (f.name == u"timeout")
                    h.timeout = *d;
                else if (f.name == u"start-period")
                    h.startPeriod = *d;
                else if (f.name == u"start-interval")
                    h.startInterval = *d;
            }
        }
        m_config.healthcheck = h;
        step.arguments = h.test;
        step.createdBy = nopCreatedBy(QStringLiteral("HEALTHCHECK ") + healthcheckText(h));
        return step;
    }
    case InstructionKind::Shell:
        step.arguments = ins.argumentValues();
        m_config.shell = step.arguments;
        step.createdBy = nopCreatedBy(QStringLiteral("SHELL ") + GoText::plainList(step.arguments));
        return step;
    case InstructionKind::Onbuild: {
        const QString expression = ins.trigger ? ins.trigger->original : QString();
        m_config.onBuild.append(expression);
        step.arguments = {expression};
        step.createdBy = nopCreatedBy(QStringLiteral("ONBUILD ") + expression);
        return step;
    }
    }
    return step;
}

} // namespace Berth::Dockerfile
