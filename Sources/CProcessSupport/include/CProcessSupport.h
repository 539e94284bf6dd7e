#ifndef CPROCESSSUPPORT_H
#define CPROCESSSUPPORT_H

#include <spawn.h>
#include <sys/types.h>
#include <pthread.h>

/// pipe2(O_CLOEXEC): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not set.
/// Close-on-exec from birth keeps a pipe from leaking into processes other threads spawn meanwhile.
int cps_pipe_cloexec(int fds[2]);

/// What a task process is started with. The child receives exactly three descriptors
/// (stdin from /dev/null, stdout and stderr to `output`), whatever the daemon holds open.
struct cps_spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    /// NULL: the daemon's working directory.
    const char *directory;
    int output;
    /// The file-creation mask of the child (the daemon's own is 077).
    mode_t umask;
    /// Non-zero: switch to uid/gid/groups before exec (the daemon must be root).
    int switch_identity;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t group_count;
};

/// Starts a process in a new process group with default signal handling.
/// Returns 0 and sets *pid, or an errno value; *stage then names the step that failed
/// ("chdir", "setgroups", "setgid", "setuid", "exec", "clone", "descriptors").
int cps_spawn(const struct cps_spawn_request *request, pid_t *pid, const char **stage);

/// malloc_trim(0): glibc's malloc.h is not in Swift's Glibc module. Gives freed memory back to the system.
int cps_malloc_trim(void);

/// mallopt(M_MMAP_THRESHOLD, bytes): allocations of `bytes` and more get a mapping of their own, given back on free,
/// and the threshold stops moving. Returns 1 on success.
int cps_malloc_map_from(size_t bytes);

/// renameat2(RENAME_EXCHANGE): swaps two paths (directories too) in one atomic step, so that a published
/// partition is replaced whole or not at all. Returns 0 or an errno value.
int cps_exchange_paths(const char *a, const char *b);

/// Lets go of this process's resident pages of its own executable's code (MADV_DONTNEED on its r-x mappings,
/// never written: their pages stay in the page cache, and what is used again comes back as a minor fault). Start-up reads much of a large static binary once; the idle daemon needs little of it.
/// Returns the bytes of the mappings advised, or -1 when /proc/self/maps cannot be read.
long cps_release_executable_pages(void);

#endif
