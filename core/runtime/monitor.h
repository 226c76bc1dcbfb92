#pragma once

// The long-lived part of berth-shim (conmon's role): one poll loop with a
// signalfd, the init's pidfd, the control socket and its clients, and the
// container's stdio (pipes or the pty master). Writes the log and the exit
// file, then tears down and returns.

#include "cgroup.h"
#include "exitstatus.h"
#include "logwriter.h"

#include <base/uniquefd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace Berth::Runtime {

struct MonitorConfig
{
    pid_t pid = 0;
    UniqueFd pidfd;
    UniqueFd syncFd;    // to the held process
    UniqueFd listenFd;
    std::string socketName;   // relative to the bundle (the cwd)
    std::string exitFileName; // relative to the bundle
    std::string argv0;        // for exec error messages
    bool terminal = false;
    UniqueFd master;          // terminal: the pty master (input and output)
    UniqueFd stdoutRead, stderrRead;
    UniqueFd stdinWrite;      // openStdin without a terminal
    bool openStdin = false;
    bool stdinOnce = false;
    std::unique_ptr<LogWriter> log;     // nullptr for exec processes
    std::optional<Cgroup> cgroup;       // removed after the exit (container only)
    // Network and the like, after the exit; its result goes to watchers
    // in the teardown line (README 4).
    std::function<Status()> teardown;
};

class Monitor
{
public:
    explicit Monitor(MonitorConfig config);
    ~Monitor();
    // Runs until the process has exited, its output is drained, the exit
    // file is written and every client is served. Returns the shim's status.
    int run();

private:
    struct Client;

    void acceptClients();
    void readClient(Client &c);
    void handleRequest(Client &c, const std::string &line);
    void writeClient(Client &c);
    void reply(Client &c, const std::string &line);
    void replyError(Client &c, const std::string &message, int exitCode = 125);
    std::string stateJson() const;
    void doStart(Client &c);
    void clientInput(Client &c, const char *data, size_t size);
    void closeContainerStdin();
    void readOutput(int &fdSlot, UniqueFd &fd, int stream);
    void fanOut(int stream, const char *data, size_t size);
    void reapInit();
    void finish();
    void handleSignals();

    MonitorConfig m;
    UniqueFd m_signalFd;
    std::vector<std::unique_ptr<Client>> m_clients;
    std::string m_stdinBuffer;
    enum class State { Created, Running, Exited } m_state = State::Created;
    bool m_reaped = false;
    bool m_finished = false;
    long long m_exitSeenMs = 0;
    ExitStatus m_exit;
    std::string m_execError;
};

} // namespace Berth::Runtime
