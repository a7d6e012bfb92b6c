/*
 * fork.c - process creation cost: fork, the child exits at once, the
 * parent waits. With --exec the child execs the probe itself with the
 * hidden "true" benchmark, which returns before doing anything: that needs
 * nothing but the probe binary, so it works in a rootfs with no /bin/true.
 */
#include "build-config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

struct fork_state {
	const char *self;	/* NULL unless --exec */
};

static int
fork_work(struct worker *w)
{
	const struct fork_state *st = w->state;
	char *const argv[] = { (char *)"isolab-probe", (char *)"true", NULL };
	char *const envp[] = { NULL };

	while (!worker_stopping(w) && worker_claim(w, 1) == 1) {
		uint64_t t0 = mono_ns();
		pid_t pid = fork();
		if (pid < 0) {
			worker_fail(w, "fork: %s", strerror(errno));
			return -1;
		}
		if (pid == 0) {
			if (st->self != NULL) {
				execve(st->self, argv, envp);
				_exit(127);
			}
			_exit(0);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				worker_fail(w, "waitpid: %s", strerror(errno));
				return -1;
			}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			worker_fail(w, "child %s", st->self ? "could not exec the probe" : "failed");
			return -1;
		}
		worker_add(w, mono_ns() - t0, 1, NULL);
	}
	return 0;
}

static void
fork_extras(struct report *r, const struct tally *t, double secs, bool summary,
	    void *state)
{
	const struct fork_state *st = state;

	if (summary)
		report_u64(r, "exec", st->self != NULL);
}

int
fork_run(const struct bench *b, const struct probe_opts *o)
{
	struct fork_state st = { .self = NULL };
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "forks/s",
		.threads = 1,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = fork_work,
		.extras = fork_extras,
	};
	char err[256];

	probe_ready(b->name);
	if (o->exec) {
		st.self = probe_self_path(o);
		if (st.self == NULL)
			probe_fail(b->name, "cannot find the probe's own path to exec (no /proc, argv[0] without '/')");
	}
	if (runner_run(&spec, err, sizeof err) != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}
