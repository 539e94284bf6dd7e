#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "CProcessSupport.h"

int cps_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

/// What the child is given, and where it leaves why it failed (it shares the parent's memory until exec).
struct child_arguments {
    const struct cps_spawn_request *request;
    int error;
    int stage;
};

static const char *const stages[] = { "clone", "stack", "descriptors", "chdir", "setgroups", "setgid", "setuid", "exec" };

/// Closes every descriptor from `first` up; close_range (Linux 5.9) when there is one.
static void close_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
    struct rlimit limit;
    long last = (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) ? (long)limit.rlim_cur : 65536;
    for (long fd = first; fd < last; fd++) close((int)fd);
}

static int fail(struct child_arguments *arguments, int stage) {
    arguments->error = errno;
    arguments->stage = stage;
    _exit(127);
}

/// Runs in the child, on a stack of its own, sharing the parent's memory until exec: only async-signal-safe calls
/// and raw system calls, nothing that takes a lock another thread of the daemon might hold.
static int child_main(void *raw) {
    struct child_arguments *arguments = raw;
    const struct cps_spawn_request *request = arguments->request;
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) sigaction(signal, &standard, NULL);
    sigset_t none;
    sigemptyset(&none);
    setpgid(0, 0);
    umask(request->umask);
    // The output may be any number, 0 to 2 included: moved above 2 before the standard descriptors are set.
    int out = fcntl(request->output, F_DUPFD_CLOEXEC, 3);
    int input = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || input < 0 || dup2(input, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) fail(arguments, 2);
    close_from(3);
    if (request->directory && chdir(request->directory) != 0) fail(arguments, 3);
    if (request->switch_identity) {
        if (syscall(SYS_setgroups, request->group_count, request->groups) != 0) fail(arguments, 4);
        if (syscall(SYS_setresgid, request->gid, request->gid, request->gid) != 0) fail(arguments, 5);
        if (syscall(SYS_setresuid, request->uid, request->uid, request->uid) != 0) fail(arguments, 6);
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, _NSIG / 8);
    execve(request->path, request->argv, request->envp);
    return fail(arguments, 7);
}

int cps_spawn(const struct cps_spawn_request *request, pid_t *pid, const char **stage) {
    // As glibc's posix_spawn does: clone with CLONE_VM | CLONE_VFORK onto a stack of the child's own. No page tables
    // are copied (fork of a large daemon cost more than the task), and the parent waits only until the exec.
    const size_t stack_size = 64 * 1024;
    char *stack = malloc(stack_size);
    if (!stack) { *stage = stages[1]; return ENOMEM; }
    struct child_arguments arguments = { request, 0, 0 };
    // No signal handler of the daemon may run in the child while it shares the daemon's memory.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    pid_t child = clone(child_main, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &arguments);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    free(stack);
    if (child < 0) { *stage = stages[0]; return clone_error; }
    if (arguments.error != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        *stage = stages[arguments.stage];
        return arguments.error;
    }
    *pid = child;
    return 0;
}

int cps_malloc_trim(void) {
    return malloc_trim(0);
}

int cps_malloc_map_from(size_t bytes) {
    return mallopt(M_MMAP_THRESHOLD, (int)bytes);
}

int cps_exchange_paths(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0 ? 0 : errno;
}

long cps_release_executable_pages(void) {
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length <= 0) return -1;
    self[length] = 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) return -1;
    char line[4608];
    long advised = 0;
    while (fgets(line, sizeof(line), maps)) {
        unsigned long start, end;
        char perms[5], path[4096];
        path[0] = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %4095s", &start, &end, perms, path) < 3) continue;
        // Code only: a read-only mapping may be RELRO, written by the loader's relocations (dropping those pages
        // would bring back the file's unrelocated bytes).
        if (strcmp(path, self) != 0 || perms[0] != 'r' || perms[1] == 'w' || perms[2] != 'x') continue;
        if (madvise((void *)start, end - start, MADV_DONTNEED) == 0) advised += (long)(end - start);
    }
    fclose(maps);
    return advised;
}
