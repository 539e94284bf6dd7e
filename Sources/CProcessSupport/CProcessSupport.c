#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "CProcessSupport.h"

int cps_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

/// Closes every descriptor from `first` up; close_range (Linux 5.9) when there is one.
static void close_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
    struct rlimit limit;
    long last = (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) ? (long)limit.rlim_cur : 65536;
    for (long fd = first; fd < last; fd++) close((int)fd);
}

/// Reports a failed step to the parent through the error pipe and exits. Async-signal-safe.
static void fail(int report, int stage) {
    int message[2] = { errno, stage };
    ssize_t ignored = write(report, message, sizeof message);
    (void)ignored;
    _exit(127);
}

static const char *const stages[] = { "fork", "pipe", "descriptors", "chdir", "setgroups", "setgid", "setuid", "exec" };

int cps_spawn(const struct cps_spawn_request *request, pid_t *pid, const char **stage) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) { *stage = stages[1]; return errno; }
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        *stage = stages[0];
        return error;
    }
    if (child == 0) {
        // Between fork and exec only async-signal-safe calls: the daemon's other threads are gone, their locks are not.
        int out = fcntl(request->output, F_DUPFD_CLOEXEC, 3);
        int errors = fcntl(report[1], F_DUPFD_CLOEXEC, 3);
        if (out < 0 || errors < 0) fail(report[1], 2);
        sigset_t none;
        sigemptyset(&none);
        struct sigaction standard;
        memset(&standard, 0, sizeof standard);
        standard.sa_handler = SIG_DFL;
        for (int signal = 1; signal < NSIG; signal++) sigaction(signal, &standard, NULL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        umask(request->umask);
        int input = open("/dev/null", O_RDONLY);
        if (input < 0 || dup2(input, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) fail(errors, 2);
        // Only 0, 1, 2 and the error report survive; the report closes itself at exec.
        if (errors > 3) {
            if (syscall(SYS_close_range, 3U, (unsigned)(errors - 1), 0) != 0)
                for (int fd = 3; fd < errors; fd++) close(fd);
        }
        close_from(errors + 1);
        if (request->directory && chdir(request->directory) != 0) fail(errors, 3);
        if (request->switch_identity) {
            // Raw system calls: this process has one thread, and glibc's wrappers would try to reach the others.
            if (syscall(SYS_setgroups, request->group_count, request->groups) != 0) fail(errors, 4);
            if (syscall(SYS_setresgid, request->gid, request->gid, request->gid) != 0) fail(errors, 5);
            if (syscall(SYS_setresuid, request->uid, request->uid, request->uid) != 0) fail(errors, 6);
        }
        execve(request->path, request->argv, request->envp);
        fail(errors, 7);
    }
    close(report[1]);
    int message[2] = { 0, 0 };
    ssize_t count;
    do { count = read(report[0], message, sizeof message); } while (count < 0 && errno == EINTR);
    close(report[0]);
    if (count == (ssize_t)sizeof message) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        *stage = stages[message[1]];
        return message[0];
    }
    *pid = child;
    return 0;
}
