// berth-init: PID 1 for `--init` (tini's role). Runs one child, forwards
// signals to it, reaps every zombie, and exits with the child's status
// (128 + signal when it was killed). Statically linked; copied into a
// sealed memfd by berth-shim and started with fexecve.
//
// usage: berth-init -e PATH -- ARGV0 [ARGS...]
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 5 || std::strcmp(argv[1], "-e") != 0 || std::strcmp(argv[3], "--") != 0) {
        std::fprintf(stderr, "usage: berth-init -e PATH -- ARGV0 [ARGS...]\n");
        return 125;
    }
    const char *path = argv[2];
    char **childArgv = argv + 4;

    sigset_t all, previous;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &previous);
    // If berth-init is not PID 1 (no pid namespace), orphans still come here.
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    const pid_t child = fork();
    if (child < 0) {
        std::fprintf(stderr, "berth-init: fork: %s\n", std::strerror(errno));
        return 125;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &previous, nullptr);
        // Its own process group in the foreground of the terminal, if any.
        setpgid(0, 0);
        if (isatty(STDIN_FILENO)) {
            signal(SIGTTOU, SIG_IGN);
            tcsetpgrp(STDIN_FILENO, getpid());
            signal(SIGTTOU, SIG_DFL);
        }
        execv(path, childArgv);
        const int err = errno;
        std::fprintf(stderr, "berth-init: exec %s: %s\n", path, std::strerror(err));
        _exit(err == ENOENT ? 127 : 126);
    }

    int exitCode = 0;
    for (;;) {
        siginfo_t info;
        struct timespec timeout = {1, 0};
        const int sig = sigtimedwait(&all, &info, &timeout);
        if (sig > 0 && sig != SIGCHLD) {
            // Forward everything else (SIGTERM from docker stop, SIGINT...).
            kill(child, sig);
            continue;
        }
        // Reap every zombie; the main child's status becomes ours.
        for (;;) {
            int status = 0;
            const pid_t done = waitpid(-1, &status, WNOHANG);
            if (done <= 0) {
                if (done < 0 && errno == ECHILD)
                    return exitCode;
                break;
            }
            if (done == child) {
                exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                // The rest of the namespace dies with PID 1; reap what is
                // already gone and exit.
                while (waitpid(-1, &status, WNOHANG) > 0) {
                }
                return exitCode;
            }
        }
    }
}
