/*
 * syscall.c - the cost of entering the kernel.
 *
 * Calls are made through syscall(2) so that glibc can neither cache them
 * (getpid once was) nor route them through the vDSO (clock_gettime would
 * then never enter the kernel, which is the point under gVisor or a VM).
 * Reading the clock around every call would double what is measured, so
 * calls are timed in batches of 1000 and each batch adds its per-call mean
 * to the histogram: percentiles describe batches, not single calls.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

#define SYSCALL_BATCH 1000

enum call { CALL_GETPPID, CALL_OPEN, CALL_STAT, CALL_CLOCK };

struct syscall_state {
	enum call call;
};

static int
syscall_work(struct worker *w)
{
	const struct syscall_state *st = w->state;
	uint64_t n;

	while (!worker_stopping(w) && (n = worker_claim(w, SYSCALL_BATCH)) > 0) {
		struct timespec ts;
		struct stat sb;
		uint64_t t0 = mono_ns();
		switch (st->call) {
		case CALL_GETPPID:
			for (uint64_t i = 0; i < n; i++)
				syscall(SYS_getppid);
			break;
		case CALL_OPEN:
			for (uint64_t i = 0; i < n; i++) {
				int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				if (fd < 0) {
					worker_fail(w, "open /dev/null: %s", strerror(errno));
					return -1;
				}
				close(fd);
			}
			break;
		case CALL_STAT:
			for (uint64_t i = 0; i < n; i++)
				if (stat("/", &sb) != 0) {
					worker_fail(w, "stat /: %s", strerror(errno));
					return -1;
				}
			break;
		case CALL_CLOCK:
			for (uint64_t i = 0; i < n; i++)
				syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
			break;
		}
		worker_add(w, (mono_ns() - t0) / n, n, NULL);
	}
	return 0;
}

static void
syscall_extras(struct report *r, const struct tally *t, double secs,
	       bool summary, void *state)
{
	const struct syscall_state *st = state;
	static const char *const names[] = { "getppid", "open", "stat", "clock_gettime" };
	/* Each histogram value is a batch's per-call mean, and every batch
	 * but a final partial one has SYSCALL_BATCH calls, so the mean of
	 * the histogram is the mean cost per call. */
	report_fixed(r, "ns_per_call", hist_mean(&t->hist), 1);
	if (summary)
		report_str(r, "call", names[st->call]);
}

int
syscall_run(const struct bench *b, const struct probe_opts *o)
{
	static const char *const calls[] = { "getppid", "open", "stat", "clock_gettime", NULL };
	struct syscall_state st = {
		.call = o->call ? (enum call)probe_choice(b->name, "--call", o->call, calls)
				: CALL_GETPPID,
	};
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "calls/s",
		.threads = o->threads,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = syscall_work,
		.extras = syscall_extras,
	};
	char err[256];

	probe_ready(b->name);
	if (runner_run(&spec, err, sizeof err) != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}
