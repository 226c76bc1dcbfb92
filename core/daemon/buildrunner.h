#pragma once

#include <base/result.h>
#include <engine/buildexecutor.h>

#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace Berth::Engine {
class ImageStore;
}

namespace Berth::Daemon {

class ContainerSupervisor;

// RUN steps of POST /build in real containers, as dockerd's classic builder
// runs them: an intermediate container (a random name, visible in `ps -a`
// while it runs, with create/start/die/destroy events) from the step's
// image, with the stage's Env (plus the build args RUN exports), User,
// WorkingDir, Entrypoint reset and the default bridge network (or host or
// none: networkmode). Its output
// (stdout and stderr, from the json-file log the shim writes) goes to the
// build stream live; " ---> Running in <12 hex>" before it and "Removing
// intermediate container <12 hex>" after it, as dockerd prints them.
//
// When the process ended, the container's writable layer (its bundle's
// overlay upper dir, whiteouts included) becomes the step's layer dir
// (rename, so nothing is copied), and the container is removed (rm=1, the
// default; forcerm=1 removes it after a failure as well; with rm=0 and
// forcerm=0 a failed step's container stays, as with docker).
//
// Threads: run() is called by the BuildExecutor on the engine thread and
// returns when the step ended; meanwhile a nested event loop keeps the
// engine thread serving other jobs (see run()). Everything it asks of the supervisor runs on the thread that owns
// this object (berthd's HTTP thread), which keeps serving meanwhile. It must
// never wait for the engine thread (it does not).
class BuildContainerRunner : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool removeAfterSuccess = true; // rm
        bool removeAlways = false;      // forcerm
        QString networkMode = QStringLiteral("bridge"); // networkmode: bridge, host or none
    };
    // `stream` gets the step's text; it is called on the owner thread.
    BuildContainerRunner(ContainerSupervisor *supervisor, Engine::ImageStore *store, Options options,
                         std::function<void(const QString &text)> stream, QObject *parent = nullptr);
    ~BuildContainerRunner() override;

    // The Engine::BuildRunner for the executor (engine thread).
    Engine::BuildRunner runner();

    // Owner thread: kills and removes the running step's container and lets
    // the blocked run() return ECANCELED. Later runs fail at once.
    void cancel();

private:
    struct Step;
    Result<int> run(const Engine::BuildRunRequest &request, const std::shared_ptr<std::atomic<bool>> &alive);
    void startStep(const std::shared_ptr<Step> &step);
    void pumpLog(const std::shared_ptr<Step> &step);
    void stepExited(const std::shared_ptr<Step> &step, int exitCode, const QString &error);
    void finishStep(const std::shared_ptr<Step> &step, Result<int> result);

    ContainerSupervisor *m_supervisor;
    Engine::ImageStore *m_store;
    Options m_options;
    std::function<void(const QString &)> m_stream;
    std::shared_ptr<Step> m_current; // owner thread
    std::atomic<bool> m_cancelled{false};
    std::shared_ptr<std::atomic<bool>> m_alive;
};

} // namespace Berth::Daemon
