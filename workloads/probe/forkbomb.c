/*
 * forkbomb.c - a process-hungry neighbour: forks children that only sleep,
 * until --limit of them or the first EAGAIN (RLIMIT_NPROC, pids.max), then
 * holds them until the time limit.
 *
 * All children join one process group, led by the first, so a single
 * kill(-group, SIGKILL) ends them however many there are; each child also
 * asks for SIGKILL when the thread that forked it dies, so even a probe
 * killed with SIGKILL leaves nothing behind. SIGINT/SIGTERM reach the
 * runner, which stops the worker, which kills and reaps the group.
 */
#include "build-config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

struct forkbomb_state {
	uint64_t limit;
	bool hold;
	_Atomic uint64_t procs;
	const char *_Atomic stopped;
};

/* A child: sleeps until killed, and dies with its parent. */
static noreturn void
forkbomb_child(pid_t parent, pid_t group)
{
	setpgid(0, group);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	probe_child_signals();
	for (;;)
		pause();
}

static int
forkbomb_work(struct worker *w)
{
	struct forkbomb_state *st = w->state;
	pid_t parent = getpid(), group = 0;
	int err = 0;

	while (!worker_stopping(w)) {
		if (atomic_load(&st->procs) >= st->limit || worker_claim(w, 1) == 0) {
			atomic_store(&st->stopped, "limit");
			break;
		}
		uint64_t t0 = mono_ns();
		pid_t pid = fork();
		if (pid < 0) {
			if (errno == EAGAIN)
				atomic_store(&st->stopped, "eagain");
			else
				err = errno;
			break;
		}
		if (pid == 0)
			forkbomb_child(parent, group);
		/* Both sides set the group, so it is set before either goes on. */
		if (group == 0)
			group = pid;
		setpgid(pid, group);
		worker_add(w, mono_ns() - t0, 1, NULL);
		atomic_fetch_add(&st->procs, 1);
	}
	while (err == 0 && st->hold && !worker_stopping(w))
		poll(NULL, 0, 100);
	if (group != 0)
		kill(-group, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	if (err != 0) {
		worker_fail(w, "fork: %s", strerror(err));
		return -1;
	}
	return 0;
}

static void
forkbomb_extras(struct report *r, const struct tally *t, double secs,
		bool summary, void *state)
{
	struct forkbomb_state *st = state;

	report_u64(r, "procs", atomic_load(&st->procs));
	if (summary) {
		const char *why = atomic_load(&st->stopped);
		report_str(r, "stopped", why ? why : probe_interrupted() ? "signal" : "time");
	}
}

int
forkbomb_run(const struct bench *b, const struct probe_opts *o)
{
	struct forkbomb_state st = { .limit = o->limit ? o->limit : 1000 };
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "forks/s",
		.threads = 1,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = forkbomb_work,
		.extras = forkbomb_extras,
	};
	char err[256];

	st.hold = spec.time > 0;
	probe_ready(b->name);
	if (runner_run(&spec, err, sizeof err) != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}
