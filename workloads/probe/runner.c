/* runner.c - worker threads and the interval coordinator; see runner.h. */
#include "build-config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

/* One worker's double-buffered tally. Aligned so that two workers'
 * sequence numbers never share a cache line. */
struct slot {
	_Alignas(64) _Atomic uint64_t enter;
	_Atomic uint64_t leave;
	_Atomic unsigned phase;
	struct tally t[2];
};

struct runner {
	const struct runner_spec *spec;
	atomic_bool stop;
	_Atomic uint64_t claimed;
	atomic_uint running;
	pthread_mutex_t err_lock;
	bool failed;
	char err[256];
	pid_t pid;
};

static void
tally_reset(struct tally *t)
{
	t->events = 0;
	memset(t->c, 0, sizeof t->c);
	hist_reset(&t->hist);
}

static void
tally_merge(struct tally *dst, const struct tally *src)
{
	dst->events += src->events;
	for (int i = 0; i < TALLY_COUNTERS; i++)
		dst->c[i] += src->c[i];
	hist_merge(&dst->hist, &src->hist);
}

bool
worker_stopping(const struct worker *w)
{
	return atomic_load_explicit(&w->run->stop, memory_order_relaxed);
}

uint64_t
worker_claim(struct worker *w, uint64_t n)
{
	uint64_t limit = w->run->spec->events;

	if (limit == 0)
		return n;
	uint64_t old = atomic_fetch_add_explicit(&w->run->claimed, n,
						 memory_order_relaxed);
	if (old >= limit)
		return 0;
	return limit - old < n ? limit - old : n;
}

/* One record into the worker's current tally: a histogram value when ns
 * is given, events and counter increments (c may be NULL). */
static void
worker_record(struct worker *w, const uint64_t *ns, uint64_t events, const uint64_t *c)
{
	struct slot *s = w->slot;
	uint64_t seq = ++w->seq;

	atomic_store_explicit(&s->enter, seq, memory_order_seq_cst);
	struct tally *t = &s->t[atomic_load_explicit(&s->phase,
						     memory_order_seq_cst)];
	if (ns != NULL)
		hist_record(&t->hist, *ns);
	t->events += events;
	if (c != NULL)
		for (int i = 0; i < TALLY_COUNTERS; i++)
			t->c[i] += c[i];
	atomic_store_explicit(&s->leave, seq, memory_order_release);
}

void
worker_add(struct worker *w, uint64_t ns, uint64_t events, const uint64_t *c)
{
	worker_record(w, &ns, events, c);
}

void
worker_count(struct worker *w, const uint64_t *c)
{
	worker_record(w, NULL, 0, c);
}

void
worker_stop_all(struct worker *w)
{
	atomic_store(&w->run->stop, true);
	kill(w->run->pid, SIGUSR1);
}

void
worker_fail(struct worker *w, const char *fmt, ...)
{
	struct runner *run = w->run;
	va_list ap;

	pthread_mutex_lock(&run->err_lock);
	if (!run->failed) {
		run->failed = true;
		va_start(ap, fmt);
		vsnprintf(run->err, sizeof run->err, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&run->err_lock);
	worker_stop_all(w);
}

/* Moves what the worker recorded since the last call into dst. */
static void
slot_collect(struct slot *s, struct tally *dst)
{
	unsigned old = atomic_load_explicit(&s->phase, memory_order_relaxed);

	atomic_store_explicit(&s->phase, old ^ 1u, memory_order_seq_cst);
	uint64_t entered = atomic_load_explicit(&s->enter, memory_order_seq_cst);
	while (atomic_load_explicit(&s->leave, memory_order_acquire) < entered)
		sched_yield();
	tally_merge(dst, &s->t[old]);
	tally_reset(&s->t[old]);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct runner *run = w->run;

	run->spec->work(w);
	/* The last worker out wakes the coordinator, which would otherwise
	 * sleep until the next interval boundary. */
	if (atomic_fetch_sub(&run->running, 1) == 1)
		kill(run->pid, SIGUSR1);
	return NULL;
}

static double
tally_rate(const struct runner_spec *spec, const struct tally *t, double secs)
{
	if (secs <= 0)
		return 0;
	if (spec->rate != NULL)
		return spec->rate(t, secs, spec->state);
	return (double)t->events / secs;
}

static void
print_interval(const struct runner_spec *spec, unsigned n, double t_s,
	       const struct tally *t, double secs)
{
	struct report r;

	report_begin(&r, spec->bench, "interval");
	report_u64(&r, "n", n);
	report_fixed(&r, "t", t_s, 3);
	report_u64(&r, "events", t->events);
	report_fixed(&r, "rate", tally_rate(spec, t, secs), 2);
	report_str(&r, "rate_unit", spec->rate_unit);
	report_hist(&r, &t->hist);
	if (spec->extras != NULL)
		spec->extras(&r, t, secs, false, spec->state);
	report_emit(&r);
}

static void
print_summary(const struct runner_spec *spec, const struct tally *t, double secs)
{
	struct report r;

	report_begin(&r, spec->bench, "summary");
	report_fixed(&r, "elapsed", secs, 3);
	report_u64(&r, "events", t->events);
	report_fixed(&r, "rate", tally_rate(spec, t, secs), 2);
	report_str(&r, "rate_unit", spec->rate_unit);
	report_hist(&r, &t->hist);
	report_u64(&r, "threads", spec->threads);
	if (spec->extras != NULL)
		spec->extras(&r, t, secs, true, spec->state);
	report_emit(&r);
}

/* Sleeps until `until` (monotonic ns) or a signal; true if a signal that
 * asks to stop or re-check arrived. */
static bool
wait_until(uint64_t until, const sigset_t *set)
{
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= until)
			return false;
		uint64_t d = until - now;
		struct timespec ts = { .tv_sec = (time_t)(d / 1000000000u),
				       .tv_nsec = (long)(d % 1000000000u) };
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			probe_set_interrupted();
			return true;
		}
		if (sig == SIGUSR1)
			return true;
		if (sig < 0 && errno != EINTR && errno != EAGAIN)
			return true;
	}
}

