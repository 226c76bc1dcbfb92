#pragma once

#include "ast.h"
#include "buildargs.h"

#include <base/result.h>

#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Berth::Dockerfile {

struct HealthConfig
{
    QStringList test;          // ["CMD-SHELL", "cmd"], ["CMD", ...] or ["NONE"]
    qint64 interval = 0;       // nanoseconds, 0 = daemon default
    qint64 timeout = 0;
    qint64 startPeriod = 0;
    qint64 startInterval = 0;
    int retries = 0;
    friend bool operator==(const HealthConfig &, const HealthConfig &) = default;
};

// The image config fields a stage's instructions change, starting from the
// base image's config.
struct ImageConfigState
{
    QStringList env;               // KEY=VALUE in order
    QStringList shell;             // empty: /bin/sh -c
    QString workingDir;
    QString user;
    QStringList cmd;
    bool cmdSet = false;           // CMD given in this stage (ENTRYPOINT keeps it)
    QStringList entrypoint;
    QStringList exposedPorts;      // "80/tcp", sorted, unique
    QStringList volumes;           // sorted, unique
    QString stopSignal;
    QMap<QString, QString> labels;
    QStringList onBuild;
    std::optional<HealthConfig> healthcheck;

    QStringList effectiveShell() const;
};

// One instruction after the builder's expansion.
struct EvaluatedInstruction
{
    int instruction = -1;               // index into SyntaxTree::instructions
    InstructionKind kind = InstructionKind::Unknown;
    QStringList arguments;              // expanded words (COPY: sources then destination)
    QList<std::pair<QString, std::optional<QString>>> pairs; // ENV, LABEL, ARG
    QMap<QString, QString> flags;       // flag values, expanded where docker expands them
    QStringList command;                // RUN: the argv the build container runs
    QStringList runEnvironment;         // RUN: build args exported to it (KEY=VALUE)
    // RUN <<EOF whose body starts with #!: the body is a script file to
    // execute, not shell text (command then holds the body).
    bool heredocScript = false;
    // docker history "created by"; empty for FROM and for COPY/ADD, whose
    // text needs the content hash (StageEvaluator::copyCreatedBy).
    QString createdBy;
    bool emptyLayer = true;             // metadata only: no filesystem change
};

// Plays a stage's instructions the way dockerd's classic builder dispatches
// them (builder/dockerfile/dispatchers.go), without running anything: which
// variables each instruction expands (ENV and declared ARGs; ENV wins; none
// in RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK/ONBUILD/MAINTAINER), how the
// config changes, and the history text of each step.
class StageEvaluator
{
public:
    // args: the build's arguments with the global ARGs applied; the stage
    // starts with none declared. base: the base image's config.
    StageEvaluator(const SyntaxTree &file, BuildArgs args, ImageConfigState base = {});

    // Errors read "line N: <docker's message>".
    Result<EvaluatedInstruction> evaluate(int instructionIndex);
    // An instruction from elsewhere: an ONBUILD trigger of the base image,
    // parsed from its config with Parser::parse(trigger).
    Result<EvaluatedInstruction> evaluate(const Instruction &instruction);

    const ImageConfigState &config() const { return m_config; }
    const BuildArgs &buildArgs() const { return m_args; }
    // The variables an expandable instruction sees now (ENV, then declared
    // ARGs that ENV does not set).
    QStringList expansionEnvironment() const;

    // "/bin/sh -c #(nop)  <comment>" with the stage's current shell.
    QString nopCreatedBy(const QString &comment) const;
    // COPY/ADD history: "/bin/sh -c #(nop) COPY file:<hash> in /dest "
    // (chown, when given, is written as --chown=<value> right before the hash).
    QString copyCreatedBy(InstructionKind kind, const QString &chown, const QString &sourceHash,
                          const QString &destination) const;
    enum class SourceKind { Local, Url, Heredoc };
    // Where a COPY/ADD source comes from: an http(s) URL (ADD downloads it;
    // COPY refuses it), a heredoc of the instruction, or the build context
    // (where ADD unpacks local tar archives).
    static SourceKind sourceKind(const Instruction &ins, const QString &source);

    // fmt %q of a *HealthConfig, as "HEALTHCHECK <this>" in the history
    // (Docker Engine 20.10's fields: test, interval, timeout, start period, retries).
    static QString healthcheckText(const HealthConfig &health);

private:
    Result<QString> expand(const Instruction &ins, const QString &word) const;
    Result<EvaluatedInstruction> evaluateInstruction(const Instruction &ins, int index);

    const SyntaxTree &m_file;
    BuildArgs m_args;
    ImageConfigState m_config;
    QChar m_escape;
};

} // namespace Berth::Dockerfile
