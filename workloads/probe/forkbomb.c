/*
 * forkbomb.c - a process-hungry neighbour: forks children that only sleep,
 * until --limit of them or the first EAGAIN (RLIMIT_NPROC, pids.max), and
 * then keeps pressing until the time limit, as the studies' bombs did:
 *
 *   - at EAGAIN it goes on calling fork(), each call failing (or taking a
 *     slot that another process freed), and reports the failed forks per
 *     second (failed_s);
 *   - at its own --limit it goes on forking children that exit at once,
 *     each reaped before the next, so it holds at most limit + 1 processes
 *     and its fork rate stays up.
 *
 * With --events the bomb stops at that many forks and holds its children
 * quietly: the work it was asked for is done. Without --time (no end but
 * a signal) it holds quietly too.
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

enum { C_FAILED };

struct forkbomb_state {
	uint64_t limit;
	bool hold;
	_Atomic uint64_t procs;
	_Atomic uint64_t failed;
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

/* Forks one sleeping child into group (0: the child leads a new one);
 * returns its pid, or -1 with errno. The fork's time is recorded. */
static pid_t
forkbomb_fork(struct worker *w, struct forkbomb_state *st, pid_t parent, pid_t *group)
{
	uint64_t t0 = mono_ns();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		forkbomb_child(parent, *group);
	/* Both sides set the group, so it is set before either goes on. */
	if (*group == 0)
		*group = pid;
	setpgid(pid, *group);
	worker_add(w, mono_ns() - t0, 1, NULL);
	atomic_fetch_add(&st->procs, 1);
	return pid;
}

/* At the limit: one more fork, until the run ends. At EAGAIN a failed
 * call is counted, and a success (a freed slot) keeps its child; at the
 * bomb's own limit the child exits at once and is reaped. Returns 0, or
 * an errno that ends the run. */
static int
forkbomb_press(struct worker *w, struct forkbomb_state *st, pid_t parent, pid_t *group, bool eagain)
{
	static const uint64_t one_failed[TALLY_COUNTERS] = { [C_FAILED] = 1 };
	if (eagain) {
		if (forkbomb_fork(w, st, parent, group) >= 0)
			return 0;
		if (errno != EAGAIN)
			return errno;
		worker_count(w, one_failed);
		atomic_fetch_add(&st->failed, 1);
		return 0;
	}
	uint64_t t0 = mono_ns();
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		if (errno != EAGAIN)
			return errno;
		worker_count(w, one_failed);
		atomic_fetch_add(&st->failed, 1);
		return 0;
	}
	worker_add(w, mono_ns() - t0, 1, NULL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static int
forkbomb_work(struct worker *w)
{
	struct forkbomb_state *st = w->state;
	pid_t parent = getpid(), group = 0;
	int err = 0;
	bool press = false, eagain = false;

	while (!worker_stopping(w)) {
		if (worker_claim(w, 1) == 0) {
			atomic_store(&st->stopped, "events");
			break;
		}
		if (atomic_load(&st->procs) >= st->limit) {
			atomic_store(&st->stopped, "limit");
			press = true;
			break;
		}
		if (forkbomb_fork(w, st, parent, &group) < 0) {
			if (errno == EAGAIN) {
				atomic_store(&st->stopped, "eagain");
				press = eagain = true;
			} else {
				err = errno;
			}
			break;
		}
	}
	/* Pressing needs an end: a time limit (st->hold). */
	while (err == 0 && press && st->hold && !worker_stopping(w))
		err = forkbomb_press(w, st, parent, &group, eagain);
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
	/* The pressure kept at the limit: failed forks per second. */
	report_fixed(r, "failed_s", secs > 0 ? (double)t->c[C_FAILED] / secs : 0, 1);
	if (summary) {
		report_u64(r, "failed", atomic_load(&st->failed));
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