int
runner_run(const struct runner_spec *spec, char *err, size_t errlen)
{
	struct runner run = { .spec = spec, .pid = getpid() };
	unsigned n = spec->threads ? spec->threads : 1;
	struct worker *w = calloc(n, sizeof *w);
	struct slot **slots = calloc(n, sizeof *slots);
	pthread_t *tid = calloc(n, sizeof *tid);
	struct tally *cur = malloc(sizeof *cur), *all = malloc(sizeof *all);
	sigset_t set;
	unsigned started = 0;

	if (!w || !slots || !tid || !cur || !all)
		probe_fail(spec->bench, "out of memory");
	pthread_mutex_init(&run.err_lock, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	tally_reset(cur);
	tally_reset(all);
	for (unsigned i = 0; i < n; i++) {
		slots[i] = aligned_alloc(64, (sizeof(struct slot) + 63) & ~(size_t)63);
		if (slots[i] == NULL)
			probe_fail(spec->bench, "out of memory");
		atomic_init(&slots[i]->enter, 0);
		atomic_init(&slots[i]->leave, 0);
		atomic_init(&slots[i]->phase, 0);
		tally_reset(&slots[i]->t[0]);
		tally_reset(&slots[i]->t[1]);
		w[i] = (struct worker){ .run = &run, .id = i, .state = spec->state,
					.slot = slots[i] };
	}

	uint64_t start = mono_ns(), last = start;
	uint64_t step = (uint64_t)(spec->interval * 1e9);
	uint64_t end = spec->time > 0 ? start + (uint64_t)(spec->time * 1e9) : UINT64_MAX;
	if (step == 0)
		step = 1;
	atomic_store(&run.running, n);
	for (; started < n; started++) {
		int e = pthread_create(&tid[started], NULL, worker_main, &w[started]);
		if (e != 0) {
			worker_fail(&w[0], "cannot start thread %u: %s", started,
				    strerror(e));
			atomic_fetch_sub(&run.running, n - started);
			break;
		}
	}

	for (unsigned k = 1;; k++) {
		uint64_t boundary = start + k * step;
		bool woke = wait_until(boundary < end ? boundary : end, &set);
		bool stopping = probe_interrupted() || mono_ns() >= end ||
				atomic_load(&run.stop) || atomic_load(&run.running) == 0;
		if (woke && !stopping) {
			k--;	/* a stray wake-up: keep waiting for the same boundary */
			continue;
		}
		if (stopping) {
			atomic_store(&run.stop, true);
			for (unsigned i = 0; i < started; i++)
				pthread_join(tid[i], NULL);
		}
		uint64_t now = mono_ns();
		for (unsigned i = 0; i < n; i++)
			slot_collect(slots[i], cur);
		double secs = ns_to_s(now - last);
		/* A run cut short just after a boundary leaves a sliver with
		 * nothing in it; a line for it would only add noise. */
		if (!stopping || cur->events > 0 || secs >= 0.001)
			print_interval(spec, k, ns_to_s(now - start), cur, secs);
		tally_merge(all, cur);
		tally_reset(cur);
		last = now;
		if (stopping)
			break;
	}

	int rc = 0;
	if (run.failed) {
		snprintf(err, errlen, "%s", run.err);
		rc = -1;
	} else {
		print_summary(spec, all, ns_to_s(last - start));
	}
	for (unsigned i = 0; i < n; i++)
		free(slots[i]);
	free(slots);
	free(w);
	free(tid);
	free(cur);
	free(all);
	pthread_mutex_destroy(&run.err_lock);
	return rc;
}
