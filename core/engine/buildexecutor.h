#pragma once

#include "buildcache.h"
#include "buildcontext.h"
#include "imagestore.h"

#include <base/result.h>

#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace Berth::Engine {

// POST /build's options (engine-api.md 7.16) the executor acts on.
struct BuildOptions
{
    QString dockerfile = QStringLiteral("Dockerfile"); // context-relative
    QHash<QString, std::optional<QString>> buildArgs;
    QMap<QString, QString> labels; // --label: added to the final image
    QString target;
    bool noCache = false;
    QStringList tags;              // normalised "name:tag"
    bool pull = false;             // --pull: fetch every FROM image even when the store has it
};

// Fetches an image into the store (berthd: the registry puller); called on
// the engine thread for a FROM image the store lacks, or for every FROM
// image with --pull. Returns when the image is stored or the pull failed.
using BuildPuller = std::function<Status(const QString &reference)>;

// One finished step, for the desktop app (the route sends it as an "aux"
// object the docker CLI ignores).
struct BuildStepEvent
{
    int step = 0;        // 1-based
    int total = 0;
    int line = 0;        // Dockerfile line of the instruction
    QString instruction; // "COPY . /app"
    bool cached = false;
    Digest image;        // the image after the step
    std::optional<Digest> layer; // diff-id when the step made a layer
    quint64 layerSize = 0;
    qint64 durationMs = 0;
};

// What a RUN step asks of whoever can run containers (berthd's supervisor).
struct BuildRunRequest
{
    Digest image;               // the image to run in
    QStringList argv;           // the command
    QStringList extraEnv;       // build args exported to the command
    QJsonObject config;         // the stage's container config (Env, User, WorkingDir, ...)
    QString upperDir;           // an empty directory: the container's writable layer
    QStringList lowerDirs;      // absolute layer dirs, top first
};
// Runs the command; output goes to the build stream by the callee. Returns
// the exit code (0 = success) or an error for a failure to run at all.
using BuildRunner = std::function<Result<int>(const BuildRunRequest &request)>;

// The classic builder's dispatch loop over a Dockerfile: stages up to
// --target (FROM an image of the store, scratch or an earlier stage),
// metadata instructions through Dockerfile::StageEvaluator, COPY (also
// --from=stage|image) through BuildCopy, RUN through `run`; every step a
// cache lookup (BuildCache) first, an image with one history entry and the
// parent link otherwise. Progress is the classic builder's text ("Step
// 1/5 : FROM busybox", " ---> Using cache", " ---> 1a2b3c4d5e6f",
// "Successfully built ...", "Successfully tagged ...") through `stream`.
// A failure tags nothing and leaves the images of the steps before it (the
// cache). Runs on the engine thread; `run` may block.
//
// Each "Step N/M : INSTRUCTION" goes out as two stream calls, the text and
// "\n" (as dockerd sends them).
//
// ADD: context files copied as COPY copies them, context tars (plain,
// gzip, bzip2, xz, zstd) unpacked into the destination directory through
// LayerExtractor (nothing lands outside it), http(s) URLs fetched on a
// thread of their own into one 0600 file (Last-Modified as its mtime; the
// content hash is the cache input, so a URL is fetched on every build, as
// dockerd does). COPY --from=stage|index|image reads the source image's
// filesystem (its only layer dir, or a read-only overlay of its layers
// mounted under ROOT/tmp for the step); an image the store lacks goes
// through the puller, or fails with "pull access denied for X ...".
//
// ONBUILD: the base image's triggers run right after FROM, before the
// stage's own instructions ("# Executing N build triggers"), not counted as
// steps; the images they make no longer carry them (dockerd's
// dispatchTriggeredOnBuild).
//
// Not supported yet: ADD --checksum/--keep-git-dir (BuildKit's); parents that ADD
// creates for an unpacked tar are 0755 root even when the image has them.
class BuildExecutor
{
public:
    BuildExecutor(ImageStore &store, BuildCache &cache, const BuildContext &context, BuildOptions options,
                  std::function<void(const QString &text)> stream,
                  std::function<void(const BuildStepEvent &event)> stepDone = {}, BuildRunner run = {});

    // Returns the ID of the final image, tagged with options.tags.
    Result<Digest> build();

    // Called with the final image right before "Successfully built" (the
    // route sends docker's {"aux":{"ID":...}} there).
    void setBuiltCallback(std::function<void(const Digest &image)> built) { m_built = std::move(built); }
    // Asked before each step; true ends the build with ECANCELED.
    void setCancelled(std::function<bool()> cancelled) { m_cancelled = std::move(cancelled); }
    void setPuller(BuildPuller puller) { m_pull = std::move(puller); }
    // The exit code of the RUN that failed the build (0 when none did).
    int failedExitCode() const { return m_failedExitCode; }

private:
    ImageStore &m_store;
    BuildCache &m_cache;
    const BuildContext &m_context;
    BuildOptions m_options;
    std::function<void(const QString &)> m_stream;
    std::function<void(const BuildStepEvent &)> m_stepDone;
    BuildRunner m_run;
    std::function<void(const Digest &)> m_built;
    std::function<bool()> m_cancelled;
    BuildPuller m_pull;
    int m_failedExitCode = 0;
};

} // namespace Berth::Engine
