/*
 * ctxsw.c - context switch cost, as lmbench lat_pipe and perf bench sched
 * pipe measure it: two processes and two pipes, one byte each way; each
 * round trip forces two switches and is one event.
 *
 * --cpu-pin puts both processes on the CPU the probe starts on, so every
 * switch is a same-CPU switch (no cross-CPU wake-up); perf bench sched
 * pipe does not pin by default, which is what the reference bench matches.
 */

#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

struct ctxsw_state {
	int to_child;
	int from_child;
};

/* The echo side: returns when the parent closes its pipe. */
static noreturn void
ctxsw_child(int in, int out)
{
	char c;

	for (;;) {
		ssize_t r = read(in, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1 || write(out, &c, 1) != 1)
			_exit(0);
	}
}

static int
ctxsw_work(struct worker *w)
{
	const struct ctxsw_state *st = w->state;
	char c = 'x';

	while (!worker_stopping(w) && worker_claim(w, 1) == 1) {
		uint64_t t0 = mono_ns();
		if (write(st->to_child, &c, 1) != 1 || read(st->from_child, &c, 1) != 1) {
			worker_fail(w, "pipe ping-pong: %s", errno ? strerror(errno) : "child exited");
			return -1;
		}
		worker_add(w, mono_ns() - t0, 1, NULL);
	}
	return 0;
}

static void
ctxsw_extras(struct report *r, const struct tally *t, double secs, bool summary,
	     void *state)
{
	report_fixed(r, "us_per_roundtrip", hist_mean(&t->hist) / 1000.0, 2);
}

int
ctxsw_run(const struct bench *b, const struct probe_opts *o)
{
	int down[2], up[2];
	struct ctxsw_state st;
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "roundtrips/s",
		.threads = 1,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = ctxsw_work,
		.extras = ctxsw_extras,
	};
	char err[256];

	probe_ready(b->name);
	if (o->cpu_pin) {
		cpu_set_t set;
		int cpu = sched_getcpu();
		CPU_ZERO(&set);
		CPU_SET(cpu < 0 ? 0 : cpu, &set);
		/* Set before fork so the child inherits it, and before the
		 * runner's threads start so the worker inherits it too. */
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			probe_fail(b->name, "cannot pin to CPU %d: %s", cpu, strerror(errno));
	}
	if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0)
		probe_fail(b->name, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		probe_fail(b->name, "fork: %s", strerror(errno));
	if (pid == 0) {
		probe_child_signals();
		close(down[1]);
		close(up[0]);
		ctxsw_child(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	st.to_child = down[1];
	st.from_child = up[0];
	int rc = runner_run(&spec, err, sizeof err);
	close(st.to_child);
	close(st.from_child);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (rc != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}
