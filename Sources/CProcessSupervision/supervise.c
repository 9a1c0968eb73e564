// The supervisor of one trial command; see CProcessSupervision.h.
//
// Between fork and exec (and in the supervisor, which never execs) only thin system-call wrappers are used: the
// caller is multi-threaded, and another thread may have held a lock (malloc's, say) when it forked. For the same
// reason both forks are raw clone system calls rather than fork(3): fork runs the process's pthread_atfork handlers,
// and those of OpenBLAS and libdispatch stop thread pools in the caller and, in a child that forks again, wait
// for threads that do not exist there.
#define _GNU_SOURCE
#include "CProcessSupervision.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The signal Linux sends the supervisor when the thread that forked it ends. A thread may end while the process
// lives on, so the supervisor then checks whether its parent really changed.
#define PARENT_DEATH_SIGNAL SIGUSR2

// Descriptors the supervisor keeps, moved to these numbers before it closes every other one.
enum { OUTPUT_FD = 3, STATUS_FD = 4 };

// fork(2) without glibc's atfork handlers: the child gets a copy of the caller's memory and its own stack copy.
static pid_t raw_fork(void) {
    return (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
}

static void write_errno(int fd, int value) {
    ssize_t ignored = write(fd, &value, sizeof value);
    (void)ignored;
}

static void close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
#endif
    struct rlimit limit;
    long highest = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < 1048576) {
        highest = (long)limit.rlim_cur;
    }
    for (long fd = first; fd < highest; fd++) close((int)fd);
}

// Reports errno to the caller through the status pipe, so that a spawn that failed before the command ran is an
// error there rather than a command that exited with status 127.
static void fail_before_exec(int status_fd) {
    write_errno(status_fd, errno);
    _exit(127);
}

// Runs in the command's process, after the second fork: never returns.
static void exec_command(const char *path, char *const argv[], char *const envp[], const char *directory) {
    sigset_t none;
    sigemptyset(&none);
    for (int number = 1; number < NSIG; number++) {
        if (number != SIGKILL && number != SIGSTOP) signal(number, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(OUTPUT_FD, 1) < 0 || dup2(OUTPUT_FD, 2) < 0) {
        write_errno(STATUS_FD, errno);
        _exit(127);
    }
    if (null_fd > 2) close(null_fd);
    close(OUTPUT_FD);
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    if (directory != NULL && chdir(directory) != 0) {
        write_errno(STATUS_FD, errno);
        _exit(127);
    }
    execve(path, argv, envp);
    write_errno(STATUS_FD, errno);
    _exit(127);
}

// Ends the supervisor the way the command ended.
static void exit_like(int status) {
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        int number = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(number, SIG_DFL);
        sigset_t just;
        sigemptyset(&just);
        sigaddset(&just, number);
        sigprocmask(SIG_UNBLOCK, &just, NULL);
        kill(getpid(), number);
    }
    _exit(128);
}

