/*
 * exec.c — fork/exec with a status pipe.
 *
 * We fork rather than posix_spawn because the child must join cgroups and
 * start a process group before exec, and the parent must learn about a
 * failed execve as an error with a cause, not as an exit status. The child
 * only makes async-signal-safe calls between fork and exec, since the
 * engine is multi-threaded.
 *
 * A child that joins no cgroup is made with vfork: it borrows isolab's
 * memory until it execs, where fork copies the page tables of all of
 * isolab (0.3-1 ms here, measured with perf trace, on the start-up path
 * of every instance, twice for an OCI runtime's create and start). It
 * then only writes its own locals and the status pipe. Every signal is
 * blocked around the vfork, so that no handler of isolab's runs in the
 * child before it has reset them. A child that joins cgroups is forked:
 * moving a task that shares isolab's memory would rebind that memory to
 * the container's cpuset. Builds with AddressSanitizer fork always.
 */
#include "exec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int exec_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

char *exec_which(const char *argv0)
{
	if (strchr(argv0, '/'))
		return access(argv0, X_OK) == 0 ? xstrdup(argv0) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char *copy = xstrdup(path), *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", *dir ? dir : ".", argv0);
		if (access(cand, X_OK) == 0) {
			free(copy);
			return cand;
		}
		free(cand);
	}
	free(copy);
	return NULL;
}

char *exec_probe_path(void)
{
	const char *env = getenv("ISOLAB_PROBE");
	if (env && *env)
		return access(env, X_OK) == 0 ? xstrdup(env) : NULL;
	char *beside = path_beside_self("isolab-probe", X_OK);
	return beside ? beside : exec_which("isolab-probe");
}

/* In the child: report errno on the status pipe and die. */
static void __attribute__((noreturn)) child_fail(int st, int what)
{
	int msg[2] = { what, errno };
	ssize_t w = write(st, msg, sizeof msg);
	(void)w;
	_exit(127);
}

enum { FAIL_CGROUP = 1, FAIL_CWD, FAIL_EXEC, FAIL_FDS, FAIL_NETNS };

