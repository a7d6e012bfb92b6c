/*
 * mallocbomb.c - a memory-hungry neighbour: maps and touches --step bytes
 * at a time until --limit or the first allocation failure, then keeps
 * pressing until the time limit: it goes on writing all the memory it got,
 * over and over, so that its memory stays in use (and, under a limit with
 * reclaim or swap, keeps coming back) and the memory bus stays busy, and
 * reports the bytes written per second (touched_mb_s). With --events it stops at that many steps and
 * holds what it got quietly; without --time it holds quietly too.
 *
 * Under a cgroup memory limit the kernel OOM-kills instead of failing the
 * allocation: every step therefore prints an info line at once, and the
 * last one seen tells how far the probe got before the kill.
 */
#include "build-config.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

enum { C_BYTES, C_TOUCHED };

struct mallocbomb_state {
	const char *bench;
	uint64_t step;
	uint64_t limit;
	bool hold;
	_Atomic uint64_t allocated;
	const char *_Atomic stopped;
	struct region { char *p; size_t len; } *regions;	/* what was mapped */
	size_t nregions, cap;
};

/* Writes every byte of every region once (each pass a new value, so no
 * page stays as it was); counts the bytes written. */
static void
mallocbomb_touch(struct worker *w, struct mallocbomb_state *st, unsigned pass)
{
	for (size_t i = 0; i < st->nregions && !worker_stopping(w); i++) {
		struct region *g = &st->regions[i];
		memset(g->p, (int)(pass & 0xff), g->len);
		uint64_t c[TALLY_COUNTERS] = { [C_TOUCHED] = g->len };
		worker_count(w, c);
	}
}

static int
mallocbomb_work(struct worker *w)
{
	struct mallocbomb_state *st = w->state;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t c[TALLY_COUNTERS] = { 0 };
	uint64_t n = 0;

	if (page <= 0)
		page = 4096;
	bool press = false;

	while (!worker_stopping(w)) {
		uint64_t have = atomic_load(&st->allocated);
		if (worker_claim(w, 1) == 0) {
			atomic_store(&st->stopped, "events");
			break;
		}
		if (have >= st->limit) {
			atomic_store(&st->stopped, "limit");
			press = true;
			break;
		}
		size_t len = (size_t)(st->limit - have < st->step ? st->limit - have : st->step);
		uint64_t t0 = mono_ns();
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			atomic_store(&st->stopped, errno == ENOMEM ? "enomem" : "error");
			press = errno == ENOMEM;
			break;
		}
		if (st->nregions == st->cap) {
			size_t cap = st->cap ? st->cap * 2 : 64;
			struct region *g = realloc(st->regions, cap * sizeof *g);
			if (g == NULL) {
				munmap(p, len);
				atomic_store(&st->stopped, "enomem");
				press = true;
				break;
			}
			st->regions = g;
			st->cap = cap;
		}
		st->regions[st->nregions++] = (struct region){ p, len };
		/* Touching every page is what makes the memory real. */
		for (size_t off = 0; off < len; off += (size_t)page)
			p[off] = 1;
		c[C_BYTES] = len;
		worker_add(w, mono_ns() - t0, 1, c);
		atomic_store(&st->allocated, have + len);

		struct report r;
		report_begin(&r, st->bench, "info");
		report_u64(&r, "step", ++n);
		report_fixed(&r, "allocated_mb", (double)(have + len) / 1e6, 1);
		report_emit(&r);
	}
	/* Pressing needs an end: a time limit (st->hold). */
	for (unsigned pass = 2; press && st->hold && !worker_stopping(w); pass++)
		mallocbomb_touch(w, st, pass);
	while (st->hold && !worker_stopping(w))
		poll(NULL, 0, 100);
	return 0;
}

static double
mallocbomb_rate(const struct tally *t, double secs, void *state)
{
	return (double)t->c[C_BYTES] / 1e6 / secs;
}

static void
mallocbomb_extras(struct report *r, const struct tally *t, double secs,
		  bool summary, void *state)
{
	struct mallocbomb_state *st = state;

	report_fixed(r, "allocated_mb", (double)atomic_load(&st->allocated) / 1e6, 1);
	/* The pressure kept at the limit: bytes written per second. */
	report_fixed(r, "touched_mb_s", secs > 0 ? (double)t->c[C_TOUCHED] / 1e6 / secs : 0, 1);
	if (summary) {
		const char *why = atomic_load(&st->stopped);
		report_str(r, "stopped", why ? why : probe_interrupted() ? "signal" : "time");
	}
}

int
mallocbomb_run(const struct bench *b, const struct probe_opts *o)
{
	struct mallocbomb_state st = {
		.bench = b->name,
		.step = o->step ? o->step : UINT64_C(16) << 20,
		.limit = o->limit ? o->limit : UINT64_C(1) << 30,
	};
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "MB/s",
		.threads = 1,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = mallocbomb_work,
		.rate = mallocbomb_rate,
		.extras = mallocbomb_extras,
	};
	char err[256];

	/* Holding only makes sense while a time limit will end it. */
	st.hold = spec.time > 0;
	probe_ready(b->name);
	if (runner_run(&spec, err, sizeof err) != 0)
		probe_fail(b->name, "%s", err);
	for (size_t i = 0; i < st.nregions; i++)
		munmap(st.regions[i].p, st.regions[i].len);
	free(st.regions);
	if (atomic_load(&st.stopped) != NULL && strcmp(atomic_load(&st.stopped), "error") == 0)
		probe_fail(b->name, "mmap failed for a reason other than ENOMEM");
	return 0;
}
