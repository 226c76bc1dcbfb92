#pragma once

#include "ast.h"
#include "buildargs.h"

#include <base/result.h>

#include <QList>
#include <QString>

namespace Berth::Dockerfile {

// One build stage: a FROM and the instructions up to the next FROM.
struct Stage
{
    int index = 0;
    QString name;          // lower case, empty when the stage has no AS
    QString baseName;      // the FROM image as written (variables unexpanded)
    QString platform;      // --platform as written
    int fromInstruction = -1;   // index into SyntaxTree::instructions
    QList<int> instructions;    // the stage's instructions after its FROM
};

// The base of a stage once the global ARGs are applied.
struct ResolvedBase
{
    QString name;          // expanded image reference or stage name
    QString platform;      // expanded --platform
    int stage = -1;        // the earlier stage it builds on, or -1 for an image
    bool scratch = false;  // FROM scratch: no base image
};

// The stages of a parsed Dockerfile: global ARGs, stages by index and name,
// references between them, --target selection.
class StageModel
{
public:
    static StageModel fromDockerfile(const SyntaxTree &file);

    const QList<int> &metaArgInstructions() const { return m_metaArgs; }
    const QList<Stage> &stages() const { return m_stages; }

    // A stage by name (case-insensitive) or by number, as COPY --from uses
    // them; -1 when it names neither (an image).
    int stageIndex(QStringView nameOrIndex) const;
    // The stage holding the instruction on line, -1 for global ARGs and blank lines.
    int stageAtLine(const SyntaxTree &file, int line) const;

    // The last stage to build: the one named by --target, or the last one.
    // docker's error: failed to reach build target x in Dockerfile.
    Result<int> targetIndex(QStringView target) const;

    // Processes the global ARGs into args (each default expanded with the
    // ones before it, options overriding), as dockerd does before the first stage.
    Status applyMetaArgs(const SyntaxTree &file, BuildArgs &args) const;

    // The stage's FROM with the global ARGs substituted; a name equal to an
    // earlier stage's name refers to that stage.
    Result<ResolvedBase> resolveBase(const SyntaxTree &file, int stage, const BuildArgs &args) const;

    // The stages a stage needs (FROM of an earlier stage, COPY --from= a
    // stage), transitively, in index order, the stage itself last.
    QList<int> dependencies(const SyntaxTree &file, int stage, const BuildArgs &args) const;

private:
    QList<int> m_metaArgs;
    QList<Stage> m_stages;
};

} // namespace Berth::Dockerfile
