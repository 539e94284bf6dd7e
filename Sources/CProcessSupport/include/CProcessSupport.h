#ifndef CPROCESSSUPPORT_H
#define CPROCESSSUPPORT_H

#include <spawn.h>

/// pipe2(O_CLOEXEC): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not set.
/// Close-on-exec from birth keeps a pipe from leaking into processes other threads spawn meanwhile.
int cps_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np, hidden behind _GNU_SOURCE for the same reason:
/// lets a child start in its working directory without a chdir of the whole daemon.
int cps_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