/* In the child: closes every fd from lo up, except keep. */
static void close_from(int lo, int keep)
{
#ifdef SYS_close_range
	if ((keep <= lo || syscall(SYS_close_range, (unsigned)lo, (unsigned)keep - 1, 0) == 0) &&
	    syscall(SYS_close_range, (unsigned)(keep < lo ? lo : keep + 1), ~0U, 0) == 0)
		return;
#endif
	for (int fd = lo; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

int exec_spawn(char *const *argv, const struct exec_opts *given, struct exec_child *out, char **cause)
{
	static const struct exec_opts defaults;
	/* In memory, not a register, across the vfork below. */
	const struct exec_opts *volatile opts = given ? given : &defaults;
	if (!argv || !argv[0] || !*argv[0])
		return err_set(cause, "empty command");
	_cleanup_free_ char *path = exec_which(argv[0]);
	if (!path)
		return err_set(cause, "%s: command not found", argv[0]);

	int outp[2] = { -1, -1 }, st[2];
	if (!opts->no_pipe && pipe2(outp, O_CLOEXEC) < 0)
		return err_errno(cause, "pipe");
	if (pipe2(st, O_CLOEXEC) < 0) {
		if (outp[0] >= 0) {
			close(outp[0]);
			close(outp[1]);
		}
		return err_errno(cause, "pipe");
	}
	char *const *envp = opts->envp ? opts->envp : environ;

	sigset_t all, saved;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
#if defined(__SANITIZE_ADDRESS__)
	pid_t pid = fork();
#else
	pid_t pid = opts->cgroup_procs ? fork() : vfork();
#endif
	if (pid == 0) {
		setpgid(0, 0);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigset_t empty;
		sigemptyset(&empty);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		if (opts->cgroup_procs) {
			for (const char *const *cg = opts->cgroup_procs; *cg; cg++) {
				int fd = open(*cg, O_WRONLY | O_CLOEXEC);
				if (fd < 0 || write(fd, "0", 1) != 1)
					child_fail(st[1], FAIL_CGROUP);
				close(fd);
			}
		}
		if (opts->netns) {
			int fd = open(opts->netns, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
				child_fail(st[1], FAIL_NETNS);
			close(fd);
		}
		if (opts->cwd && chdir(opts->cwd) < 0)
			child_fail(st[1], FAIL_CWD);
		if (!opts->keep_stdin) {
			int nul = open("/dev/null", O_RDONLY);
			if (nul < 0 || dup2(nul, 0) < 0)
				child_fail(st[1], FAIL_FDS);
			if (nul > 2)
				close(nul);
		}
		if (!opts->no_pipe) {
			if (dup2(outp[1], 1) < 0 || dup2(outp[1], 2) < 0)
				child_fail(st[1], FAIL_FDS);
		}
		/* No engine fd leaks into a workload. close_range does it in two
		 * calls; without it (kernels before 5.9), one close per fd. st[1]
		 * stays: it is CLOEXEC and tells the parent whether exec worked. */
		close_from(3, st[1]);
		execve(path, argv, envp);
		child_fail(st[1], FAIL_EXEC);
	}
	int fork_errno = errno;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0) {
		int e = fork_errno;
		close(st[0]);
		close(st[1]);
		if (outp[0] >= 0) {
			close(outp[0]);
			close(outp[1]);
		}
		errno = e;
		return err_errno(cause, "%s: fork", argv[0]);
	}
	close(st[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	int msg[2];
	ssize_t r;
	do
		r = read(st[0], msg, sizeof msg);
	while (r < 0 && errno == EINTR);
	close(st[0]);
	if (r == (ssize_t)sizeof msg) {
		waitpid(pid, NULL, 0);
		if (outp[0] >= 0)
			close(outp[0]);
		errno = msg[1];
		switch (msg[0]) {
		case FAIL_CGROUP: return err_errno(cause, "%s: cannot join cgroup", argv[0]);
		case FAIL_CWD: return err_errno(cause, "%s: cannot chdir to %s", argv[0], opts->cwd);
		case FAIL_FDS: return err_errno(cause, "%s: cannot set up stdio", argv[0]);
		case FAIL_NETNS: return err_errno(cause, "%s: cannot join network namespace %s", argv[0], opts->netns);
		default: return err_errno(cause, "%s: cannot execute %s", argv[0], path);
		}
	}
	if (outp[0] >= 0)
		fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
	out->pid = pid;
	out->out_fd = outp[0];
	out->pidfd = exec_pidfd_open(pid);
	if (out->pidfd >= 0)
		fcntl(out->pidfd, F_SETFD, FD_CLOEXEC);
	return 0;
}

char *exec_status_str(int status)
{
	if (WIFEXITED(status))
		return xasprintf("exited with status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return xasprintf("killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	return xasprintf("ended with wait status %#x", (unsigned)status);
}

int exec_run(char *const *argv, const struct exec_opts *opts, int timeout_ms,
    char **output, size_t cap, int *status, char **cause)
{
	struct exec_opts o = opts ? *opts : (struct exec_opts){ 0 };
	o.no_pipe = 0;
	struct exec_child c;
	if (exec_spawn(argv, &o, &c, cause) < 0)
		return -1;
	size_t len = 0;
	char *buf = xmalloc(cap + 1);
	uint64_t deadline = timeout_ms > 0 ? mono_ns() + (uint64_t)timeout_ms * 1000000u : 0;
	int timed_out = 0;
	for (;;) {
		int wait_ms = -1;
		if (deadline) {
			uint64_t now = mono_ns();
			if (now >= deadline) {
				timed_out = 1;
				break;
			}
			wait_ms = (int)((deadline - now) / 1000000u) + 1;
		}
		struct pollfd p = { .fd = c.out_fd, .events = POLLIN };
		int n = poll(&p, 1, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		char tmp[4096];
		ssize_t r = read(c.out_fd, tmp, sizeof tmp);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;
		}
		size_t take = (size_t)r;
		if (take > cap - len)
			take = cap - len;
		memcpy(buf + len, tmp, take);
		len += take;
	}
	if (timed_out)
		kill(-c.pid, SIGKILL);
	close(c.out_fd);
	int ws = 0;
	while (waitpid(c.pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (c.pidfd >= 0)
		close(c.pidfd);
	buf[len] = '\0';
	if (output)
		*output = buf;
	else
		free(buf);
	if (status)
		*status = ws;
	if (timed_out) {
		if (output) {
			free(*output);
			*output = NULL;
		}
		return err_set(cause, "%s: timed out after %d ms", argv[0], timeout_ms);
	}
	return 0;
}