// Runs in the supervisor, after the first fork: never returns.
static void supervise(pid_t caller, const char *path, char *const argv[], char *const envp[], const char *directory,
                      int output_fd, int status_fd) {
    // Every signal waits in the mask; the loop below takes only a child's end and the parent's death. Signals sent
    // to the whole group (SIGTERM from augur) reach the command itself, which decides; the supervisor follows it.
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL);
    if (getppid() != caller) _exit(127);  // The caller died before the request took effect.
    prctl(PR_SET_NAME, "augur-trial", 0, 0, 0);

    // Keep the output pipe and the status pipe; close everything else the caller had open (its sockets and
    // database files must not stay open for as long as a trial runs).
    if (output_fd != OUTPUT_FD) {
        if (status_fd == OUTPUT_FD) {
            int moved = fcntl(status_fd, F_DUPFD, STATUS_FD + 1);
            if (moved < 0) fail_before_exec(status_fd);
            status_fd = moved;
        }
        if (dup2(output_fd, OUTPUT_FD) < 0) fail_before_exec(status_fd);
    }
    if (status_fd != STATUS_FD && dup2(status_fd, STATUS_FD) < 0) fail_before_exec(status_fd);
    close_from(STATUS_FD + 1);

    pid_t command = raw_fork();
    if (command < 0) {
        write_errno(STATUS_FD, errno);
        _exit(127);
    }
    if (command == 0) exec_command(path, argv, envp, directory);
    close(OUTPUT_FD);
    close(STATUS_FD);

    sigset_t awaited;
    sigemptyset(&awaited);
    sigaddset(&awaited, SIGCHLD);
    sigaddset(&awaited, PARENT_DEATH_SIGNAL);
    for (;;) {
        int status = 0;
        pid_t reaped = waitpid(command, &status, WNOHANG);
        if (reaped == command) exit_like(status);
        if (reaped < 0 && errno != EINTR) _exit(128);
        if (getppid() != caller) {
            // augur is gone: nothing of this trial may go on running.
            kill(0, SIGKILL);
            _exit(137);
        }
        siginfo_t info;
        sigwaitinfo(&awaited, &info);
    }
}

// Finds `program` in PATH as execvp would (before forking, where allocation is still allowed).
static char *resolve(const char *program) {
    if (strchr(program, '/') != NULL) return strdup(program);
    const char *search = getenv("PATH");
    if (search == NULL || *search == '\0') search = "/usr/local/bin:/usr/bin:/bin";
    size_t program_length = strlen(program);
    char *first_found = NULL;
    const char *start = search;
    for (;;) {
        const char *end = strchr(start, ':');
        size_t length = end != NULL ? (size_t)(end - start) : strlen(start);
        const char *directory = length == 0 ? "." : start;
        size_t directory_length = length == 0 ? 1 : length;
        char *candidate = malloc(directory_length + 1 + program_length + 1);
        if (candidate == NULL) return NULL;
        memcpy(candidate, directory, directory_length);
        candidate[directory_length] = '/';
        memcpy(candidate + directory_length + 1, program, program_length + 1);
        if (access(candidate, X_OK) == 0) {
            free(first_found);
            return candidate;
        }
        if (first_found == NULL && access(candidate, F_OK) == 0) {
            first_found = candidate;  // Exists but not executable: exec reports EACCES, as execvp would.
        } else {
            free(candidate);
        }
        if (end == NULL) break;
        start = end + 1;
    }
    return first_found;
}

pid_t augur_spawn_supervised(const char *program, char *const argv[], char *const envp[], const char *directory,
                             int output_fd, int *error_number) {
    char *path = resolve(program);
    if (path == NULL) {
        *error_number = ENOENT;
        return -1;
    }
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) {
        *error_number = errno;
        free(path);
        return -1;
    }
    pid_t caller = getpid();
    // No signal may reach the child while it still has augur's handlers and process group (a terminal's Ctrl-C
    // goes to the whole foreground group): it starts with every signal blocked, as posix_spawn's children do, and
    // the supervisor keeps them blocked.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t supervisor = raw_fork();
    int fork_error = errno;
    if (supervisor != 0) pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (supervisor < 0) {
        *error_number = fork_error;
        close(status_pipe[0]);
        close(status_pipe[1]);
        free(path);
        return -1;
    }
    if (supervisor == 0) {
        close(status_pipe[0]);
        supervise(caller, path, argv, envp, directory, output_fd, status_pipe[1]);
    }
    free(path);
    close(status_pipe[1]);
    // Wait for the command's exec: the pipe closes on success, or carries exec's errno.
    int reported = 0;
    ssize_t count;
    do {
        count = read(status_pipe[0], &reported, sizeof reported);
    } while (count < 0 && errno == EINTR);
    close(status_pipe[0]);
    if (count == (ssize_t)sizeof reported) {
        int status;
        while (waitpid(supervisor, &status, 0) < 0 && errno == EINTR) {}
        *error_number = reported;
        return -1;
    }
    return supervisor;
}

int augur_cloexec_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
