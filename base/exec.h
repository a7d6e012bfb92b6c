/*
 * exec.h — spawning programs without a shell.
 *
 * Every child gets its own process group (so a whole workload tree can be
 * signalled at once), stdin from /dev/null, and stdout+stderr merged into
 * one non-blocking pipe whose read end the caller owns. The child closes
 * every other fd. Optionally the child writes itself into a cgroup's
 * cgroup.procs before exec, so nothing it forks escapes the cgroup.
 * Errors follow the contract in util.h; a failed execve is reported by the
 * parent (through a CLOEXEC status pipe), not as a child that exits 127.
 */
#ifndef ISOLAB_EXEC_H
#define ISOLAB_EXEC_H

#include <sys/types.h>

struct exec_opts {
	const char *cwd;          /* chdir before exec, or NULL */
	char *const *envp;        /* environment, or NULL for the current one */
	const char *const *cgroup_procs; /* cgroup.procs files to join, NULL-terminated, or NULL */
	int keep_stdin;           /* 1: inherit stdin instead of /dev/null */
	int no_pipe;              /* 1: inherit stdout/stderr instead of a pipe */
	const char *netns;        /* a network namespace to join (e.g. /run/netns/NAME), or NULL */
};

struct exec_child {
	pid_t pid;
	int out_fd;               /* non-blocking, CLOEXEC; -1 with no_pipe */
	int pidfd;                /* pidfd_open(pid), or -1 where the kernel lacks it */
};

/* Spawns argv[0] (searched in PATH when it has no '/'). */
int exec_spawn(char *const *argv, const struct exec_opts *opts, struct exec_child *out, char **cause);
/* Runs argv to completion, capturing at most cap bytes of output into a
 * malloc'd *output (may be NULL). Kills it after timeout_ms (0: none).
 * Returns the exit status as from waitpid in *status. */
int exec_run(char *const *argv, const struct exec_opts *opts, int timeout_ms,
    char **output, size_t cap, int *status, char **cause);
/* Describes a waitpid status: "exited with status 3", "killed by SIGKILL". */
char *exec_status_str(int status);
/* Looks argv0 up in PATH; returns a malloc'd path or NULL. */
char *exec_which(const char *argv0);
/* The isolab-probe to use, for the engine and the agent alike: $ISOLAB_PROBE,
 * else the one next to the running program (an uploaded agent brings its
 * own), else from PATH. A malloc'd path, or NULL. */
char *exec_probe_path(void);
/* pidfd_open(2), or -1 with errno. */
int exec_pidfd_open(pid_t pid);

#endif
