#ifndef AUGUR_C_PROCESS_SUPERVISION_H
#define AUGUR_C_PROCESS_SUPERVISION_H

#include <sys/types.h>

/// Starts `argv[0]` as a trial command that cannot outlive the process that started it.
///
/// The new process is a small supervisor (a fork of the caller that never returns to Swift) which leads a process
/// group of its own and runs the command as its only child, in that group. The supervisor
/// - asks Linux for a signal when the caller dies (PR_SET_PDEATHSIG); when the caller is gone it kills the whole group
///   with SIGKILL, so that nothing the trial started survives a `kill -9` of augur;
/// - exits as the command exits: with its exit status, or by the signal that ended it, so the caller's `waitpid`
///   sees what it would have seen of the command itself.
///
/// The command gets standard input from /dev/null, standard output and error on `output_fd`, `directory` as its
/// working directory, the environment `envp`, no blocked signals and every signal at its default action.
/// `argv[0]` without a slash is searched in the caller's PATH, as posix_spawnp does.
///
/// The caller must serialize calls, and must have made every descriptor it does not want inherited close-on-exec.
///
/// Returns the supervisor's pid (which is also the group id), or -1 with `*error_number` set (an errno value, e.g.
/// ENOENT when the program does not exist; the command never ran).
pid_t augur_spawn_supervised(const char *program, char *const argv[], char *const envp[], const char *directory,
                             int output_fd, int *error_number);

#endif
