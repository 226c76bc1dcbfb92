#pragma once

#include "errorreport.h"
#include "runplan.h"

#include <base/result.h>
#include <base/uniquefd.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace Berth::Cli::FastRun {

class HttpConnection;

// How a fast run ended: with an exit code, or handed back before anything
// observable happened (berth-cli then runs the same argv from the start).
struct Outcome
{
    bool fallback = false;
    int exitCode = 0;
    std::string why; // for a fallback
};

// `berth run` without Qt: the requests berth-cli's runRun() sends, in its
// order and on its connections (HEAD /_ping, POST create on the first
// connection; attach with Upgrade on it, wait on a second, start on a third;
// kill on an idle one for each forwarded signal), the attached streams
// demultiplexed to fds 1 and 2 as they come, and berth-cli's messages and
// exit codes after the container exists. Until then every failure that
// leaves nothing behind (the engine not reached, a failed ping, create
// refused with an error status) is a fallback; a create that may have
// reached the engine without a usable answer ends as in berth-cli instead,
// so that the command never runs twice.
class FastRunner
{
public:
    explicit FastRunner(RunPlan plan);
    ~FastRunner();
    FastRunner(const FastRunner &) = delete;
    FastRunner &operator=(const FastRunner &) = delete;

    Outcome run();

    // The request bytes core/client's EngineClient writes (tests).
    struct Request
    {
        std::string method = "GET";
        std::string path;                                       // unversioned
        std::vector<std::pair<std::string, std::string>> query; // in order
        std::string contentType;
        std::string body;
    };
    static std::string serialize(const Request &request, const std::string &apiVersion, bool upgrade);
    // EngineClient's negotiatedVersion(): min(server, 1.41), 1.24 without one.
    static std::string negotiatedVersion(std::string_view serverVersion);

private:
    struct Job;
    using JobPtr = std::shared_ptr<Job>;
    struct Attach;
    struct Wait;
    class SignalProxy;

    // EngineClient::Private: jobs, version negotiation, keep-alive reuse.
    void submit(const JobPtr &job);
    void runJob(const JobPtr &job);
    void negotiate();
    HttpConnection *takeIdle();
    HttpConnection *newConnection();
    // A request whose reply is read whole: the reply, or the error
    // (an engine error for a status of 400 and more).
    struct Reply
    {
        int status = 0;
        std::string body;
    };
    Result<Reply> send(const Request &request);

    // One turn of the event loop: poll the busy connections, the attach
    // stream and the signal pipe, then handle what came.
    // False when there is nothing left to wait for (a bug: the caller's
    // condition can then never come true).
    bool pumpOnce();
    template<typename Predicate>
    void pumpUntil(Predicate done)
    {
        while (!done()) {
            if (!pumpOnce())
                break;
        }
    }

    void openAttach();
    void onAttachBytes(std::string_view bytes);
    void finishAttach(const Status &result);
    void openWait();
    Result<int> waitExitCode();
    void forwardSignal(int signal);
    void sendNextKill();

    int afterCreate(const std::string &id);

    RunPlan m_plan;
    ErrorReport m_report;
    std::vector<std::unique_ptr<HttpConnection>> m_connections;
    std::vector<HttpConnection *> m_idle;
    int m_openConnections = 0;
    std::string m_apiVersion;
    bool m_negotiating = false;
    int m_pingStatus = 0; // of the last HEAD /_ping
    std::vector<JobPtr> m_waiting;
    std::string m_id;
    std::unique_ptr<Attach> m_attach;
    std::unique_ptr<Wait> m_wait;
    std::unique_ptr<SignalProxy> m_proxy;
    std::deque<int> m_pendingSignals;
    bool m_killInFlight = false;
};

} // namespace Berth::Cli::FastRun
